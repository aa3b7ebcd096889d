/// A route path such as `/locations/{location_id}[/{evse_uid}]`, split into segments.
public struct PathTemplate: Hashable, Sendable {
    public enum Segment: Hashable, Sendable {
        case literal(String)
        case parameter(String)
    }

    public var text: String

    public init(_ text: String) { self.text = text }

    /// The `{names}` in the order they appear, brackets ignored.
    public var parameterNames: [String] {
        var names: [String] = []
        var current: String?
        for character in text {
            switch character {
            case "{": current = ""
            case "}":
                if let name = current { names.append(name) }
                current = nil
            default: current?.append(character)
            }
        }
        return names
    }

    /// Every concrete form of the path, longest first: `/a/{x}[/{y}[/{z}]]` gives the forms with
    /// `z`, with `y` and with neither. `nil` when brackets or braces do not balance.
    public var expansions: [String]? {
        guard isBalanced else { return nil }
        var remaining = Substring(text)
        var forms = [remaining.filter { $0 != "[" && $0 != "]" }]
        while let open = remaining.lastIndex(of: "[") {
            remaining = remaining[..<open]
            forms.append(remaining.filter { $0 != "[" && $0 != "]" })
        }
        return forms
    }

    /// The segments of a path without brackets.
    public static func segments(of path: String) -> [Segment] {
        path.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix("{"), part.hasSuffix("}") {
                .parameter(String(part.dropFirst().dropLast()))
            } else {
                .literal(String(part))
            }
        }
    }

    private var isBalanced: Bool {
        var brackets = 0
        var inBrace = false
        for character in text {
            switch character {
            case "[": if inBrace { return false } else { brackets += 1 }
            case "]":
                if inBrace { return false }
                brackets -= 1
                if brackets < 0 { return false }
            case "{": if inBrace { return false } else { inBrace = true }
            case "}": if inBrace { inBrace = false } else { return false }
            default: break
            }
        }
        return brackets == 0 && !inBrace
    }
}
