import Foundation

/// The OCPI response envelope (`data`, `status_code`, `status_message`, `timestamp`), written in
/// this one place for every response, errors included, and read back by clients.
public enum Envelope {
    /// Writes an envelope around `data`: bytes that already are one JSON value (a stored object,
    /// a page), or `nil` to leave `data` out, as the spec asks when it defines none.
    public static func write(data: [UInt8]?, statusCode: Int, message: String?, timestamp: OCPIDateTime = .now()) -> [UInt8] {
        let writeData = data.map { data in { (writer: inout JSONWriter) in writer.raw(data) } }
        return write(reserving: data?.count ?? 0, statusCode: statusCode, message: message, timestamp: timestamp, data: writeData)
    }

    /// Writes an envelope whose `data` is the list of `items`, each already one JSON value (a
    /// page's objects), copied once into the envelope rather than into a list first.
    public static func write(list items: [[UInt8]], statusCode: Int, message: String?, timestamp: OCPIDateTime = .now()) -> [UInt8] {
        write(reserving: items.reduce(2) { $0 + $1.count + 1 }, statusCode: statusCode, message: message, timestamp: timestamp) { writer in
            writer.beginArray()
            for item in items { writer.raw(item) }
            writer.endArray()
        }
    }

    /// The envelope, with `data` written by `writeData` (left out when there is none) and room
    /// reserved for `dataSize` bytes of it.
    private static func write(
        reserving dataSize: Int, statusCode: Int, message: String?, timestamp: OCPIDateTime, data writeData: ((inout JSONWriter) -> Void)?
    ) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: dataSize + 96 + (message?.utf8.count ?? 0))
        writer.beginObject()
        if let writeData {
            writer.key("data")
            writeData(&writer)
        }
        writer.key("status_code")
        writer.int(statusCode)
        if let message {
            writer.key("status_message")
            writer.string(printable(message))
        }
        writer.key("timestamp")
        writer.dateTime(timestamp)
        writer.endObject()
        return writer.bytes
    }

    /// The envelope of an error, with its violations (JSON pointers and messages) as `data`.
    public static func write(_ error: OCPIError) -> [UInt8] {
        var data: [UInt8]?
        if !error.violations.isEmpty {
            var writer = JSONWriter()
            writer.beginArray()
            for violation in error.violations {
                writer.beginObject()
                writer.key("path")
                writer.string(violation.pointer)
                writer.key("message")
                writer.string(violation.message)
                writer.endObject()
            }
            writer.endArray()
            data = writer.bytes
        }
        return write(data: data, statusCode: error.status.ocpi, message: error.message)
    }

    /// An envelope as a client reads it.
    public struct Read<Data> {
        public var statusCode: Int?
        public var statusMessage: String?
        public var timestamp: OCPIDateTime?
        /// `nil` when `data` is absent or null.
        public var data: Data?
        /// Where `data` (or the envelope) breaks the spec's rules.
        public var violations: [Violation]
    }

    /// Reads an envelope, decoding `data` as `Data` straight from the bytes. Throws only when the
    /// bytes are not JSON.
    public static func read<Data: JSONDecodable>(_ bytes: [UInt8], as _: Data.Type) throws(JSONSyntaxError) -> Read<Data> {
        let result: Result<Read<Data>, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) {
                var (read, violations) = try JSONReader.read(buffer) { (reader) throws(JSONSyntaxError) -> Read<Data> in
                    var read = Read<Data>(violations: [])
                    guard var scope = try reader.beginObject("response envelope") else {
                        try reader.finish()
                        return read
                    }
                    while let key = try reader.nextKey(&scope) {
                        switch key {
                        case "data": read.data = try reader.field("data", Data.self)
                        case "status_code": read.statusCode = try reader.scalarField("status_code", Int.self)
                        case "status_message": read.statusMessage = try reader.scalarField("status_message", String.self)
                        case "timestamp": read.timestamp = try reader.scalarField("timestamp", OCPIDateTime.self)
                        default: try reader.skipValue()
                        }
                    }
                    try reader.finish()
                    if read.statusCode == nil { reader.reportMissing("status_code") }
                    return read
                }
                read.violations = violations
                return .success(read)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Stands for the `data` of responses that define none: absent or any value is accepted.
public struct OCPINoData: Sendable, Hashable, JSONDecodable {
    public init() {}

    public static func decode(from reader: inout JSONReader) throws(JSONSyntaxError) -> OCPINoData? {
        try reader.skipValue()
        return OCPINoData()
    }

    public static var placeholder: OCPINoData { OCPINoData() }
}

/// A status message as OCPI strings may carry it: messages quote what a client sent, and a
/// control character it sent is shown as `\u{XX}` text instead of being passed on.
func printable(_ message: String) -> String {
    guard message.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return message }
    var result = String.UnicodeScalarView()
    for scalar in message.unicodeScalars {
        if scalar.value < 0x20 || scalar.value == 0x7F {
            result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2))}".unicodeScalars)
        } else {
            result.append(scalar)
        }
    }
    return String(result)
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
