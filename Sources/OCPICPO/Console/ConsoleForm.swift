import Foundation

/// The fields of an `application/x-www-form-urlencoded` body or query string, read strictly:
/// each name once and known to the form, `+` as a space, `%XX` as a byte (a `%` without two hex
/// digits after it is refused), and the decoded bytes valid UTF-8. Nothing here can trap.
struct ConsoleForm: Sendable, Equatable {
    /// The largest form body the console reads: its forms hold a few short fields. (Bodies over
    /// the server's `--max-body-size` never reach it.)
    static let maximumSize = 8 * 1024
    static let maximumFields = 16

    private(set) var fields: [String: String] = [:]

    subscript(name: String) -> String? { fields[name] }

    struct Malformed: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// Reads `bytes` (a body, or a query string without its `?`); `allowed` names the fields the
    /// form has.
    init(_ bytes: some Collection<UInt8>, allowed: Set<String>) throws(Malformed) {
        guard bytes.count <= Self.maximumSize else { throw Malformed(description: "the form is larger than \(Self.maximumSize) bytes") }
        var count = 0
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            count += 1
            guard count <= Self.maximumFields else { throw Malformed(description: "the form has more than \(Self.maximumFields) fields") }
            let name: String
            let value: String
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                name = try Self.decode(pair[pair.startIndex..<equals])
                value = try Self.decode(pair[pair.index(after: equals)...])
            } else {
                name = try Self.decode(pair[...])
                value = ""
            }
            guard allowed.contains(name) else {
                throw Malformed(description: "the form has no field named \"\(name.prefix(40))\"")
            }
            guard fields[name] == nil else { throw Malformed(description: "the field \"\(name)\" is given twice") }
            fields[name] = value
        }
    }

    /// One name or value: `+` is a space, `%XX` a byte; the result must be valid UTF-8.
    static func decode(_ encoded: some Collection<UInt8>) throws(Malformed) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index != encoded.endIndex {
            let byte = encoded[index]
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let first = encoded.index(after: index)
                guard first != encoded.endIndex, let high = hexValue(encoded[first]) else {
                    throw Malformed(description: "a % in the form is not followed by two hex digits")
                }
                let second = encoded.index(after: first)
                guard second != encoded.endIndex, let low = hexValue(encoded[second]) else {
                    throw Malformed(description: "a % in the form is not followed by two hex digits")
                }
                bytes.append(high << 4 | low)
                index = second
            default:
                bytes.append(byte)
            }
            index = encoded.index(after: index)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed(description: "the form is not valid UTF-8") }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
