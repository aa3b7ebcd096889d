import Foundation

/// Any JSON value, for the few places OCPI leaves a value's shape open (the envelope's `data`).
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Decimal)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([Member])

    public struct Member: Hashable, Sendable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Objects are equal when they have the same members in any order, as JSON defines them.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && a.allSatisfy { member in b.contains(member) }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .number(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let values): hasher.combine(values)
        case .object(let members):
            // Order-independent, like equality.
            hasher.combine(members.count)
            hasher.combine(members.reduce(0) { $0 ^ $1.hashValue })
        }
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }
}

extension JSONValue: JSONDecodable {
    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> JSONValue? {
        switch try reader.peekKind() {
        case .null:
            _ = try reader.skipNull()
            return .null
        case .bool: return .bool(try reader.readBool())
        case .number:
            let number = try reader.readNumber()
            return .number(number.decimal ?? 0)
        case .string: return .string(try reader.readString())
        case .array:
            return try [JSONValue].decode(from: &reader).map(JSONValue.array)
        case .object:
            guard var scope = try reader.beginObject("object") else { return nil }
            var members: [Member] = []
            while let key = try reader.nextKey(&scope) {
                reader.enter(.key(key))
                let value = try JSONValue.decode(from: &reader) ?? .null
                reader.leave()
                members.append(Member(key: key, value: value))
            }
            return .object(members)
        }
    }

    public static var placeholder: JSONValue { .null }
}

extension JSONValue: JSONEncodable {
    public func writeJSON(into writer: inout JSONWriter) {
        switch self {
        case .null: writer.null()
        case .bool(let value): writer.bool(value)
        case .number(let value): writer.decimal(value)
        case .string(let value): writer.string(value)
        case .array(let values): values.writeJSON(into: &writer)
        case .object(let members):
            writer.beginObject()
            for member in members {
                writer.key(member.key)
                member.value.writeJSON(into: &writer)
            }
            writer.endObject()
        }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            let object = try container.decode([String: JSONValue].self)
            self = .object(object.keys.sorted().map { Member(key: $0, value: object[$0] ?? .null) })
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members):
            try container.encode(Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
