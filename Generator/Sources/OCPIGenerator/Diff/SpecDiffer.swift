/// Compares two checked releases item by item and classifies every difference with `DiffRules`.
///
/// Objects and enums are matched by name across the whole release (an item may move between
/// files); fields by name, enum values by value. Endpoints are matched within their module by
/// role, method and path (parameter names ignored), then by role, method and a shared operation
/// name, so that an endpoint whose path changed is reported as changed, not as removed and added.
/// The items of a module that only one release has are summed up in the module's own change.
public struct SpecDiffer: Sendable {
    public init() {}

    public func diff(old: Spec, new: Spec) -> SpecDiff {
        var context = Context(old: old, new: new)
        context.run()
        return SpecDiff(
            oldVersion: old.version, newVersion: new.version, changes: context.changes,
            oldEdition: old.edition, newEdition: new.edition,
            oldPackages: old.packages.map(\.label), newPackages: new.packages.map(\.label)
        )
    }
}

private struct Context {
    let old: Spec
    let new: Spec
    var changes: [SpecChange] = []

    init(old: Spec, new: Spec) {
        self.old = old
        self.new = new
    }

    private var onlyNew: Set<String> = []
    private var onlyOld: Set<String> = []
    /// The package of the field being compared when a package adds it to a core object: its
    /// changes are marked with it rather than with the package of the object's file.
    private var fieldPackage: String?

    mutating func run() {
        let oldFiles = Set(old.files.map(\.identifier))
        let newFiles = Set(new.files.map(\.identifier))
        onlyNew = newFiles.subtracting(oldFiles)
        onlyOld = oldFiles.subtracting(newFiles)
        for file in new.files {
            let previous = old.files.first { $0.identifier == file.identifier }
            fileChanges(previous, file)
        }
        for file in old.files where onlyOld.contains(file.identifier) {
            fileChanges(file, nil)
        }
    }

    // MARK: Files

    private mutating func fileChanges(_ oldFile: SpecFile?, _ newFile: SpecFile?) {
        guard let file = newFile ?? oldFile else { return }
        let module = file.identifier
        if oldFile == nil || newFile == nil, file.module != nil {
            let summary = [Self.count(file.objects.count, "object"), Self.count(file.enums.count, "enum"), Self.count(file.endpoints.count, "endpoint")]
                .joined(separator: ", ")
            let verdict = DiffRules.neither("modules are found through version details, so no party calls one its partner does not offer")
            add(newFile == nil ? .removed : .added, .module, module: module, item: module,
                old: newFile == nil ? summary : nil, new: newFile == nil ? nil : summary, verdict)
        }
        if let oldFile, let newFile, oldFile.package != newFile.package, file.module != nil {
            add(.changed, .module, module: module, item: module, aspect: "package",
                old: oldFile.package ?? "core", new: newFile.package ?? "core", DiffRules.packageChanged())
        }
        // A module only one release has is one change; a shared file's types are listed one by one.
        let summarized = file.module != nil && (onlyNew.contains(module) || onlyOld.contains(module))
        // Objects declared here in the new release, then those declared here only in the old one.
        for object in newFile?.objects ?? [] {
            if let previous = old.object(named: object.name) {
                objectChanges(previous, object, module: module)
            } else if !summarized {
                add(.added, .object, module: module, item: object.name, new: Self.count(object.fields.count, "field"), DiffRules.neither("an object is only used through fields and endpoints, reported on their own"))
            }
        }
        for object in oldFile?.objects ?? [] where new.object(named: object.name) == nil && !summarized {
            add(.removed, .object, module: module, item: object.name, old: Self.count(object.fields.count, "field"), DiffRules.neither("an object is only used through fields and endpoints, reported on their own"))
        }
        for enumeration in newFile?.enums ?? [] {
            if let previous = old.enumeration(named: enumeration.name) {
                enumChanges(previous, enumeration, module: module)
            } else if !summarized {
                add(.added, .enumeration, module: module, item: enumeration.name, new: Self.count(enumeration.values.count, "value"), DiffRules.neither("an enum is only used through fields and parameters, reported on their own"))
            }
        }
        for enumeration in oldFile?.enums ?? [] where new.enumeration(named: enumeration.name) == nil && !summarized {
            add(.removed, .enumeration, module: module, item: enumeration.name, old: Self.count(enumeration.values.count, "value"), DiffRules.neither("an enum is only used through fields and parameters, reported on their own"))
        }
        if !summarized {
            endpointChanges(oldFile?.endpoints ?? [], newFile?.endpoints ?? [], module: module)
        }
        transportChanges(oldFile, newFile, module: module)
    }

