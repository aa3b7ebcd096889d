/// Writes, for each spec file with types, `<Module>+Models.swift` (structs, enums, PATCH types),
/// `<Module>+Validation.swift` (the spec's rules), `<Module>+Coding.swift` (the JSON reader and
/// writer, the types' codec) and `<Module>+Codable.swift` (Foundation `Codable`, compiled only
/// with the package trait `FoundationCodable`).
struct SwiftModelRenderer {
    let plan: SwiftModelPlan

    init(spec: Spec) {
        plan = SwiftModelPlan(spec: spec)
    }

    var spec: Spec { plan.spec }

    func render() -> [GeneratedFile] {
        var files: [GeneratedFile] = []
        for file in spec.files where !file.objects.isEmpty || !file.enums.isEmpty {
            let module = SwiftNaming.moduleName(file)
            let models = file.objects.map(plan.model)
            let enums = file.enums.map(plan.enumeration)
            files.append(GeneratedFile(path: "\(module)+Models.swift", contents: modelsFile(file, models, enums)))
            if !models.isEmpty {
                files.append(GeneratedFile(path: "\(module)+Validation.swift", contents: validationFile(file, models)))
                files.append(GeneratedFile(path: "\(module)+Coding.swift", contents: codingFile(file, models)))
            }
            files.append(GeneratedFile(path: "\(module)+Codable.swift", contents: codableFile(file, module, models, enums)))
        }
        files.append(GeneratedFile(path: "OCPITypes.swift", contents: registryFile()))
        return files
    }

    // MARK: Files

    private func header(_ file: SpecFile, imports: [String] = ["Foundation", "OCPIRuntime"]) -> CodeWriter {
        var writer = CodeWriter()
        writer.line("// " + GeneratedFile.header(for: "spec/ocpi-\(spec.version)/\(file.name)"))
        writer.line()
        for module in imports { writer.line("import \(module)") }
        return writer
    }

    private func modelsFile(_ file: SpecFile, _ models: [SwiftModelPlan.Model], _ enums: [SwiftModelPlan.Enumeration]) -> String {
        var writer = header(file)
        for model in models {
            writer.line()
            structDeclaration(model, into: &writer)
            if let patchName = model.patchName {
                writer.line()
                patchDeclaration(model, patchName, into: &writer)
            }
        }
        for enumeration in enums {
            writer.line()
            enumDeclaration(enumeration, file: file, into: &writer)
        }
        return writer.text
    }

    private func validationFile(_ file: SpecFile, _ models: [SwiftModelPlan.Model]) -> String {
        var writer = header(file)
        for model in models {
            writer.line()
            validation(model.swiftName, model.properties, patch: false, into: &writer)
            if let patchName = model.patchName {
                writer.line()
                validation(patchName, model.properties, patch: true, into: &writer)
            }
        }
        return writer.text
    }

    private func codingFile(_ file: SpecFile, _ models: [SwiftModelPlan.Model]) -> String {
        var writer = header(file)
        for model in models {
            writer.line()
            coding(model, typeName: model.swiftName, patch: false, into: &writer)
            if let patchName = model.patchName {
                writer.line()
                coding(model, typeName: patchName, patch: true, into: &writer)
            }
        }
        return writer.text
    }

    /// Foundation `Codable` for the file's types, all of it inside `#if FoundationCodable`: the
    /// default build compiles none of it.
    private func codableFile(_ file: SpecFile, _ module: String, _ models: [SwiftModelPlan.Model], _ enums: [SwiftModelPlan.Enumeration]) -> String {
        var writer = header(file, imports: [])
        writer.line("// Foundation `Codable`, only with the package trait FoundationCodable; without it, the reader")
        writer.line("// and writer of \(module)+Coding.swift are these types' only codec.")
        writer.line("#if FoundationCodable")
        for module in ["Foundation", "OCPIRuntime"] { writer.line("import \(module)") }
        for model in models {
            writer.line()
            foundationCoding(model, typeName: model.swiftName, patch: false, into: &writer)
            if let patchName = model.patchName {
                writer.line()
                foundationCoding(model, typeName: patchName, patch: true, into: &writer)
            }
        }
        if !enums.isEmpty { writer.line() }
        for enumeration in enums {
            // `init(from:)` and `encode(to:)` come from OCPIEnumeration, under the same trait.
            writer.line("extension \(enumeration.swiftName): Codable {}")
        }
        writer.line("#endif")
        return writer.text
    }

