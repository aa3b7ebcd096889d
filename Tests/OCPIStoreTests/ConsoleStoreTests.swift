import Foundation
import OCPIRuntime
@testable import OCPIStore
import OCPITestSupport
import Testing

/// What the operator's console reads from the store, on both databases: push statistics that
/// instances add to minute by minute, the last error of each partner, and sign-in sessions.
@Suite(.holdsResources) struct ConsoleStoreTests {
    @Test(arguments: TestDatabase.all)
    func pushCountsAddUpAcrossInstancesAndOldMinutesAreTrimmed(_ database: TestDatabase) async throws {
        let location = try database.makeLocation()
        defer { database.remove(location) }
        // A database as the previous release left it: the migration adds the tables.
        let old = try await SQLStore.open(location, schemaVersion: 8)
        try await old.shutdown()
        let first = try await SQLStore.open(location)
        let second = try await SQLStore.open(location)
        do {
            #expect(try await first.schemaVersion() == 9)
            let now = OCPIDateTime.now()
            let minute = PushMinute(partnerID: "p1", at: now)
            let twoHoursAgo = PushMinute(partnerID: "p1", at: now.adding(.seconds(-7200)))
            try await first.recordPushStatistics([minute: PushCounts(delivered: 3, failed: 1), twoHoursAgo: PushCounts(delivered: 50)], errors: [:])
            // The other instance counts the same minute: the counts add up.
            try await second.recordPushStatistics(
                [minute: PushCounts(failed: 2, deferred: 4, refused: 1), PushMinute(partnerID: "p2", at: now): PushCounts(delivered: 7)],
                errors: ["p1": PushFailure(occurredAt: now, message: "locations/NL/SOC/L1: connection refused")]
            )
            // An older error does not replace a newer one.
            try await first.recordPushStatistics([:], errors: ["p1": PushFailure(occurredAt: now.adding(.seconds(-60)), message: "older")])
            let lastHour = try await first.pushSummaries(since: now.adding(.seconds(-3600)))
            #expect(lastHour["p1"]?.counts == PushCounts(delivered: 3, failed: 3, deferred: 4, refused: 1), "the minute two hours ago is not in the last hour")
            #expect(lastHour["p1"]?.lastError?.message == "locations/NL/SOC/L1: connection refused")
            #expect(lastHour["p1"]?.lastError?.occurredAt.secondsSince1970 == now.secondsSince1970)
            #expect(lastHour["p2"]?.counts == PushCounts(delivered: 7))
            #expect(lastHour["p2"]?.lastError == nil)
            #expect(try await second.pushSummaries(since: now.adding(.seconds(-3600))) == lastHour, "every instance reads the same")
            #expect(try await first.pushSummaries(since: now.adding(.seconds(-3 * 3600)))["p1"]?.counts.delivered == 53)

            try await first.trimPushStatistics(before: now.adding(.seconds(-3600)))
            #expect(try await first.pushSummaries(since: now.adding(.seconds(-3 * 3600)))["p1"]?.counts.delivered == 3, "the old minute is gone")
            try await first.trimPushStatistics(before: now.adding(.seconds(60)))
            #expect(try await first.pushSummaries(since: now.adding(.seconds(-3600))).isEmpty, "and so is everything older than the cut")
        } catch {
            try await first.shutdown()
            try await second.shutdown()
            throw error
        }
        try await first.shutdown()
        try await second.shutdown()
    }

    /// One call with more partners than one statement carries (a hundred rows): every row is
    /// written, and a second call adds to each.
    @Test(arguments: TestDatabase.all)
    func statisticsOfManyPartnersAreWrittenInStatementsOfAHundred(_ database: TestDatabase) async throws {
        try await StoreSuite.withStore(database) { store, _ async throws in
            let now = OCPIDateTime.now()
            let partners = (0..<250).map { "partner-\($0)" }
            let counts = Dictionary(uniqueKeysWithValues: partners.enumerated().map { (PushMinute(partnerID: $1, at: now), PushCounts(delivered: Int64($0) + 1)) })
            let errors = Dictionary(uniqueKeysWithValues: partners.map { ($0, PushFailure(occurredAt: now, message: "down: \($0)")) })
            try await store.recordPushStatistics(counts, errors: errors)
            try await store.recordPushStatistics(counts, errors: [:])
            let summaries = try await store.pushSummaries(since: now.adding(.seconds(-60)))
            #expect(summaries.count == 250)
            for (index, partner) in partners.enumerated() {
                #expect(summaries[partner]?.counts.delivered == 2 * (Int64(index) + 1), "\(partner)")
                #expect(summaries[partner]?.lastError?.message == "down: \(partner)")
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func commandsAreKeptWithTheirResultsForAWeek(_ database: TestDatabase) async throws {
        try await StoreSuite.withStore(database) { store, _ async throws in
            let now = OCPIDateTime.now()
            let old = try await store.recordCommand(CommandRecord(
                partnerID: "p1", command: "UNLOCK_CONNECTOR", target: "L/E/1", receivedAt: now.adding(.seconds(-8 * 86_400)), response: "ACCEPTED"
            ))
            let start = try await store.recordCommand(CommandRecord(
                partnerID: "p1", command: "START_SESSION", target: "L/E", receivedAt: now, response: "ACCEPTED"
            ))
            let stop = try await store.recordCommand(CommandRecord(
                partnerID: "p2", command: "STOP_SESSION", target: "session S", receivedAt: now, response: "UNKNOWN_SESSION"
            ))
            #expect(old < start && start < stop)
            try await store.recordCommandResult(id: start, result: "EVSE_OCCUPIED", at: now, delivery: "posted")
            let commands = try await store.recentCommands(limit: 10)
            #expect(commands.map(\.id) == [stop, start], "the newest first; the one older than a week is gone")
            #expect(commands.last?.result == "EVSE_OCCUPIED")
            #expect(commands.last?.delivery == "posted")
            #expect(commands.last?.resultAt?.secondsSince1970 == now.secondsSince1970)
            #expect(commands.first?.result == nil)
            #expect(commands.first?.resultAt == nil)
            #expect(commands.first?.response == "UNKNOWN_SESSION")
            #expect(try await store.recentCommands(limit: 1).map(\.id) == [stop])
        }
    }

    @Test(arguments: TestDatabase.all)
    func consoleSessionsExpireAndEndOnEveryInstance(_ database: TestDatabase) async throws {
        try await StoreSuite.withStore(database) { store, location async throws in
            let now = OCPIDateTime.now()
            try await store.insertConsoleSession(idHash: "live", expiresAt: now.adding(.seconds(3600)))
            try await store.insertConsoleSession(idHash: "expired", expiresAt: now.adding(.seconds(-1)))
            #expect(try await store.consoleSessionIsValid(idHash: "live", at: now))
            #expect(try await store.consoleSessionIsValid(idHash: "expired", at: now) == false)
            #expect(try await store.consoleSessionIsValid(idHash: "unknown", at: now) == false)
            #expect(try await store.consoleSessionIsValid(idHash: "live", at: now.adding(.seconds(3601))) == false, "a session ends when it expires")
            let other = try await SQLStore.open(location)
            try await other.closing { () async throws in
                #expect(try await other.consoleSessionIsValid(idHash: "live", at: now), "another instance knows the session")
                try await other.deleteConsoleSession(idHash: "live")
            }
            #expect(try await store.consoleSessionIsValid(idHash: "live", at: now) == false, "signing out on one instance ends it on all")
        }
    }
}