    // MARK: Transport

    /// Status codes and headers, compared where either release declares them.
    private mutating func transportChanges(_ oldFile: SpecFile?, _ newFile: SpecFile?, module: String) {
        let oldCodes = oldFile?.statusCodes ?? []
        let newCodes = newFile?.statusCodes ?? []
        for code in newCodes where !oldCodes.contains(where: { $0.code == code.code }) {
            add(.added, .statusCode, module: module, item: "\(code.code)", new: code.name, DiffRules.statusCode())
        }
        for code in oldCodes where !newCodes.contains(where: { $0.code == code.code }) {
            add(.removed, .statusCode, module: module, item: "\(code.code)", old: code.name, DiffRules.statusCode())
        }
        let oldHeaders = oldFile?.headers ?? []
        let newHeaders = newFile?.headers ?? []
        for header in newHeaders {
            guard let previous = oldHeaders.first(where: { $0.name.lowercased() == header.name.lowercased() }) else {
                add(.added, .header, module: module, item: header.name, new: "\(header.type), \(header.direction.rawValue)", DiffRules.header())
                continue
            }
            valueChanges(.header, module: module, item: header.name, old: (previous.type, .optional, Constraints()), new: (header.type, .optional, Constraints()))
        }
        for header in oldHeaders where !newHeaders.contains(where: { $0.name.lowercased() == header.name.lowercased() }) {
            add(.removed, .header, module: module, item: header.name, old: "\(header.type), \(header.direction.rawValue)", DiffRules.header())
        }
    }

    // MARK: Objects and enums

    private mutating func objectChanges(_ oldObject: ObjectDefinition, _ newObject: ObjectDefinition, module: String) {
        defer { fieldPackage = nil }
        for field in newObject.fields {
            let item = "\(newObject.name).\(field.name)"
            fieldPackage = field.package
            guard let previous = oldObject.fields.first(where: { $0.name == field.name }) else {
                add(.added, .field, module: module, item: item, new: Self.describe(field), DiffRules.fieldAdded(field.cardinality))
                continue
            }
            if previous.package != field.package {
                add(.changed, .field, module: module, item: item, aspect: "package",
                    old: previous.package ?? "core", new: field.package ?? "core", DiffRules.packageChanged())
            }
            valueChanges(.field, module: module, item: item,
                         old: (previous.type, previous.cardinality, previous.constraints),
                         new: (field.type, field.cardinality, field.constraints))
        }
        for field in oldObject.fields where !newObject.fields.contains(where: { $0.name == field.name }) {
            fieldPackage = field.package
            add(.removed, .field, module: module, item: "\(oldObject.name).\(field.name)", old: Self.describe(field), DiffRules.fieldRemoved(field.cardinality))
        }
    }

