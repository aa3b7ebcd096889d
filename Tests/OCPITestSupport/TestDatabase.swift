import Foundation
import OCPIStore

/// The databases a store test runs on: an SQLite file always, and PostgreSQL when
/// `OCPI_TEST_POSTGRES_URL` names a server (`.ci/run` starts one). Under CI the PostgreSQL
/// variant is always listed, so that a missing server fails the tests instead of skipping them.
public enum TestDatabase: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public static var all: [TestDatabase] {
        let environment = ProcessInfo.processInfo.environment
        let postgres = environment["OCPI_TEST_POSTGRES_URL"].map { !$0.isEmpty } ?? false
        let ci = environment["CI"].map { !$0.isEmpty } ?? false
        return postgres || ci ? [.sqlite, .postgres] : [.sqlite]
    }

    public var description: String { rawValue }

    /// A new, empty database of this kind: an SQLite file in the temporary folder, or a schema of
    /// its own on the PostgreSQL server. Open it as often as needed; it is the same database.
    public func makeLocation() throws -> StoreLocation {
        try StoreLocation(parsing: makeDatabaseArgument())
    }

    /// The same as `makeLocation`, as `--database` takes it: a file path or a URL.
    public func makeDatabaseArgument() throws -> String {
        switch self {
        case .sqlite:
            return FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-test-\(UUID().uuidString).sqlite").path
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["OCPI_TEST_POSTGRES_URL"], !url.isEmpty else {
                throw TestDatabaseError.noPostgres
            }
            let schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
        }
    }
}

extension TestDatabase {
    /// Deletes an SQLite test database's files (a PostgreSQL schema goes with the test server).
    public func remove(_ location: StoreLocation) {
        guard case .sqlite(let path) = location else { return }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

public enum TestDatabaseError: Error, CustomStringConvertible {
    case noPostgres

    public var description: String {
        "CI is set but OCPI_TEST_POSTGRES_URL is not: start a server with `. scripts/start-test-postgres.sh`"
    }
}

extension SQLStore {
    /// `body`, then the store shut down, also when `body` throws (`defer` cannot await): a store
    /// released open trips SQLiteNIO's assertion and takes the whole test process with it, and
    /// keeps its threads and files open until then.
    @discardableResult
    public func closing<T>(_ body: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body()
        } catch {
            try? await shutdown()
            throw error
        }
        try await shutdown()
        return result
    }
}
