/// Writes a conversion plan as Swift: one `convert` per object and enum, fields copied where the
/// releases agree and turned by their rule where they do not, and a protocol with one function per
/// `derive` rule for the hand-written part.
///
/// The output (`Conversion221To211.swift` in the conversions target) imports both releases'
/// targets and names every type with its module (`OCPI221.Location` -> `OCPI211.Location`).
public struct SwiftConversionRenderer {
    let plan: ConversionPlan
    let source: Spec
    let target: Spec
    /// Where the rules were read from, for the header (`spec/conversions/2.2.1-2.1.1.yaml`).
    let rulesPath: String
    private let sourceModels: SwiftModelPlan
    private let targetModels: SwiftModelPlan
    private let sourceModule: String
    private let targetModule: String

    public init(plan: ConversionPlan, source: Spec, target: Spec, rulesPath: String) {
        self.plan = plan
        self.source = source
        self.target = target
        self.rulesPath = rulesPath
        sourceModels = SwiftModelPlan(spec: source)
        targetModels = SwiftModelPlan(spec: target)
        sourceModule = Self.moduleName(source.version)
        targetModule = Self.moduleName(target.version)
    }

    /// `2.2.1` -> `OCPI221`: the generated target of a release.
    static func moduleName(_ version: String) -> String {
        "OCPI" + version.filter { $0 != "." }
    }

    /// `Conversion221To211`.
    public var typeName: String {
        "Conversion\(sourceModule.dropFirst(4))To\(targetModule.dropFirst(4))"
    }

    public var file: GeneratedFile {
        GeneratedFile(path: typeName + ".swift", contents: render())
    }

    private var derivations: [(field: String, object: String, function: String, type: String, reason: String?)] {
        plan.objects.flatMap { object in
            object.fields.compactMap { field -> (String, String, String, String, String?)? in
                guard let rule = field.rule, case .derive(let function, _) = rule.action else { return nil }
                return (field.target.name, object.name, function, targetType(of: field.target), rule.reason)
            }
        }
    }

    func render() -> String {
        var writer = CodeWriter()
        writer.line("// " + GeneratedFile.header(for: rulesPath))
        writer.line()
        writer.line("import Foundation")
        writer.line("import \(sourceModule)")
        writer.line("import \(targetModule)")
        writer.line("import OCPIRuntime")
        writer.line()
        writer.docComment("""
            The parts of the conversion from OCPI \(plan.rules.from) to \(plan.rules.to) that the rules leave to hand-written code: one function per `derive` rule in \(rulesPath).
            """)
        writer.block("public protocol \(typeName)Derivations: Sendable {") { writer in
            for (index, derivation) in derivations.enumerated() {
                if index > 0 { writer.line() }
                writer.docComment("`\(derivation.object).\(derivation.field)`: \(derivation.reason ?? "")")
                writer.line("func \(derivation.function)(_ value: \(sourceModule).\(sourceModels.swiftTypeName(.named(derivation.object)))) -> \(derivation.type)")
            }
        }
        writer.line()
        writer.docComment("""
            Objects of OCPI \(plan.rules.from) as OCPI \(plan.rules.to) has them, by the rules in \(rulesPath): \(plan.rules.doc)

            Every field the releases define alike is copied; every other one follows its rule, whose reason is written beside it.
            """)
        writer.block("public struct \(typeName)<Derivations: \(typeName)Derivations>: Sendable {") { writer in
            writer.line("public let derivations: Derivations")
            writer.line()
            writer.block("public init(derivations: Derivations) {") { writer in
                writer.line("self.derivations = derivations")
            }
            for object in plan.objects {
                writer.line()
                render(object, into: &writer)
            }
            for enumeration in plan.enums {
                writer.line()
                render(enumeration, into: &writer)
            }
        }
        return writer.text
    }

