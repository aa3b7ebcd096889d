import Foundation

/// Text that is not JSON at all (or JSON nested deeper than we accept): the request is refused
/// whole (HTTP 400) before any OCPI rule is looked at.
public struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Byte offset of the problem.
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// Reads JSON straight from its bytes, for generated decoders.
///
/// Syntax errors throw. A well-formed value of the wrong shape (a string where a number belongs,
/// a missing field) never throws: it becomes a `Violation` at its JSON pointer, the value is
/// skipped, and decoding goes on, so that one pass reports every problem of a document.
public struct JSONReader {
    public enum Kind: Sendable, CustomStringConvertible {
        case object, array, string, number, bool, null

        public var description: String {
            switch self {
            case .object: "an object"
            case .array: "a list"
            case .string: "a string"
            case .number: "a number"
            case .bool: "a boolean"
            case .null: "null"
            }
        }
    }

    /// Nesting deeper than this is refused as a syntax error: no OCPI object comes close, and an
    /// attacker's `[[[[...` must not exhaust the stack.
    public static let maximumDepth = 64

    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline var index = 0
    private var depth = 0
    /// Whether `path` is kept while walking. Without it, violations are still found, but each is
    /// at the empty path: see `read(_:_:)`, which walks a document without the path first.
    @usableFromInline let tracksPath: Bool
    /// Where the reader is, when `tracksPath`.
    public private(set) var path = JSONPath()
    public private(set) var violations: [Violation] = []
    /// The key of the scalar member being read, not pushed on `path` unless a violation needs it.
    @usableFromInline var pendingKey: String?

    /// A reader of `bytes`; with `tracksPath: false` every violation is at the empty path.
    public init(bytes: UnsafeBufferPointer<UInt8>, tracksPath: Bool = true) {
        self.bytes = bytes
        self.tracksPath = tracksPath
    }

    /// Reads a document with `body`, which must do the same on every call: first without the path,
    /// which almost every document (a valid one) needs no more than; only when that pass finds
    /// a violation is the document read again with the path, to say where each one is.
    /// Keeping the path costs a push and a pop for every object, list and element on the way.
    @inlinable
    public static func read<T>(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ body: (inout JSONReader) throws(JSONSyntaxError) -> T
    ) throws(JSONSyntaxError) -> (value: T, violations: [Violation]) {
        var fast = JSONReader(bytes: bytes, tracksPath: false)
        let value = try body(&fast)
        if fast.violations.isEmpty { return (value, []) }
        var tracked = JSONReader(bytes: bytes, tracksPath: true)
        return (try body(&tracked), tracked.violations)
    }

    // MARK: Violations and paths

    /// Records a violation at the current path.
    public mutating func violation(_ message: String) {
        let at = pendingKey.map { path.appending(.key($0)) } ?? path
        violations.append(Violation(path: at, message: message))
    }

    /// Pushes `component` on the path, when the path is kept.
    @inlinable
    public mutating func enter(_ component: JSONPath.Component) {
        if tracksPath { pushPath(component) }
    }

    /// Pops what `enter(_:)` pushed.
    @inlinable
    public mutating func leave() {
        if tracksPath { popPath() }
    }

    @usableFromInline
    mutating func pushPath(_ component: JSONPath.Component) { path.push(component) }

    @usableFromInline
    mutating func popPath() { path.pop() }

    /// Runs `body` with `key` pushed on the path.
    @inlinable
    public mutating func at<T>(_ key: String, _ body: (inout JSONReader) throws(JSONSyntaxError) -> T) throws(JSONSyntaxError) -> T {
        enter(.key(key))
        defer { leave() }
        return try body(&self)
    }

    /// The value of a required field: itself, or a placeholder and a violation when it is absent.
    @inlinable
    public mutating func required<T: JSONDecodable>(_ value: T?, _ key: String) -> T {
        if let value { return value }
        reportMissing(key)
        return T.placeholder
    }

    public mutating func reportMissing(_ key: String) {
        enter(.key(key))
        // A value of the wrong shape was already reported where it stands; it is not also missing.
        // (Without the path every violation is at the same place; that pass only needs to know
        // whether there is one, and a second violation changes nothing.)
        if !violations.contains(where: { $0.path == path }) {
            violation("is required but missing")
        }
        leave()
    }

