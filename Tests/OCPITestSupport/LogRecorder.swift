import Logging
import Synchronization

/// Every line a logger wrote, with its metadata, for tests that check what logs must not hold.
public final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// A logger at trace level that records into this recorder.
    public func logger(label: String = "test.recorded") -> Logger {
        var logger = Logger(label: label) { [self] label in Handler(label: label, recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    public var recorded: [String] { lines.withLock { $0 } }

    fileprivate func record(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let label: String
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            recorder.record("\(event.level) \(label) \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }
}
