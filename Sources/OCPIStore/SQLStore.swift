import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOPosix
import OCPIRuntime
import SQLKit
import SQLiteKit
import Synchronization

/// The store on SQL: objects as canonical JSON next to the columns reads filter on, partners,
/// settings. All SQL lives here, written once for both databases it runs on (SQLite and
/// PostgreSQL); where their dialects differ, `StoreSchema` says how.
public final class SQLStore: Sendable {
    let backend: StoreBackend
    private let closed = Mutex(false)
    public let location: StoreLocation
    /// Where each statement is timed (`ocpi_store_duration_seconds`) and each failure counted
    /// (`ocpi_store_errors_total`), by the store operation that sent it.
    let metrics: StoreMetrics
    /// Counts the writes of partners through this store, so that what `RecentPartners` keep of
    /// them is forgotten at once.
    private let partnerWrites = Atomic<Int>(0)
    /// Objects as `recent(_:)` read them, for a second, up to 16 MiB of JSON; only on SQLite
    /// (see `recent(_:)`).
    let recentObjects: RecentValues<ObjectKey, StoredObject>?
    /// Where the pages that clients will ask for next begin: after a page of a list at offset
    /// N with k rows, the `seq` of its last row, under (the filter, N + k). See `page(_:offset:limit:)`.
    private let pageStarts = RecentValues<PageStart, PageMark>(lifetime: .seconds(600), capacity: 100_000)
    /// Every thousandth row of the long lists clients asked deep offsets of, for a minute (see
    /// `OffsetCheckpoints`); the budget is in rows kept, 8 bytes each.
    let offsetCheckpoints = RecentValues<ObjectFilter, OffsetCheckpoints>(lifetime: .seconds(60), capacity: 1_000_000)

    struct PageStart: Hashable, Sendable {
        var filter: ObjectFilter
        var offset: Int
    }

    /// Where a page begins (after the row `after`), and the list's size as its crawl counted it.
    struct PageMark: Sendable {
        var after: Int64
        var total: Int
    }

    /// A stored version of an object (its row's sequence and revision) converted for a partner
    /// on another release, as the type it is served as (which names the release and the object:
    /// one conversion makes it).
    struct ConvertedVersion: Hashable, Sendable {
        var served: ObjectIdentifier
        var sequence: Int64
        var revision: Int64
    }

    /// The converted forms of stored objects (`converted(_:as:_:)`). A stored version never
    /// changes, so an entry stays right for as long as it is kept: nothing is forgotten on
    /// writes, and the budget bounds the memory.
    private let convertedObjects = RecentValues<ConvertedVersion, [UInt8]>(lifetime: .seconds(600), capacity: 32 << 20)

    private init(backend: StoreBackend, location: StoreLocation, metrics: any MetricsFactory) {
        self.backend = backend
        self.location = location
        self.metrics = StoreMetrics(factory: metrics)
        switch location {
        case .sqlite, .memory: recentObjects = RecentValues(lifetime: .seconds(1), capacity: 16 << 20)
        case .postgres: recentObjects = nil
        }
    }

    /// Opens (creating and migrating when needed) the store.
    public static func open(
        _ location: StoreLocation, logger: Logger = Logger(label: "ocpi.store"), metrics: any MetricsFactory = MetricsSystem.factory
    ) async throws -> SQLStore {
        try await open(location, logger: logger, metrics: metrics, schemaVersion: latestSchemaVersion)
    }

    /// Opens the store migrated up to `schemaVersion` only: for tests of a later migration on a
    /// database as an earlier release left it.
    static func open(
        _ location: StoreLocation, logger: Logger = Logger(label: "ocpi.store"), metrics: any MetricsFactory = MetricsSystem.factory, schemaVersion: Int
    ) async throws -> SQLStore {
        let backend = try await StoreBackend.open(location, logger: logger)
        let store = SQLStore(backend: backend, location: location, metrics: metrics)
        do {
            try await store.migrate(upTo: schemaVersion)
        } catch {
            try? await backend.close()
            throw error
        }
        return store
    }

