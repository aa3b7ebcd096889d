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
        var text = text
        let (count, badCharacters) = text.withUTF8 { scan($0) }
        if badCharacters {
            switch characters {
            case .printableASCII: return "must contain printable ASCII characters only"
            case .printable: return "must not contain control characters"
            }
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

    /// One pass over the UTF-8 bytes: the length in Unicode scalars (bytes that do not continue
    /// a sequence), and whether a character outside the rule's set occurs.
    private func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (count: Int, badCharacters: Bool) {
        switch characters {
        case .printableASCII:
            // ASCII only, so every byte is a character.
            for byte in bytes where byte < 0x20 || byte > 0x7E { return (0, true) }
            return (bytes.count, false)
        case .printable:
            var count = 0
            var previous: UInt8 = 0
            for byte in bytes {
                let continues = byte & 0xC0 == 0x80
                count &+= continues ? 0 : 1
                // C0 controls, DEL, and the C1 controls U+0080-U+009F (encoded C2 80 - C2 9F).
                if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte <= 0x9F && continues) { return (0, true) }
                previous = byte
            }
            return (count, false)
        }
    }
}

/// A regular expression that must match a whole value, compiled once.
///
/// The spec's patterns use a small part of the regular expression language: literals, escapes,
/// ASCII classes and ranges, groups, alternation and the quantifiers `?`, `*`, `+`, `{n}`,
/// `{m,n}`. Those are compiled into a position automaton (Glushkov's construction) run over the
/// UTF-8 bytes with one bit per position, which needs no allocation and no bridging to check a
/// value. Anything else falls back to `NSRegularExpression`.
public final class TextPattern: @unchecked Sendable {
    // Both are immutable after `init`; NSRegularExpression is documented as safe to share.
    private let automaton: ByteAutomaton?
    private let expression: NSRegularExpression?
    public let source: String

    public init(_ source: String) {
        self.source = source
        automaton = ByteAutomaton(pattern: source)
        expression = automaton == nil ? try? NSRegularExpression(pattern: "^(?:\(source))$") : nil
    }

    /// Whether the fast automaton (rather than `NSRegularExpression`) checks this pattern.
    public var isCompiled: Bool { automaton != nil }

    public func matches(_ text: String) -> Bool {
        if let automaton {
            var text = text
            return text.withUTF8 { automaton.matches($0) }
        }
        guard let expression else { return false }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, options: [], range: range) != nil
    }
}

/// A whole-match automaton over bytes for patterns of at most 64 positions.
struct ByteAutomaton: Sendable {
    /// For each byte, the positions whose class holds it.
    private var positionsByByte: [UInt64]
    /// For each position, the positions that may come next.
    private var follow: [UInt64]
    private var first: UInt64 = 0
    private var last: UInt64 = 0
    private var nullable = false

    init?(pattern: String) {
        var parser = PatternParser(bytes: Array(pattern.utf8))
        guard let tree = parser.parseWhole() else { return nil }
        var builder = GlushkovBuilder()
        guard let result = builder.build(tree) else { return nil }
        positionsByByte = builder.positionsByByte
        follow = builder.follow
        first = result.first
        last = result.last
        nullable = result.nullable
    }

    func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let head = bytes.first else { return nullable }
        var active = first & positionsByByte[Int(head)]
        for byte in bytes.dropFirst() {
            guard active != 0 else { return false }
            var next: UInt64 = 0
            var remaining = active
            while remaining != 0 {
                let position = remaining.trailingZeroBitCount
                next |= follow[position]
                remaining &= remaining - 1
            }
            active = next & positionsByByte[Int(byte)]
        }
        return active & last != 0
    }
}

/// A parsed pattern: byte classes combined by sequence, alternation and repetition.
indirect enum PatternNode {
    case bytes(Set<UInt8>)
    case sequence([PatternNode])
    case alternation([PatternNode])
    /// `maximum` nil: unbounded.
    case repetition(PatternNode, minimum: Int, maximum: Int?)
}

/// Parses the supported subset; `nil` for anything outside it.
struct PatternParser {
    let bytes: [UInt8]
    var index = 0

    mutating func parseWhole() -> PatternNode? {
        guard let node = parseAlternation(), index == bytes.count else { return nil }
        return node
    }

