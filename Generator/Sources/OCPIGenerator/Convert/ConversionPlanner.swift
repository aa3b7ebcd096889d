/// How every field of every converted object gets its value: copied where the two releases
/// agree, by a rule where they do not. Made by `ConversionPlanner`, which refuses a difference no
/// rule covers, so a release cannot be served half-converted.
public struct ConversionPlan: Hashable, Sendable {
    public var rules: ConversionRules
    /// Each object reached from the roots, once, in the order reached.
    public var objects: [ObjectPlan]
    /// Each enum the objects hold, once.
    public var enums: [EnumPlan]
    /// The objects whose PATCH bodies are converted too (`rules.patches`, checked).
    public var patches: [String] = []

    public struct ObjectPlan: Hashable, Sendable {
        public var name: String
        /// One per field of the target object, in its order.
        public var fields: [FieldPlan]
        /// Source fields that have no place in the target, with why (`drop`, or `refuse` for
        /// the values it does not refuse).
        public var dropped: [FieldRule]
    }

    public struct FieldPlan: Hashable, Sendable {
        public var target: FieldDefinition
        /// The source field the value comes from (`nil` for a default, or a field the source
        /// lacks and the target may leave out).
        public var source: FieldDefinition?
        /// `nil`: copied as it is (objects and enums through their own conversion).
        public var rule: FieldRule?
    }

    public struct EnumPlan: Hashable, Sendable {
        public var name: String
        /// Source values the target lacks: to another value, or left out of lists.
        public var rules: [EnumValueRule]
    }
}

/// Compares the two releases object by object from the roots and matches every difference with
/// its rule. Every problem is reported with the line to fix: a rules file's line, or the target
/// field's line in spec/ when the field has no rule.
public enum ConversionPlanner {
    public static func plan(_ rules: ConversionRules, from source: Spec, to target: Spec) -> Result<ConversionPlan, SpecErrors> {
        var run = PlanRun(rules: rules, source: source, target: target)
        run.plan()
        return run.diagnostics.isEmpty
            ? .success(ConversionPlan(rules: rules, objects: run.objects, enums: run.enums, patches: rules.patches.map(\.name)))
            : .failure(SpecErrors(run.diagnostics.sorted { $0.location < $1.location }))
    }
}

private struct PlanRun {
    let rules: ConversionRules
    let source: Spec
    let target: Spec
    var diagnostics: [Diagnostic] = []
    var objects: [ConversionPlan.ObjectPlan] = []
    var enums: [ConversionPlan.EnumPlan] = []
    /// Object and enum names already planned or waiting, and where each was first reached.
    private var reachedObjects: [String: SourceLocation] = [:]
    private var reachedEnums: [String: (location: SourceLocation, inSingleField: Bool)] = [:]
    private var pending: [String] = []
    /// Field rules used, by object, so that a rule nothing needs is reported.
    private var usedFieldRules: Set<String> = []
    /// Objects that some converted field holds, and where: their `convert` is called by the
    /// generated code, which cannot give values (`given`).
    private var heldByFields: [String: SourceLocation] = [:]

    init(rules: ConversionRules, source: Spec, target: Spec) {
        self.rules = rules
        self.source = source
        self.target = target
    }