    // MARK: Declarations

    private func provenance(_ name: String, _ file: String, _ ref: String?) -> String {
        "- Remark: Generated from `\(name)` in spec/ocpi-\(spec.version)/\(file)" + (ref.map { " (`\($0)`)" } ?? "") + "."
    }

    private func documentation(_ annotations: Annotations, remark: String?, extra: [String] = [], into writer: inout CodeWriter) {
        var parts: [String] = []
        if let doc = annotations.doc?.trimmingWhitespace(), !doc.isEmpty { parts.append(doc) }
        parts += extra
        if let note = annotations.note?.trimmingWhitespace(), !note.isEmpty { parts.append("- Note: " + note) }
        if let errata = annotations.errata?.trimmingWhitespace(), !errata.isEmpty { parts.append("- Important: Erratum after the release: " + errata) }
        if let remark { parts.append(remark) }
        writer.docComment(parts.joined(separator: "\n\n"))
    }

    /// What a type of a package's module says about the package; nothing for the core's types.
    private func packageRemark(file identifier: String) -> [String] {
        guard let package = spec.packageOfFile(identifier) else { return [] }
        return ["Part of the optional \(package.label) package (`\(package.name)`): only partners that implement the package exchange it."]
    }

    /// What a field that a package adds to a core object says about it.
    private func packageRemark(_ field: FieldDefinition) -> [String] {
        guard let package = spec.package(named: field.package) else { return [] }
        return ["Added by the optional \(package.label) package (`\(package.name)`): a partner without the package leaves it out."]
    }

    /// The declared Swift type of a property.
    private func declaredType(_ property: SwiftModelPlan.Property, patch: Bool) -> String {
        let element = property.baseType
        let base = property.isList ? "[\(element)]" : element
        if patch { return property.isPatchRequired ? base : base + "?" }
        return property.field.cardinality == .optional ? base + "?" : base
    }

    private func defaultValue(_ property: SwiftModelPlan.Property, patch: Bool) -> String? {
        if patch { return property.isPatchRequired ? nil : "nil" }
        switch property.field.cardinality {
        case .optional: return "nil"
        case .many: return "[]"
        default: return nil
        }
    }

    private func structDeclaration(_ model: SwiftModelPlan.Model, into writer: inout CodeWriter) {
        let object = model.object
        documentation(object.annotations, remark: provenance(object.name, fileName(of: object), object.annotations.ref),
                      extra: packageRemark(file: object.file), into: &writer)
        writer.block("public struct \(model.swiftName): OCPIModel {") { writer in
            writer.line("public static let ocpiName = \(swiftString(object.name))")
            for property in model.properties {
                writer.line()
                documentation(property.field.annotations, remark: nil, extra: packageRemark(property.field), into: &writer)
                writer.line("public var \(property.name): \(declaredType(property, patch: false))")
            }
            writer.line()
            memberwiseInit(model.properties, patch: false, into: &writer)
        }
    }

    private func patchDeclaration(_ model: SwiftModelPlan.Model, _ patchName: String, into writer: inout CodeWriter) {
        let required = model.properties.filter(\.isPatchRequired).map { "`\($0.field.name)`" }
        let patchRequiredList = required.isEmpty ? "" : ", and " + required.joined(separator: ", ")
        writer.docComment("""
            A PATCH body for \(model.swiftName): only the fields that change\(patchRequiredList).

            \(provenance(model.object.name, fileName(of: model.object), model.object.annotations.ref))
            """)
        writer.block("public struct \(patchName): OCPIModel {") { writer in
            writer.line("public static let ocpiName = \(swiftString(model.object.name))")
            for property in model.properties {
                writer.line()
                documentation(Annotations(doc: property.field.annotations.doc), remark: nil, extra: packageRemark(property.field), into: &writer)
                writer.line("public var \(property.name): \(declaredType(property, patch: true))")
            }
            writer.line()
            memberwiseInit(model.properties, patch: true, into: &writer)
        }
        writer.line()
        writer.block("extension \(model.swiftName) {") { writer in
            writer.docComment("This object with the fields the patch carries replaced.")
            writer.block("public func applying(_ patch: \(patchName)) -> \(model.swiftName) {") { writer in
                writer.line("var result = self")
                for property in model.properties {
                    if property.isPatchRequired {
                        writer.line("result.\(property.name) = patch.\(property.name)")
                    } else {
                        writer.line("if let value = patch.\(property.name) { result.\(property.name) = value }")
                    }
                }
                writer.line("return result")
            }
        }
    }

