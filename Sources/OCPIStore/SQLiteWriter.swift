import Logging
import NIOCore
import NIOPosix
import OCPINIOExecutor
import SQLKit
import SQLiteKit

/// The one connection that writes an SQLite store, taken in turns: a write holds it from its
/// first statement until its task has seen the last result (a transaction across all of its
/// statements), so that no other task's statement runs inside another's transaction.
///
/// The connection, and every task while it holds the writer, run on an event loop of the
/// writer's own. On the server's loops, which answer HTTP, the holder resumed after each
/// statement only once its loop came to it, and the writer stood idle meanwhile: PUT token and
/// the admin PATCH lost about a third of their rate when transactions (the outbox) brought the
/// turns in (docs/PERFORMANCE.md). On its own loop the next holder starts as soon as the last
/// one is done, and only the hops onto that loop and back cost the request path.
final class SQLiteWriter: Sendable {
    let connection: SQLiteConnection
    private let loop: MultiThreadedEventLoopGroup
    private let executor: EventLoopTaskExecutor
    private let turns = AsyncSemaphore(1)

    private init(connection: SQLiteConnection, loop: MultiThreadedEventLoopGroup) {
        self.connection = connection
        self.loop = loop
        executor = EventLoopTaskExecutor(loop.next())
    }

    /// Opens the connection with `threadPool`, the thread its statements run on.
    static func open(_ storage: SQLiteConnection.Storage, threadPool: NIOThreadPool, logger: Logger) async throws -> SQLiteWriter {
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let connection = try await SQLiteConnection.open(storage: storage, threadPool: threadPool, logger: logger, on: loop.next()).get()
            return SQLiteWriter(connection: connection, loop: loop)
        } catch {
            try? await loop.shutdownGracefully()
            throw error
        }
    }

    /// The connection as SQLKit's database, without taking a turn: for the store's opening,
    /// before anything else can write.
    var database: any SQLDatabase { connection.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil) }

    /// Runs `body` with the writer to itself, on the writer's loop.
    func withTurn<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor) {
            try await turns.withPermit { try await body(database) }
        }
    }

    func close() async throws {
        try await connection.close().get()
        try await loop.shutdownGracefully()
    }
}