    mutating func error(_ location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(location, message))
    }

    private var direction: String { "\(rules.from) -> \(rules.to)" }

    mutating func plan() {
        if source.version != rules.from { error(rules.location, "the rules convert from \(rules.from), but the source spec is \(source.version)") }
        if target.version != rules.to { error(rules.location, "the rules convert to \(rules.to), but the target spec is \(target.version)") }
        for root in rules.roots { reachObject(root.name, from: root.location) }
        while !pending.isEmpty {
            planObject(pending.removeFirst())
        }
        for name in reachedEnums.keys.sorted() { planEnum(name) }
        for patch in rules.patches { checkPatch(patch) }
        reportUnusedRules()
    }

    private mutating func reachObject(_ name: String, from location: SourceLocation, viaField: Bool = false) {
        if viaField { heldByFields[name] = heldByFields[name] ?? location }
        guard reachedObjects[name] == nil else { return }
        reachedObjects[name] = location
        pending.append(name)
    }

    private mutating func reachEnum(_ name: String, from location: SourceLocation, single: Bool) {
        if let reached = reachedEnums[name] {
            reachedEnums[name] = (reached.location, reached.inSingleField || single)
        } else {
            reachedEnums[name] = (location, single)
        }
    }

    private mutating func planObject(_ name: String) {
        let reached = reachedObjects[name] ?? rules.location
        guard let sourceObject = source.object(named: name) else {
            error(reached, "\(name) is no object of \(rules.from)")
            return
        }
        guard let targetObject = target.object(named: name) else {
            error(reached, "\(name) is no object of \(rules.to): the field that holds it needs a rule (\(direction))")
            return
        }
        let objectRules = rules.objects[name]
        var fields: [ConversionPlan.FieldPlan] = []
        var consumed: Set<String> = []
        for field in targetObject.fields {
            let sourceField = sourceObject.fields.first { $0.name == field.name }
            if let rule = objectRules?.rule(for: field.name) {
                usedFieldRules.insert("\(name).\(field.name)")
                let from = check(rule, target: field, sourceField: sourceField, in: sourceObject)
                if let from { consumed.insert(from.name) }
                if case .given = rule.action, !rules.roots.contains(where: { $0.name == name }) {
                    error(rule.location, "\(name).\(field.name) cannot be given: only a root object's convert has a caller to give it (\(name) is no root)")
                }
                if let reads = rule.reads {
                    for read in reads {
                        guard sourceObject.fields.contains(where: { $0.name == read }) else {
                            error(rule.location, "\(name) of \(rules.from) has no field '\(read)' to read")
                            continue
                        }
                        // Read in the source's own types by the hand-written function: not converted.
                        consumed.insert(read)
                    }
                }
                fields.append(ConversionPlan.FieldPlan(target: field, source: from, rule: rule))
                continue
            }
            guard let sourceField else {
                if field.cardinality.isRequired {
                    error(field.location, "\(name).\(field.name) is required in \(rules.to) and \(rules.from) has no such field: give it a rule (default, from or derive) in \(rules.location.file)")
                }
                fields.append(ConversionPlan.FieldPlan(target: field, source: nil, rule: nil))
                continue
            }
            consumed.insert(sourceField.name)
            if let difference = difference(from: sourceField, to: field) {
                error(field.location, "\(name).\(field.name) differs (\(difference)) from \(rules.from): give it a rule in \(rules.location.file)")
            }
            fields.append(ConversionPlan.FieldPlan(target: field, source: sourceField, rule: nil))
        }
        var dropped: [FieldRule] = []
        for field in sourceObject.fields where !consumed.contains(field.name) {
            guard targetObject.fields.contains(where: { $0.name == field.name }) == false else { continue }
            if let rule = objectRules?.rule(for: field.name) {
                usedFieldRules.insert("\(name).\(field.name)")
                switch rule.action {
                case .drop:
                    break
                case .refuse(_, let values):
                    checkRefusal(rule, of: field, values: values)
                default:
                    error(rule.location, "\(name).\(field.name) is not a field of \(rules.to): the only rules for it are drop and refuse")
                    continue
                }
                dropped.append(rule)
            } else {
                error(field.location, "\(name).\(field.name) has no place in \(rules.to): say `drop: <why>` for it in \(rules.location.file), or use it in a rule")
            }
        }
        objects.append(ConversionPlan.ObjectPlan(name: name, fields: fields, dropped: dropped))
    }

    /// Checks a rule against the fields it reads; the source field it reads, if any.
    private mutating func check(_ rule: FieldRule, target field: FieldDefinition, sourceField: FieldDefinition?, in sourceObject: ObjectDefinition) -> FieldDefinition? {
        switch rule.action {
        case .drop, .refuse:
            error(rule.location, "\(sourceObject.name).\(field.name) is a field of \(rules.to): \(rule.actionName) is for source fields it lacks")
            return nil
        case .from(let name):
            guard let from = sourceObject.fields.first(where: { $0.name == name }) else {
                error(rule.location, "\(sourceObject.name) of \(rules.from) has no field '\(name)'")
                return nil
            }
            // A list may give its first element to a field that may be left out; otherwise the
            // values must fit as they would for a field of the same name.
            if from.cardinality.isList, !field.cardinality.isList, field.cardinality.isRequired {
                error(rule.location, "\(sourceObject.name).\(name) is a list and \(field.name) requires one value: an empty list has none")
                return from
            }
            var adjusted = from
            if from.cardinality.isList != field.cardinality.isList { adjusted.cardinality = field.cardinality == .one ? .one : .optional }
            if !field.cardinality.isList, from.cardinality.isList { adjusted.cardinality = .optional }
            if let difference = difference(from: adjusted, to: field) {
                error(rule.location, "\(sourceObject.name).\(name) does not fit \(field.name) (\(difference)): another rule is needed")
            }
            return from
        case .default(let value):
            if case .named(let type) = field.type, let enumeration = target.enumeration(named: type),
                !enumeration.isOpen, !enumeration.values.contains(where: { $0.value == value }) {
                error(rule.location, "'\(value)' is not a value of \(type) in \(rules.to)")
            }
            if let sourceField, case .named(let type) = sourceField.type, field.type == sourceField.type {
                reachNamed(type, from: rule.location, single: !field.cardinality.isList)
            }
            return sourceField
        case .truncate:
            guard let sourceField, sourceField.type.isText, field.type.maxLength != nil else {
                error(rule.location, "truncate is for a text field with a maximum length in both releases")
                return nil
            }
            return sourceField
        case .decimals:
            guard let sourceField, sourceField.type.isText || sourceField.type == .number else {
                error(rule.location, "decimals is for a number, or a number written as text, in both releases")
                return nil
            }
            return sourceField
        case .asIs:
            guard let sourceField else {
                error(rule.location, "as_is copies a field of the same name, which \(rules.from) lacks")
                return nil
            }
            // as_is vouches for the values (a pattern the planner cannot compare), not for their
            // presence or their number.
            if sourceField.cardinality != field.cardinality, !(sourceField.cardinality == .one && field.cardinality == .optional) {
                error(rule.location, "as_is cannot bridge cardinality \"\(sourceField.cardinality.rawValue)\" -> \"\(field.cardinality.rawValue)\": give a default")
            }
            return sourceField
        case .derive, .given:
            // The hand-written function, or the caller, makes the target value itself.
            return sourceField
        case .map(let name, let values, let otherwise):
            return checkMap(rule, name: name, values: values, otherwise: otherwise, target: field, in: sourceObject)
        }
    }

    /// A `map` reads one enum value and writes one: every source value lands on a target value
    /// (its mapping, its own name, or `otherwise`), and so does a missing one where the target
    /// requires a value.
    private mutating func checkMap(
        _ rule: FieldRule, name: String, values: [FieldRule.ValueMapping], otherwise: String?, target field: FieldDefinition, in sourceObject: ObjectDefinition
    ) -> FieldDefinition? {
        guard let from = sourceObject.fields.first(where: { $0.name == name }) else {
            error(rule.location, "\(sourceObject.name) of \(rules.from) has no field '\(name)'")
            return nil
        }
        guard case .named(let sourceType) = from.type, let sourceEnum = source.enumeration(named: sourceType),
            case .named(let targetType) = field.type, let targetEnum = target.enumeration(named: targetType),
            !from.cardinality.isList, !field.cardinality.isList
        else {
            error(rule.location, "map is for one enum value made of one enum value (\(sourceObject.name).\(name) -> \(field.name))")
            return from
        }
        let targetValues = Set(targetEnum.values.map(\.value))
        for target in values.map(\.to) + (otherwise.map { [$0] } ?? []) where !targetEnum.isOpen && !targetValues.contains(target) {
            error(rule.location, "'\(target)' is not a value of \(targetType) in \(rules.to)")
        }
        for mapping in values where !sourceEnum.values.contains(where: { $0.value == mapping.from }) {
            error(rule.location, "'\(mapping.from)' is not a value of \(sourceType) in \(rules.from)")
        }
        if otherwise == nil {
            let unplaced = sourceEnum.values.map(\.value).filter { value in !values.contains { $0.from == value } && !targetValues.contains(value) }
            if !unplaced.isEmpty, !targetEnum.isOpen {
                error(rule.location, "\(unplaced.joined(separator: ", ")) of \(sourceType) \(unplaced.count == 1 ? "is" : "are") no value of \(targetType): map \(unplaced.count == 1 ? "it" : "them") or say 'otherwise'")
            }
            if from.cardinality == .optional, field.cardinality.isRequired {
                error(rule.location, "\(field.name) is required and \(sourceObject.name).\(name) may be missing: say 'otherwise'")
            }
        }
        return from
    }

    /// A `refuse` rule must leave some objects convertible: a field every object holds is refused
    /// only for some of its values, which must be values of its enum.
    private mutating func checkRefusal(_ rule: FieldRule, of field: FieldDefinition, values: [String]) {
        guard !values.isEmpty else {
            if field.cardinality == .one || field.cardinality == .oneOrMore {
                error(rule.location, "\(field.name) is always present: refusing it refuses every object; name the refused values (values: [...])")
            }
            return
        }
        guard case .named(let type) = field.type, let enumeration = source.enumeration(named: type), !field.cardinality.isList else {
            error(rule.location, "'values' is for a field holding one enum value")
            return
        }
        for value in values where !enumeration.values.contains(where: { $0.value == value }) {
            error(rule.location, "'\(value)' is not a value of \(type) in \(rules.from)")
        }
    }

    /// A PATCH body is converted field by field: only rules that turn a present value into
    /// another work on it (a derived, given or defaulted value needs the whole object).
    private mutating func checkPatch(_ root: ConversionRules.Root) {
        guard reachedObjects[root.name] != nil else {
            error(root.location, "\(root.name) is not converted (no root holds it): its PATCH bodies cannot be")
            return
        }
        for (spec, release) in [(source, rules.from), (target, rules.to)] {
            guard let object = spec.object(named: root.name), SwiftModelPlan(spec: spec).model(object).patchName != nil else {
                error(root.location, "\(root.name) is never sent by PATCH in \(release): it has no PATCH body to convert")
                return
            }
        }
        for rule in rules.objects[root.name]?.fields ?? [] {
            switch rule.action {
            case .derive, .given, .default, .map:
                error(rule.location, "\(root.name).\(rule.field): a PATCH body holds only some fields, so \(rule.actionName) cannot make this one; \(root.name) cannot be in 'patches'")
            default:
                break
            }
        }
    }

    private mutating func reachNamed(_ type: String, from location: SourceLocation, single: Bool) {
        if source.object(named: type) != nil {
            reachObject(type, from: location, viaField: true)
        } else if source.enumeration(named: type) != nil {
            reachEnum(type, from: location, single: single)
        }
    }

    /// What keeps a source value from always being a valid target value, or `nil` when it always is.
    private mutating func difference(from source: FieldDefinition, to target: FieldDefinition) -> String? {
        switch (source.cardinality, target.cardinality) {
        case (.one, .one), (.one, .optional), (.optional, .optional), (.many, .many), (.oneOrMore, .many), (.oneOrMore, .oneOrMore): break
        default: return "cardinality \"\(source.cardinality.rawValue)\" -> \"\(target.cardinality.rawValue)\""
        }
        switch (source.type, target.type) {
        case (.named(let from), .named(let to)):
            guard from == to else { return "type \(from) -> \(to)" }
            reachNamed(from, from: target.location, single: !target.cardinality.isList)
            return nil
        case (let from, let to) where from.isText && to.isText:
            if let limit = to.maxLength, (from.maxLength ?? Int.max) > limit {
                return "length \(from.maxLength.map(String.init) ?? "unlimited") -> \(limit)"
            }
            if let pattern = target.constraints.pattern, pattern != source.constraints.pattern { return "pattern \(pattern)" }
            if let length = target.constraints.exactLength, length != source.constraints.exactLength { return "exact length \(length)" }
            if from == .url, to != .url { return "type URL -> \(to)" }
            return nil
        case (.int, .int), (.int, .number), (.number, .number):
            let (s, t) = (source.constraints, target.constraints)
            if let minimum = t.minimum, (s.minimum ?? -Double.infinity) < minimum { return "minimum \(minimum)" }
            if let maximum = t.maximum, (s.maximum ?? Double.infinity) > maximum { return "maximum \(maximum)" }
            if let decimals = t.maxDecimals, (s.maxDecimals ?? Int.max) > decimals, source.type != .int { return "at most \(decimals) decimals" }
            return nil
        case (let from, let to) where from == to:
            return nil
        case (let from, let to):
            return "type \(from) -> \(to)"
        }
    }

    private mutating func planEnum(_ name: String) {
        guard let reached = reachedEnums[name], let sourceEnum = source.enumeration(named: name) else { return }
        let enumRules = rules.enums[name]
        guard let targetEnum = target.enumeration(named: name) else {
            error(reached.location, "\(name) is no enum of \(rules.to): the field that holds it needs a rule")
            return
        }
        var used: [EnumValueRule] = []
        for value in sourceEnum.values where !targetEnum.values.contains(where: { $0.value == value.value }) {
            guard let rule = enumRules?.rule(for: value.value) else {
                if !targetEnum.isOpen {
                    error(value.location, "\(name).\(value.value) is no value of \(rules.to): say where it goes (to: or omit:) under enums: \(name): in \(rules.location.file)")
                }
                continue
            }
            switch rule.action {
            case .to(let other):
                if !targetEnum.isOpen, !targetEnum.values.contains(where: { $0.value == other }) {
                    error(rule.location, "'\(other)' is no value of \(name) in \(rules.to)")
                }
            case .omit:
                if reached.inSingleField {
                    error(rule.location, "\(name).\(value.value) cannot be left out: a field holds a single \(name)")
                }
            case .keep, .refuse:
                break
            }
            used.append(rule)
        }
        for rule in enumRules?.values ?? [] where !used.contains(rule) {
            error(rule.location, "\(name).\(rule.value) needs no rule: \(rules.to) has that value, or \(rules.from) does not")
        }
        enums.append(ConversionPlan.EnumPlan(name: name, rules: used))
    }

    private mutating func reportUnusedRules() {
        for (name, location) in heldByFields.sorted(by: { $0.key < $1.key }) {
            guard let given = rules.objects[name]?.fields.first(where: { if case .given = $0.action { true } else { false } }) else { continue }
            error(given.location, "\(name).\(given.field) cannot be given: \(name) is also held by a field (\(location)), whose conversion has nothing to give")
        }
        for (name, objectRules) in rules.objects.sorted(by: { $0.key < $1.key }) {
            guard reachedObjects[name] != nil else {
                error(objectRules.location, "\(name) is not converted (no root holds it): its rules are never used")
                continue
            }
            for rule in objectRules.fields where !usedFieldRules.contains("\(name).\(rule.field)") {
                error(rule.location, "\(name) has no field '\(rule.field)' in either release")
            }
        }
        for (name, enumRules) in rules.enums.sorted(by: { $0.key < $1.key }) where reachedEnums[name] == nil {
            error(enumRules.location, "\(name) is not converted (no converted field holds it): its rules are never used")
        }
    }
}
