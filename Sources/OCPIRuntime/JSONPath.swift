/// Where a value sits inside a JSON document, kept as a stack while walking it and rendered as
/// an RFC 6901 JSON pointer (`/evses/0/connectors/1/max_voltage`) only when a violation needs it.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public internal(set) var components: [Component]


    public init(_ components: [Component] = []) {
        self.components = components
    }

    @usableFromInline
    mutating func push(_ component: Component) { components.append(component) }

    @usableFromInline
    mutating func pop() { components.removeLast() }

    public func appending(_ component: Component) -> JSONPath {
        JSONPath(components + [component])
    }

    /// The JSON pointer: `""` for the document itself, `~` and `/` in keys escaped.
    public var pointer: String {
        var result = ""
        for component in components {
            result += "/"
            switch component {
            case .index(let index): result += String(index)
            case .key(let key):
                result += key.contains(where: { $0 == "~" || $0 == "/" })
                    ? key.replacingTilde().replacingSlash()
                    : key
            }
        }
        return result
    }

    public var description: String { pointer }

    /// Whether `self` is `other` or lies inside it.
    public func isWithin(_ other: JSONPath) -> Bool {
        components.starts(with: other.components)
    }
}

extension String {
    fileprivate func replacingTilde() -> String {
        split(separator: "~", omittingEmptySubsequences: false).joined(separator: "~0")
    }

    fileprivate func replacingSlash() -> String {
        split(separator: "/", omittingEmptySubsequences: false).joined(separator: "~1")
    }
}

/// One rule a value breaks, and where.
public struct Violation: Hashable, Sendable, CustomStringConvertible, Codable {
    public var path: JSONPath
    public var message: String

    public init(path: JSONPath, message: String) {
        self.path = path
        self.message = message
    }

    /// The JSON pointer of the value.
    public var pointer: String { path.pointer }

    /// The same violation with `prefix` before its path (a value's violation, placed in the
    /// document that holds the value).
    public func prefixed(by prefix: JSONPath) -> Violation {
        Violation(path: JSONPath(prefix.components + path.components), message: message)
    }

    /// The same violation with its path below `base` made relative to it; `nil` when the path is
    /// not below `base`.
    public func relative(to base: JSONPath) -> Violation? {
        guard path.isWithin(base) else { return nil }
        return Violation(path: JSONPath(Array(path.components.dropFirst(base.components.count))), message: message)
    }

    /// `/path: message`, the form `ocpi-cpo validate` prints and error responses carry.
    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let pointer = try container.decode(String.self, forKey: .path)
        path = JSONPath(pointer.split(separator: "/").map { .key(String($0)) })
        message = try container.decode(String.self, forKey: .message)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pointer, forKey: .path)
        try container.encode(message, forKey: .message)
    }

    private enum CodingKeys: String, CodingKey {
        case path
        case message
    }
}
