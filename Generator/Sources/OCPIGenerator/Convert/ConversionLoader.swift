import Foundation
import Yams

/// Reads a conversion rules file (the dialect is described in spec/README.md), reporting every
/// mistake with its line.
public enum ConversionLoader {
    public static func load(path: String, text: String) -> Result<ConversionRules, SpecErrors> {
        let reader = YAMLReader(path: path)
        guard let root = reader.root(of: text),
            let map = reader.map(root, "a conversion file", required: ["from", "to", "doc", "roots"], optional: ["patches", "objects", "enums"])
        else { return .failure(SpecErrors(reader.diagnostics)) }
        let from = reader.string(map["from"], "'from'")
        let to = reader.string(map["to"], "'to'")
        let doc = reader.string(map["doc"], "'doc'")
        let roots = reader.list(map["roots"], "'roots'").compactMap { node in
            reader.string(node, "a root object").map { ConversionRules.Root(name: $0, location: reader.location(of: node)) }
        }
        let patches = map["patches"].map { list in
            reader.list(list, "'patches'").compactMap { node in
                reader.string(node, "an object whose PATCH bodies are converted").map { ConversionRules.Root(name: $0, location: reader.location(of: node)) }
            }
        } ?? []
        var objects: [String: ObjectRules] = [:]
        for (name, node, location) in entries(map["objects"], "'objects'", reader) {
            objects[name] = ObjectRules(name: name, fields: fieldRules(node, object: name, reader), location: location)
        }
        var enums: [String: EnumRules] = [:]
        for (name, node, location) in entries(map["enums"], "'enums'", reader) {
            enums[name] = EnumRules(name: name, values: valueRules(node, enumeration: name, reader), location: location)
        }
        guard reader.diagnostics.isEmpty, let from, let to, let doc else { return .failure(SpecErrors(reader.diagnostics)) }
        return .success(ConversionRules(
            from: from, to: to, doc: doc, roots: roots, patches: patches, objects: objects, enums: enums, location: SourceLocation(file: path, line: 1)
        ))
    }

    /// The keys of a mapping with their values and lines, in the file's order.
    private static func entries(_ node: Node?, _ what: String, _ reader: YAMLReader) -> [(String, Node, SourceLocation)] {
        guard let node else { return [] }
        guard case .mapping(let mapping) = node else {
            reader.error(at: node, "\(what) must be a mapping of names to rules")
            return []
        }
        var seen: Set<String> = []
        return mapping.compactMap { key, value in
            guard let name = key.scalar?.string else {
                reader.error(at: key, "\(what) has a key that is not a plain string")
                return nil
            }
            guard seen.insert(name).inserted else {
                reader.error(at: key, "\(what) names '\(name)' twice")
                return nil
            }
            return (name, value, reader.location(of: key))
        }
    }

