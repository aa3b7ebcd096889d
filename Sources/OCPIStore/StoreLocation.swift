import Foundation
import OCPIRuntime

/// Where the store keeps its data.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite file (WAL), created and migrated on open.
    case sqlite(path: String)
    /// An SQLite database in memory, for tests and throwaway runs.
    case memory
    /// A PostgreSQL database, which several server instances can share.
    case postgres(PostgresLocation)

    /// `postgres://` and `postgresql://` URLs name a PostgreSQL database, `:memory:` an SQLite
    /// database in memory, anything else an SQLite file.
    public init(parsing text: String) throws {
        if text == ":memory:" {
            self = .memory
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: text))
        } else {
            self = .sqlite(path: text)
        }
    }

    /// Never shows a password.
    public var description: String {
        switch self {
        case .sqlite(let path): "SQLite file \(path)"
        case .memory: "SQLite in memory"
        case .postgres(let location): location.description
        }
    }
}

/// A PostgreSQL database as a `postgres://user[:password]@host[:port]/database` URL names it.
///
/// Query parameters: `sslmode` (`disable`, the default on loopback; `prefer`, the default
/// elsewhere; `require`), `schema` (a schema of the database to keep the tables in, created when
/// missing, so that several stores can share one database).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    public var schema: String?
    /// How long a statement waits for a connection of the pool (the URL's `connection_wait`, in
    /// seconds, 1 to 600; 10 when not given) before the store gives up with
    /// `StoreError.unavailable`, which a request answers as 503 and 3000: a server that cannot
    /// reach its database answers within a bound instead of holding every request open.
    public var connectionWait: Duration = .seconds(10)
    /// The most connections the pool opens (the URL's `pool_size`, 1 to 100; 20 when not given):
    /// several instances share the server's `max_connections`.
    public var poolSize = 20

    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw StoreError.badLocation("not a PostgreSQL URL (postgres://user[:password]@host[:port]/database): \(Self.redacted(text))")
        }
        self.host = host
        port = components.port ?? 5432
        username = components.user.flatMap { $0.removingPercentEncoding ?? $0 } ?? "postgres"
        password = components.password.flatMap { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : path
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(host)
        if let mode = query["sslmode"] {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw StoreError.badLocation("sslmode must be disable, prefer or require, not '\(mode)'")
            }
            tls = parsed
        } else {
            tls = loopback ? .disable : .prefer
        }
        if let schema = query["schema"] {
            guard !schema.isEmpty, schema.count <= 63, schema.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }),
                schema.first?.isNumber == false
            else {
                throw StoreError.badLocation("schema must be lower-case letters, digits and '_', not '\(schema)'")
            }
            self.schema = schema
        }
        if let wait = query["connection_wait"] {
            guard let seconds = Int(wait), (1...600).contains(seconds) else {
                throw StoreError.badLocation("connection_wait must be a number of seconds from 1 to 600, not '\(wait)'")
            }
            connectionWait = .seconds(seconds)
        }
        if let size = query["pool_size"] {
            guard let count = Int(size), (1...100).contains(count) else {
                throw StoreError.badLocation("pool_size must be a number of connections from 1 to 100, not '\(size)'")
            }
            poolSize = count
        }
    }

    public var description: String {
        "PostgreSQL \(username)@\(host):\(port)/\(database)\(schema.map { " (schema \($0))" } ?? "")"
    }

    /// The URL with its password blanked out, for messages.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://***"
    }
}

/// What the store refuses, in words an operator can act on.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case badLocation(String)
    case unavailable(String)
    /// The party is held by another partner (`holder`, its id).
    case partyTaken(PartyIdentity, holder: String)

    public var description: String {
        switch self {
        case .badLocation(let message), .unavailable(let message): message
        case .partyTaken(let party, let holder): "\(party) is held by partner \(holder)"
        }
    }
}

extension StoreError: OCPIErrorConvertible {
    /// A store that cannot be reached is a moment's outage, said so without internals (the log
    /// has the message); anything else is unexpected.
    public var ocpiError: OCPIError? {
        guard case .unavailable = self else { return nil }
        return OCPIError(.serviceUnavailable, "The server cannot reach its database at the moment; try again shortly")
    }
}
