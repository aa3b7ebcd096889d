import Foundation
import OCPIRuntime
import SQLKit

/// What a partner's pushes came to: messages it took (delivered, resynchronised or caught up),
/// messages it did not answer (failed), changes not sent as their own message (deferred or
/// dropped), and messages it refused.
public struct PushCounts: Sendable, Hashable {
    public var delivered: Int64
    public var failed: Int64
    public var deferred: Int64
    public var refused: Int64

    public init(delivered: Int64 = 0, failed: Int64 = 0, deferred: Int64 = 0, refused: Int64 = 0) {
        self.delivered = delivered
        self.failed = failed
        self.deferred = deferred
        self.refused = refused
    }

    public var isEmpty: Bool { delivered == 0 && failed == 0 && deferred == 0 && refused == 0 }
}

/// One minute (since 1970) of one partner's pushes.
public struct PushMinute: Sendable, Hashable {
    public var partnerID: String
    /// Seconds since 1970, divided by 60.
    public var minute: Int64

    public init(partnerID: String, minute: Int64) {
        self.partnerID = partnerID
        self.minute = minute
    }

    public init(partnerID: String, at time: OCPIDateTime) {
        self.init(partnerID: partnerID, minute: time.secondsSince1970 / 60)
    }
}

/// The last error a partner's pushes met.
public struct PushFailure: Sendable, Hashable {
    public var occurredAt: OCPIDateTime
    public var message: String

    public init(occurredAt: OCPIDateTime, message: String) {
        self.occurredAt = occurredAt
        self.message = message
    }
}

/// A partner's pushes over a while, and the last error they met (whenever it was, within the
/// day the store keeps).
public struct PushSummary: Sendable, Hashable {
    public var counts: PushCounts
    public var lastError: PushFailure?

    public init(counts: PushCounts = PushCounts(), lastError: PushFailure? = nil) {
        self.counts = counts
        self.lastError = lastError
    }
}

/// What the operator's console reads and keeps: push statistics that every instance on the
/// database adds to (so that every instance shows the same), and sign-in sessions.
extension SQLStore {
    // MARK: Push statistics

    /// Adds `counts` to what each partner's minute holds, and keeps each partner's newer error,
    /// in one transaction (the pusher calls it with what it counted since its last call).
    public func recordPushStatistics(_ counts: [PushMinute: PushCounts], errors: [String: PushFailure]) async throws {
        guard !counts.isEmpty || !errors.isEmpty else { return }
        try await transaction {
            for (minute, count) in counts where !count.isEmpty {
                try await query("""
                    INSERT INTO push_stats (partner_id, minute, delivered, failed, deferred, refused)
                    VALUES (\(bind: minute.partnerID), \(bind: minute.minute), \(bind: count.delivered), \(bind: count.failed),
                            \(bind: count.deferred), \(bind: count.refused))
                    ON CONFLICT (partner_id, minute) DO UPDATE SET
                        delivered = push_stats.delivered + excluded.delivered, failed = push_stats.failed + excluded.failed,
                        deferred = push_stats.deferred + excluded.deferred, refused = push_stats.refused + excluded.refused
                    """).run()
            }
            for (partnerID, failure) in errors {
                try await query("""
                    INSERT INTO push_errors (partner_id, occurred_at, message)
                    VALUES (\(bind: partnerID), \(bind: Self.microseconds(failure.occurredAt)), \(bind: failure.message))
                    ON CONFLICT (partner_id) DO UPDATE SET occurred_at = excluded.occurred_at, message = excluded.message
                    WHERE excluded.occurred_at >= push_errors.occurred_at
                    """).run()
            }
        }
    }

    /// Each partner's pushes from `since` on (whole minutes: the minute `since` falls in counts),
    /// with its last error, by partner id.
    public func pushSummaries(since: OCPIDateTime) async throws -> [String: PushSummary] {
        var summaries: [String: PushSummary] = [:]
        // SUM of a BIGINT is a NUMERIC on PostgreSQL: cast back.
        let rows = try await read("""
            SELECT partner_id, CAST(SUM(delivered) AS BIGINT) AS delivered, CAST(SUM(failed) AS BIGINT) AS failed,
                   CAST(SUM(deferred) AS BIGINT) AS deferred, CAST(SUM(refused) AS BIGINT) AS refused
            FROM push_stats WHERE minute >= \(bind: since.secondsSince1970 / 60) GROUP BY partner_id
            """).all()
        for row in rows {
            let counts = PushCounts(
                delivered: try row.decode(column: "delivered", as: Int64.self), failed: try row.decode(column: "failed", as: Int64.self),
                deferred: try row.decode(column: "deferred", as: Int64.self), refused: try row.decode(column: "refused", as: Int64.self)
            )
            summaries[try row.decode(column: "partner_id", as: String.self), default: PushSummary()].counts = counts
        }
        for row in try await read("SELECT partner_id, occurred_at, message FROM push_errors").all() {
            let failure = PushFailure(
                occurredAt: Self.time(microseconds: try row.decode(column: "occurred_at", as: Int64.self)),
                message: try row.decode(column: "message", as: String.self)
            )
            summaries[try row.decode(column: "partner_id", as: String.self), default: PushSummary()].lastError = failure
        }
        return summaries
    }

    /// Drops the minutes and errors older than `before`.
    public func trimPushStatistics(before: OCPIDateTime) async throws {
        try await query("DELETE FROM push_stats WHERE minute < \(bind: before.secondsSince1970 / 60)").run()
        try await query("DELETE FROM push_errors WHERE occurred_at < \(bind: Self.microseconds(before))").run()
    }

    static func time(microseconds: Int64) -> OCPIDateTime {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        return OCPIDateTime(secondsSince1970: seconds, nanoseconds: Int32((microseconds - seconds * 1_000_000) * 1000), fractionDigits: 0)
    }

    // MARK: Console sessions

    /// Keeps a console session (by the digest of its id) until `expiresAt`; sessions that have
    /// expired are dropped meanwhile.
    public func insertConsoleSession(idHash: String, expiresAt: OCPIDateTime) async throws {
        try await query("DELETE FROM console_sessions WHERE expires_at <= \(bind: Self.microseconds(.now()))").run()
        try await query("""
            INSERT INTO console_sessions (id_hash, expires_at) VALUES (\(bind: idHash), \(bind: Self.microseconds(expiresAt)))
            """).run()
    }

    /// Whether the session with this id digest exists and has not expired at `time`.
    public func consoleSessionIsValid(idHash: String, at time: OCPIDateTime) async throws -> Bool {
        guard let row = try await read("SELECT expires_at FROM console_sessions WHERE id_hash = \(bind: idHash)").first() else { return false }
        return try row.decode(column: "expires_at", as: Int64.self) > Self.microseconds(time)
    }

    /// Ends a session (sign-out), on every instance.
    public func deleteConsoleSession(idHash: String) async throws {
        try await query("DELETE FROM console_sessions WHERE id_hash = \(bind: idHash)").run()
    }
}