    private func render(_ object: ConversionPlan.ObjectPlan, into writer: inout CodeWriter) {
        let sourceType = "\(sourceModule).\(sourceModels.swiftTypeName(.named(object.name)))"
        let targetType = "\(targetModule).\(targetModels.swiftTypeName(.named(object.name)))"
        let lost = object.dropped.map { "`\($0.field)` (\($0.reason ?? ""))" }
        let given = object.fields.compactMap { field -> (name: String, type: String, source: String)? in
            guard let rule = field.rule, case .given(let source, _) = rule.action else { return nil }
            return (givenParameter(field.target), self.targetType(of: field.target), source)
        }
        var doc = "`\(object.name)` of \(plan.rules.from) as \(plan.rules.to) has it" + (lost.isEmpty ? "." : "; lost on the way: \(lost.joined(separator: "; ")).")
        if !given.isEmpty {
            doc += "\n\n" + given.map { "- Parameter \($0.name): given by the caller: \($0.source)." }.joined(separator: "\n")
        }
        writer.docComment(doc)
        let parameters = given.map { ", \($0.name): \($0.type)" }.joined()
        writer.block("public func convert(_ value: \(sourceType)\(parameters)) -> \(targetType) {") { writer in
            writer.block("\(targetType)(", close: ")") { writer in
                for (index, field) in object.fields.enumerated() {
                    let label = SwiftNaming.escaped(field.target.swiftName ?? SwiftNaming.propertyName(field.target.name)).trimmingCharacters(in: "`")
                    let comma = index == object.fields.count - 1 ? "" : ","
                    if let reason = field.rule?.reason { writer.line("// \(field.target.name): \(reason.split(separator: "\n").joined(separator: " "))") }
                    writer.line("\(label): \(expression(for: field))\(comma)")
                }
            }
        }
    }

    private func render(_ enumeration: ConversionPlan.EnumPlan, into writer: inout CodeWriter) {
        let sourceType = "\(sourceModule).\(sourceModels.swiftTypeName(.named(enumeration.name)))"
        let targetType = "\(targetModule).\(targetModels.swiftTypeName(.named(enumeration.name)))"
        let mapped = enumeration.rules.compactMap { rule -> (String, String, String?)? in
            if case .to(let other) = rule.action { return (rule.value, other, rule.reason) }
            return nil
        }
        let kept = enumeration.rules.filter { $0.action == .keep }
        let omitted = enumeration.rules.filter { $0.action == .omit }
        var doc = "`\(enumeration.name)` of \(plan.rules.from) as \(plan.rules.to) has it: the same value"
        if !kept.isEmpty { doc += "; sent as written although \(plan.rules.to) does not define them: \(kept.map(\.value).joined(separator: ", ")) (\(kept[0].reason ?? ""))" }
        writer.docComment(doc + ".")
        writer.block("public func convert(_ value: \(sourceType)) -> \(targetType) {") { writer in
            guard !mapped.isEmpty else {
                writer.line("\(targetType)(rawValue: value.rawValue)")
                return
            }
            writer.line("switch value.rawValue {")
            for (from, to, reason) in mapped {
                if let reason { writer.line("// \(reason.split(separator: "\n").joined(separator: " "))") }
                writer.line("case \(swiftString(from)): return \(targetType)(rawValue: \(swiftString(to)))")
            }
            writer.line("default: return \(targetType)(rawValue: value.rawValue)")
            writer.line("}")
        }
        guard !omitted.isEmpty else { return }
        writer.line()
        writer.docComment("`\(enumeration.name)` in a list; `nil` for a value that \(plan.rules.to) cannot name, which the list leaves out (\(omitted.map(\.value).joined(separator: ", "))).")
        writer.block("public func convertListed(_ value: \(sourceType)) -> \(targetType)? {") { writer in
            writer.line("switch value.rawValue {")
            writer.line("case \(omitted.map { swiftString($0.value) }.joined(separator: ", ")): return nil")
            writer.line("default: return convert(value)")
            writer.line("}")
        }
    }

    // MARK: Fields

    /// The Swift type of a target field, with its cardinality (`String?`, `[OCPI211.EVSE]`).
    private func targetType(of field: FieldDefinition) -> String {
        let base: String
        if case .named = field.type {
            base = "\(targetModule).\(targetModels.swiftTypeName(field.type))"
        } else {
            base = targetModels.swiftTypeName(field.type)
        }
        switch field.cardinality {
        case .one: return base
        case .optional: return base + "?"
        case .many, .oneOrMore: return "[\(base)]"
        }
    }

