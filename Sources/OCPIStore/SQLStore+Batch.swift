import Foundation
import OCPIRuntime
import SQLKit

/// Writes of many rows at once, for imports: each statement carries up to `rowsPerStatement`
/// rows, so that a thousand objects cost ten statements instead of a thousand. Called inside
/// `transaction(_:)`, they commit with the rest of it.
extension SQLStore {
    /// How many rows one statement writes: 100 objects are 800 bound values (SQLite allows
    /// 32,766, PostgreSQL 65,535) and about a quarter of a megabyte of JSON.
    static let rowsPerStatement = 100

    /// Creates or replaces each object, in order, as `put(_:)` does one: the insertion sequence
    /// of a replaced object stays. How many were new and how many replaced. An object given
    /// twice is written twice (created, then replaced), as two `put(_:)` would.
    public func putAll(_ objects: [StoredObject]) async throws -> (created: Int, updated: Int) {
        var created = 0
        var updated = 0
        var start = 0
        while start < objects.count {
            // One statement may not touch a row twice (PostgreSQL refuses it): a key seen
            // already in this statement starts the next one.
            var keys = Set<ObjectKey>()
            var end = start
            while end < objects.count, end - start < Self.rowsPerStatement, keys.insert(objects[end].key).inserted { end += 1 }
            let rows = objects[start..<end].map { object -> SQLQueryString in
                let key = object.key
                return """
                    (\(bind: key.module.rawValue), \(bind: key.countryCode), \(bind: key.partyID), \(bind: key.id), \(bind: key.kind),
                     \(bind: object.owner), \(bind: Self.microseconds(object.lastUpdated)), \(bind: Data(object.json)))
                    """
            }
            defer { for object in objects[start..<end] { recentObjects?.forget(object.key) } }
            let revisions = try await query("""
                INSERT INTO objects (module, country_code, party_id, object_id, kind, owner, last_updated, data)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (module, country_code, party_id, object_id, kind) DO UPDATE SET
                    owner = excluded.owner, last_updated = excluded.last_updated, data = excluded.data, revision = objects.revision + 1
                RETURNING revision
                """).all()
            for row in revisions {
                if try row.decode(column: "revision", as: Int64.self) == 1 { created += 1 } else { updated += 1 }
            }
            start = end
        }
        return (created, updated)
    }

    /// Appends changes in their order, as `appendToOutbox(_:)` does one (on PostgreSQL the
    /// appends of other transactions wait for this one to commit).
    public func appendToOutbox(_ entries: [OutboxEntry]) async throws {
        guard !entries.isEmpty else { return }
        if backend.dialect == .postgres {
            try await query("SELECT pg_advisory_xact_lock(\(bind: Self.outboxLock))").run()
        }
        let createdAt = Self.microseconds(.now())
        for chunk in entries.chunks(of: Self.rowsPerStatement) {
            let rows = chunk.map { entry -> SQLQueryString in
                """
                (\(bind: entry.key.module.rawValue), \(bind: entry.key.countryCode), \(bind: entry.key.partyID), \(bind: entry.key.id),
                 \(bind: entry.key.kind), \(bind: entry.owner), \(bind: entry.recipient), \(bind: String(decoding: entry.message, as: UTF8.self)),
                 \(bind: createdAt))
                """
            }
            try await query("""
                INSERT INTO outbox (module, country_code, party_id, object_id, kind, owner, recipient, message, created_at)
                VALUES \(rows.joined(separator: ", "))
                """).run()
        }
    }

    /// Readies the store for a long run of batches: on SQLite, the write-ahead log is copied into
    /// the database every 64 MB this connection writes instead of every 4 MB (each copy waits
    /// for the disk), and the writer keeps up to 32 MB of pages in memory instead of 2 MB (the
    /// indexes' pages are then not read again from the file for every batch). Other
    /// connections keep their own settings.
    public func prepareForBulkWrites() async throws {
        guard backend.dialect == .sqlite else { return }
        try await query("PRAGMA wal_autocheckpoint = 16384").run()
        try await query("PRAGMA cache_size = -32768").run()
    }
}

extension Array {
    /// The elements in consecutive slices of at most `size` (the last may be shorter).
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(1, size)).map { self[$0..<Swift.min(count, $0 + Swift.max(1, size))] }
    }
}
