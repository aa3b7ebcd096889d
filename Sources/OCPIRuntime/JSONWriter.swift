import Foundation

/// Writes canonical JSON: no whitespace, keys in the order written (generated code writes them
/// in spec order), absent values left out. The stored form of every object, so that reads can
/// send stored bytes as they are.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":`; the value follows.
    public mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    /// Writes `"key":` for a key known only at run time.
    public mutating func key(_ key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// A part of a string (a request's path without its query), written without a copy of it.
    public mutating func string(_ value: Substring) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Appends `utf8` with what JSON must escape escaped, the runs between copied whole.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var run = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
            run = index + 1
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            default:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
    }

    public mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// The decimal's digits as they are, never through a binary float.
    public mutating func decimal(_ value: Decimal) {
        separate()
        bytes.append(contentsOf: value.description.utf8)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    public mutating func dateTime(_ value: OCPIDateTime) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        value.write(into: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Bytes that already are one canonical JSON value (stored objects spliced into a response).
    public mutating func raw<Bytes: Sequence>(_ json: Bytes) where Bytes.Element == UInt8 {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// The bytes written, with `terminator` after them (a log line's newline), without copying
    /// them as `bytes + [terminator]` would.
    public consuming func bytes(terminatedBy terminator: UInt8) -> [UInt8] {
        bytes.append(terminator)
        return bytes
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}

/// A value generated code can write as JSON.
public protocol JSONEncodable {
    func writeJSON(into writer: inout JSONWriter)
}

extension String: JSONEncodable {
    public func writeJSON(into writer: inout JSONWriter) { writer.string(self) }
}

extension Int: JSONEncodable {
    public func writeJSON(into writer: inout JSONWriter) { writer.int(self) }
}

extension Decimal: JSONEncodable {
    public func writeJSON(into writer: inout JSONWriter) { writer.decimal(self) }
}

extension Bool: JSONEncodable {
    public func writeJSON(into writer: inout JSONWriter) { writer.bool(self) }
}

extension OCPIDateTime: JSONEncodable {
    public func writeJSON(into writer: inout JSONWriter) { writer.dateTime(self) }
}

extension Array: JSONEncodable where Element: JSONEncodable {
    public func writeJSON(into writer: inout JSONWriter) {
        writer.beginArray()
        for element in self { element.writeJSON(into: &writer) }
        writer.endArray()
    }
}

extension JSONEncodable {
    /// The canonical JSON of the value.
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter()
        writeJSON(into: &writer)
        return writer.bytes
    }
}