    private mutating func enumChanges(_ oldEnum: EnumDefinition, _ newEnum: EnumDefinition, module: String) {
        if oldEnum.isOpen != newEnum.isOpen {
            add(.changed, .enumeration, module: module, item: newEnum.name, aspect: "open",
                old: "\(oldEnum.isOpen)", new: "\(newEnum.isOpen)", DiffRules.enumOpened(newEnum.isOpen))
        }
        let oldValues = Set(oldEnum.values.map(\.value))
        let newValues = Set(newEnum.values.map(\.value))
        for value in newEnum.values where !oldValues.contains(value.value) {
            add(.added, .value, module: module, item: "\(newEnum.name).\(value.value)", DiffRules.enumValueAdded(oldIsOpen: oldEnum.isOpen))
        }
        for value in oldEnum.values where !newValues.contains(value.value) {
            add(.removed, .value, module: module, item: "\(oldEnum.name).\(value.value)", DiffRules.enumValueRemoved(newIsOpen: newEnum.isOpen))
        }
    }

    // MARK: Values (fields, parameters, payloads)

    typealias ValueShape = (type: TypeReference, cardinality: Cardinality, constraints: Constraints)

    /// Type, length, cardinality and constraints of one value that both releases have.
    private mutating func valueChanges(_ subject: SpecChange.Subject, module: String, item: String, old: ValueShape, new: ValueShape) {
        if old.cardinality != new.cardinality {
            add(.changed, subject, module: module, item: item, aspect: "cardinality",
                old: "\"\(old.cardinality.rawValue)\"", new: "\"\(new.cardinality.rawValue)\"",
                DiffRules.cardinality(old.cardinality, new.cardinality))
        }
        typeChanges(subject, module: module, item: item, old: old.type, new: new.type)
        constraintChanges(subject, module: module, item: item, old: old.constraints, new: new.constraints)
    }

    private mutating func typeChanges(_ subject: SpecChange.Subject, module: String, item: String, old: TypeReference, new: TypeReference) {
        guard old != new else { return }
        guard let oldKind = Self.textKind(old), let newKind = Self.textKind(new) else {
            add(.changed, subject, module: module, item: item, aspect: "type", old: old.description, new: new.description,
                DiffRules.type(old, new, enums: enumValues))
            return
        }
        // Text of another kind and/or length: one change, as strict as its strictest part.
        var verdicts: [DiffRules.Verdict] = []
        if oldKind != newKind { verdicts.append(DiffRules.type(old, new, enums: enumValues)) }
        if old.maxLength != new.maxLength { verdicts.append(DiffRules.maxLength(old.maxLength, new.maxLength)) }
        add(.changed, subject, module: module, item: item, aspect: oldKind != newKind ? "type" : "length",
            old: old.description, new: new.description, DiffRules.combined(verdicts))
    }

    /// `string` and `CiString` differ in their characters and may differ in length; any other
    /// pair of types is another kind of value.
    private static func textKind(_ type: TypeReference) -> String? {
        switch type {
        case .string: "string"
        case .ciString: "CiString"
        default: nil
        }
    }

    private func enumValues(_ old: TypeReference, _ new: TypeReference) -> DiffRules.EnumValues? {
        guard let oldName = old.referencedName, let newName = new.referencedName,
            let oldEnum = self.old.enumeration(named: oldName), let newEnum = self.new.enumeration(named: newName)
        else { return nil }
        return DiffRules.EnumValues(
            old: Set(oldEnum.values.map(\.value)), new: Set(newEnum.values.map(\.value)), oldIsOpen: oldEnum.isOpen, newIsOpen: newEnum.isOpen
        )
    }