    private func memberwiseInit(_ properties: [SwiftModelPlan.Property], patch: Bool, into writer: inout CodeWriter) {
        let parameters = properties.map { property in
            let defaultValue = defaultValue(property, patch: patch).map { " = \($0)" } ?? ""
            return "\(property.name): \(declaredType(property, patch: patch))\(defaultValue)"
        }
        writer.line("public init(")
        for (index, parameter) in parameters.enumerated() {
            writer.line("    \(parameter)\(index == parameters.count - 1 ? "" : ",")")
        }
        writer.block(") {") { writer in
            for property in properties {
                writer.line("self.\(property.name) = \(property.name)")
            }
        }
    }

    private func enumDeclaration(_ enumeration: SwiftModelPlan.Enumeration, file: SpecFile, into writer: inout CodeWriter) {
        let definition = enumeration.definition
        var extra = definition.isOpen
            ? ["Open: a party may send values of its own besides these. Such a value is kept in `unrecognized` and is valid; `isKnown` tells the listed values apart."]
            : []
        extra += packageRemark(file: file.identifier)
        documentation(definition.annotations, remark: provenance(definition.name, file.name, definition.annotations.ref), extra: extra, into: &writer)
        writer.block("public enum \(enumeration.swiftName): OCPIEnumeration {") { writer in
            for entry in enumeration.cases {
                documentation(entry.definition.annotations, remark: nil, into: &writer)
                writer.line("case \(entry.name)")
            }
            writer.docComment(definition.isOpen
                ? "A value of a party's own, which this open enum allows, kept as it was received."
                : "A value this release does not define, kept as it was received.")
            writer.line("case unrecognized(String)")
            writer.line()
            writer.line("public static let ocpiName = \(swiftString(definition.name))")
            writer.line()
            writer.line("public static let knownValues: [\(enumeration.swiftName)] = [\(enumeration.cases.map { "." + $0.name }.joined(separator: ", "))]")
            writer.line()
            writer.block("public init(utf8 bytes: UnsafeBufferPointer<UInt8>) {") { writer in
                writer.stringSwitch(
                    "JSONKey(bytes: bytes)", length: "bytes.count", enumeration.cases.map { ($0.value, "self = .\($0.name)") },
                    fallback: "self = .unrecognized(String(decoding: bytes, as: UTF8.self))"
                )
            }
            writer.line()
            writer.block("public var rawValue: String {") { writer in
                writer.line("switch self {")
                for entry in enumeration.cases {
                    writer.line("case .\(entry.name): \(swiftString(entry.value))")
                }
                writer.line("case .unrecognized(let value): value")
                writer.line("}")
            }
            writer.line()
            writer.block("public var isKnown: Bool {") { writer in
                writer.line("if case .unrecognized = self { false } else { true }")
            }
        }
    }

    // MARK: Validation

    private func validation(_ typeName: String, _ properties: [SwiftModelPlan.Property], patch: Bool, into writer: inout CodeWriter) {
        let patterns = properties.compactMap { property -> (String, String)? in
            guard case .text(_, let pattern?) = property.check else { return nil }
            return (patternName(property), pattern)
        }
        writer.block("extension \(typeName) {") { writer in
            for (name, pattern) in patterns {
                writer.line("private static let \(name) = TextPattern(\(swiftString(pattern)))")
                writer.line()
            }
            let checked = properties.filter { $0.check != nil || $0.field.cardinality == .oneOrMore }
            writer.block("public func validate(into context: inout ValidationContext) {") { writer in
                if checked.isEmpty { writer.line("_ = context") }
                for property in checked {
                    fieldValidation(property, typeName: typeName, patch: patch, into: &writer)
                }
            }
        }
    }

