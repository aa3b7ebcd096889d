import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import Synchronization

/// The connection (SQLite) or pool of connections (PostgreSQL) behind a store, and the one thing
/// that differs in how SQL reaches them.
enum StoreBackend: Sendable {
    /// One connection that writes (SQLite serialises writers anyway) and, on a file, a few
    /// read-only ones that WAL lets read meanwhile, one per core, taken in turn. Every connection
    /// has a thread of its own: a statement waiting for another connection's lock blocks its
    /// thread, and must not block the thread that other connection needs to finish. On a file,
    /// one more connection copies the write-ahead log into the file (`checkpoints`). Writes take
    /// turns at the writer (`SQLiteWriter`).
    case sqlite(SQLiteWriter, readers: SQLiteReaders, threads: [NIOThreadPool], checkpoints: WALCheckpoints?)
    /// A pool, run by `task` until the store closes; a statement waits at most `connectionWait`
    /// for one of its connections (`PostgresLease`).
    case postgres(PostgresClient, task: Task<Void, Never>, connectionWait: Duration)

    var dialect: StoreSchema.Dialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    static func open(_ location: StoreLocation, logger: Logger) async throws -> StoreBackend {
        switch location {
        case .sqlite(let path):
            var threads: [NIOThreadPool] = []
            // Every connection opened so far, closed again when a later step fails (SQLiteNIO
            // traps on a connection released open).
            var opened: [SQLiteConnection] = []
            var writer: SQLiteWriter?
            do {
                // Another process holding the file makes the writer wait instead of fail
                // (instances starting together take turns at the migrations).
                let opening = try await SQLiteWriter.open(.file(path: path), logger: logger) { startThread(&threads) }
                writer = opening
                let database = opening.database
                // WAL: readers never wait for the writer; a commit survives a crash of the process.
                try await switchToWAL(database)
                try await database.raw("PRAGMA synchronous = NORMAL").run()
                try await database.raw("PRAGMA wal_autocheckpoint = \(unsafeRaw: String(WALCheckpoints.writerFallbackPages))").run()
                var readers: [SQLiteConnection] = []
                for _ in 0..<max(1, System.coreCount) {
                    let reader = try await openSQLite(.file(path: path), threads: &threads, logger: logger)
                    opened.append(reader)
                    readers.append(reader)
                    let readerDatabase = reader.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil)
                    try await readerDatabase.raw("PRAGMA busy_timeout = 5000").run()
                    // A reader that is sent a write by mistake fails instead of writing.
                    try await readerDatabase.raw("PRAGMA query_only = ON").run()
                }
                let checkpointer = try await openSQLite(.file(path: path), threads: &threads, logger: logger)
                opened.append(checkpointer)
                try await checkpointer.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil).raw("PRAGMA busy_timeout = 5000").run()
                return .sqlite(
                    opening, readers: SQLiteReaders(readers, direct: sqliteFastReads(path: path)), threads: threads,
                    checkpoints: WALCheckpoints(
                        connection: checkpointer, pausingWrites: { body in try await opening.withTurn(alone: true) { _ in try await body() } },
                        logger: logger
                    )
                )
            } catch {
                try? await writer?.close()
                for connection in opened { try? await connection.close() }
                for pool in threads { try? await pool.shutdownGracefully() }
                throw error
            }
        case .memory:
            // One connection: another would open a database of its own.
            var threads: [NIOThreadPool] = []
            let writer = try await SQLiteWriter.open(.memory, logger: logger) { startThread(&threads) }
            return .sqlite(writer, readers: SQLiteReaders([], direct: nil), threads: threads, checkpoints: nil)
        case .postgres(let location):
            return try await openPostgres(location, logger: logger)
        }
    }

    /// Puts the file in WAL mode. On a new file this needs the file to itself, and SQLite
    /// answers busy at once, without its busy handler, while another instance starting at the
    /// same moment holds it; so the switch is tried again for a while.
    private static func switchToWAL(_ database: any SQLDatabase) async throws {
        try await retryingWhileBusy(for: .seconds(10)) { try await database.raw("PRAGMA journal_mode = WAL").run() }
    }

    /// `statement`, sent again while SQLite answers that another connection holds the file,
    /// until `patience` has passed, in pauses that hold no thread. Every write of the direct
    /// writer waits so (ten seconds); the migrations wait longer, for another instance's
    /// migrations, which hold the file across many statements.
    static func retryingWhileBusy<T>(for patience: Duration, _ statement: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        while true {
            do {
                return try await statement()
            } catch where isBusy(error) && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// SQLite said that another connection holds the file, through SQLiteNIO or directly.
    private static func isBusy(_ error: any Error) -> Bool {
        if let error = error as? SQLiteError { return [.busy, .busyInRecovery, .busyTimeout, .locked].contains(error.reason) }
        #if canImport(VaporCSQLite)
        if let error = error as? SQLiteDirectError { return error.isBusy }
        #endif
        return false
    }

    /// A thread for one connection, added to `threads`.
    private static func startThread(_ threads: inout [NIOThreadPool]) -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        threads.append(pool)
        return pool
    }

    /// A connection with a thread of its own, which is added to `threads`.
    private static func openSQLite(_ storage: SQLiteConnection.Storage, threads: inout [NIOThreadPool], logger: Logger) async throws -> SQLiteConnection {
        try await SQLiteConnection.open(storage: storage, threadPool: startThread(&threads), logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()).get()
    }

    private static func openPostgres(_ location: PostgresLocation, logger: Logger) async throws -> StoreBackend {
        // The pool retries a server it cannot reach for as long as a connection is asked for; a
        // server that is not there at all is said so at once.
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(host: location.host, port: location.port).get()
            try? await channel.close()
        } catch {
            throw StoreError.unavailable("cannot use \(location): \(error)")
        }
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls
        )
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = location.poolSize
        // Named, so that an operator can tell the server's connections apart in pg_stat_activity.
        configuration.options.additionalStartupParameters = [("application_name", "ocpi-cpo" + (location.schema.map { "/" + $0 } ?? ""))]
        if let schema = location.schema {
            // Every connection of the pool starts in the store's schema.
            configuration.options.additionalStartupParameters.append(("search_path", schema))
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let task = Task { await client.run() }
        let backend = StoreBackend.postgres(client, task: task, connectionWait: location.connectionWait)
        do {
            if let schema = location.schema {
                // Under the migration lock: instances starting together would race to create it.
                // The schema name is checked to be a plain lower-case identifier.
                try await backend.transaction(exclusive: true) { try await $0.raw("CREATE SCHEMA IF NOT EXISTS \(unsafeRaw: schema)").run() }
            } else {
                try await backend.withDatabase { try await $0.raw("SELECT 1").run() }
            }
        } catch {
            task.cancel()
            // PostgresNIO hides the reason unless asked; a connection failure has no secrets in it.
            throw StoreError.unavailable("cannot use \(location): \(String(reflecting: error))")
        }
        return backend
    }

    /// The connection of the transaction the current task runs in (`transaction(_:)`): every
    /// statement the task sends meanwhile goes to it.
    @TaskLocal static var transactionDatabase: (any SQLDatabase)?

    /// Runs `body` with a database on which every statement it sends goes to one connection;
    /// `reading` says that they only read, which on SQLite lets them go to a read-only
    /// connection and on PostgreSQL to PostgresNIO without postgres-kit between
    /// (`PostgresDirectDatabase`). Statements are not logged: their values include credentials
    /// tokens.
    ///
    /// On SQLite a write takes its turn at the writer (`SQLiteWriter`): the one connection's
    /// statements would otherwise run inside another task's transaction.
    /// `alone`: the writer is not shared with other statements meanwhile (a transaction's).
    func withDatabase<T: Sendable>(reading: Bool = false, alone: Bool = false, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        // Inside a transaction every statement, a read too, sees and joins its writes.
        if let transaction = Self.transactionDatabase { return try await body(transaction) }
        switch self {
        case .sqlite(let writer, let readers, _, _):
            if reading, let direct = readers.direct, let threaded = readers.next() {
                let fallback = threaded.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil)
                return try await body(direct.database(fallback: fallback))
            }
            if reading, let reader = readers.next() {
                return try await body(reader.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil))
            }
            return try await writer.withTurn(alone: alone, body)
        case .postgres(let client, _, let wait):
            return try await PostgresLease.withConnection(client, within: wait) { connection in
                try await body(reading ? PostgresDirectDatabase(connection: connection) : connection.sql(queryLogLevel: nil))
            }
        }
    }

    /// Runs `body` in a transaction: every statement it sends through the store on this task
    /// (the database it is handed, or any store method) commits together or not at all. On
    /// SQLite the writer is held throughout, so other writes wait; on PostgreSQL one connection
    /// of the pool is. `exclusive`: no other store on the database runs an exclusive
    /// transaction at the same time (on PostgreSQL a transaction-scoped advisory lock; SQLite's
    /// writer is exclusive anyway), for schema migrations.
    func transaction<T: Sendable>(exclusive: Bool = false, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        if let transaction = Self.transactionDatabase { return try await body(transaction) }
        return try await withDatabase(alone: true) { database in
            if dialect == .sqlite, exclusive {
                // Migrations: another instance migrating holds the file until it is done.
                try await Self.retryingWhileBusy(for: .seconds(120)) { try await database.raw("BEGIN IMMEDIATE").run() }
            } else {
                try await database.raw(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
            }
            do {
                if exclusive, dialect == .postgres {
                    try await database.raw("SELECT pg_advisory_xact_lock(\(bind: Self.migrationLock))").run()
                }
                let result = try await Self.$transactionDatabase.withValue(database) { try await body(database) }
                try await Self.uncancelled { try await database.raw("COMMIT").run() }
                return result
            } catch {
                try? await Self.uncancelled { try await database.raw("ROLLBACK").run() }
                throw error
            }
        }
    }

    /// Runs `statement` even if the current task is cancelled. The drivers refuse a cancelled
    /// task's statements (SQLiteNIO's thread pool throws `CancellationError`), and a transaction
    /// whose COMMIT or ROLLBACK is refused leaves its connection inside it: the next BEGIN on
    /// the writer then fails, and its statements would join the half-done transaction. A body
    /// that has finished is committed whatever happened to its task meanwhile; one that failed
    /// is rolled back. Only a cancelled task pays for an unstructured one (which does not
    /// inherit the cancellation); a COMMIT refused because the cancellation came just after
    /// the check is followed by a ROLLBACK, which then takes that way.
    private static func uncancelled(_ statement: @escaping @Sendable () async throws -> Void) async throws {
        guard Task.isCancelled else { return try await statement() }
        try await Task { try await statement() }.value
    }

    /// The advisory lock key that serialises schema migrations (an arbitrary constant: "OCPI").
    private static let migrationLock: Int64 = 0x4F43_5049

    func close() async throws {
        switch self {
        case .sqlite(let writer, let readers, let threads, let checkpoints):
            try await checkpoints?.close()
            readers.direct?.close()
            for reader in readers.connections { try await reader.close().get() }
            try await writer.close()
            for pool in threads { try await pool.shutdownGracefully() }
        case .postgres(_, let task, _):
            // Cancelling `run()` closes every connection of the pool.
            task.cancel()
            await task.value
        }
    }
}