    // MARK: Structure

    /// After `{` or `[`: whether the next call yields the first member.
    public struct Scope {
        var first = true
    }

    /// The kind of the next value, without consuming it.
    /// (Inlinable, with its errors out of line: it runs before every value.)
    @inlinable
    public mutating func peekKind() throws(JSONSyntaxError) -> Kind {
        skipWhitespace()
        guard index < bytes.count else { throw unexpectedByte() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw unexpectedByte()
        }
    }

    /// The error for what is at `index` where a value should start.
    @usableFromInline @inline(never)
    func unexpectedByte() -> JSONSyntaxError {
        guard index < bytes.count else { return error("unexpected end of input") }
        return error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
    }

    /// Consumes a `null` if one is next.
    @inlinable
    public mutating func skipNull() throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "n") else { return false }
        try expectNull()
        return true
    }

    @usableFromInline
    mutating func expectNull() throws(JSONSyntaxError) {
        try expectLiteral("null")
    }

    /// Starts an object; for anything else records "expected an object" and skips it.
    public mutating func beginObject(_ typeName: String) throws(JSONSyntaxError) -> Scope? {
        let kind = try peekKind()
        guard kind == .object else {
            violation("expected an object (\(typeName)), found \(kind)")
            try skipValue()
            return nil
        }
        try enter()
        index += 1
        return Scope()
    }

    /// The next key of an object, or `nil` after its `}`.
    public mutating func nextKey(_ scope: inout Scope) throws(JSONSyntaxError) -> String? {
        guard try enterMember(&scope) else { return nil }
        let key = try readString()
        try expectColon()
        return key
    }

    /// The next key of an object as its bytes, or `nil` after its `}`: what generated decoders
    /// match against their field names without making a `String` of every key.
    public mutating func nextField(_ scope: inout Scope) throws(JSONSyntaxError) -> JSONKey? {
        guard try enterMember(&scope) else { return nil }
        let scanned = try scanString()
        if !scanned.isASCII || scanned.unescaped != nil {
            // Rare: keys outside ASCII are checked as UTF-8 and kept unescaped.
            let bytes = scanned.unescaped ?? Array(bytes[scanned.range])
            guard String(validating: bytes, as: UTF8.self) != nil else { throw error("invalid UTF-8 in a string", at: scanned.range.lowerBound) }
            try expectColon()
            return JSONKey(raw: UnsafeBufferPointer(start: nil, count: 0), unescaped: bytes)
        }
        try expectColon()
        return JSONKey(raw: UnsafeBufferPointer(rebasing: bytes[scanned.range]), unescaped: nil)
    }

    /// Before a member: `false` (consuming the `}`) at the object's end, otherwise `true` with
    /// the separating `,` consumed and the key's quote next.
    private mutating func enterMember(_ scope: inout Scope) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input in an object") }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return false
        }
        if scope.first {
            scope.first = false
        } else {
            guard bytes[index] == UInt8(ascii: ",") else { throw error("expected ',' or '}' in an object") }
            index += 1
            skipWhitespace()
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
        return true
    }

    private mutating func expectColon() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
        index += 1
    }

    /// Starts a list; for anything else records "expected a list" and skips it.
    public mutating func beginArray() throws(JSONSyntaxError) -> Scope? {
        let kind = try peekKind()
        guard kind == .array else {
            violation("expected a list, found \(kind)")
            try skipValue()
            return nil
        }
        try enter()
        index += 1
        return Scope()
    }

    /// Whether another element follows in a list (consuming the `,`), or `false` after its `]`.
    public mutating func nextElement(_ scope: inout Scope) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of input in a list") }
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return false
        }
        if scope.first {
            scope.first = false
        } else {
            guard bytes[index] == UInt8(ascii: ",") else { throw error("expected ',' or ']' in a list") }
            index += 1
        }
        return true
    }

    /// Skips one value of any kind, checking its syntax.
    public mutating func skipValue() throws(JSONSyntaxError) {
        switch try peekKind() {
        case .object:
            try enter()
            index += 1
            var scope = Scope()
            while try nextField(&scope) != nil { try skipValue() }
        case .array:
            try enter()
            index += 1
            var scope = Scope()
            while try nextElement(&scope) { try skipValue() }
        case .string: _ = try readString()
        case .number: _ = try readNumber()
        case .bool: _ = try readBool()
        case .null: try expectLiteral("null")
        }
    }

    /// Checks that nothing but whitespace follows the document.
    public mutating func finish() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected text after the JSON value") }
    }

    // MARK: Scalars

    /// A string value; assumes the next value is a string.
    public mutating func readString() throws(JSONSyntaxError) -> String {
        let scanned = try scanString()
        let text: String?
        if let unescaped = scanned.unescaped {
            text = String(validating: unescaped, as: UTF8.self)
        } else {
            let slice = UnsafeBufferPointer(rebasing: bytes[scanned.range])
            // ASCII needs no checking, and `String(decoding:)` is the faster way in.
            text = scanned.isASCII ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
        }
        guard let text else { throw error("invalid UTF-8 in a string", at: scanned.range.lowerBound) }
        return text
    }

    /// A string value's UTF-8 bytes, checked like `readString`'s, handed to `body` without making
    /// a `String` (the raw bytes in the document when the string has no escapes).
    public mutating func readStringBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) throws(JSONSyntaxError) -> T {
        let scanned = try scanString()
        if let unescaped = scanned.unescaped {
            guard String(validating: unescaped, as: UTF8.self) != nil else { throw error("invalid UTF-8 in a string", at: scanned.range.lowerBound) }
            return unescaped.withUnsafeBufferPointer(body)
        }
        let slice = UnsafeBufferPointer(rebasing: bytes[scanned.range])
        if !scanned.isASCII, String(validating: slice, as: UTF8.self) == nil {
            throw error("invalid UTF-8 in a string", at: scanned.range.lowerBound)
        }
        return body(slice)
    }

    /// Reads a string up to its closing quote: its range in the document, whether every byte is
    /// ASCII, and, only when it has escapes, its unescaped bytes (UTF-8 not yet checked).
    private mutating func scanString() throws(JSONSyntaxError) -> (range: Range<Int>, isASCII: Bool, unescaped: [UInt8]?) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        var highBits: UInt64 = 0
        // Eight bytes at a time while none of them is a quote, a backslash or a control character.
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                // Byte order fixed, so that the first byte is the lowest on every platform.
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let special = Self.specialBytes(word)
                if special != 0 {
                    // Straight to the first special byte; the bytes before it are plain.
                    let plain = special.trailingZeroBitCount / 8
                    highBits |= word & ((1 << UInt64(plain * 8)) &- 1)
                    index += plain
                    break
                }
                highBits |= word
                index += 8
            }
        }
        var isASCII = highBits & 0x8080_8080_8080_8080 == 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return (start..<index - 1, isASCII, nil)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("unescaped control character in a string") }
            isASCII = isASCII && byte < 0x80
            index += 1
        }
        var buffer = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return (start..<index - 1, false, buffer)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escaped)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate in a \\u escape")
                        }
                        index += 2
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("unpaired surrogate in a \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    buffer.append(contentsOf: String(unicode).utf8)
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(escaped)))'", at: index - 2)
                }
            default:
                if byte < 0x20 { throw error("unescaped control character in a string") }
                buffer.append(byte)
                index += 1
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    /// The bytes of `word` (first byte lowest) that are `"`, `\\` or below 0x20, each marked by
    /// its high bit; 0 when there are none. The classic "has zero byte" and "has byte less than"
    /// bit tricks: a borrow can mark a byte after the first special one, never one before it,
    /// so the lowest mark is exact, which is all the scan uses.
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (zeroInQuote | zeroInBackslash | control) & highs
    }

    /// The text of a number value, checked against JSON's number grammar.
    public mutating func readNumber() throws(JSONSyntaxError) -> JSONNumber {
        skipWhitespace()
        let start = index
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let integerStart = index
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number", at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let integerEnd = index
        var fractionStart = index
        var fractionEnd = index
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: digits must follow '.'", at: start) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            fractionEnd = index
        }
        var exponent = 0
        var hasExponent = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            hasExponent = true
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: digits must follow the exponent", at: start) }
            while index < bytes.count, isDigit(bytes[index]) {
                exponent = min(exponent * 10 + Int(bytes[index] - UInt8(ascii: "0")), 1_000_000)
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        return JSONNumber(
            negative: negative,
            integerDigits: UnsafeBufferPointer(rebasing: bytes[integerStart..<integerEnd]),
            fractionDigits: UnsafeBufferPointer(rebasing: bytes[fractionStart..<fractionEnd]),
            exponent: exponent,
            hasExponent: hasExponent,
            text: UnsafeBufferPointer(rebasing: bytes[start..<index])
        )
    }

    public mutating func readBool() throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "t") {
            try expectLiteral("true")
            return true
        }
        try expectLiteral("false")
        return false
    }

    // MARK: Internals

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    @inlinable
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    private mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? index, message: message)
    }
}