    private mutating func constraintChanges(_ subject: SpecChange.Subject, module: String, item: String, old: Constraints, new: Constraints) {
        func text(_ value: Any?) -> String { value.map { "\($0)" } ?? "none" }
        if old.exactLength != new.exactLength {
            let verdict: DiffRules.Verdict = switch (old.exactLength, new.exactLength) {
            case (nil, _?): DiffRules.constraintAdded()
            case (_?, nil): DiffRules.constraintRemoved()
            default: DiffRules.both("another exact length")
            }
            add(.changed, subject, module: module, item: item, aspect: "exact length", old: text(old.exactLength), new: text(new.exactLength), verdict)
        }
        if old.pattern != new.pattern {
            let verdict: DiffRules.Verdict = switch (old.pattern, new.pattern) {
            case (nil, _?): DiffRules.constraintAdded()
            case (_?, nil): DiffRules.constraintRemoved()
            default: DiffRules.both("another pattern; neither is known to include the other")
            }
            add(.changed, subject, module: module, item: item, aspect: "pattern", old: text(old.pattern), new: text(new.pattern), verdict)
        }
        if old.minimum != new.minimum {
            add(.changed, subject, module: module, item: item, aspect: "minimum", old: text(old.minimum.map(OpenAPIRenderer.number)), new: text(new.minimum.map(OpenAPIRenderer.number)),
                DiffRules.bound(old.minimum, new.minimum, higherIsLooser: false))
        }
        if old.maximum != new.maximum {
            add(.changed, subject, module: module, item: item, aspect: "maximum", old: text(old.maximum.map(OpenAPIRenderer.number)), new: text(new.maximum.map(OpenAPIRenderer.number)),
                DiffRules.bound(old.maximum, new.maximum, higherIsLooser: true))
        }
        if old.maxDecimals != new.maxDecimals {
            add(.changed, subject, module: module, item: item, aspect: "decimals", old: text(old.maxDecimals), new: text(new.maxDecimals),
                DiffRules.bound(old.maxDecimals.map(Double.init), new.maxDecimals.map(Double.init), higherIsLooser: true))
        }
    }

    // MARK: Endpoints

    private mutating func endpointChanges(_ oldEndpoints: [EndpointDefinition], _ newEndpoints: [EndpointDefinition], module: String) {
        var unmatchedOld = Array(oldEndpoints.indices)
        var pairs: [Int: Int] = [:]  // new index → old index
        func take(_ newIndex: Int, where predicate: (EndpointDefinition) -> Bool) {
            guard pairs[newIndex] == nil, let position = unmatchedOld.firstIndex(where: { predicate(oldEndpoints[$0]) }) else { return }
            pairs[newIndex] = unmatchedOld.remove(at: position)
        }
        for (index, endpoint) in newEndpoints.enumerated() {
            take(index) { Self.sameRoute($0, endpoint) && Self.shape($0.path) == Self.shape(endpoint.path) }
        }
        for (index, endpoint) in newEndpoints.enumerated() {
            let names = Set(endpoint.operations.map(\.name))
            take(index) { Self.sameRoute($0, endpoint) && !names.isDisjoint(with: $0.operations.map(\.name)) }
        }
        for (index, endpoint) in newEndpoints.enumerated() {
            guard let previous = pairs[index].map({ oldEndpoints[$0] }) else {
                add(.added, .endpoint, module: module, item: Self.label(endpoint), DiffRules.routeAdded())
                continue
            }
            endpointChanges(previous, endpoint, module: module)
        }
        for index in unmatchedOld {
            add(.removed, .endpoint, module: module, item: Self.label(oldEndpoints[index]), DiffRules.routeRemoved())
        }
    }

    private mutating func endpointChanges(_ oldEndpoint: EndpointDefinition, _ newEndpoint: EndpointDefinition, module: String) {
        let item = Self.label(newEndpoint)
        let pathChanged = Self.shape(oldEndpoint.path) != Self.shape(newEndpoint.path)
        if pathChanged {
            add(.changed, .endpoint, module: module, item: item, aspect: "path", old: oldEndpoint.path, new: newEndpoint.path,
                DiffRules.both("callers of either release use a path the other does not serve"))
        }
        parameterChanges(oldEndpoint, newEndpoint, module: module, item: item, byPosition: !pathChanged)
        queryChanges(oldEndpoint.query, newEndpoint.query, module: module, item: item)
        if oldEndpoint.paginated != newEndpoint.paginated {
            add(.changed, .endpoint, module: module, item: item, aspect: "paginated", old: "\(oldEndpoint.paginated)", new: "\(newEndpoint.paginated)",
                DiffRules.both("a list is answered in pages on one side only"))
        }
        for header in newEndpoint.responseHeaders where !oldEndpoint.responseHeaders.contains(header) {
            add(.added, .response, module: module, item: "\(item) header \(header)", DiffRules.dataAdded("response header"))
        }
        for header in oldEndpoint.responseHeaders where !newEndpoint.responseHeaders.contains(header) {
            add(.removed, .response, module: module, item: "\(item) header \(header)", DiffRules.dataRemoved("response header"))
        }
        operationChanges(oldEndpoint, newEndpoint, module: module, item: item, pathChanged: pathChanged)
    }