    private static func fieldRules(_ node: Node, object: String, _ reader: YAMLReader) -> [FieldRule] {
        entries(node, "the rules of \(object)", reader).compactMap { field, value, location in
            let what = "the rule for \(object).\(field)"
            guard let rule = reader.map(value, what, required: [], optional: ["drop", "refuse", "from", "map", "default", "truncate", "decimals", "derive", "given", "reads", "values", "otherwise", "as_is", "reason"]) else {
                return nil
            }
            let actions = rule.values.keys.filter { $0 != "reason" && $0 != "reads" && $0 != "values" && $0 != "otherwise" }
            guard actions.count == 1, let name = actions.first else {
                reader.error(at: value, "\(what) must say one of drop, refuse, from, map, default, truncate, decimals, derive, given or as_is")
                return nil
            }
            if rule["values"] != nil, name != "refuse", name != "map" {
                reader.error(at: rule["values"], "'values' goes with refuse or map only")
                return nil
            }
            if rule["otherwise"] != nil, name != "map" {
                reader.error(at: rule["otherwise"], "'otherwise' goes with map only")
                return nil
            }
            let reason = reader.string(rule["reason"], "'reason'")
            let action: FieldRule.Action
            switch name {
            case "drop":
                guard let text = reader.string(rule["drop"], "'drop'") else { return nil }
                action = .drop
                return FieldRule(field: field, action: action, reason: reason ?? text, location: location)
            case "refuse":
                guard let text = reader.string(rule["refuse"], "'refuse'") else { return nil }
                let values = rule["values"].map { reader.strings($0, "'values'") } ?? []
                if rule["values"] != nil, values.isEmpty {
                    reader.error(at: rule["values"], "'values' lists the values refused; leave it out to refuse any value")
                    return nil
                }
                return FieldRule(field: field, action: .refuse(text, values: values), reason: reason ?? text, location: location)
            case "from":
                guard let source = reader.string(rule["from"], "'from'") else { return nil }
                action = .from(source)
            case "map":
                guard let source = reader.string(rule["map"], "'map'") else { return nil }
                let mappings = entries(rule["values"], "the values of \(what)", reader).compactMap { from, node, _ in
                    reader.string(node, "the value \(from) becomes").map { FieldRule.ValueMapping(from: from, to: $0) }
                }
                action = .map(source, values: mappings, otherwise: rule["otherwise"].flatMap { reader.string($0, "'otherwise'") })
            case "default":
                guard let text = reader.string(rule["default"], "'default'") else { return nil }
                action = .default(text)
            case "truncate":
                guard reader.bool(rule["truncate"], "'truncate'") == true else {
                    reader.error(at: rule["truncate"], "'truncate' is written `truncate: true`")
                    return nil
                }
                action = .truncate
            case "decimals":
                guard let decimals = reader.int(rule["decimals"], "'decimals'") else { return nil }
                guard (0...12).contains(decimals) else {
                    reader.error(at: rule["decimals"], "'decimals' must be between 0 and 12")
                    return nil
                }
                action = .decimals(decimals)
            case "as_is":
                guard reader.bool(rule["as_is"], "'as_is'") == true else {
                    reader.error(at: rule["as_is"], "'as_is' is written `as_is: true`")
                    return nil
                }
                action = .asIs
            case "given":
                guard let source = reader.string(rule["given"], "'given'") else { return nil }
                action = .given(source, reads: reader.strings(rule["reads"], "'reads'"))
            default:
                guard let function = reader.string(rule["derive"], "'derive'") else { return nil }
                action = .derive(function, reads: reader.strings(rule["reads"], "'reads'"))
            }
            if rule["reads"] != nil, name != "derive", name != "given" {
                reader.error(at: rule["reads"], "'reads' goes with derive or given only")
                return nil
            }
            if case .map = action, rule["values"] == nil, rule["otherwise"] == nil {
                reader.error(at: value, "\(what): a map without 'values' or 'otherwise' is a from")
                return nil
            }
            guard reason != nil || name == "from" || name == "decimals" else {
                reader.error(at: value, "\(what) needs a 'reason': \(name) changes what the partner gets")
                return nil
            }
            return FieldRule(field: field, action: action, reason: reason, location: location)
        }
    }