/// An object's key as read from the document, matched against field names in a `switch`
/// (`case "country_code":`) byte for byte. Valid only while its reader's bytes are.
public struct JSONKey {
    @usableFromInline let raw: UnsafeBufferPointer<UInt8>
    /// The key's bytes when it had escapes or non-ASCII characters (then `raw` is empty).
    @usableFromInline let unescaped: [UInt8]?

    /// Text's UTF-8 bytes, to match against names the way keys are (`switch`, `~=`).
    @inlinable
    public init(bytes: UnsafeBufferPointer<UInt8>) {
        raw = bytes
        unescaped = nil
    }

    @usableFromInline
    init(raw: UnsafeBufferPointer<UInt8>, unescaped: [UInt8]?) {
        self.raw = raw
        self.unescaped = unescaped
    }

    /// The key's length in UTF-8 bytes.
    @inlinable
    public var count: Int { unescaped?.count ?? raw.count }

    @inlinable
    public static func ~= (pattern: StaticString, key: JSONKey) -> Bool {
        let expected = UnsafeBufferPointer(start: pattern.utf8Start, count: pattern.utf8CodeUnitCount)
        if let unescaped = key.unescaped { return unescaped.elementsEqual(expected) }
        guard key.raw.count == expected.count else { return false }
        guard let start = key.raw.baseAddress, expected.count > 0 else { return true }
        return memcmp(start, pattern.utf8Start, expected.count) == 0
    }
}