    /// Closes the database; a store must be shut down before it is released. Calling it again
    /// does nothing.
    public func shutdown() async throws {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        if !wasClosed { try await backend.close() }
    }

    /// One statement, run on a connection of its own (SQLite has one; PostgreSQL lends one from
    /// its pool for the statement's duration), timed under the name of the store method that
    /// sends it (`get(_:)`, `list(_:offset:limit:)`).
    func query(_ sql: SQLQueryString, operation: String = #function) -> StoreQuery {
        StoreQuery(backend: backend, sql: sql, operation: operation, metrics: metrics, reading: false)
    }

    /// A statement that only reads: on SQLite it goes to a read-only connection, so reads run
    /// beside each other and beside the writer.
    func read(_ sql: SQLQueryString, operation: String = #function) -> StoreQuery {
        StoreQuery(backend: backend, sql: sql, operation: operation, metrics: metrics, reading: true)
    }

    // MARK: Migrations

    /// Applies the versioned schema changes the database lacks, in order, each once; several
    /// instances starting together on one PostgreSQL database take turns.
    private func migrate(upTo version: Int) async throws {
        try await backend.transaction(exclusive: true) { database in
            try await database.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)").run()
            let applied = Set(try await database.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
            for migration in StoreSchema.migrations where !applied.contains(migration.version) && migration.version <= version {
                for statement in migration.statements(backend.dialect) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await migration.transform?(database)
                try await database.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: migration.version), \(bind: OCPIDateTime.now().description))").run()
            }
        }
    }

    /// The schema version this code migrates a database to.
    public static var latestSchemaVersion: Int { StoreSchema.migrations.last?.version ?? 0 }

    /// The schema version the database is at.
    public func schemaVersion() async throws -> Int {
        try await read("SELECT MAX(version) AS version FROM schema_migrations").first()?.decode(column: "version", as: Int?.self) ?? 0
    }

    // MARK: Objects

    static func microseconds(_ time: OCPIDateTime) -> Int64 {
        time.secondsSince1970 * 1_000_000 + Int64(time.nanoseconds / 1000)
    }

    /// Creates or replaces an object; the insertion sequence of a replaced object stays.
    @discardableResult
    public func put(_ object: StoredObject) async throws -> WriteOutcome {
        let key = object.key
        defer { recentObjects?.forget(key) }
        let row = try await query("""
            INSERT INTO objects (module, country_code, party_id, object_id, kind, owner, last_updated, data)
            VALUES (\(bind: key.module.rawValue), \(bind: key.countryCode), \(bind: key.partyID), \(bind: key.id), \(bind: key.kind),
                    \(bind: object.owner), \(bind: Self.microseconds(object.lastUpdated)), \(bind: Data(object.json)))
            ON CONFLICT (module, country_code, party_id, object_id, kind) DO UPDATE SET
                owner = excluded.owner, last_updated = excluded.last_updated, data = excluded.data, revision = objects.revision + 1
            RETURNING revision
            """).first()
        let revision = try row?.decode(column: "revision", as: Int64.self) ?? 1
        return revision == 1 ? .created : .updated
    }

    /// Writes `object` only if the stored one is still at `revision` (0: only if there is none
    /// yet); whether it was written. A read-modify-write that gets `false` lost a race with
    /// another writer (another instance on the database) and must read again.
    public func put(_ object: StoredObject, ifRevision revision: Int64) async throws -> Bool {
        let key = object.key
        defer { recentObjects?.forget(key) }
        if revision == 0 {
            return try await query("""
                INSERT INTO objects (module, country_code, party_id, object_id, kind, owner, last_updated, data)
                VALUES (\(bind: key.module.rawValue), \(bind: key.countryCode), \(bind: key.partyID), \(bind: key.id), \(bind: key.kind),
                        \(bind: object.owner), \(bind: Self.microseconds(object.lastUpdated)), \(bind: Data(object.json)))
                ON CONFLICT (module, country_code, party_id, object_id, kind) DO NOTHING
                RETURNING revision
                """).first() != nil
        }
        return try await query("""
            UPDATE objects SET owner = \(bind: object.owner), last_updated = \(bind: Self.microseconds(object.lastUpdated)),
                data = \(bind: Data(object.json)), revision = revision + 1
            WHERE module = \(bind: key.module.rawValue) AND country_code = \(bind: key.countryCode) AND party_id = \(bind: key.partyID)
              AND object_id = \(bind: key.id) AND kind = \(bind: key.kind) AND revision = \(bind: revision)
            RETURNING revision
            """).first() != nil
    }

    public func get(_ key: ObjectKey) async throws -> StoredObject? {
        try await read("""
            SELECT seq, revision, owner, last_updated, data FROM objects
            WHERE module = \(bind: key.module.rawValue) AND country_code = \(bind: key.countryCode) AND party_id = \(bind: key.partyID)
              AND object_id = \(bind: key.id) AND kind = \(bind: key.kind)
            """).first().map { try Self.object($0, key: key) }
    }

    /// The object at `key` as `get` reads it, or as a read of it within the last second found
    /// it: for answering partners' GETs, which ask for the same objects again and again. Never
    /// for a read-modify-write (`put(_:ifRevision:)` needs the revision as it is now).
    ///
    /// A write through this store is seen at once: it forgets the key. Only on SQLite, where one
    /// server process owns the file and the other processes that write it are the command-line
    /// tools (`ocpi-cpo import`, `parties`), whose writes are seen within the second. On
    /// PostgreSQL every read goes to the database: another instance may have just pushed a
    /// change, and a partner that GETs the object after that push must not be answered with the
    /// state before it.
    public func recent(_ key: ObjectKey) async throws -> StoredObject? {
        guard let recentObjects else { return try await get(key) }
        let now = ContinuousClock.now
        if let object = recentObjects.value(for: key, at: now) { return object }
        let generation = recentObjects.generation
        guard let object = try await get(key) else { return nil }
        // What a key and its entry hold besides the JSON, roughly.
        recentObjects.remember(object, for: key, cost: object.json.count + 256, at: now, generation: generation)
        return object
    }

    /// The objects of `module` with this id and kind, of whichever party (a token uid, which
    /// only its eMSP makes unique, may be known under several).
    public func find(_ module: ObjectModule, id: String, kind: String) async throws -> [StoredObject] {
        let rows = try await read("""
            SELECT seq, country_code, party_id, owner, last_updated, data FROM objects
            WHERE module = \(bind: module.rawValue) AND object_id = \(bind: id.uppercased()) AND kind = \(bind: kind) ORDER BY seq
            """).all()
        return try rows.map { row in
            try Self.object(row, key: ObjectKey(
                module: module, countryCode: try row.decode(column: "country_code", as: String.self),
                partyID: try row.decode(column: "party_id", as: String.self), id: id, kind: kind
            ))
        }
    }

    /// Every object with this id regardless of owner (an id the CPO gives is unique in its platform).
    public func find(_ module: ObjectModule, id: String, owner: PartyIdentity) async throws -> StoredObject? {
        try await get(ObjectKey(module: module, countryCode: owner.countryCode, partyID: owner.partyID, id: id))
    }

    public func delete(_ key: ObjectKey) async throws -> Bool {
        defer {
            recentObjects?.forget(key)
            // Every later row of a list moves one place up: offsets mean other rows now.
            pageStarts.forgetAll()
            offsetCheckpoints.forgetAll()
        }
        let rows = try await query("""
            DELETE FROM objects
            WHERE module = \(bind: key.module.rawValue) AND country_code = \(bind: key.countryCode) AND party_id = \(bind: key.partyID)
              AND object_id = \(bind: key.id) AND kind = \(bind: key.kind)
            RETURNING seq
            """).all()
        return !rows.isEmpty
    }

    /// One page of a list in insertion order, and the size of the whole filtered list.
    public func list(_ filter: ObjectFilter, offset: Int, limit: Int) async throws -> (objects: [StoredObject], total: Int) {
        let (rows, total, _) = try await page(
            filter, offset: offset, limit: limit, seek: nil,
            columns: "seq, module, country_code, party_id, object_id, kind, owner, last_updated, data", operation: #function
        )
        let objects = try rows.map { row in
            try Self.object(row, key: ObjectKey(
                module: ObjectModule(rawValue: try row.decode(column: "module", as: String.self)) ?? filter.module,
                countryCode: try row.decode(column: "country_code", as: String.self),
                partyID: try row.decode(column: "party_id", as: String.self),
                id: try row.decode(column: "object_id", as: String.self),
                kind: try row.decode(column: "kind", as: String.self)
            ))
        }
        return (objects, total)
    }

    /// The WHERE clause of a filter.
    private static func clause(_ filter: ObjectFilter) -> SQLQueryString {
        var conditions: [SQLQueryString] = ["module = \(bind: filter.module.rawValue)"]
        if let party = filter.party { conditions.append(partyCondition(party)) }
        if let owners = filter.owners {
            // No owner matches nothing: a partner without roles sees no sessions.
            conditions.append(owners.isEmpty ? "1 = 0" : "owner IN (\(binds: owners))")
        }
        if let from = filter.dateFrom { conditions.append("last_updated >= \(bind: Self.microseconds(from))") }
        if let to = filter.dateTo { conditions.append("last_updated < \(bind: Self.microseconds(to))") }
        return conditions.joined(separator: " AND ")
    }

    private static func partyCondition(_ party: PartyIdentity) -> SQLQueryString {
        "country_code = \(bind: party.countryCode.uppercased()) AND party_id = \(bind: party.partyID.uppercased())"
    }

    /// One page of a list as the stored JSON alone, and the size of the whole filtered list:
    /// what a list endpoint sends, without the columns `list` decodes for each row.
    public func listJSON(_ filter: ObjectFilter, offset: Int, limit: Int) async throws -> (objects: [[UInt8]], total: Int) {
        let (objects, total, _) = try await listJSON(filter, offset: offset, limit: limit, seek: nil)
        return (objects, total)
    }

    /// `listJSON`, starting the page at `seek` when it is the position of `offset` (what the
    /// `Link` of the page before carried, see `PageSeek`), and saying where the page after this
    /// one begins, for the `Link` to it.
    public func listJSON(
        _ filter: ObjectFilter, offset: Int, limit: Int, seek: PageSeek?
    ) async throws -> (objects: [[UInt8]], total: Int, next: PageSeek?) {
        // Timed under the name it always had (`ocpi_store_duration_seconds{operation=...}`).
        let (rows, total, next) = try await page(filter, offset: offset, limit: limit, seek: seek, columns: "seq, data", operation: "listJSON(_:offset:limit:)")
        return (try rows.map(Self.json), total, next)
    }

    /// `listJSON`, each object as `convert` makes it of the stored bytes, for a partner on
    /// another release than the stored one. `convert` runs once per stored version of an object
    /// and `served` type (`OCPI211.Location`: the type, not its name, so that no text is made and
    /// hashed per request); a page whose objects did not change since is spliced from the kept
    /// results, as a page of stored objects is.
    public func listJSON(
        _ filter: ObjectFilter, offset: Int, limit: Int, seek: PageSeek?, convertedAs served: Any.Type, _ convert: ([UInt8]) throws -> [UInt8]
    ) async throws -> (objects: [[UInt8]], total: Int, next: PageSeek?) {
        let (rows, total, next) = try await page(
            filter, offset: offset, limit: limit, seek: seek, columns: "seq, revision, data", operation: "listJSON(_:offset:limit:)"
        )
        let now = ContinuousClock.now
        let served = ObjectIdentifier(served)
        let objects = try rows.map { row in
            let version = ConvertedVersion(served: served, sequence: try row.decode(column: "seq", as: Int64.self), revision: try row.decode(column: "revision", as: Int64.self))
            return try converted(version, at: now) { try convert(try Self.json(row)) }
        }
        return (objects, total, next)
    }

    /// `object` as `convert` makes it of its stored bytes, kept as `listJSON(...convertedAs:...)`
    /// keeps a page's; an object not read from the store (revision 0) is converted every time.
    public func converted(_ object: StoredObject, as served: Any.Type, _ convert: ([UInt8]) throws -> [UInt8]) throws -> [UInt8] {
        guard object.revision > 0 else { return try convert(object.json) }
        return try converted(ConvertedVersion(served: ObjectIdentifier(served), sequence: object.sequence, revision: object.revision), at: .now) { try convert(object.json) }
    }

    private func converted(_ version: ConvertedVersion, at now: ContinuousClock.Instant, _ convert: () throws -> [UInt8]) rethrows -> [UInt8] {
        if let kept = convertedObjects.value(for: version, at: now) { return kept }
        let bytes = try convert()
        // What a key and its entry hold besides the bytes, roughly.
        convertedObjects.remember(bytes, for: version, cost: bytes.count + 128, at: now, generation: convertedObjects.generation)
        return bytes
    }

    /// The rows of one page (`columns`, which include `seq`), the size of the whole list, and
    /// where the next page begins.
    ///
    /// A page a client reaches by following the list starts where the page before ended: the
    /// rows after its last `seq`, found on the index at once however deep the list is. The
    /// position comes from the request (`seek`, which the `Link` of the page before carried,
    /// whichever instance wrote it) when it is this offset's, else from this process's memory
    /// of the pages it served (a client that follows the list by adding up offsets itself).
    /// Any other offset of a module's or a party's list starts at the nearest of its
    /// checkpoints (`OffsetCheckpoints`: every thousandth row, kept once one deep offset walked
    /// the list) and skips the rest on the index; a shallow one, or one of a list counted row by
    /// row, skips all its rows (an index entry each, not their JSON). The filter applies either
    /// way.
    ///
    /// The two agree while no row of the list is deleted; a delete in this process forgets every
    /// page start. A delete by another instance sharing the database is not seen: a crawl under
    /// way then goes on after the last row it was sent rather than skipping the row that moved
    /// up, which is what a crawler wants anyway (offsets over a list that changes are never
    /// exact). Rows keep their `seq` when they change; new ones come at the end.
    ///
    /// A list that is counted row by row (a time window, an owner) is counted at the first page
    /// of a crawl, and its following pages give the same total: each page counting again made a
    /// crawl's cost grow with the square of its size, and a total that stays the same from page
    /// to page is what clients expect of `X-Total-Count`.
    ///
    /// The limit is written into the statement, an integer and never text: SQLite plans a
    /// statement for the value bound to its LIMIT and prepares it again whenever that is bound
    /// anew, which made every page prepare its statement twice; clients use a few limits, so the
    /// statements kept per connection stay few.
    ///
    /// The count, when the page needs one, rides in the page's own statement as a subquery
    /// (computed once, whatever the number of rows), so that a page is one statement and, on
    /// PostgreSQL, one round trip to the server instead of two. Only a page with no rows, which
    /// carries no count, asks for it on its own.
    private func page(
        _ filter: ObjectFilter, offset: Int, limit: Int, seek: PageSeek?, columns: StaticString, operation: String
    ) async throws -> (rows: [any SQLRow], total: Int, next: PageSeek?) {
        let clause = Self.clause(filter)
        let generation = pageStarts.generation
        let remembered = offset > 0 ? pageStarts.value(for: PageStart(filter: filter, offset: offset), at: .now) : nil
        var after: Int64? = if offset > 0, let seek, seek.offset == offset { seek.after } else { remembered?.after }
        // A deep offset nothing led to starts at the nearest checkpoint before it.
        var skip = 0
        if after == nil, let checkpoint = try await checkpointed(filter, clause, offset: offset, operation: operation) {
            after = checkpoint.after
            skip = checkpoint.skip
        }
        let limited = "LIMIT \(limit)"
        let rowsOfPage: SQLQueryString = if let after, skip > 0 {
            "SELECT seq FROM objects WHERE \(clause) AND seq > \(bind: after) ORDER BY seq \(unsafeRaw: limited) OFFSET \(bind: skip)"
        } else if let after {
            "SELECT seq FROM objects WHERE \(clause) AND seq > \(bind: after) ORDER BY seq \(unsafeRaw: limited)"
        } else {
            "SELECT seq FROM objects WHERE \(clause) ORDER BY seq \(unsafeRaw: limited) OFFSET \(bind: offset)"
        }
        let rows: [any SQLRow]
        let total: Int
        if let remembered, Self.isCountedRowByRow(filter) {
            rows = try await read("SELECT \(unsafeRaw: "\(columns)") FROM objects WHERE seq IN (\(rowsOfPage)) ORDER BY seq", operation: operation).all()
            total = remembered.total
        } else {
            let counting = Self.counting(filter, clause)
            rows = try await read(
                "SELECT (\(counting)) AS total, \(unsafeRaw: "\(columns)") FROM objects WHERE seq IN (\(rowsOfPage)) ORDER BY seq", operation: operation
            ).all()
            if let first = rows.first {
                total = try first.decode(column: "total", as: Int.self)
            } else {
                total = try await read(counting, operation: operation).first()?.decode(column: "total", as: Int.self) ?? 0
            }
        }
        guard let last = rows.last else { return (rows, total, nil) }
        let mark = PageMark(after: try last.decode(column: "seq", as: Int64.self), total: total)
        pageStarts.remember(mark, for: PageStart(filter: filter, offset: offset + rows.count), at: .now, generation: generation)
        return (rows, total, PageSeek(offset: offset + rows.count, after: mark.after))
    }

    static func isCountedRowByRow(_ filter: ObjectFilter) -> Bool {
        filter.owners != nil || filter.dateFrom != nil || filter.dateTo != nil
    }

    /// The statement that gives the size of a filtered list as `total`: kept in `object_counts`
    /// for a module or a party's module, counted for a time window or an owner.
    private static func counting(_ filter: ObjectFilter, _ clause: SQLQueryString) -> SQLQueryString {
        guard !isCountedRowByRow(filter) else {
            return "SELECT COUNT(*) AS total FROM objects WHERE \(clause)"
        }
        // PostgreSQL sums BIGINTs to NUMERIC; the cast makes it an integer again.
        var kept: SQLQueryString = "SELECT CAST(COALESCE(SUM(total), 0) AS BIGINT) AS total FROM object_counts WHERE module = \(bind: filter.module.rawValue)"
        if let party = filter.party { kept = kept + " AND " + partyCondition(party) }
        return kept
    }

    private static func object(_ row: any SQLRow, key: ObjectKey) throws -> StoredObject {
        let microseconds = try row.decode(column: "last_updated", as: Int64.self)
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        return StoredObject(
            key: key,
            owner: try row.decode(column: "owner", as: String.self),
            lastUpdated: OCPIDateTime(secondsSince1970: seconds, nanoseconds: Int32((microseconds - seconds * 1_000_000) * 1000), fractionDigits: 6),
            json: try json(row),
            sequence: try row.decode(column: "seq", as: Int64.self),
            revision: row.contains(column: "revision") ? try row.decode(column: "revision", as: Int64.self) : 0
        )
    }

    /// A row's stored JSON: a direct read's bytes as they are, any other row's through `Data`.
    private static func json(_ row: any SQLRow) throws -> [UInt8] {
        if let bytes = try directRowBytes(row, column: "data") { return bytes }
        return [UInt8](try row.decode(column: "data", as: Data.self))
    }

    // MARK: Partners

    /// Partners are kept as JSON documents the caller defines, found by their id or by the
    /// digest of the token they present (`tokenHash`: the store never sees a partner's token, so
    /// a copy of the database opens nothing). Each holds the parties (country code and party id)
    /// it acts as, and no party is held by two partners: a write that would take another's
    /// throws `StoreError.partyTaken` and changes nothing.
    public func insertPartner(id: String, tokenHash: String, parties: [PartyIdentity], document: [UInt8]) async throws {
        defer { partnerWrites.add(1, ordering: .sequentiallyConsistent) }
        let claimed = try await claim(parties, for: id)
        do {
            try await query("""
                INSERT INTO partners (id, incoming_token, data, created_at)
                VALUES (\(bind: id), \(bind: tokenHash), \(bind: String(decoding: document, as: UTF8.self)), \(bind: Int64(Date().timeIntervalSince1970 * 1000)))
                """).run()
        } catch {
            try? await release(claimed, of: id)
            throw error
        }
    }

    /// Replaces a partner's token digest, parties and document; the parties it no longer lists
    /// are free for others once this returns.
    public func updatePartner(id: String, tokenHash: String, parties: [PartyIdentity], document: [UInt8]) async throws {
        defer { partnerWrites.add(1, ordering: .sequentiallyConsistent) }
        let claimed = try await claim(parties, for: id)
        do {
            try await query("""
                UPDATE partners SET incoming_token = \(bind: tokenHash), data = \(bind: String(decoding: document, as: UTF8.self)) WHERE id = \(bind: id)
                """).run()
        } catch {
            try? await release(claimed, of: id)
            throw error
        }
        let kept = Set(parties.map(\.normalized))
        let held = try await read("SELECT country_code, party_id FROM partner_parties WHERE partner_id = \(bind: id)").all().map {
            PartyIdentity(countryCode: try $0.decode(column: "country_code", as: String.self), partyID: try $0.decode(column: "party_id", as: String.self))
        }
        try await release(held.filter { !kept.contains($0) }, of: id)
    }

    /// The partner that holds `party`, if one does.
    public func partyHolder(_ party: PartyIdentity) async throws -> String? {
        let party = party.normalized
        return try await read("""
            SELECT partner_id FROM partner_parties WHERE country_code = \(bind: party.countryCode) AND party_id = \(bind: party.partyID)
            """).first()?.decode(column: "partner_id", as: String.self)
    }

    /// Takes each party for `partner` unless another holds it: one statement per party, so
    /// that of two writers (two instances on one database) racing for it one wins. On a
    /// conflict what this call took is given back. Returns the parties it newly took.
    private func claim(_ parties: [PartyIdentity], for partner: String) async throws -> [PartyIdentity] {
        var taken: [PartyIdentity] = []
        for party in Set(parties.map(\.normalized)).sorted(by: { $0.description < $1.description }) {
            let inserted = try await query("""
                INSERT INTO partner_parties (country_code, party_id, partner_id) VALUES (\(bind: party.countryCode), \(bind: party.partyID), \(bind: partner))
                ON CONFLICT (country_code, party_id) DO NOTHING
                RETURNING partner_id
                """).first() != nil
            if inserted {
                taken.append(party)
                continue
            }
            if let holder = try await partyHolder(party), holder != partner {
                try? await release(taken, of: partner)
                throw StoreError.partyTaken(party, holder: holder)
            }
        }
        return taken
    }

    private func release(_ parties: [PartyIdentity], of partner: String) async throws {
        for party in parties {
            try await query("""
                DELETE FROM partner_parties
                WHERE country_code = \(bind: party.countryCode) AND party_id = \(bind: party.partyID) AND partner_id = \(bind: partner)
                """).run()
        }
    }

    /// The document of the partner whose token has the digest `tokenHash`, read from the
    /// database (so that a token minted by another process works at once).
    public func partner(tokenHash: String) async throws -> [UInt8]? {
        try await read("SELECT data FROM partners WHERE incoming_token = \(bind: tokenHash)").first().map(Self.document)
    }

    /// How many times a partner was written through this store; `RecentPartners` forget what
    /// they remember when it moves.
    public var partnerGeneration: Int { partnerWrites.load(ordering: .sequentiallyConsistent) }

    public func partner(id: String) async throws -> [UInt8]? {
        try await read("SELECT data FROM partners WHERE id = \(bind: id)").first().map(Self.document)
    }

    public func partners() async throws -> [[UInt8]] {
        try await read("SELECT data FROM partners ORDER BY created_at, id").all().map(Self.document)
    }

    private static func document(_ row: any SQLRow) throws -> [UInt8] {
        Array(try row.decode(column: "data", as: String.self).utf8)
    }

    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await read("SELECT value FROM settings WHERE key = \(bind: key)").first()?.decode(column: "value", as: String.self)
    }

    public func setSetting(_ key: String, _ value: String) async throws {
        try await query("""
            INSERT INTO settings (key, value) VALUES (\(bind: key), \(bind: value))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """).run()
    }
}
