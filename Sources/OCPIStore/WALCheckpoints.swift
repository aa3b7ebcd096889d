import Logging
import SQLKit
import SQLiteKit

/// Copies SQLite's write-ahead log into the database file off the writers' path.
///
/// Left to itself, SQLite checkpoints in the commit that finds the log past 1,000 pages: that
/// write, and every write queued behind the one writer, waits while the pages are copied and the
/// file is synced (about 20 ms on the benchmark machine, the slowest of the operator's writes).
/// Here a connection of its own copies the log in PASSIVE mode (it neither waits for nor holds
/// up the writer or the readers), and the writer checkpoints itself only past
/// `writerFallbackPages`, should this one fall behind or stop.
///
/// It copies every `busyInterval` while the log grows, and backs off to `idleInterval` while it
/// does not. SQLite starts the log over only when a write finds all of it copied. Under writes
/// that follow each other without a pause (a flood of PUTs, about 80,000 pages a second), every
/// copy ends with newer pages behind it, so the log only grew until the writer's own checkpoint
/// copied 10,000 pages inside a commit: PUT token's 99th percentile was 20 ms
/// (docs/PERFORMANCE.md). A copy cannot tell: it reports the log as it was when it began, all
/// copied. So once the log is past `restartPages`, the writes are held (`pausingWrites`) while
/// the pages written during the copy are copied too (a fraction of the first copy's work), and
/// the next write starts the log over.
final class WALCheckpoints: Sendable {
    /// The writer's own checkpoints start here (pages of the log), instead of at 1,000.
    static let writerFallbackPages = 10_000
    static let busyInterval = Duration.milliseconds(20)
    static let idleInterval = Duration.milliseconds(100)
    /// Past this many pages (8 MB) the log is made to start over.
    static let restartPages = 2_000

    /// Runs its argument while no write runs (`SQLiteWriter`'s turn, alone).
    typealias PausingWrites = @Sendable (_ body: @Sendable () async throws -> Void) async throws -> Void

    let connection: SQLiteConnection
    private let task: Task<Void, Never>

    init(connection: SQLiteConnection, pausingWrites: @escaping PausingWrites, logger: Logger) {
        self.connection = connection
        task = Task {
            let database = connection.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil)
            var interval = Self.busyInterval
            var lastLog: Int?
            while (try? await Task.sleep(for: interval)) != nil {
                do {
                    let log = try await Self.checkpoint(database)
                    // The log stays as long as it was until a write starts it over: unchanged,
                    // nothing was written, and there is nothing to hold the writes for.
                    let growing = log != lastLog
                    lastLog = log
                    interval = growing ? Self.busyInterval : min(interval * 2, Self.idleInterval)
                    if growing, log >= Self.restartPages {
                        try await pausingWrites { _ = try await Self.checkpoint(database) }
                    }
                } catch {
                    interval = Self.idleInterval
                    logger.debug("WAL checkpoint failed; the writer's own checkpoints remain", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Copies what it can of the log without waiting for anyone; the pages in the log (-1 when
    /// the file is not in WAL mode).
    private static func checkpoint(_ database: any SQLDatabase) async throws -> Int {
        try await database.raw("PRAGMA wal_checkpoint(PASSIVE)").first()?.decode(column: "log", as: Int.self) ?? 0
    }

    /// Stops the copies (the log is copied whole when the last connection closes).
    func close() async throws {
        task.cancel()
        await task.value
        try await connection.close().get()
    }
}
