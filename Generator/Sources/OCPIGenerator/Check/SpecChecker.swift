import Foundation

/// Checks that the items of a loaded spec fit together: every reference resolves, names are
/// unique, paths and their parameters agree. Returns every problem, never stops at the first.
public enum SpecChecker {
    public static func check(_ spec: Spec) -> [Diagnostic] {
        var run = CheckRun(spec: spec)
        run.checkTypeNames()
        run.checkObjects()
        run.checkEnums()
        run.checkModules()
        run.checkEndpoints()
        run.checkTransport()
        return run.diagnostics
    }

    /// Loads and checks; the one entry point every subcommand goes through.
    public static func loadAndCheck(_ source: SpecSource) -> Result<Spec, SpecErrors> {
        switch SpecLoader.load(source) {
        case .failure(let errors): return .failure(errors)
        case .success(let spec):
            let problems = check(spec)
            return problems.isEmpty ? .success(spec) : .failure(SpecErrors(problems))
        }
    }
}

private struct CheckRun {
    let spec: Spec
    var diagnostics: [Diagnostic] = []
    private let objects: [String: ObjectDefinition]
    private let enums: [String: EnumDefinition]
    /// File identifier → the package it belongs to, for the files of packages.
    private let packageOfFile: [String: String]

    init(spec: Spec) {
        self.spec = spec
        objects = Dictionary(spec.objects.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        enums = Dictionary(spec.enums.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        packageOfFile = Dictionary(spec.files.compactMap { file in file.package.map { (file.identifier, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    /// The package that declares a type; `nil` for the core's types and for unknown names.
    private func package(ofType name: String) -> String? {
        (objects[name]?.file ?? enums[name]?.file).flatMap { packageOfFile[$0] }
    }

    mutating func error(_ location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(location, message))
    }

    mutating func checkTypeNames() {
        var seen: [String: SourceLocation] = [:]
        // In manifest order, so that the earlier file holds the first declaration.
        let declarations = spec.files.flatMap { file in
            (file.objects.map { ($0.name, $0.location) } + file.enums.map { ($0.name, $0.location) }).sorted { $0.1 < $1.1 }
        }
        for (name, location) in declarations {
            if let first = seen[name] {
                error(location, "duplicate type name '\(name)' (first declared at \(first))")
            } else {
                seen[name] = location
            }
            if TypeReference(parsing: name) != .named(name) {
                error(location, "'\(name)' is not a valid type name (an upper-case letter, then letters, digits or _, and not a built-in type)")
            }
        }
    }

    mutating func checkObjects() {
        for object in spec.objects {
            var seen: [String: SourceLocation] = [:]
            for field in object.fields {
                if let first = seen[field.name] {
                    error(field.location, "duplicate field '\(field.name)' in \(object.name) (first at line \(first.line))")
                }
                seen[field.name] = seen[field.name] ?? field.location
                checkReference(field.type, at: field.location, in: "field '\(field.name)' of \(object.name)", from: field.package ?? packageOfFile[object.file])
                checkConstraints(field.constraints, type: field.type, at: field.location, in: "field '\(field.name)' of \(object.name)")
            }
        }
    }

    mutating func checkEnums() {
        for enumeration in spec.enums {
            var seen: [String: SourceLocation] = [:]
            for value in enumeration.values {
                if let first = seen[value.value] {
                    error(value.location, "duplicate value '\(value.value)' in \(enumeration.name) (first at line \(first.line))")
                }
                seen[value.value] = seen[value.value] ?? value.location
            }
        }
    }

    mutating func checkModules() {
        var seen: [String: SourceLocation] = [:]
        let roles = enums["Role"].map { Set($0.values.map(\.value)) }
        for file in spec.files {
            let key = file.module.map { "module \($0)" } ?? "shared \(file.shared ?? file.name)"
            if let first = seen[key] {
                error(file.location, "duplicate \(key) (first in \(first.file))")
            }
            seen[key] = seen[key] ?? file.location
            if let code = file.notFoundCode, !spec.statusCodes.contains(where: { $0.code == code }) {
                error(file.location, "'not_found_code: \(code)' of \(file.identifier) is not a declared status code")
            }
            guard let roles else { continue }
            for role in file.senderRoles + file.receiverRoles where !roles.contains(role) {
                error(file.location, "'\(role)' in the roles of \(file.identifier) is not a value of Role")
            }
        }
    }

    mutating func checkEndpoints() {
        for module in spec.modules {
            var routes: [String: SourceLocation] = [:]
            var names: [String: SourceLocation] = [:]
            for endpoint in module.endpoints {
                let label = "\(endpoint.role.rawValue) \(endpoint.method.rawValue) \(endpoint.path)"
                let key = "\(endpoint.role.rawValue) \(endpoint.method.rawValue) \(endpoint.path)"
                if let first = routes[key] {
                    error(endpoint.location, "duplicate endpoint \(label) (first at line \(first.line))")
                }
                routes[key] = routes[key] ?? endpoint.location
                for operation in endpoint.operations {
                    let nameKey = "\(endpoint.role.rawValue) \(operation.name)"
                    if let first = names[nameKey] {
                        error(operation.location, "duplicate operation name '\(operation.name)' in the \(endpoint.role.rawValue) interface of \(module.identifier) (first at line \(first.line))")
                    }
                    names[nameKey] = names[nameKey] ?? operation.location
                }
                checkEndpoint(endpoint, label: label)
            }
        }
    }

    private mutating func checkEndpoint(_ endpoint: EndpointDefinition, label: String) {
        let template = PathTemplate(endpoint.path)
        guard endpoint.path.hasPrefix("/") || endpoint.path.hasPrefix("{") else {
            error(endpoint.location, "the path of \(label) must start with '/' or with a run-time URL parameter")
            return
        }
        guard let expansions = template.expansions else {
            error(endpoint.location, "the path of \(label) has unbalanced brackets or braces")
            return
        }
        let declared = Dictionary(endpoint.parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var seenParameters = Set<String>()
        for parameter in endpoint.parameters {
            if !seenParameters.insert(parameter.name).inserted {
                error(parameter.location, "path parameter '\(parameter.name)' of \(label) is declared twice")
            }
            checkReference(parameter.type, at: parameter.location, in: "path parameter '\(parameter.name)' of \(label)", from: packageOfFile[endpoint.module])
            checkConstraints(parameter.constraints, type: parameter.type, at: parameter.location, in: "path parameter '\(parameter.name)'")
            if !template.parameterNames.contains(parameter.name) {
                error(parameter.location, "path parameter '\(parameter.name)' is declared but not used in the path of \(label)")
            }
        }
        for name in template.parameterNames where declared[name] == nil {
            error(endpoint.location, "path parameter '{\(name)}' of \(label) is not declared in 'params'")
        }
        if endpoint.isRuntimeURL, let first = template.parameterNames.first, let parameter = declared[first], parameter.type != .url {
            error(parameter.location, "'\(first)' starts the path of \(label), so it is a run-time URL and must have type URL")
        }
        var queryNames = Set<String>()
        for parameter in endpoint.query {
            if !queryNames.insert(parameter.name).inserted {
                error(parameter.location, "query parameter '\(parameter.name)' of \(label) is declared twice")
            }
            checkReference(parameter.type, at: parameter.location, in: "query parameter '\(parameter.name)' of \(label)", from: packageOfFile[endpoint.module])
            checkConstraints(parameter.constraints, type: parameter.type, at: parameter.location, in: "query parameter '\(parameter.name)'")
        }
        for operation in endpoint.operations {
            checkOperation(operation, of: endpoint, label: label, expansions: expansions, declared: declared)
            // The identifying parameter of a route must name a field of the route's body.
            if let last = operation.pathParameterNames.last, let field = declared[last]?.bodyField,
                let bodyType = operation.body?.type.referencedName, let object = objects[bodyType],
                !object.fields.contains(where: { $0.name == field })
            {
                error(operation.location, "'body_field: \(field)' of '\(last)' is not a field of \(bodyType), the body of '\(operation.name)'")
            }
        }
        if endpoint.paginated, !endpoint.operations.contains(where: { $0.response?.cardinality.isList == true }) {
            error(endpoint.location, "\(label) is paginated but answers no list")
        }
    }

    private mutating func checkOperation(
        _ operation: OperationDefinition, of endpoint: EndpointDefinition, label: String,
        expansions: [String], declared: [String: ParameterDefinition]
    ) {
        if operation.path.contains("[") || operation.path.contains("]") {
            error(operation.location, "the path of operation '\(operation.name)' must not have optional segments")
        } else if !expansions.contains(where: { matches(operation.path, form: $0, declared: declared) }) {
            error(operation.location, "the path '\(operation.path)' of operation '\(operation.name)' is not a form of \(endpoint.path)")
        }
        for name in operation.pathParameterNames where declared[name] == nil {
            error(operation.location, "path parameter '{\(name)}' of operation '\(operation.name)' is not declared in 'params'")
        }
        for (payload, what) in [(operation.body, "body"), (operation.response, "response")] {
            guard let payload else { continue }
            checkReference(payload.type, at: payload.location, in: "the \(what) of '\(operation.name)'", from: packageOfFile[endpoint.module])
            if payload.patch, what == "response" {
                error(payload.location, "a response cannot be a PATCH body")
            }
        }
        let isPatchBody = operation.body?.patch == true
        if endpoint.method == .patch, !isPatchBody {
            error(operation.location, "'\(operation.name)' is a PATCH, so its body needs 'patch: true'")
        }
        if isPatchBody, endpoint.method != .patch, let body = operation.body {
            error(body.location, "'patch: true' is only for PATCH requests")
        }
        if isPatchBody, let body = operation.body {
            if let name = body.type.referencedName, objects[name] == nil {
                error(body.location, "a PATCH body must be an object, and \(name) is not")
            } else if let name = body.type.referencedName, let object = objects[name] {
                for required in spec.patchRequiredFields where !object.fields.contains(where: { $0.name == required }) {
                    error(body.location, "a PATCH body needs '\(required)', and \(name) has none")
                }
            }
        }
    }

    /// Whether a concrete route is one form of an endpoint's path: same segments, where an
    /// enum-typed parameter may be replaced by one of its values.
    private func matches(_ path: String, form: String, declared: [String: ParameterDefinition]) -> Bool {
        let actual = PathTemplate.segments(of: path)
        let expected = PathTemplate.segments(of: form)
        guard actual.count == expected.count else { return false }
        return zip(actual, expected).allSatisfy { actual, expected in
            if actual == expected { return true }
            guard case .parameter(let name) = expected, case .literal(let literal) = actual,
                let enumName = declared[name]?.type.referencedName, let enumeration = enums[enumName]
            else { return false }
            return enumeration.values.contains { $0.value == literal }
        }
    }

    mutating func checkTransport() {
        var codes: [Int: SourceLocation] = [:]
        for code in spec.statusCodes {
            if let first = codes[code.code] {
                error(code.location, "duplicate status code \(code.code) (first at line \(first.line))")
            }
            codes[code.code] = codes[code.code] ?? code.location
            if !(1000...4999).contains(code.code) {
                error(code.location, "status code \(code.code) is outside 1000-4999")
            }
        }
        var headers: [String: SourceLocation] = [:]
        for header in spec.headers {
            let key = header.name.lowercased()
            if let first = headers[key] {
                error(header.location, "duplicate header '\(header.name)' (first at line \(first.line))")
            }
            headers[key] = headers[key] ?? header.location
            checkReference(header.type, at: header.location, in: "header \(header.name)", from: nil)
        }
        for endpoint in spec.endpoints {
            for name in endpoint.responseHeaders where headers[name.lowercased()] == nil {
                error(endpoint.location, "response header '\(name)' of \(endpoint.method.rawValue) \(endpoint.path) is not declared in the transport headers")
            }
        }
    }

    /// The type must exist, and an item of the core or of one package must not use a type of
    /// another package: a party implements the core without any package.
    private mutating func checkReference(_ type: TypeReference, at location: SourceLocation, in what: String, from package: String?) {
        guard let name = type.referencedName else { return }
        guard objects[name] != nil || enums[name] != nil else {
            error(location, "unknown type '\(name)' in \(what)")
            return
        }
        if let owner = self.package(ofType: name), owner != package {
            let user = package.map { "the package '\($0)'" } ?? "the core"
            error(location, "\(what) uses \(name) of the package '\(owner)', which \(user) cannot depend on")
        }
    }

    private mutating func checkConstraints(_ constraints: Constraints, type: TypeReference, at location: SourceLocation, in what: String) {
        if let length = constraints.exactLength {
            if !type.isText {
                error(location, "'exact_length' applies to text, not to \(type) (\(what))")
            } else if length <= 0 || (type.maxLength.map { length > $0 } ?? false) {
                error(location, "'exact_length: \(length)' does not fit \(type) (\(what))")
            }
        }
        if let pattern = constraints.pattern {
            if !type.isText && type != .dateTime {
                error(location, "'pattern' applies to text, not to \(type) (\(what))")
            }
            if (try? NSRegularExpression(pattern: pattern)) == nil {
                error(location, "'pattern' of \(what) is not a valid regular expression")
            }
        }
        if constraints.minimum != nil || constraints.maximum != nil, !type.isNumeric {
            error(location, "'min' and 'max' apply to int and number, not to \(type) (\(what))")
        }
        if let decimals = constraints.maxDecimals, type != .number || decimals < 0 {
            error(location, "'max_decimals' applies to number and must not be negative (\(what))")
        }
        if let minimum = constraints.minimum, let maximum = constraints.maximum, minimum > maximum {
            error(location, "'min' is above 'max' (\(what))")
        }
    }
}