    private static func valueRules(_ node: Node, enumeration: String, _ reader: YAMLReader) -> [EnumValueRule] {
        entries(node, "the rules of \(enumeration)", reader).compactMap { value, ruleNode, location in
            let what = "the rule for \(enumeration).\(value)"
            guard let rule = reader.map(ruleNode, what, required: [], optional: ["to", "omit", "keep", "refuse", "reason"]) else { return nil }
            let reason = reader.string(rule["reason"], "'reason'")
            if let refuse = rule["refuse"] {
                guard rule["to"] == nil, rule["omit"] == nil, rule["keep"] == nil else {
                    reader.error(at: ruleNode, "\(what) must say one of 'to', 'omit', 'keep' or 'refuse'")
                    return nil
                }
                guard let message = reader.string(refuse, "'refuse'") else { return nil }
                return EnumValueRule(value: value, action: .refuse(message), reason: reason ?? message, location: location)
            }
            guard rule["reason"] != nil else {
                reader.error(at: ruleNode, "\(what) needs a 'reason'")
                return nil
            }
            switch (rule["to"], rule["omit"], rule["keep"]) {
            case (let to?, nil, nil):
                guard let target = reader.string(to, "'to'") else { return nil }
                return EnumValueRule(value: value, action: .to(target), reason: reason, location: location)
            case (nil, let flag?, nil), (nil, nil, let flag?):
                let name = rule["omit"] != nil ? "omit" : "keep"
                guard reader.bool(flag, "'\(name)'") == true else {
                    reader.error(at: flag, "'\(name)' is written `\(name): true`")
                    return nil
                }
                return EnumValueRule(value: value, action: name == "omit" ? .omit : .keep, reason: reason, location: location)
            default:
                reader.error(at: ruleNode, "\(what) must say one of 'to', 'omit', 'keep' or 'refuse'")
                return nil
            }
        }
    }
}

/// The conversions kept beside the releases (`spec/conversions/*.yaml`), found from a release's
/// folder, each planned against the two releases it names (`spec/ocpi-<from>`, `spec/ocpi-<to>`).
public enum ConversionFiles {
    /// The folder of conversions beside a release folder.
    public static func folder(besideRelease releaseDirectory: String) -> URL {
        URL(fileURLWithPath: releaseDirectory).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("conversions")
    }

    /// Every conversion from or to `spec`'s release, planned; the problems of all of them.
    /// `load` reads another release's folder (through the caller's own loading and checking).
    public static func plans(
        for spec: Spec, releaseDirectory: String, load: (String) throws -> Spec
    ) throws -> Result<[ConversionPlan], SpecErrors> {
        let folder = folder(besideRelease: releaseDirectory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return .success([]) }
        let display = (releaseDirectory as NSString).deletingLastPathComponent
        var plans: [ConversionPlan] = []
        var diagnostics: [Diagnostic] = []
        for name in names.sorted() where name.hasSuffix(".yaml") {
            let path = (display.isEmpty ? "" : display + "/") + "conversions/" + name
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            switch ConversionLoader.load(path: path, text: text) {
            case .failure(let errors):
                diagnostics += errors.diagnostics
            case .success(let rules):
                guard rules.from == spec.version || rules.to == spec.version else { continue }
                let other = (display.isEmpty ? "" : display + "/") + "ocpi-\(rules.from == spec.version ? rules.to : rules.from)"
                let otherSpec = try load(other)
                let (source, target) = rules.from == spec.version ? (spec, otherSpec) : (otherSpec, spec)
                switch ConversionPlanner.plan(rules, from: source, to: target) {
                case .success(let plan): plans.append(plan)
                case .failure(let errors): diagnostics += errors.diagnostics
                }
            }
        }
        return diagnostics.isEmpty ? .success(plans) : .failure(SpecErrors(diagnostics))
    }
}

extension ConversionFiles {
    /// The Swift of one rules file (`spec/conversions/2.2.1-2.1.1.yaml`), planned against the
    /// releases beside it; `load` reads a release folder.
    public static func swift(rulesPath: String, load: (String) throws -> Spec) throws -> Result<GeneratedFile, SpecErrors> {
        let text = try String(contentsOfFile: rulesPath, encoding: .utf8)
        let rules: ConversionRules
        switch ConversionLoader.load(path: rulesPath, text: text) {
        case .failure(let errors): return .failure(errors)
        case .success(let loaded): rules = loaded
        }
        let specFolder = ((rulesPath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let prefix = specFolder.isEmpty ? "" : specFolder + "/"
        let source = try load(prefix + "ocpi-\(rules.from)")
        let target = try load(prefix + "ocpi-\(rules.to)")
        return ConversionPlanner.plan(rules, from: source, to: target).map { plan in
            SwiftConversionRenderer(plan: plan, source: source, target: target, rulesPath: rulesPath).file
        }
    }
}
