/// An OCPI enum. Generated enums keep a value they do not know in `unrecognized`: a partner may
/// already send a value that a later release added, and refusing the whole object for it would
/// lose data. Decoding never fails on such a value; validation reports it for a closed enum,
/// and accepts it for an open one (`open: true` in the spec, OCPI 2.3.0's `OpenEnum`s), whose
/// parties may use values of their own.
public protocol OCPIEnumeration: Hashable, Sendable, JSONDecodable, JSONEncodable, CustomStringConvertible {
    /// The enum's name in the spec (`ConnectorType`), for messages.
    static var ocpiName: String { get }
    /// The values this release defines, in spec order.
    static var knownValues: [Self] { get }
    /// The value as written in JSON.
    var rawValue: String { get }
    /// The value written as this text; by default through `init(utf8:)`.
    init(rawValue: String)
    /// The value written as these UTF-8 bytes (valid UTF-8): generated enums match the bytes
    /// themselves, so that decoding makes no `String` unless the value is unknown.
    init(utf8 bytes: UnsafeBufferPointer<UInt8>)
    /// Whether the value is one this release defines.
    var isKnown: Bool { get }
}

#if FoundationCodable
/// Foundation `Codable` for a generated enum, which declares the conformance only with the
/// package trait `FoundationCodable`: the value as its JSON string.
extension OCPIEnumeration {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
#endif

extension OCPIEnumeration {
    /// One match of the values, on bytes, for both ways in.
    public init(rawValue: String) {
        var text = rawValue
        self = text.withUTF8 { Self(utf8: $0) }
    }

    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> Self? {
        let kind = try reader.peekKind()
        guard kind == .string else {
            reader.violation("expected a string, found \(kind)")
            try reader.skipValue()
            return nil
        }
        return try reader.readStringBytes(Self.init(utf8:))
    }

    public static var placeholder: Self { Self(rawValue: "") }

    public func writeJSON(into writer: inout JSONWriter) { writer.string(rawValue) }

    public var description: String { rawValue }
}
