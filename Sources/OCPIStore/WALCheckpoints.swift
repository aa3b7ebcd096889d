import Logging
import SQLKit
import SQLiteKit

/// Copies SQLite's write-ahead log into the database file off the writers' path.
///
/// Left to itself, SQLite checkpoints in the commit that finds the log past 1,000 pages: that
/// write, and every write queued behind the one writer, waits while the pages are copied and the
/// file is synced (about 20 ms on the benchmark machine, the slowest of the operator's writes).
/// Here a connection of its own copies the log every `interval`, in PASSIVE mode (it neither
/// waits for nor holds up the writer or the readers), and the writer checkpoints itself only
/// past `writerFallbackPages`, should this one fall behind or stop.
final class WALCheckpoints: Sendable {
    /// The writer's own checkpoints start here (pages of the log), instead of at 1,000.
    static let writerFallbackPages = 10_000

    let connection: SQLiteConnection
    private let task: Task<Void, Never>

    init(connection: SQLiteConnection, interval: Duration, logger: Logger) {
        self.connection = connection
        task = Task {
            let database = connection.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil)
            while (try? await Task.sleep(for: interval)) != nil {
                do {
                    try await database.raw("PRAGMA wal_checkpoint(PASSIVE)").run()
                } catch {
                    logger.debug("WAL checkpoint failed; the writer's own checkpoints remain", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Stops the copies (the log is copied whole when the last connection closes).
    func close() async throws {
        task.cancel()
        await task.value
        try await connection.close().get()
    }
}