    private func patternName(_ property: SwiftModelPlan.Property) -> String {
        property.name.trimmingCharacters(in: "`") + "Pattern"
    }

    /// The call that checks one value held in `value`, on `context`; `key` is passed to scalar
    /// checks so that they build the path only for a violation.
    private func check(_ property: SwiftModelPlan.Property, typeName: String, context: String, value: String, key: String?) -> String? {
        let at = key.map { ", at: \($0)" } ?? ""
        switch property.check {
        case nil: return nil
        case .text(let arguments, let pattern)?:
            let all = arguments + (pattern.map { _ in ["pattern: \(typeName).\(patternName(property))"] } ?? [])
            return "\(context).text(\(value), TextRule(\(all.joined(separator: ", ")))\(at))"
        case .integer(let minimum, let maximum)?:
            return "\(context).integer(\(value)\(minimum.map { ", minimum: \($0)" } ?? "")\(maximum.map { ", maximum: \($0)" } ?? "")\(at))"
        case .number(let minimum, let maximum, let decimals)?:
            return "\(context).number(\(value)\(minimum.map { ", minimum: \($0)" } ?? "")\(maximum.map { ", maximum: \($0)" } ?? "")\(decimals.map { ", maxDecimals: \($0)" } ?? "")\(at))"
        case .dateTime?: return "\(context).dateTime(\(value)\(at))"
        case .enumeration?: return "\(context).enumeration(\(value)\(at))"
        case .object?:
            return key.map { "\(context).at(\($0)) { $0.object(\(value)) }" } ?? "\(context).object(\(value))"
        }
    }

    private func fieldValidation(_ property: SwiftModelPlan.Property, typeName: String, patch: Bool, into writer: inout CodeWriter) {
        let key = swiftString(property.field.name)
        let optional = patch ? !property.isPatchRequired : property.field.cardinality == .optional
        let value = optional ? "value" : property.name
        let statement: String
        if property.isList {
            let nonEmpty = property.field.cardinality == .oneOrMore
            let element = check(property, typeName: typeName, context: "$0", value: "$1", key: nil) ?? "_ = ($0, $1)"
            statement = "context.at(\(key)) { $0.list(\(value), nonEmpty: \(nonEmpty)) { \(element) } }"
        } else {
            guard let check = check(property, typeName: typeName, context: "context", value: value, key: key) else { return }
            statement = check
        }
        if optional {
            writer.line("if let value = \(property.name) { \(statement) }")
        } else {
            writer.line(statement)
        }
    }

    // MARK: Coding

    private func isOptional(_ property: SwiftModelPlan.Property, patch: Bool) -> Bool {
        patch ? !property.isPatchRequired : property.field.cardinality == .optional
    }

    private func decodedType(_ property: SwiftModelPlan.Property) -> String {
        property.isList ? "[\(property.baseType)]" : property.baseType
    }

    /// The JSON reader and writer of a type.
    private func coding(_ model: SwiftModelPlan.Model, typeName: String, patch: Bool, into writer: inout CodeWriter) {
        let properties = model.properties
        writer.block("extension \(typeName) {") { writer in
            // Fast JSON reading.
            writer.block("public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> \(typeName)? {") { writer in
                writer.line("guard var scope = try reader.beginObject(\(swiftString(model.object.name))) else { return nil }")
                for property in properties {
                    writer.line("var \(property.name): \(decodedType(property))?")
                }
                writer.block("while let key = try reader.nextField(&scope) {") { writer in
                    writer.stringSwitch("key", length: "key.count", properties.map { property in
                        let read = property.isScalar ? "scalarField" : "field"
                        return (property.field.name, "\(property.name) = try reader.\(read)(\(swiftString(property.field.name)), \(decodedType(property)).self)")
                    }, fallback: "try reader.skipValue()")
                }
                writer.line("return \(typeName)(")
                for (index, property) in properties.enumerated() {
                    let separator = index == properties.count - 1 ? "" : ","
                    let argument: String
                    if isOptional(property, patch: patch) {
                        argument = property.name
                    } else if !patch, property.field.cardinality == .many {
                        argument = "\(property.name) ?? []"
                    } else {
                        argument = "reader.required(\(property.name), \(swiftString(property.field.name)))"
                    }
                    writer.line("    \(property.label): \(argument)\(separator)")
                }
                writer.line(")")
            }
            writer.line()
            writer.block("public static var placeholder: \(typeName) {") { writer in
                let required = properties.filter { !isOptional($0, patch: patch) && (patch || $0.field.cardinality != .many) }
                let arguments = required.map { "\($0.label): .placeholder" }.joined(separator: ", ")
                writer.line("\(typeName)(\(arguments))")
            }
            writer.line()
            // Fast JSON writing.
            writer.block("public func writeJSON(into writer: inout JSONWriter) {") { writer in
                writer.line("writer.beginObject()")
                for property in properties {
                    let key = "writer.key(\(swiftString(property.field.name)))"
                    if isOptional(property, patch: patch) {
                        writer.line("if let value = \(property.name) { \(key); value.writeJSON(into: &writer) }")
                    } else if !patch, property.field.cardinality == .many {
                        writer.line("if !\(property.name).isEmpty { \(key); \(property.name).writeJSON(into: &writer) }")
                    } else {
                        writer.line("\(key); \(property.name).writeJSON(into: &writer)")
                    }
                }
                writer.line("writer.endObject()")
            }
        }
    }