    private mutating func parameterChanges(_ oldEndpoint: EndpointDefinition, _ newEndpoint: EndpointDefinition, module: String, item: String, byPosition: Bool) {
        let oldNames = PathTemplate(oldEndpoint.path).parameterNames
        let newNames = PathTemplate(newEndpoint.path).parameterNames
        var pairs: [(ParameterDefinition, ParameterDefinition)] = []
        if byPosition {
            for (oldName, newName) in zip(oldNames, newNames) {
                guard let previous = oldEndpoint.parameters.first(where: { $0.name == oldName }),
                    let current = newEndpoint.parameters.first(where: { $0.name == newName })
                else { continue }
                pairs.append((previous, current))
            }
        } else {
            for current in newEndpoint.parameters {
                if let previous = oldEndpoint.parameters.first(where: { $0.name == current.name }) { pairs.append((previous, current)) }
            }
        }
        for (previous, current) in pairs {
            let parameterItem = "\(item) {\(current.name)}"
            if previous.name != current.name {
                add(.changed, .pathParameter, module: module, item: parameterItem, aspect: "name", old: previous.name, new: current.name,
                    DiffRules.neither("only the name changed; the value in the URL is the same"))
            }
            valueChanges(.pathParameter, module: module, item: parameterItem,
                         old: (previous.type, .one, previous.constraints), new: (current.type, .one, current.constraints))
        }
    }

    private mutating func queryChanges(_ oldQuery: [ParameterDefinition], _ newQuery: [ParameterDefinition], module: String, item: String) {
        for parameter in newQuery {
            let parameterItem = "\(item) ?\(parameter.name)"
            guard let previous = oldQuery.first(where: { $0.name == parameter.name }) else {
                add(.added, .queryParameter, module: module, item: parameterItem, new: Self.describe(parameter), DiffRules.queryAdded(required: parameter.required))
                continue
            }
            if previous.required != parameter.required {
                add(.changed, .queryParameter, module: module, item: parameterItem, aspect: "required", old: "\(previous.required)", new: "\(parameter.required)",
                    DiffRules.queryRequired(previous.required, parameter.required))
            }
            let cardinality: (Bool) -> Cardinality = { $0 ? .one : .optional }
            // Required-ness is reported above; the value itself is compared as a single value.
            valueChanges(.queryParameter, module: module, item: parameterItem,
                         old: (previous.type, cardinality(parameter.required), previous.constraints),
                         new: (parameter.type, cardinality(parameter.required), parameter.constraints))
        }
        for parameter in oldQuery where !newQuery.contains(where: { $0.name == parameter.name }) {
            add(.removed, .queryParameter, module: module, item: "\(item) ?\(parameter.name)", old: Self.describe(parameter), DiffRules.queryRemoved(required: parameter.required))
        }
    }

