import Logging
import NIOCore
import NIOPosix
import OCPINIOExecutor
import SQLKit
import SQLiteKit

/// The one connection that writes an SQLite store, taken in turns (`WriterTurns`): a
/// transaction has it alone from its BEGIN until its task has seen the COMMIT, so that no other
/// task's statement runs inside it; single statements outside a transaction share it, each its
/// own transaction, queued back to back on the connection's thread. Holding the writer alone
/// for every statement made each write wait for the one before it to come back to its task:
/// half the rate of PUT token (docs/PERFORMANCE.md).
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
    private let turns = WriterTurns()

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

    /// Runs `body` on the writer's loop with the writer to itself (`alone`: a transaction) or
    /// shared with other single statements.
    func withTurn<T: Sendable>(alone: Bool, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor) {
            await turns.enter(alone: alone)
            do {
                let result = try await body(database)
                await turns.leave(alone: alone)
                return result
            } catch {
                await turns.leave(alone: alone)
                throw error
            }
        }
    }

    func close() async throws {
        try await connection.close().get()
        try await loop.shutdownGracefully()
    }
}

/// Who may use the writer now: any number of single statements, or one transaction. Waiters are
/// let in in the order they came, so a transaction waits only for the statements before it and
/// the statements after it wait for it.
actor WriterTurns {
    private var statements = 0
    private var transaction = false
    private var waiting: [(alone: Bool, turn: CheckedContinuation<Void, Never>)] = []

    func enter(alone: Bool) async {
        if waiting.isEmpty, mayEnter(alone: alone) {
            take(alone: alone)
            return
        }
        await withCheckedContinuation { waiting.append((alone, $0)) }
    }

    func leave(alone: Bool) {
        if alone { transaction = false } else { statements -= 1 }
        while let next = waiting.first, mayEnter(alone: next.alone) {
            take(alone: next.alone)
            waiting.removeFirst().turn.resume()
        }
    }

    private func mayEnter(alone: Bool) -> Bool {
        !transaction && (!alone || statements == 0)
    }

    private func take(alone: Bool) {
        if alone { transaction = true } else { statements += 1 }
    }
}