    /// Foundation `Codable` for a type, with the same JSON as its reader and writer.
    private func foundationCoding(_ model: SwiftModelPlan.Model, typeName: String, patch: Bool, into writer: inout CodeWriter) {
        let properties = model.properties
        writer.block("extension \(typeName): Codable {") { writer in
            writer.block("public init(from decoder: any Decoder) throws {") { writer in
                writer.line("let container = try decoder.container(keyedBy: CodingKeys.self)")
                for property in properties {
                    let type = decodedType(property)
                    if isOptional(property, patch: patch) {
                        writer.line("\(property.name) = try container.decodeIfPresent(\(type).self, forKey: .\(property.name))")
                    } else if !patch, property.field.cardinality == .many {
                        writer.line("\(property.name) = try container.decodeIfPresent(\(type).self, forKey: .\(property.name)) ?? []")
                    } else {
                        writer.line("\(property.name) = try container.decode(\(type).self, forKey: .\(property.name))")
                    }
                }
            }
            writer.line()
            writer.block("public func encode(to encoder: any Encoder) throws {") { writer in
                writer.line("var container = encoder.container(keyedBy: CodingKeys.self)")
                for property in properties {
                    if isOptional(property, patch: patch) {
                        writer.line("try container.encodeIfPresent(\(property.name), forKey: .\(property.name))")
                    } else if !patch, property.field.cardinality == .many {
                        writer.line("if !\(property.name).isEmpty { try container.encode(\(property.name), forKey: .\(property.name)) }")
                    } else {
                        writer.line("try container.encode(\(property.name), forKey: .\(property.name))")
                    }
                }
            }
            writer.line()
            writer.block("enum CodingKeys: String, CodingKey {") { writer in
                for property in properties {
                    writer.line("case \(property.name) = \(swiftString(property.field.name))")
                }
            }
        }
    }

    // MARK: Registry

    private func registryFile() -> String {
        var writer = CodeWriter()
        writer.line("// " + GeneratedFile.header(for: "spec/ocpi-\(spec.version)"))
        writer.line()
        writer.line("import OCPIRuntime")
        writer.line()
        writer.docComment("Every object and class type of the release by its spec name, for tools that get the name at run time.")
        writer.block("public enum OCPITypes {") { writer in
            writer.docComment("The object and class types, by spec name (`Location`).")
            writer.block("public static let models: [String: any OCPIModel.Type] = [", close: "]") { writer in
                for object in spec.objects {
                    writer.line("\(swiftString(object.name)): \(plan.model(object).swiftName).self,")
                }
            }
            writer.line()
            writer.docComment("The PATCH body types, by the spec name of the object they patch.")
            writer.block("public static let patches: [String: any OCPIModel.Type] = [", close: "]") { writer in
                for object in spec.objects {
                    guard let patchName = plan.model(object).patchName else { continue }
                    writer.line("\(swiftString(object.name)): \(patchName).self,")
                }
            }
        }
        return writer.text
    }

    private func fileName(of object: ObjectDefinition) -> String {
        spec.files.first { $0.identifier == object.file }?.name ?? object.file
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