    private mutating func parseAlternation() -> PatternNode? {
        var branches: [PatternNode] = []
        while true {
            guard let branch = parseSequence() else { return nil }
            branches.append(branch)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "|") else { break }
            index += 1
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseSequence() -> PatternNode? {
        var items: [PatternNode] = []
        while index < bytes.count, bytes[index] != UInt8(ascii: "|"), bytes[index] != UInt8(ascii: ")") {
            guard var atom = parseAtom() else { return nil }
            if index < bytes.count, let quantified = parseQuantifier(atom) { atom = quantified }
            // A second quantifier (lazy `*?`, possessive `*+`, `{2}{3}`) is not read.
            if index < bytes.count, [UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{")].contains(bytes[index]) {
                return nil
            }
            items.append(atom)
        }
        return .sequence(items)
    }

    private mutating func parseAtom() -> PatternNode? {
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "("):
            // Only plain groups; `(?` starts an extension we do not read.
            if index < bytes.count, bytes[index] == UInt8(ascii: "?") { return nil }
            guard let inner = parseAlternation(), index < bytes.count, bytes[index] == UInt8(ascii: ")") else { return nil }
            index += 1
            return inner
        case UInt8(ascii: "["): return parseClass()
        case UInt8(ascii: "\\"):
            guard let escaped = parseEscape() else { return nil }
            return .bytes([escaped])
        case UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "]"):
            return nil
        default:
            return byte < 0x80 ? .bytes([byte]) : nil
        }
    }

    /// After `\`: an escaped punctuation character stands for itself; `\d`, `\w` and the like
    /// are not read.
    private mutating func parseEscape() -> UInt8? {
        guard index < bytes.count else { return nil }
        let byte = bytes[index]
        index += 1
        let isPunctuation = (0x21...0x2F).contains(byte) || (0x3A...0x40).contains(byte) || (0x5B...0x60).contains(byte) || (0x7B...0x7E).contains(byte)
        return isPunctuation ? byte : nil
    }

    private mutating func parseClass() -> PatternNode? {
        guard index < bytes.count, bytes[index] != UInt8(ascii: "^") else { return nil }
        var members = Set<UInt8>()
        var first = true
        while index < bytes.count {
            var low = bytes[index]
            index += 1
            if low == UInt8(ascii: "]"), !first { return members.isEmpty ? nil : .bytes(members) }
            first = false
            if low == UInt8(ascii: "\\") {
                guard let escaped = parseEscape() else { return nil }
                low = escaped
            } else if low == UInt8(ascii: "[") || low >= 0x80 {
                return nil
            }
            var high = low
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] != UInt8(ascii: "]") {
                index += 1
                high = bytes[index]
                index += 1
                if high == UInt8(ascii: "\\") {
                    guard let escaped = parseEscape() else { return nil }
                    high = escaped
                }
                guard high < 0x80, low <= high else { return nil }
            }
            for member in low...high { members.insert(member) }
        }
        return nil
    }

    private mutating func parseQuantifier(_ atom: PatternNode) -> PatternNode? {
        switch bytes[index] {
        case UInt8(ascii: "?"): index += 1; return .repetition(atom, minimum: 0, maximum: 1)
        case UInt8(ascii: "*"): index += 1; return .repetition(atom, minimum: 0, maximum: nil)
        case UInt8(ascii: "+"): index += 1; return .repetition(atom, minimum: 1, maximum: nil)
        case UInt8(ascii: "{"):
            let start = index
            index += 1
            guard let minimum = parseCount() else { index = start; return nil }
            var maximum: Int? = minimum
            if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                index += 1
                maximum = parseCount()
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "}"), maximum.map({ $0 >= minimum }) ?? true else {
                index = start
                return nil
            }
            index += 1
            return .repetition(atom, minimum: minimum, maximum: maximum)
        default:
            return nil
        }
    }

    private mutating func parseCount() -> Int? {
        var value: Int?
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]), (value ?? 0) < 1000 {
            value = (value ?? 0) * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return value
    }
}

/// Glushkov's construction: every byte class in the (repetition-expanded) pattern is a position;
/// the automaton's states are sets of positions.
struct GlushkovBuilder {
    struct Result {
        var nullable: Bool
        var first: UInt64
        var last: UInt64

        static let empty = Result(nullable: true, first: 0, last: 0)
    }

    static let maximumPositions = 64
    var positionsByByte = [UInt64](repeating: 0, count: 256)
    var follow: [UInt64] = []

    mutating func build(_ node: PatternNode) -> Result? {
        switch node {
        case .bytes(let members):
            guard follow.count < Self.maximumPositions else { return nil }
            let position = follow.count
            follow.append(0)
            for member in members { positionsByByte[Int(member)] |= 1 << position }
            return Result(nullable: false, first: 1 << position, last: 1 << position)
        case .sequence(let items):
            var result = Result.empty
            for item in items {
                guard let next = build(item) else { return nil }
                append(next, to: &result)
            }
            return result
        case .alternation(let branches):
            var result = Result(nullable: false, first: 0, last: 0)
            for branch in branches {
                guard let next = build(branch) else { return nil }
                result = Result(nullable: result.nullable || next.nullable, first: result.first | next.first, last: result.last | next.last)
            }
            return result
        case .repetition(let inner, let minimum, let maximum):
            // `a{2,4}` is `a a a? a?` and `a{2,}` is `a a a*`: each copy has positions of its own.
            var result = Result.empty
            for _ in 0..<minimum {
                guard let next = build(inner) else { return nil }
                append(next, to: &result)
            }
            for _ in minimum..<(maximum ?? minimum + 1) {
                guard var next = build(inner) else { return nil }
                if maximum == nil { link(next.last, to: next.first) }
                next.nullable = true
                append(next, to: &result)
            }
            return result
        }
    }

    /// `result` followed by `next`.
    private mutating func append(_ next: Result, to result: inout Result) {
        link(result.last, to: next.first)
        result = Result(
            nullable: result.nullable && next.nullable,
            first: result.nullable ? result.first | next.first : result.first,
            last: next.nullable ? result.last | next.last : next.last
        )
    }

    private mutating func link(_ from: UInt64, to: UInt64) {
        var remaining = from
        while remaining != 0 {
            follow[remaining.trailingZeroBitCount] |= to
            remaining &= remaining - 1
        }
    }
}
