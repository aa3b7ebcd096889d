import Foundation
import OCPIRuntime
import SQLKit

/// One change in the outbox: which object, for whom, and the message that describes it (JSON
/// the pusher defines).
public struct OutboxEntry: Sendable, Equatable {
    /// Its place in the outbox: later changes have higher positions.
    public var position: Int64
    public var key: ObjectKey
    /// The eMSP (`CC/PID`) a session or CDR belongs to; empty: every receiver of the module.
    public var owner: String
    /// The one partner (its id) the row is for; empty: every receiver.
    public var recipient: String
    public var message: [UInt8]

    public init(position: Int64 = 0, key: ObjectKey, owner: String = "", recipient: String = "", message: [UInt8]) {
        self.position = position
        self.key = key
        self.owner = owner
        self.recipient = recipient
        self.message = message
    }
}

/// Pushes as an outbox. A change of an object is appended in the transaction that writes the
/// object (`transaction(_:)`), so the operator's write costs one row whatever the number of
/// partners, and no change is announced that was not stored or stored without being announced.
/// Each partner is served from its cursor, by one instance at a time (its lease).
extension SQLStore {
    /// Runs `body` in one transaction: the store's writes made in it (on this task) commit
    /// together or not at all. On SQLite other writers wait meanwhile.
    public func transaction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await backend.transaction { _ in try await body() }
    }

    /// Appends a change; within `transaction(_:)`, in the object's transaction.
    ///
    /// On PostgreSQL the append waits for every other append to commit first: positions are
    /// taken from a sequence when a row is inserted, and a transaction that commits later with
    /// an earlier position would slip behind a cursor that had already passed it.
    public func appendToOutbox(_ entry: OutboxEntry) async throws {
        if backend.dialect == .postgres {
            try await query("SELECT pg_advisory_xact_lock(\(bind: Self.outboxLock))").run()
        }
        try await query("""
            INSERT INTO outbox (module, country_code, party_id, object_id, kind, owner, recipient, message, created_at)
            VALUES (\(bind: entry.key.module.rawValue), \(bind: entry.key.countryCode), \(bind: entry.key.partyID), \(bind: entry.key.id),
                    \(bind: entry.key.kind), \(bind: entry.owner), \(bind: entry.recipient), \(bind: String(decoding: entry.message, as: UTF8.self)),
                    \(bind: Self.microseconds(.now())))
            """).run()
    }

    /// The advisory lock key that serialises appends on PostgreSQL ("OUTB").
    static let outboxLock: Int64 = 0x4F55_5442

    /// Up to `limit` changes after `position`, in order.
    public func outbox(after position: Int64, limit: Int) async throws -> [OutboxEntry] {
        try await read("""
            SELECT seq, module, country_code, party_id, object_id, kind, owner, recipient, message FROM outbox
            WHERE seq > \(bind: position) ORDER BY seq LIMIT \(unsafeRaw: String(max(1, limit)))
            """).all().map { row in
            OutboxEntry(
                position: try row.decode(column: "seq", as: Int64.self),
                key: ObjectKey(
                    module: ObjectModule(rawValue: try row.decode(column: "module", as: String.self)) ?? .locations,
                    countryCode: try row.decode(column: "country_code", as: String.self),
                    partyID: try row.decode(column: "party_id", as: String.self),
                    id: try row.decode(column: "object_id", as: String.self),
                    kind: try row.decode(column: "kind", as: String.self)
                ),
                owner: try row.decode(column: "owner", as: String.self),
                recipient: try row.decode(column: "recipient", as: String.self),
                message: Array(try row.decode(column: "message", as: String.self).utf8)
            )
        }
    }

    /// The position of the latest change (0 when there is none).
    public func outboxHead() async throws -> Int64 {
        try await read("SELECT MAX(seq) AS head FROM outbox").first()?.decode(column: "head", as: Int64?.self) ?? 0
    }

    // MARK: Cursors

    /// Gives `partnerID` a cursor before the first change made at or after `since`, unless it
    /// has one: a partner is served what changed from its registration on, however soon after
    /// it its stream starts. (`WHERE true` tells SQLite's parser that `ON CONFLICT` is not a
    /// join's `ON`.)
    public func startPushCursor(partnerID: String, since: OCPIDateTime) async throws {
        try await query("""
            INSERT INTO push_cursors (partner_id, position)
            SELECT \(bind: partnerID), COALESCE(MAX(seq), 0) FROM outbox WHERE created_at < \(bind: Self.microseconds(since))
            ON CONFLICT (partner_id) DO NOTHING
            """).run()
    }

    /// A partner's cursor: how far down the outbox it has been served, and whether it failed to
    /// answer since (what it missed is then sent folded).
    public struct PushCursor: Sendable, Equatable {
        public var position: Int64
        public var away: Bool
    }

    /// Takes or renews the lease on `partnerID`'s cursor for `holder` (an instance) until
    /// `until`, unless another holder's lease is still running; the cursor when the lease is held.
    public func leasePushCursor(partnerID: String, holder: String, until: OCPIDateTime) async throws -> PushCursor? {
        guard let row = try await query("""
            UPDATE push_cursors SET holder = \(bind: holder), held_until = \(bind: Self.microseconds(until))
            WHERE partner_id = \(bind: partnerID)
              AND (holder = \(bind: holder) OR holder = '' OR held_until < \(bind: Self.microseconds(.now())))
            RETURNING position, away
            """).first() else { return nil }
        return PushCursor(position: try row.decode(column: "position", as: Int64.self), away: try row.decode(column: "away", as: Int.self) != 0)
    }

    /// Moves `partnerID`'s cursor forward to `position` (`back`: and notes that the partner is
    /// back, with what it missed sent), if `holder` still holds its lease; whether it did.
    @discardableResult
    public func advancePushCursor(partnerID: String, to position: Int64, holder: String, back: Bool = false) async throws -> Bool {
        try await query("""
            UPDATE push_cursors SET position = \(bind: position)\(unsafeRaw: back ? ", away = 0" : "")
            WHERE partner_id = \(bind: partnerID) AND holder = \(bind: holder) AND position <= \(bind: position)
            RETURNING position
            """).first() != nil
    }

    /// Moves each of `positions`' cursors that `holder` holds forward to its position (never
    /// back) and renews its lease until `until`: the pusher's one write a second for all its
    /// partners, a statement per hundred of them, instead of a write per partner. The partners
    /// whose cursor `holder` held (the others were taken over by another instance).
    public func renewPushCursors(_ positions: [String: Int64], holder: String, until: OCPIDateTime) async throws -> Set<String> {
        var held = Set<String>()
        for chunk in positions.sorted(by: { $0.key < $1.key }).chunks(of: Self.rowsPerStatement) {
            let cases = chunk.map { partnerID, position -> SQLQueryString in
                "WHEN \(bind: partnerID) THEN (CASE WHEN position < \(bind: position) THEN \(bind: position) ELSE position END)"
            }
            let ids = chunk.map { partnerID, _ -> SQLQueryString in "\(bind: partnerID)" }
            let rows = try await query("""
                UPDATE push_cursors SET position = CASE partner_id \(cases.joined(separator: " ")) ELSE position END,
                    held_until = \(bind: Self.microseconds(until))
                WHERE holder = \(bind: holder) AND partner_id IN (\(ids.joined(separator: ", ")))
                RETURNING partner_id
                """).all()
            for row in rows { held.insert(try row.decode(column: "partner_id", as: String.self)) }
        }
        return held
    }

    /// Notes that `partnerID` failed to answer: what it misses is sent folded when it is back.
    public func markPushCursorAway(partnerID: String) async throws {
        try await query("UPDATE push_cursors SET away = 1 WHERE partner_id = \(bind: partnerID)").run()
    }

    /// Gives up `holder`'s lease on `partnerID`'s cursor (at shutdown: another instance takes
    /// over at once).
    public func releasePushCursor(partnerID: String, holder: String) async throws {
        try await query("UPDATE push_cursors SET holder = '', held_until = 0 WHERE partner_id = \(bind: partnerID) AND holder = \(bind: holder)").run()
    }

    /// Where `partnerID`'s cursor is, if it has one.
    public func pushCursor(partnerID: String) async throws -> Int64? {
        try await read("SELECT position FROM push_cursors WHERE partner_id = \(bind: partnerID)").first()?.decode(column: "position", as: Int64.self)
    }

    /// Removes the cursors of partners not in `partnerIDs` (unregistered ones), then the changes
    /// every remaining cursor has passed.
    public func trimOutbox(keepingCursorsOf partnerIDs: Set<String>) async throws {
        let cursors = try await read("SELECT partner_id FROM push_cursors").all().map { try $0.decode(column: "partner_id", as: String.self) }
        for partnerID in cursors where !partnerIDs.contains(partnerID) {
            try await query("DELETE FROM push_cursors WHERE partner_id = \(bind: partnerID)").run()
        }
        try await query("""
            DELETE FROM outbox WHERE seq <= COALESCE((SELECT MIN(position) FROM push_cursors), (SELECT MAX(seq) FROM outbox))
            """).run()
    }
}
