/// The type of a field, parameter, header or payload, as written in spec/ (`CiString(36)`,
/// `DateTime`, `Location`).
public enum TypeReference: Hashable, Sendable, CustomStringConvertible {
    /// Case-sensitive printable UTF-8; `nil` means no length is stated.
    case string(maxLength: Int?)
    /// Case-insensitive printable ASCII.
    case ciString(maxLength: Int?)
    case url
    case dateTime
    case number
    case int
    case boolean
    /// Any JSON value; only the response envelope's `data` has it.
    case any
    /// An object or enum declared somewhere in the release.
    case named(String)

    /// Parses the spec's notation; `nil` for anything malformed.
    public init?(parsing text: String) {
        let text = text.trimmingWhitespace()
        if let open = text.firstIndex(of: "("), text.hasSuffix(")") {
            let base = String(text[..<open])
            let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
            guard let length = Int(inner), length > 0, String(length) == inner else { return nil }
            switch base {
            case "string": self = .string(maxLength: length)
            case "CiString": self = .ciString(maxLength: length)
            default: return nil
            }
            return
        }
        switch text {
        case "string": self = .string(maxLength: nil)
        case "CiString": self = .ciString(maxLength: nil)
        case "URL": self = .url
        case "DateTime": self = .dateTime
        case "number": self = .number
        case "int": self = .int
        case "boolean": self = .boolean
        case "any": self = .any
        default:
            guard let first = text.unicodeScalars.first, first.properties.isUppercase,
                text.unicodeScalars.allSatisfy({ $0.isASCIIIdentifierCharacter })
            else { return nil }
            self = .named(text)
        }
    }

    public var description: String {
        switch self {
        case .string(let n): n.map { "string(\($0))" } ?? "string"
        case .ciString(let n): n.map { "CiString(\($0))" } ?? "CiString"
        case .url: "URL"
        case .dateTime: "DateTime"
        case .number: "number"
        case .int: "int"
        case .boolean: "boolean"
        case .any: "any"
        case .named(let name): name
        }
    }

    /// The longest value allowed, in characters, for the text types.
    public var maxLength: Int? {
        switch self {
        case .string(let n), .ciString(let n): n
        case .url: 255
        default: nil
        }
    }

    public var isText: Bool {
        switch self {
        case .string, .ciString, .url: true
        default: false
        }
    }

    public var isNumeric: Bool { self == .int || self == .number }

    public var referencedName: String? {
        if case .named(let name) = self { name } else { nil }
    }
}

/// How many values a field holds.
public enum Cardinality: String, Hashable, Sendable, CaseIterable {
    /// Exactly one.
    case one = "1"
    /// Zero or one.
    case optional = "?"
    /// A list of any length.
    case many = "*"
    /// A list of at least one.
    case oneOrMore = "+"

    public var isList: Bool { self == .many || self == .oneOrMore }
    public var isRequired: Bool { self == .one || self == .oneOrMore }
}

extension Unicode.Scalar {
    var isASCIIIdentifierCharacter: Bool {
        isASCII && (properties.isAlphabetic || properties.numericType != nil || self == "_")
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