/// A number as written, so that it can become an exact `Decimal` or a checked `Int`.
public struct JSONNumber {
    public var negative: Bool
    public var integerDigits: UnsafeBufferPointer<UInt8>
    public var fractionDigits: UnsafeBufferPointer<UInt8>
    public var exponent: Int
    public var hasExponent: Bool
    public var text: UnsafeBufferPointer<UInt8>

    /// The number as an `Int`, when it is an integer that fits.
    public var integer: Int? {
        guard fractionDigits.isEmpty, !hasExponent || exponent == 0, integerDigits.count <= 19 else { return nil }
        var value = 0
        for digit in integerDigits {
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = multiplied.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = added
        }
        return negative ? -value : value
    }

    /// The number as an exact `Decimal` (the digits as written, never through a binary float).
    public var decimal: Decimal? {
        let digitCount = integerDigits.count + fractionDigits.count
        if digitCount <= 19, abs(exponent) < 100 {
            var significand: UInt64 = 0
            for digit in integerDigits { significand = significand &* 10 &+ UInt64(digit - UInt8(ascii: "0")) }
            for digit in fractionDigits { significand = significand &* 10 &+ UInt64(digit - UInt8(ascii: "0")) }
            return Decimal(
                sign: negative && significand != 0 ? .minus : .plus,
                exponent: exponent - fractionDigits.count,
                significand: Decimal(significand)
            )
        }
        return Decimal(string: String(decoding: text, as: UTF8.self), locale: Locale(identifier: "en_US_POSIX"))
    }

    public var description: String { String(decoding: text, as: UTF8.self) }
}
