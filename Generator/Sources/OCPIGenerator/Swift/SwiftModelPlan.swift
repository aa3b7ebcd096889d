/// The translation of a spec into Swift declarations: every naming and typing decision made
/// once, so that the renderers only write text.
struct SwiftModelPlan {
    struct Property {
        let field: FieldDefinition
        /// The Swift property name (escaped when it is a keyword).
        let name: String
        /// The name as an argument label, where keywords need no escaping.
        var label: String { name.trimmingCharacters(in: "`") }
        /// The element type (`String`, `EVSE`), without list or optional.
        let baseType: String
        /// What the validator checks on one element, or `nil` when nothing.
        let check: Check?

        var isList: Bool { field.cardinality.isList }
        /// A single value that is never an object or a list.
        var isScalar: Bool {
            guard !isList else { return false }
            switch check {
            case .object?: return false
            default: return field.type != .any
            }
        }
        var isRequired: Bool { field.cardinality == .one || field.cardinality == .oneOrMore }
        /// Whether a PATCH body must carry the field (`last_updated` from 2.2 on).
        let isPatchRequired: Bool
    }

    enum Check {
        case text(arguments: [String], pattern: String?)
        case integer(minimum: String?, maximum: String?)
        case number(minimum: String?, maximum: String?, maxDecimals: Int?)
        case dateTime
        case enumeration
        case object
    }

    struct Model {
        let object: ObjectDefinition
        let swiftName: String
        let properties: [Property]
        /// The name of the PATCH type, when the object is ever sent by PATCH.
        let patchName: String?
    }

    struct Enumeration {
        let definition: EnumDefinition
        let swiftName: String
        /// (case name, raw value, definition) in spec order.
        let cases: [(name: String, value: String, definition: EnumValueDefinition)]
    }

    let spec: Spec
    private let objectNames: [String: String]
    private let enumNames: [String: String]
    private let openEnums: Set<String>
    private let patched: Set<String>

    init(spec: Spec) {
        self.spec = spec
        objectNames = Dictionary(spec.objects.map { ($0.name, $0.swiftName ?? $0.name) }, uniquingKeysWith: { first, _ in first })
        enumNames = Dictionary(spec.enums.map { ($0.name, $0.swiftName ?? $0.name) }, uniquingKeysWith: { first, _ in first })
        openEnums = Set(spec.enums.filter(\.isOpen).map(\.name))
        patched = Set(spec.endpoints.flatMap(\.operations).compactMap { operation in
            operation.body?.patch == true ? operation.body?.type.referencedName : nil
        })
    }

    func model(_ object: ObjectDefinition) -> Model {
        let swiftName = objectNames[object.name] ?? object.name
        return Model(
            object: object,
            swiftName: swiftName,
            properties: object.fields.map(property),
            patchName: patched.contains(object.name) ? swiftName + "Patch" : nil
        )
    }

    func enumeration(_ definition: EnumDefinition) -> Enumeration {
        Enumeration(
            definition: definition,
            swiftName: enumNames[definition.name] ?? definition.name,
            cases: definition.values.map { value in
                (SwiftNaming.escaped(value.swiftName ?? SwiftNaming.caseName(value.value)), value.value, value)
            }
        )
    }

    func swiftTypeName(_ type: TypeReference) -> String {
        switch type {
        case .string, .ciString, .url: "String"
        case .dateTime: "OCPIDateTime"
        case .number: "Decimal"
        case .int: "Int"
        case .boolean: "Bool"
        case .any: "JSONValue"
        case .named(let name): objectNames[name] ?? enumNames[name] ?? name
        }
    }

    private func property(_ field: FieldDefinition) -> Property {
        Property(
            field: field,
            name: SwiftNaming.escaped(field.swiftName ?? SwiftNaming.propertyName(field.name)),
            baseType: swiftTypeName(field.type),
            check: check(field.type, field.constraints),
            isPatchRequired: spec.patchRequiredFields.contains(field.name)
        )
    }

    /// The arguments of the `TextRule` for a text type (without a pattern).
    func textRuleArguments(_ type: TypeReference, _ constraints: Constraints) -> [String] {
        var arguments = [type.isCaseInsensitive || type == .url ? ".printableASCII" : ".printable"]
        if let maximum = type.maxLength { arguments.append("maxLength: \(maximum)") }
        if let exact = constraints.exactLength { arguments.append("exactLength: \(exact)") }
        return arguments
    }

    func isEnumeration(_ type: TypeReference) -> Bool {
        type.referencedName.map { enumNames[$0] != nil } ?? false
    }

    /// An open enum's values are never refused: any text is one.
    func isOpenEnumeration(_ type: TypeReference) -> Bool {
        type.referencedName.map(openEnums.contains) ?? false
    }

    private func check(_ type: TypeReference, _ constraints: Constraints) -> Check? {
        switch type {
        case .string, .ciString, .url:
            return .text(arguments: textRuleArguments(type, constraints), pattern: constraints.pattern)
        case .int:
            guard constraints.minimum != nil || constraints.maximum != nil else { return nil }
            return .integer(minimum: constraints.minimum.map(Self.literal), maximum: constraints.maximum.map(Self.literal))
        case .number:
            guard constraints.minimum != nil || constraints.maximum != nil || constraints.maxDecimals != nil else { return nil }
            return .number(minimum: constraints.minimum.map(Self.literal), maximum: constraints.maximum.map(Self.literal), maxDecimals: constraints.maxDecimals)
        case .dateTime: return .dateTime
        case .boolean, .any: return nil
        case .named(let name):
            // A value of an open enum that this release does not list is valid: nothing to check.
            guard enumNames[name] == nil else { return openEnums.contains(name) ? nil : .enumeration }
            return .object
        }
    }

    static func literal(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
