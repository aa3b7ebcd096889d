import Logging
import NIOCore
import NIOPosix
import OCPINIOExecutor
import SQLKit
import SQLiteKit

/// The one connection that writes an SQLite store, taken in turns (`WriterTurns`): a
/// transaction has it alone from its BEGIN until its task has seen the COMMIT, so that no other
/// task's statement runs inside it; single statements outside a transaction share it, each its
/// own transaction, run back to back. Holding the writer alone for every statement made each
/// write wait for the one before it to come back to its task: half the rate of PUT token
/// (docs/PERFORMANCE.md).
///
/// Every task runs on the writers' event loop while it holds the writer. On the server's loops,
/// which answer HTTP, the holder resumed after each statement only once its loop came to it,
/// and the writer stood idle meanwhile: PUT token and the admin PATCH lost about a third of
/// their rate when transactions (the outbox) brought the turns in (docs/PERFORMANCE.md). On a
/// loop of the writers' own the next holder starts as soon as the last one is done, and only
/// the hops onto that loop and back cost the request path. The statements themselves run right
/// there, on a connection that keeps them prepared (`SQLiteDirectWriter`); only a build that
/// cannot reach sqlite-nio's SQLite sends them to SQLiteNIO's connection and its thread.
///
/// That loop is one for the whole process, shared by every store's writer and never shut down
/// (like NIO's singletons). A loop per store cost a thread and three descriptors for every store
/// a process kept open; the test suite's 260 such stores took it past what Foundation's
/// `Process` survives (it crashed listing /proc/self/fd). And a loop shut down with its store
/// would drop the job of any task still sent to it, which then never resumes.
final class SQLiteWriter: Sendable {
    private enum Connection {
        case direct(any SQLiteFastWriter)
        case threaded(SQLiteConnection)
    }

    private let connection: Connection
    private let turns = WriterTurns()

    /// The writers' loop, made on first use.
    private static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private static let loop = group.next()
    private static let executor = EventLoopTaskExecutor(loop)

    private init(_ connection: Connection) {
        self.connection = connection
        switch connection {
        case .direct(let writer): database = writer.database
        case .threaded(let threaded): database = threaded.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil)
        }
    }

    /// Opens the writer's connection; `startThread` gives a thread for SQLiteNIO's connection,
    /// should the direct one not be built.
    static func open(_ storage: SQLiteConnection.Storage, logger: Logger, startThread: () -> NIOThreadPool) async throws -> SQLiteWriter {
        let path: String
        switch storage {
        case .memory: path = ":memory:"
        case .file(let file): path = file
        }
        if let direct = try sqliteFastWriter(path: path, eventLoop: loop, logger: logger) {
            return SQLiteWriter(.direct(direct))
        }
        let connection = try await SQLiteConnection.open(storage: storage, threadPool: startThread(), logger: logger, on: loop).get()
        do {
            // Another process holding the file makes a write wait, not fail (on its thread).
            try await connection.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil).raw("PRAGMA busy_timeout = 10000").run()
        } catch {
            try? await connection.close().get()
            throw error
        }
        return SQLiteWriter(.threaded(connection))
    }

    /// The connection as SQLKit's database, without taking a turn: for the store's opening,
    /// before anything else can write.
    let database: any SQLDatabase

    /// Runs `body` on the writer's loop with the writer to itself (`alone`: a transaction) or
    /// shared with other single statements.
    func withTurn<T: Sendable>(alone: Bool, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(Self.executor) {
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
        switch connection {
        case .direct(let writer): writer.close()
        case .threaded(let threaded): try await threaded.close().get()
        }
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
