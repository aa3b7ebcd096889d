import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// The connection (SQLite) or pool of connections (PostgreSQL) behind a store, and the one thing
/// that differs in how SQL reaches them.
enum StoreBackend: Sendable {
    /// One connection: SQLite serialises writers anyway, and WAL lets readers go on meanwhile.
    /// The connection has a thread of its own: a statement waiting for another connection's lock
    /// blocks its thread, and must not block the thread that other connection needs to finish.
    case sqlite(SQLiteConnection, threads: NIOThreadPool)
    /// A pool, run by `task` until the store closes.
    case postgres(PostgresClient, task: Task<Void, Never>)

    var dialect: StoreSchema.Dialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    static func open(_ location: StoreLocation, logger: Logger) async throws -> StoreBackend {
        switch location {
        case .sqlite(let path):
            let threads = NIOThreadPool(numberOfThreads: 1)
            threads.start()
            let connection: SQLiteConnection
            do {
                connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threads, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()).get()
            } catch {
                try? await threads.shutdownGracefully()
                throw error
            }
            let database = connection.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil)
            // First, so that another process holding the file makes us wait instead of fail.
            try await database.raw("PRAGMA busy_timeout = 5000").run()
            // WAL: readers never wait for the writer; a commit survives a crash of the process.
            try await database.raw("PRAGMA journal_mode = WAL").run()
            try await database.raw("PRAGMA synchronous = NORMAL").run()
            return .sqlite(connection, threads: threads)
        case .memory:
            let threads = NIOThreadPool(numberOfThreads: 1)
            threads.start()
            let connection = try await SQLiteConnection.open(storage: .memory, threadPool: threads, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()).get()
            return .sqlite(connection, threads: threads)
        case .postgres(let location):
            return try await openPostgres(location, logger: logger)
        }
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
        // Named, so that an operator can tell the server's connections apart in pg_stat_activity.
        configuration.options.additionalStartupParameters = [("application_name", "ocpi-cpo" + (location.schema.map { "/" + $0 } ?? ""))]
        if let schema = location.schema {
            // Every connection of the pool starts in the store's schema.
            configuration.options.additionalStartupParameters.append(("search_path", schema))
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let task = Task { await client.run() }
        let backend = StoreBackend.postgres(client, task: task)
        do {
            if let schema = location.schema {
                // Under the migration lock: instances starting together would race to create it.
                // The schema name is checked to be a plain lower-case identifier.
                try await backend.exclusiveTransaction { try await $0.raw("CREATE SCHEMA IF NOT EXISTS \(unsafeRaw: schema)").run() }
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

    /// Runs `body` with a database on which every statement it sends goes to one connection.
    /// Statements are not logged: their values include credentials tokens.
    func withDatabase<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        switch self {
        case .sqlite(let connection, _):
            return try await body(connection.sql(encoder: .init(), decoder: .init(), queryLogLevel: nil))
        case .postgres(let client, _):
            return try await client.withConnection { connection in try await body(connection.sql(queryLogLevel: nil)) }
        }
    }

    /// Runs `body` in a transaction that no other store on the same database runs at the same
    /// time (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped advisory lock).
    func exclusiveTransaction(_ body: (any SQLDatabase) async throws -> Void) async throws {
        try await withDatabase { database in
            switch self {
            case .sqlite:
                try await database.raw("BEGIN IMMEDIATE").run()
            case .postgres:
                try await database.raw("BEGIN").run()
                try await database.raw("SELECT pg_advisory_xact_lock(\(bind: Self.migrationLock))").run()
            }
            do {
                try await body(database)
                try await database.raw("COMMIT").run()
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// The advisory lock key that serialises schema migrations (an arbitrary constant: "OCPI").
    private static let migrationLock: Int64 = 0x4F43_5049

    func close() async throws {
        switch self {
        case .sqlite(let connection, let threads):
            try await connection.close().get()
            try await threads.shutdownGracefully()
        case .postgres(_, let task):
            // Cancelling `run()` closes every connection of the pool.
            task.cancel()
            await task.value
        }
    }
}

/// One statement of a store, sent when its result is asked for.
struct StoreQuery: Sendable {
    let backend: StoreBackend
    let sql: SQLQueryString
    let operation: String
    let metrics: StoreMetrics

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
            return try await backend.withDatabase(body)
        } catch {
            metrics.recordError(operation)
            throw error
        }
    }
}