    private mutating func operationChanges(_ oldEndpoint: EndpointDefinition, _ newEndpoint: EndpointDefinition, module: String, item: String, pathChanged: Bool) {
        var unmatched = oldEndpoint.operations
        for operation in newEndpoint.operations {
            let previous: OperationDefinition?
            if oldEndpoint.operations.count == 1, newEndpoint.operations.count == 1 {
                previous = unmatched.popLast()
            } else if let index = unmatched.firstIndex(where: { $0.name == operation.name })
                ?? unmatched.firstIndex(where: { Self.shape($0.path) == Self.shape(operation.path) })
            {
                previous = unmatched.remove(at: index)
            } else {
                previous = nil
            }
            let routeItem = newEndpoint.operations.count == 1 ? item : "\(item) \(operation.name)"
            guard let previous else {
                add(.added, .operation, module: module, item: "\(item) \(operation.path)", DiffRules.routeAdded())
                continue
            }
            if !pathChanged, newEndpoint.operations.count > 1, Self.shape(previous.path) != Self.shape(operation.path) {
                add(.changed, .operation, module: module, item: routeItem, aspect: "path", old: previous.path, new: operation.path,
                    DiffRules.both("callers of either release use a path the other does not serve"))
            }
            payloadChanges(.body, previous.body, operation.body, module: module, item: routeItem)
            payloadChanges(.response, previous.response, operation.response, module: module, item: routeItem)
        }
        for operation in unmatched {
            add(.removed, .operation, module: module, item: "\(item) \(operation.path)", DiffRules.routeRemoved())
        }
    }

    private mutating func payloadChanges(_ subject: SpecChange.Subject, _ old: PayloadDefinition?, _ new: PayloadDefinition?, module: String, item: String) {
        let what = subject == .body ? "request body" : "response data"
        switch (old, new) {
        case (nil, nil): return
        case (nil, let new?):
            add(.added, subject, module: module, item: item, new: Self.describe(new), DiffRules.dataAdded(what))
        case (let old?, nil):
            add(.removed, subject, module: module, item: item, old: Self.describe(old), DiffRules.dataRemoved(what))
        case (let old?, let new?):
            if old.patch != new.patch {
                add(.changed, subject, module: module, item: item, aspect: "patch", old: "\(old.patch)", new: "\(new.patch)",
                    DiffRules.both("a whole object on one side, a partial one on the other"))
            }
            valueChanges(subject, module: module, item: item, old: (old.type, old.cardinality, Constraints()), new: (new.type, new.cardinality, Constraints()))
        }
    }

    // MARK: Helpers

    private static func sameRoute(_ lhs: EndpointDefinition, _ rhs: EndpointDefinition) -> Bool {
        lhs.role == rhs.role && lhs.method == rhs.method
    }

    /// A path with its parameter names left out: `/tokens/{}/authorize`.
    static func shape(_ path: String) -> String {
        var result = ""
        var inBrace = false
        for character in path {
            switch character {
            case "{": inBrace = true; result.append("{")
            case "}": inBrace = false; result.append("}")
            default: if !inBrace { result.append(character) }
            }
        }
        return result
    }

    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    static func label(_ endpoint: EndpointDefinition) -> String {
        "\(endpoint.role.rawValue) \(endpoint.method.rawValue) \(endpoint.path)"
    }

    static func describe(_ field: FieldDefinition) -> String {
        "\(field.type) \"\(field.cardinality.rawValue)\""
    }

    static func describe(_ parameter: ParameterDefinition) -> String {
        "\(parameter.type)\(parameter.required ? ", required" : ", optional")"
    }

    static func describe(_ payload: PayloadDefinition) -> String {
        "\(payload.type) \"\(payload.cardinality.rawValue)\"\(payload.patch ? " (PATCH)" : "")"
    }

    private mutating func add(
        _ kind: SpecChange.Kind, _ subject: SpecChange.Subject, module: String, item: String, aspect: String? = nil,
        old: String? = nil, new: String? = nil, _ verdict: DiffRules.Verdict
    ) {
        let package = fieldPackage ?? (self.new.files.first { $0.identifier == module } ?? self.old.files.first { $0.identifier == module })?.package
        changes.append(SpecChange(kind, subject, module: module, item: item, aspect: aspect, old: old, new: new,
                                  sender: verdict.sender, receiver: verdict.receiver, reason: verdict.reason, package: package))
    }
}
