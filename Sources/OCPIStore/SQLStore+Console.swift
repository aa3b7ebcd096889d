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

/// A command an eMSP sent, what we answered, and what the charge point's result was.
public struct CommandRecord: Sendable, Hashable {
    public var id: Int64
    /// The partner that sent it (its id).
    public var partnerID: String
    /// `START_SESSION` and the rest.
    public var command: String
    /// What it was about: `LOCATION/EVSE[/CONNECTOR]`, a session or a reservation.
    public var target: String
    public var receivedAt: OCPIDateTime
    /// Our answer (`ACCEPTED`, `REJECTED`, `NOT_SUPPORTED`, `UNKNOWN_SESSION`).
    public var response: String
    /// The charge point's result (`ACCEPTED`, `EVSE_OCCUPIED`, `TIMEOUT`...), once there is one.
    public var result: String?
    public var resultAt: OCPIDateTime?
    /// Whether the result reached the eMSP's `response_url`: `posted`, `failed`, or empty.
    public var delivery: String

    public init(
        id: Int64 = 0, partnerID: String, command: String, target: String, receivedAt: OCPIDateTime, response: String, result: String? = nil,
        resultAt: OCPIDateTime? = nil, delivery: String = ""
    ) {
        self.id = id
        self.partnerID = partnerID
        self.command = command
        self.target = target
        self.receivedAt = receivedAt
        self.response = response
        self.result = result
        self.resultAt = resultAt
        self.delivery = delivery
    }
}

/// What the operator's console reads and keeps: push statistics that every instance on the
/// database adds to (so that every instance shows the same), the commands eMSPs sent, and
/// sign-in sessions.
extension SQLStore {
    // MARK: Push statistics

    /// Adds `counts` to what each partner's minute holds, and keeps each partner's newer error,
    /// in one transaction (the pusher calls it with what it counted since its last call).
    public func recordPushStatistics(_ counts: [PushMinute: PushCounts], errors: [String: PushFailure]) async throws {
        let counts = counts.filter { !$0.value.isEmpty }.sorted { ($0.key.partnerID, $0.key.minute) < ($1.key.partnerID, $1.key.minute) }
        let errors = errors.sorted { $0.key < $1.key }
        guard !counts.isEmpty || !errors.isEmpty else { return }
        // A statement per hundred rows, not one per partner: with fifty partners this write
        // came every second as fifty statements, and held the writer (and the operator's next
        // write behind it) for all of them.
        try await transaction {
            for chunk in counts.chunks(of: Self.rowsPerStatement) {
                let rows = chunk.map { minute, count -> SQLQueryString in
                    """
                    (\(bind: minute.partnerID), \(bind: minute.minute), \(bind: count.delivered), \(bind: count.failed), \(bind: count.deferred),
                     \(bind: count.refused))
                    """
                }
                try await query("""
                    INSERT INTO push_stats (partner_id, minute, delivered, failed, deferred, refused)
                    VALUES \(rows.joined(separator: ", "))
                    ON CONFLICT (partner_id, minute) DO UPDATE SET
                        delivered = push_stats.delivered + excluded.delivered, failed = push_stats.failed + excluded.failed,
                        deferred = push_stats.deferred + excluded.deferred, refused = push_stats.refused + excluded.refused
                    """).run()
            }
            for chunk in errors.chunks(of: Self.rowsPerStatement) {
                let rows = chunk.map { partnerID, failure -> SQLQueryString in
                    "(\(bind: partnerID), \(bind: Self.microseconds(failure.occurredAt)), \(bind: failure.message))"
                }
                try await query("""
                    INSERT INTO push_errors (partner_id, occurred_at, message)
                    VALUES \(rows.joined(separator: ", "))
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

    // MARK: Commands

    /// How long commands are kept: a week.
    static let commandsKept: Int64 = 7 * 86_400

    /// Keeps a command as it was answered; its id, for its result. Commands older than a week
    /// are dropped meanwhile.
    public func recordCommand(_ command: CommandRecord) async throws -> Int64 {
        try await query("DELETE FROM command_log WHERE received_at < \(bind: Self.microseconds(OCPIDateTime.now().adding(.seconds(-Self.commandsKept))))").run()
        let row = try await query("""
            INSERT INTO command_log (partner_id, command, target, received_at, response)
            VALUES (\(bind: command.partnerID), \(bind: command.command), \(bind: command.target), \(bind: Self.microseconds(command.receivedAt)),
                    \(bind: command.response))
            RETURNING seq
            """).first()
        return try row?.decode(column: "seq", as: Int64.self) ?? 0
    }

    /// Notes a command's result and whether it reached the eMSP.
    public func recordCommandResult(id: Int64, result: String, at time: OCPIDateTime, delivery: String) async throws {
        try await query("""
            UPDATE command_log SET result = \(bind: result), result_at = \(bind: Self.microseconds(time)), delivery = \(bind: delivery)
            WHERE seq = \(bind: id)
            """).run()
    }

    /// The last `limit` commands, the newest first.
    public func recentCommands(limit: Int) async throws -> [CommandRecord] {
        try await read("""
            SELECT seq, partner_id, command, target, received_at, response, result, result_at, delivery FROM command_log
            ORDER BY seq DESC LIMIT \(unsafeRaw: String(max(1, limit)))
            """).all().map { row in
            let result = try row.decode(column: "result", as: String.self)
            let resultAt = try row.decode(column: "result_at", as: Int64.self)
            return CommandRecord(
                id: try row.decode(column: "seq", as: Int64.self), partnerID: try row.decode(column: "partner_id", as: String.self),
                command: try row.decode(column: "command", as: String.self), target: try row.decode(column: "target", as: String.self),
                receivedAt: Self.time(microseconds: try row.decode(column: "received_at", as: Int64.self)),
                response: try row.decode(column: "response", as: String.self), result: result.isEmpty ? nil : result,
                resultAt: result.isEmpty ? nil : Self.time(microseconds: resultAt), delivery: try row.decode(column: "delivery", as: String.self)
            )
        }
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
