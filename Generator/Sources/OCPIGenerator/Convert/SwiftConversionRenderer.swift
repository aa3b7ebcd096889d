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
    /// Converted objects that may hold a value the rules refuse, themselves or in what they hold.
    private let refusing: Set<String>
    /// Per enum, the source values the rules refuse.
    private let refusedValues: [String: [(value: String, message: String)]]

    public init(plan: ConversionPlan, source: Spec, target: Spec, rulesPath: String) {
        self.plan = plan
        self.source = source
        self.target = target
        self.rulesPath = rulesPath
        sourceModels = SwiftModelPlan(spec: source)
        targetModels = SwiftModelPlan(spec: target)
        sourceModule = Self.moduleName(source.version)
        targetModule = Self.moduleName(target.version)
        var refusedValues: [String: [(value: String, message: String)]] = [:]
        for enumeration in plan.enums {
            let refused = enumeration.rules.compactMap { rule -> (String, String)? in
                if case .refuse(let message) = rule.action { return (rule.value, message) }
                return nil
            }
            if !refused.isEmpty { refusedValues[enumeration.name] = refused }
        }
        self.refusedValues = refusedValues
        refusing = Self.refusingObjects(plan, refusedValues: Set(refusedValues.keys))
    }

    /// The fixpoint: an object refuses when a rule refuses one of its fields or values, or when a
    /// field it converts holds an object that refuses.
    private static func refusingObjects(_ plan: ConversionPlan, refusedValues: Set<String>) -> Set<String> {
        var found: Set<String> = []
        var changed = true
        while changed {
            changed = false
            for object in plan.objects where !found.contains(object.name) {
                let refusesField = object.dropped.contains { if case .refuse = $0.action { true } else { false } }
                let holds = object.fields.contains { field in
                    guard let type = convertedSource(field)?.type.referencedName else { return false }
                    return found.contains(type) || refusedValues.contains(type)
                }
                if refusesField || holds {
                    found.insert(object.name)
                    changed = true
                }
            }
        }
        return found
    }

    /// The source field whose value a target field takes through its type's conversion, if any.
    private static func convertedSource(_ field: ConversionPlan.FieldPlan) -> FieldDefinition? {
        guard let rule = field.rule else { return field.source }
        switch rule.action {
        case .from, .asIs, .default: return field.source
        default: return nil
        }
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
            for object in plan.objects where plan.patches.contains(object.name) {
                writer.line()
                renderPatch(object, into: &writer)
            }
            for object in plan.objects where refusing.contains(object.name) || plan.patches.contains(object.name) {
                writer.line()
                renderRefusals(object, patch: false, into: &writer)
                if plan.patches.contains(object.name) {
                    writer.line()
                    renderRefusals(object, patch: true, into: &writer)
                }
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
        let lost = object.dropped.map { rule in
            if case .refuse(_, let values) = rule.action {
                return values.isEmpty
                    ? "`\(rule.field)`, never: an object holding it is refused (`refusals`): \(rule.reason ?? "")"
                    : "`\(rule.field)` unless it is \(values.joined(separator: " or ")), which is refused (`refusals`): \(rule.reason ?? "")"
            }
            return "`\(rule.field)` (\(rule.reason ?? ""))"
        }
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
                    writer.line("\(label): \(expression(for: field, in: object.name))\(comma)")
                }
            }
        }
        for field in object.fields {
            guard let rule = field.rule, case .map(_, let values, let otherwise) = rule.action, let sourceField = field.source else { continue }
            writer.line()
            renderMap(object.name, field: field.target, from: sourceField, values: values, otherwise: otherwise, into: &writer)
        }
    }

    /// `mappedLocationType`: the function of a `map` rule.
    private func mapFunction(_ object: String, _ field: FieldDefinition) -> String {
        let property = SwiftNaming.propertyName(field.name)
        return "mapped" + object + property.prefix(1).uppercased() + property.dropFirst()
    }

    private func renderMap(
        _ object: String, field: FieldDefinition, from sourceField: FieldDefinition, values: [FieldRule.ValueMapping], otherwise: String?,
        into writer: inout CodeWriter
    ) {
        let sourceType = "\(sourceModule).\(sourceModels.swiftTypeName(sourceField.type))"
        let targetBase = "\(targetModule).\(targetModels.swiftTypeName(field.type))"
        let optionalSource = sourceField.cardinality == .optional
        let optionalTarget = field.cardinality == .optional
        writer.docComment("`\(object).\(field.name)` of \(plan.rules.to) from `\(sourceField.name)`, by its `map` rule.")
        writer.block("private func \(mapFunction(object, field))(_ value: \(sourceType)\(optionalSource ? "?" : "")) -> \(targetBase)\(optionalTarget ? "?" : "") {") { writer in
            writer.line("switch value\(optionalSource ? "?" : "").rawValue {")
            var grouped: [(to: String, from: [String])] = []
            for mapping in values {
                if let index = grouped.firstIndex(where: { $0.to == mapping.to }) { grouped[index].from.append(mapping.from) } else { grouped.append((mapping.to, [mapping.from])) }
            }
            for group in grouped {
                writer.line("case \(group.from.map(swiftString).joined(separator: ", ")): return \(targetBase)(rawValue: \(swiftString(group.to)))")
            }
            writer.line("case let raw\(optionalSource ? "?" : "") where \(targetBase)(rawValue: raw).isKnown: return \(targetBase)(rawValue: raw)")
            if let otherwise {
                writer.line("default: return \(targetBase)(rawValue: \(swiftString(otherwise)))")
            } else if optionalSource {
                // The planner allows this only for a target that may be left out.
                writer.line("default: return value.map { \(targetBase)(rawValue: $0.rawValue) }")
            } else {
                writer.line("default: return \(targetBase)(rawValue: value.rawValue)")
            }
            writer.line("}")
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
        let refused = refusedValues[enumeration.name] ?? []
        var doc = "`\(enumeration.name)` of \(plan.rules.from) as \(plan.rules.to) has it: the same value"
        if !kept.isEmpty { doc += "; sent as written although \(plan.rules.to) does not define them: \(kept.map(\.value).joined(separator: ", ")) (\(kept[0].reason ?? ""))" }
        if !refused.isEmpty { doc += "; never asked for \(refused.map(\.value).joined(separator: ", ")), which `refusals` names for the caller to refuse (kept as written if asked)" }
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
        if !refused.isEmpty {
            writer.line()
            writer.docComment("Why \(plan.rules.to) cannot take `value`, when it is a value the rules refuse.")
            writer.block("static func refusal(_ value: \(sourceType)) -> String? {") { writer in
                writer.line("switch value.rawValue {")
                for (value, message) in refused {
                    writer.line("case \(swiftString(value)): return \(swiftString(message))")
                }
                writer.line("default: return nil")
                writer.line("}")
            }
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

    // MARK: PATCH bodies and refusals

    /// `convert` of a PATCH body: each field present turned as the object's `convert` turns it,
    /// each absent one left absent (the planner allows only rules that work on one value).
    private func renderPatch(_ object: ConversionPlan.ObjectPlan, into writer: inout CodeWriter) {
        guard let sourceObject = source.object(named: object.name), let targetObject = target.object(named: object.name),
            let sourcePatch = sourceModels.model(sourceObject).patchName, let targetPatch = targetModels.model(targetObject).patchName
        else { return }
        writer.docComment("A PATCH body of `\(object.name)` of \(plan.rules.from) as \(plan.rules.to) has it: every field it holds converted as `convert(_:)` converts it\(object.dropped.isEmpty ? "" : ", and what that drops dropped").")
        writer.block("public func convert(_ value: \(sourceModule).\(sourcePatch)) -> \(targetModule).\(targetPatch) {") { writer in
            let present = object.fields.filter { $0.source != nil }
            guard !present.isEmpty else {
                writer.line("\(targetModule).\(targetPatch)()")
                return
            }
            writer.block("\(targetModule).\(targetPatch)(", close: ")") { writer in
                for (index, field) in present.enumerated() {
                    let label = SwiftNaming.escaped(field.target.swiftName ?? SwiftNaming.propertyName(field.target.name)).trimmingCharacters(in: "`")
                    let comma = index == present.count - 1 ? "" : ","
                    writer.line("\(label): \(patchExpression(for: field))\(comma)")
                }
            }
        }
    }

    private func patchExpression(for field: ConversionPlan.FieldPlan) -> String {
        guard let sourceField = field.source else { return "nil" }
        let transform: String?
        switch field.rule?.action {
        case .truncate?:
            transform = field.target.type.maxLength.map { "ConvertedText.truncated($0, to: \($0))" }
        case .decimals(let decimals)?:
            transform = sourceField.type == .number ? "ConvertedText.rounded($0, decimals: \(decimals))" : "ConvertedText.fixed($0, decimals: \(decimals))"
        default:
            transform = elementTransform(from: sourceField, to: field.target)
        }
        let required = source.patchRequiredFields.contains(sourceField.name) && target.patchRequiredFields.contains(field.target.name)
        if required {
            return shaped(sourceField, to: field.target, transform: transform).code
        }
        // In a PATCH body every other field is optional: shape the value that is there.
        var base = sourceField
        base.cardinality = sourceField.cardinality.isList ? .many : .one
        var targetBase = field.target
        targetBase.cardinality = field.target.cardinality.isList ? .many : .one
        let (inner, optional) = shaped(base, to: targetBase, transform: transform, value: "present")
        if inner == "present" { return "value.\(property(sourceField))" }
        return "value.\(property(sourceField)).\(optional ? "flatMap" : "map") { present in \(inner) }"
    }

    /// `refusals(_:at:)`: every value of the object that the rules refuse, with its pointer (below
    /// `path`) and the rule's message; empty when the object converts with nothing refused.
    private func renderRefusals(_ object: ConversionPlan.ObjectPlan, patch: Bool, into writer: inout CodeWriter) {
        guard let sourceObject = source.object(named: object.name) else { return }
        let model = sourceModels.model(sourceObject)
        let typeName = patch ? (model.patchName ?? model.swiftName) : model.swiftName
        let optional: (FieldDefinition) -> Bool = { field in
            patch ? !source.patchRequiredFields.contains(field.name) : field.cardinality == .optional
        }
        var checks: [[String]] = []
        for rule in object.dropped {
            guard case .refuse(let message, let values) = rule.action, let field = sourceObject.fields.first(where: { $0.name == rule.field }) else { continue }
            let access = "value.\(property(field))"
            let condition: String
            if !values.isEmpty {
                let list = "[" + values.map(swiftString).joined(separator: ", ") + "]"
                condition = optional(field) ? "\(access).map { \(list).contains($0.rawValue) } == true" : "\(list).contains(\(access).rawValue)"
            } else if field.cardinality.isList {
                condition = optional(field) ? "\(access)?.isEmpty == false" : "!\(access).isEmpty"
            } else {
                condition = "\(access) != nil"
            }
            checks.append([
                "if \(condition) {",
                "    found.append(Violation(path: path.appending(.key(\(swiftString(field.name)))), message: \(swiftString(message))))",
                "}",
            ])
        }
        for field in object.fields {
            guard let sourceField = Self.convertedSource(field), let type = sourceField.type.referencedName else { continue }
            let key = "path.appending(.key(\(swiftString(sourceField.name))))"
            let access = "value.\(property(sourceField))"
            let check: (String, String) -> [String]
            if refusedValues[type] != nil {
                check = { item, at in
                    ["if let message = Self.refusal(\(item)) {", "    found.append(Violation(path: \(at), message: message))", "}"]
                }
            } else if refusing.contains(type) {
                check = { item, at in ["found += refusals(\(item), at: \(at))"] }
            } else {
                continue
            }
            let isOptional = optional(sourceField) || (!patch && sourceField.cardinality == .optional)
            if sourceField.cardinality.isList {
                let list = isOptional ? "(\(access) ?? [])" : access
                checks.append(["for (index, item) in \(list).enumerated() {"] + check("item", "\(key).appending(.index(index))").map { "    " + $0 } + ["}"])
            } else if isOptional {
                checks.append(["if let item = \(access) {"] + check("item", key).map { "    " + $0 } + ["}"])
            } else {
                checks.append(check(access, key))
            }
        }
        writer.docComment("""
            What of \(patch ? "a PATCH body of " : "")`\(object.name)` \(plan.rules.to) cannot take: each value the rules refuse, at its pointer below `path` and with the rule's message; empty when `convert` keeps everything the writer meant.
            """)
        writer.block("public func refusals(_ value: \(sourceModule).\(typeName), at path: JSONPath = JSONPath()) -> [Violation] {") { writer in
            guard !checks.isEmpty else {
                writer.line("[]")
                return
            }
            writer.line("var found: [Violation] = []")
            for check in checks {
                for line in check { writer.line(line) }
            }
            writer.line("return found")
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
    private func shaped(
        _ sourceField: FieldDefinition, to targetField: FieldDefinition, transform: String?, value: String? = nil
    ) -> (code: String, optional: Bool) {
        let value = value ?? "value.\(property(sourceField))"
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

    private func expression(for field: ConversionPlan.FieldPlan, in object: String) -> String {
        let target = field.target
        guard let rule = field.rule else {
            guard let sourceField = field.source else {
                return target.cardinality.isList ? "[]" : "nil"
            }
            return shaped(sourceField, to: target, transform: elementTransform(from: sourceField, to: target)).code
        }
        switch rule.action {
        case .drop, .refuse:
            return "nil"
        case .derive(let function, _):
            return "derivations.\(function)(value)"
        case .given:
            return givenParameter(target)
        case .map:
            guard let sourceField = field.source else { return "nil" }
            return "\(mapFunction(object, target))(value.\(property(sourceField)))"
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
