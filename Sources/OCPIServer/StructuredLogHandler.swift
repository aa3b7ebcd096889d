import Foundation
import Logging
import OCPIRuntime

/// A swift-log handler that writes each event as one line of JSON to standard error, for log
/// collectors (`ocpi-cpo serve --log-format json`, the default):
///
///     {"time":"2026-12-02T10:00:00.123Z","level":"info","logger":"ocpi-cpo","message":"request","method":"GET",...,"status":200}
///
/// Metadata becomes top-level fields (the handler's, then the provider's, then the event's,
/// later ones winning); integer and floating-point values stay numbers, nested dictionaries
/// and lists stay JSON. `time`, `level`, `logger` and `message` are never overwritten.
public struct StructuredLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable ([UInt8]) -> Void
    private var flushAfterError: (@Sendable () -> Void)?

    /// A handler writing to standard error (through `LogOutput.standardError`, which a thread
    /// of its own writes), as `LoggingSystem.bootstrap` takes it. An error's line is written
    /// before the call returns, with everything logged before it.
    public init(label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil) {
        let output = LogOutput.standardError
        self.init(label: label, level: level, metadataProvider: metadataProvider, write: { output.write($0) })
        flushAfterError = { output.flush() }
    }

    /// A handler handing each line (newline included) to `write`.
    public init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil,
        write: @escaping @Sendable ([UInt8]) -> Void
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private static let reserved: Set<String> = ["time", "level", "logger", "message"]

    public func log(event: LogEvent) {
        let provided = metadataProvider?.get() ?? [:]
        var fields: Logger.Metadata
        if metadata.isEmpty, provided.isEmpty {
            // The usual case (a request's line): the event's own fields, not merged into a copy.
            fields = event.metadata ?? [:]
        } else {
            fields = metadata
            fields.merge(provided) { $1 }
            if let own = event.metadata { fields.merge(own) { $1 } }
        }
        write(Self.line(time: Date(), level: event.level, label: label, message: event.message.description, fields: fields))
        if event.level >= .error { flushAfterError?() }
    }

    /// One event as its line; fields in key order, so that equal events give equal lines.
    static func line(time: Date, level: Logger.Level, label: String, message: String, fields: Logger.Metadata) -> [UInt8] {
        var writer = begin(time: time, level: level, label: label, message: message)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !reserved.contains(key) {
            writer.key(key)
            write(value, into: &writer)
        }
        writer.endObject()
        return writer.bytes(terminatedBy: UInt8(ascii: "\n"))
    }

    /// Whether `line(level:message:fields:)` writes what `log(event:)` would: nothing of the
    /// handler's own or from a provider to merge in, and the level let through.
    func writesDirectly(_ level: Logger.Level) -> Bool {
        metadata.isEmpty && metadataProvider == nil && level >= logLevel
    }

    /// Writes a line whose fields `fields` writes itself, in key order, straight into the line:
    /// the same line `log(event:)` makes of them as metadata, without building the dictionary
    /// and sorting it. For the one line of every request (`RequestLog`); only where
    /// `writesDirectly` says so.
    func line(level: Logger.Level, message: String, fields: (inout JSONWriter) -> Void) {
        var writer = Self.begin(time: Date(), level: level, label: label, message: message)
        fields(&writer)
        writer.endObject()
        write(writer.bytes(terminatedBy: UInt8(ascii: "\n")))
    }

    private static func begin(time: Date, level: Logger.Level, label: String, message: String) -> JSONWriter {
        var writer = JSONWriter(reservingCapacity: 320)
        writer.beginObject()
        writer.key("time")
        // To the millisecond, always with three digits; our own writer (Foundation's ISO 8601
        // style was made anew for every line).
        var timestamp = OCPIDateTime(time)
        timestamp.fractionDigits = 3
        writer.string(timestamp.description)
        writer.key("level")
        writer.string(level.rawValue)
        writer.key("logger")
        writer.string(label)
        writer.key("message")
        writer.string(message)
        return writer
    }

    private static func write(_ value: Logger.Metadata.Value, into writer: inout JSONWriter) {
        switch value {
        case .string(let text):
            writer.string(text)
        case .stringConvertible(let convertible):
            // The concrete types every request's line has first: a cast to a protocol
            // existential looks up conformances, which showed in the profile.
            switch convertible {
            case let number as Int:
                writer.raw(String(number).utf8)
            case let number as Double where number.isFinite:
                writer.raw(String(describing: number).utf8)
            case let number as any BinaryInteger:
                writer.raw(String(describing: number).utf8)
            default:
                writer.string(convertible.description)
            }
        case .dictionary(let dictionary):
            writer.beginObject()
            for (key, nested) in dictionary.sorted(by: { $0.key < $1.key }) {
                writer.key(key)
                write(nested, into: &writer)
            }
            writer.endObject()
        case .array(let values):
            writer.beginArray()
            for nested in values { write(nested, into: &writer) }
            writer.endArray()
        }
    }
}
