import Foundation

/// The spec's rules for a text value: which characters, how long, which pattern.
public struct TextRule: Sendable {
    public enum Characters: Sendable {
        /// `string`: printable UTF-8 (no control characters).
        case printable
        /// `CiString` and `URL`: printable ASCII.
        case printableASCII
    }

    public var characters: Characters
    /// At most this many characters (Unicode scalars, as JSON Schema counts them).
    public var maxLength: Int?
    /// Exactly this many characters.
    public var exactLength: Int?
    public var pattern: TextPattern?

    public init(_ characters: Characters, maxLength: Int? = nil, exactLength: Int? = nil, pattern: TextPattern? = nil) {
        self.characters = characters
        self.maxLength = maxLength
        self.exactLength = exactLength
        self.pattern = pattern
    }

    /// The first rule the text breaks, as a message; `nil` when it keeps them all.
    public func violation(of text: String) -> String? {
        // One pass over the UTF-8 bytes: characters are counted as Unicode scalars (every byte
        // that does not continue a sequence), control characters found by their encoding.
        var count = 0
        var previous: UInt8 = 0
        for byte in text.utf8 {
            let continues = byte & 0xC0 == 0x80
            if !continues { count += 1 }
            switch characters {
            case .printableASCII:
                guard byte >= 0x20, byte <= 0x7E else { return "must contain printable ASCII characters only" }
            case .printable:
                // C0 controls, DEL, and the C1 controls U+0080-U+009F (encoded C2 80 - C2 9F).
                if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte <= 0x9F && continues) {
                    return "must not contain control characters"
                }
            }
            previous = byte
        }
        if let exactLength, count != exactLength {
            return "must be exactly \(exactLength) characters long (is \(count))"
        }
        if let maxLength, count > maxLength {
            return "must be at most \(maxLength) characters long (is \(count))"
        }
        if let pattern, !pattern.matches(text) {
            return "must match the pattern \(pattern.source)"
        }
        return nil
    }
}

/// A regular expression that must match a whole value, compiled once.
public final class TextPattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to share between threads.
    private let expression: NSRegularExpression?
    public let source: String

    public init(_ source: String) {
        self.source = source
        expression = try? NSRegularExpression(pattern: "^(?:\(source))$")
    }

    public func matches(_ text: String) -> Bool {
        guard let expression else { return false }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, options: [], range: range) != nil
    }
}
