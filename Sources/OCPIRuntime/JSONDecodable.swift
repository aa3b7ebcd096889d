import Foundation

/// A value that generated decoders read from a `JSONReader`.
public protocol JSONDecodable {
    /// Reads the next value. A value of the wrong shape is recorded as a violation, skipped,
    /// and gives `nil`; only malformed JSON throws.
    static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> Self?

    /// Stands in for a required value that is missing, so that decoding can go on and report
    /// everything else; a document that needed it is never valid.
    static var placeholder: Self { get }
}

extension String: JSONDecodable {
    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> String? {
        let kind = try reader.peekKind()
        guard kind == .string else {
            reader.violation("expected a string, found \(kind)")
            try reader.skipValue()
            return nil
        }
        return try reader.readString()
    }

    public static var placeholder: String { "" }
}

extension Int: JSONDecodable {
    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> Int? {
        let kind = try reader.peekKind()
        guard kind == .number else {
            reader.violation("expected an integer, found \(kind)")
            try reader.skipValue()
            return nil
        }
        let number = try reader.readNumber()
        guard let value = number.integer else {
            reader.violation("expected an integer, found \(number.description)")
            return nil
        }
        return value
    }

    public static var placeholder: Int { 0 }
}

extension Decimal: JSONDecodable {
    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> Decimal? {
        let kind = try reader.peekKind()
        guard kind == .number else {
            reader.violation("expected a number, found \(kind)")
            try reader.skipValue()
            return nil
        }
        let number = try reader.readNumber()
        guard let value = number.decimal else {
            reader.violation("the number \(number.description) is out of range")
            return nil
        }
        return value
    }

    public static var placeholder: Decimal { 0 }
}

extension Bool: JSONDecodable {
    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> Bool? {
        let kind = try reader.peekKind()
        guard kind == .bool else {
            reader.violation("expected true or false, found \(kind)")
            try reader.skipValue()
            return nil
        }
        return try reader.readBool()
    }

    public static var placeholder: Bool { false }
}

extension Array: JSONDecodable where Element: JSONDecodable {
    /// A list; elements of the wrong shape are reported at their index and left out.
    @inlinable
    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> [Element]? {
        guard var scope = try reader.beginArray() else { return nil }
        var elements: [Element] = []
        var index = 0
        while try reader.nextElement(&scope) {
            reader.enter(.index(index))
            if let element = try Element.decode(from: &reader) {
                // Room for a few at once: lists of EVSEs, connectors and images mostly have
                // several, and growing 1, 2, 4 copies the large elements twice.
                if elements.capacity == 0 { elements.reserveCapacity(4) }
                elements.append(element)
            }
            reader.leave()
            index += 1
        }
        return elements
    }

    @inlinable
    public static var placeholder: [Element] { [] }
}

extension JSONReader {
    /// Reads the value of the field `key` (already consumed); `null` counts as absent.
    @inlinable
    public mutating func field<T: JSONDecodable>(_ key: String, _: T.Type) throws(JSONSyntaxError) -> T? {
        enter(.key(key))
        defer { leave() }
        if try skipNull() { return nil }
        return try T.decode(from: &self)
    }

    /// Reads the value of a field whose value is a scalar (never an object or list): the same as
    /// `field`, without growing the path unless there is a violation to report.
    @inlinable
    public mutating func scalarField<T: JSONDecodable>(_ key: String, _: T.Type) throws(JSONSyntaxError) -> T? {
        guard tracksPath else {
            if try skipNull() { return nil }
            return try T.decode(from: &self)
        }
        pendingKey = key
        defer { pendingKey = nil }
        if try skipNull() { return nil }
        return try T.decode(from: &self)
    }
}

/// The outcome of decoding a document: the value (placeholders where required values were
/// missing or of the wrong shape) and every violation found, shape and rules alike.
public struct Decoded<Value>: CustomStringConvertible {
    public var value: Value
    public var violations: [Violation]
    /// Every value was read as it was written: the violations, if any, break rules of the spec
    /// (a length, an enum value), none the document's shape (a required field missing, a value
    /// of the wrong kind, a number out of range, a timestamp that is not one), where a
    /// placeholder stands in for what could not be read.
    public var isReadable: Bool

    public init(value: Value, violations: [Violation], isReadable: Bool) {
        self.value = value
        self.violations = violations
        self.isReadable = isReadable
    }

    public var isValid: Bool { violations.isEmpty }

    public var description: String {
        violations.isEmpty ? "OK" : violations.map(\.description).joined(separator: "\n")
    }
}

extension Decoded: Sendable where Value: Sendable {}

extension JSONDecodable {
    /// Decodes one document. Throws only when the bytes are not JSON; everything else is in
    /// the result's violations. `nil` value when the document is not even of the right kind.
    /// (Inlinable, so that a caller's concrete type reads its list without generic copies.)
    @inlinable
    public static func decodeJSON<Bytes: ContiguousBytes>(_ bytes: Bytes) throws(JSONSyntaxError) -> (value: Self?, violations: [Violation]) {
        let result: Result<(value: Self?, violations: [Violation]), JSONSyntaxError> = bytes.withUnsafeBytes { raw in
            do throws(JSONSyntaxError) {
                return .success(try JSONReader.read(raw.bindMemory(to: UInt8.self)) { (reader) throws(JSONSyntaxError) in
                    let value = try Self.decode(from: &reader)
                    try reader.finish()
                    return value
                })
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