/// SQLite's read-only connections: those used on the caller's thread (`direct`, on a file),
/// and threaded ones, lent in turn, for when the file is busy.
final class SQLiteReaders: Sendable {
    let connections: [SQLiteConnection]
    let direct: (any SQLiteFastReads)?
    private let turn = Atomic<Int>(0)

    init(_ connections: [SQLiteConnection], direct: (any SQLiteFastReads)?) {
        self.connections = connections
        self.direct = direct
    }

    func next() -> SQLiteConnection? {
        guard !connections.isEmpty else { return nil }
        let (turn, _) = turn.wrappingAdd(1, ordering: .relaxed)
        return connections[Int(UInt(bitPattern: turn) % UInt(connections.count))]
    }
}

/// One statement of a store, sent when its result is asked for.
struct StoreQuery: Sendable {
    let backend: StoreBackend
    let sql: SQLQueryString
    let operation: String
    let metrics: StoreMetrics
    /// The statement only reads (SQLite sends it to a read-only connection).
    let reading: Bool

    func all() async throws -> [any SQLRow] {
        try await timed { try await $0.raw(sql).all() }
    }

    func first() async throws -> (any SQLRow)? {
        try await timed { try await $0.raw(sql).first() }
    }

    func run() async throws {
        try await timed { try await $0.raw(sql).run() }
    }

    /// Waiting for a connection counts: it is part of what a request waits for.
    private func timed<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer { metrics.recordDuration(operation, ContinuousClock.now - start) }
        do {
            return try await backend.withDatabase(reading: reading, body)
        } catch {
            metrics.recordError(operation)
            throw error
        }
    }
}