    /// The parameter of a root's `convert` that gives a field (`countryCode`).
    private func givenParameter(_ field: FieldDefinition) -> String {
        SwiftNaming.escaped(field.swiftName ?? SwiftNaming.propertyName(field.name))
    }

    private func property(_ field: FieldDefinition) -> String {
        SwiftNaming.escaped(field.swiftName ?? SwiftNaming.propertyName(field.name))
    }

    /// What turns one source element into one target element (`$0` stands for it), or `nil`
    /// when the value is taken as it is.
    private func elementTransform(from sourceField: FieldDefinition, to targetField: FieldDefinition) -> String? {
        switch (sourceField.type, targetField.type) {
        case (.named(let name), .named):
            let omits = plan.enums.first { $0.name == name }?.rules.contains { $0.action == .omit } ?? false
            if source.enumeration(named: name) != nil, omits, targetField.cardinality.isList { return "convertListed($0)" }
            return "convert($0)"
        case (.int, .number):
            return "Decimal($0)"
        default:
            return nil
        }
    }

    /// `value.x` shaped from the source field's cardinality to the target's, each element
    /// through `transform`; the result is optional where `optional` says so.
    private func shaped(_ sourceField: FieldDefinition, to targetField: FieldDefinition, transform: String?) -> (code: String, optional: Bool) {
        let value = "value.\(property(sourceField))"
        let omits = transform == "convertListed($0)"
        let apply: (String) -> String = { element in
            guard let transform else { return element }
            return transform.replacingOccurrences(of: "$0", with: element)
        }
        switch (sourceField.cardinality.isList, targetField.cardinality.isList) {
        case (true, true):
            guard let transform else { return (value, false) }
            return ("\(value).\(omits ? "compactMap" : "map") { \(transform) }", false)
        case (true, false):
            // A list for one value: its first element.
            guard let transform else { return ("\(value).first", true) }
            return ("\(value).first.map { \(transform) }", true)
        case (false, true):
            if sourceField.cardinality == .optional {
                return ("\(value).map { [\(apply("$0"))] } ?? []", false)
            }
            return ("[\(apply(value))]", false)
        case (false, false):
            if sourceField.cardinality == .optional {
                guard let transform else { return (value, true) }
                return ("\(value).map { \(transform) }", true)
            }
            return (apply(value), false)
        }
    }

    private func expression(for field: ConversionPlan.FieldPlan) -> String {
        let target = field.target
        guard let rule = field.rule else {
            guard let sourceField = field.source else {
                return target.cardinality.isList ? "[]" : "nil"
            }
            return shaped(sourceField, to: target, transform: elementTransform(from: sourceField, to: target)).code
        }
        switch rule.action {
        case .drop:
            return "nil"
        case .derive(let function, _):
            return "derivations.\(function)(value)"
        case .given:
            return givenParameter(target)
        case .from, .asIs:
            guard let sourceField = field.source else { return "nil" }
            // The planner has refused a value that may be missing for a field that requires one.
            return shaped(sourceField, to: target, transform: elementTransform(from: sourceField, to: target)).code
        case .default(let value):
            guard let sourceField = field.source else { return literal(value, for: target) }
            let (code, optional) = shaped(sourceField, to: target, transform: elementTransform(from: sourceField, to: target))
            return optional ? "\(code) ?? \(literal(value, for: target))" : code
        case .truncate:
            guard let sourceField = field.source, let limit = target.type.maxLength else { return "nil" }
            return shaped(sourceField, to: target, transform: "ConvertedText.truncated($0, to: \(limit))").code
        case .decimals(let decimals):
            guard let sourceField = field.source else { return "nil" }
            let transform = sourceField.type == .number ? "ConvertedText.rounded($0, decimals: \(decimals))" : "ConvertedText.fixed($0, decimals: \(decimals))"
            return shaped(sourceField, to: target, transform: transform).code
        }
    }

    /// A value of the target field's type written in Swift.
    private func literal(_ value: String, for field: FieldDefinition) -> String {
        switch field.type {
        case .named(let name):
            return "\(targetModule).\(targetModels.swiftTypeName(.named(name)))(rawValue: \(swiftString(value)))"
        case .int, .boolean:
            return value
        case .number:
            return "Decimal(string: \(swiftString(value))) ?? 0"
        default:
            return swiftString(value)
        }
    }

}
