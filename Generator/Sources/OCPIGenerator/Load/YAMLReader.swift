import Yams

/// Reads one YAML file into typed values, collecting a diagnostic for every mistake instead of
/// stopping at the first: the user fixes a whole file in one go.
final class YAMLReader {
    let path: String
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String) { self.path = path }

    /// Parses the text; a syntax error becomes a diagnostic at its line.
    func root(of text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                error(line: 1, "the file is empty")
                return nil
            }
            return node
        } catch let yamlError as YamlError {
            switch yamlError {
            case .scanner(let context, let problem, let mark, _),
                .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let prefix = context.map { "\($0.text) started at line \($0.mark.line), " } ?? ""
                error(line: mark.line, "YAML syntax: \(prefix)\(problem)".trimmingWhitespace())
            default:
                error(line: 1, "YAML syntax: \(yamlError)")
            }
            return nil
        } catch {
            self.error(line: 1, "YAML syntax: \(error)")
            return nil
        }
    }

    func error(line: Int, _ message: String) {
        diagnostics.append(Diagnostic(SourceLocation(file: path, line: line), message))
    }

    func error(at node: Node?, _ message: String) {
        error(line: line(of: node), message)
    }

    func line(of node: Node?) -> Int { node?.mark?.line ?? 1 }

    func location(of node: Node?) -> SourceLocation { SourceLocation(file: path, line: line(of: node)) }

    /// A mapping with only the allowed keys and all the required ones, or `nil` (reported).
    func map(_ node: Node?, _ what: String, required: [String], optional: [String] = []) -> YAMLMap? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else {
            error(at: node, "\(what) must be a mapping of keys to values")
            return nil
        }
        var values: [String: Node] = [:]
        var keyNodes: [String: Node] = [:]
        let allowed = Set(required + optional)
        let allowedList = (required + optional).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                error(at: keyNode, "\(what) has a key that is not a plain string")
                continue
            }
            if values[key] != nil {
                error(at: keyNode, "\(what) has the key '\(key)' twice")
                continue
            }
            if !allowed.contains(key) {
                error(at: keyNode, "unknown key '\(key)' in \(what) (allowed: \(allowedList.joined(separator: ", ")))")
                continue
            }
            values[key] = value
            keyNodes[key] = keyNode
        }
        for key in required where values[key] == nil {
            error(at: node, "\(what) is missing '\(key)'")
        }
        return YAMLMap(node: node, values: values, keyNodes: keyNodes)
    }

    func string(_ node: Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            error(at: node, "\(what) must be a single value, not a list or mapping")
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node?, _ what: String) -> Int? {
        guard let text = string(node, what) else { return nil }
        guard let value = Int(text) else {
            error(at: node, "\(what) must be an integer, not '\(text)'")
            return nil
        }
        return value
    }

    func number(_ node: Node?, _ what: String) -> Double? {
        guard let text = string(node, what) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error(at: node, "\(what) must be a number, not '\(text)'")
            return nil
        }
        return value
    }

    func bool(_ node: Node?, _ what: String) -> Bool? {
        guard let text = string(node, what) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            error(at: node, "\(what) must be true or false, not '\(text)'")
            return nil
        }
    }

    /// The elements of a sequence; an absent key is an empty list.
    func list(_ node: Node?, _ what: String) -> [Node] {
        guard let node else { return [] }
        guard case .sequence(let sequence) = node else {
            error(at: node, "\(what) must be a list")
            return []
        }
        return Array(sequence)
    }

    func strings(_ node: Node?, _ what: String) -> [String] {
        list(node, what).compactMap { string($0, "an element of \(what)") }
    }

    func oneOf<Value: RawRepresentable>(_ node: Node?, _ what: String, _: Value.Type) -> Value?
    where Value: CaseIterable, Value.RawValue == String {
        guard let text = string(node, what) else { return nil }
        guard let value = Value(rawValue: text) else {
            let choices = Value.allCases.map(\.rawValue).joined(separator: ", ")
            error(at: node, "\(what) must be one of \(choices), not '\(text)'")
            return nil
        }
        return value
    }

    func type(_ node: Node?, _ what: String) -> TypeReference? {
        guard let text = string(node, what) else { return nil }
        guard let type = TypeReference(parsing: text) else {
            error(at: node, "malformed type '\(text)' in \(what) (expected string(n), CiString(n), URL, DateTime, number, int, boolean, any or a type name)")
            return nil
        }
        return type
    }

    func cardinality(_ node: Node?, _ what: String) -> Cardinality? {
        guard let text = string(node, what) else { return nil }
        guard let value = Cardinality(rawValue: text) else {
            error(at: node, "malformed cardinality '\(text)' in \(what) (expected \"1\", \"?\", \"*\" or \"+\")")
            return nil
        }
        return value
    }
}

/// A mapping whose keys were checked against the allowed ones.
struct YAMLMap {
    let node: Node
    let values: [String: Node]
    let keyNodes: [String: Node]

    subscript(key: String) -> Node? { values[key] }
}
