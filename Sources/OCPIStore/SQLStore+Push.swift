import Foundation
import OCPIRuntime
import SQLKit

/// The push bookkeeping: a row per partner and object that changed and has not been delivered,
/// counting the changes not yet delivered.
///
/// Each change is consumed exactly once, by whoever takes it first: the push of the change
/// itself, or the catch-up of a partner that was unreachable (on any instance sharing the
/// database), which takes all of an object's changes at once since it sends the current state.
/// A push that fails puts its change back.
extension SQLStore {
    /// Notes one more change of `key` that `partnerID` has yet to hear of; the note keeps the
    /// time of its oldest change.
    public func markPending(partnerID: String, _ key: ObjectKey, since: OCPIDateTime = .now()) async throws {
        try await query("""
            INSERT INTO push_pending (partner_id, module, country_code, party_id, object_id, kind, since, changes)
            VALUES (\(bind: partnerID), \(bind: key.module.rawValue), \(bind: key.countryCode), \(bind: key.partyID), \(bind: key.id),
                    \(bind: key.kind), \(bind: Self.microseconds(since)), 1)
            ON CONFLICT (partner_id, module, country_code, party_id, object_id, kind) DO UPDATE SET
                since = CASE WHEN push_pending.changes = 0 OR excluded.since < push_pending.since THEN excluded.since ELSE push_pending.since END,
                changes = push_pending.changes + 1
            """).run()
    }

    /// Takes one change of `key`; whether there was one to take.
    public func claimPending(partnerID: String, _ key: ObjectKey) async throws -> Bool {
        let rows = try await query("""
            UPDATE push_pending SET changes = changes - 1
            WHERE partner_id = \(bind: partnerID) AND module = \(bind: key.module.rawValue) AND country_code = \(bind: key.countryCode)
              AND party_id = \(bind: key.partyID) AND object_id = \(bind: key.id) AND kind = \(bind: key.kind) AND changes > 0
            RETURNING changes
            """).all()
        return !rows.isEmpty
    }

    /// Takes every change of up to `limit` objects of `partnerID` whose oldest change is older
    /// than `before`, oldest first.
    public func claimPending(partnerID: String, before: OCPIDateTime, limit: Int) async throws -> [ObjectKey] {
        let rows = try await query("""
            UPDATE push_pending SET changes = 0
            WHERE (partner_id, module, country_code, party_id, object_id, kind) IN (
                SELECT partner_id, module, country_code, party_id, object_id, kind FROM push_pending
                WHERE partner_id = \(bind: partnerID) AND changes > 0 AND since < \(bind: Self.microseconds(before))
                ORDER BY since LIMIT \(bind: limit)
            ) AND changes > 0
            RETURNING module, country_code, party_id, object_id, kind, since
            """).all()
        return try rows.map { row in
            (try row.decode(column: "since", as: Int64.self), ObjectKey(
                module: ObjectModule(rawValue: try row.decode(column: "module", as: String.self)) ?? .locations,
                countryCode: try row.decode(column: "country_code", as: String.self),
                partyID: try row.decode(column: "party_id", as: String.self),
                id: try row.decode(column: "object_id", as: String.self),
                kind: try row.decode(column: "kind", as: String.self)
            ))
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Removes the notes whose changes were all taken.
    public func removeTakenPending() async throws {
        try await query("DELETE FROM push_pending WHERE changes = 0").run()
    }

    /// The partners with changes older than `before`.
    public func partnersWithPending(before: OCPIDateTime) async throws -> [String] {
        try await query("SELECT DISTINCT partner_id FROM push_pending WHERE changes > 0 AND since < \(bind: Self.microseconds(before)) ORDER BY partner_id")
            .all().map { try $0.decode(column: "partner_id", as: String.self) }
    }

    /// How many objects `partnerID` has yet to hear of.
    public func pendingCount(partnerID: String) async throws -> Int {
        try await query("SELECT COUNT(*) AS total FROM push_pending WHERE partner_id = \(bind: partnerID) AND changes > 0").first()?
            .decode(column: "total", as: Int.self) ?? 0
    }

    /// Keeps the URL under which a partner stores a CDR we posted (its `Location` header).
    public func recordCDRLocation(partnerID: String, _ key: ObjectKey, url: String) async throws {
        try await query("""
            INSERT INTO cdr_receipts (partner_id, country_code, party_id, cdr_id, location_url)
            VALUES (\(bind: partnerID), \(bind: key.countryCode), \(bind: key.partyID), \(bind: key.id), \(bind: url))
            ON CONFLICT (partner_id, country_code, party_id, cdr_id) DO UPDATE SET location_url = excluded.location_url
            """).run()
    }

    public func cdrLocation(partnerID: String, _ key: ObjectKey) async throws -> String? {
        try await query("""
            SELECT location_url FROM cdr_receipts
            WHERE partner_id = \(bind: partnerID) AND country_code = \(bind: key.countryCode) AND party_id = \(bind: key.partyID) AND cdr_id = \(bind: key.id)
            """).first()?.decode(column: "location_url", as: String.self)
    }
}
