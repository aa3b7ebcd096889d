import Foundation
import OCPI221
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Synchronization
import Testing

/// Writes acknowledged so far, across writer tasks.
final class WriteCount: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// The server on a bad day: killed mid-write, its database connections cut, two instances on one
/// database.
@Suite(.holdsResources) struct FaultTests {
    /// Every write the server acknowledged survives SIGKILL, on every database.
    @Test(arguments: TestDatabase.all)
    func aKilledServerLosesNoAcknowledgedWrite(_ database: TestDatabase) async throws {
        let databaseArgument = try database.makeDatabaseArgument()
        let location = try StoreLocation(parsing: databaseArgument)
        defer { database.remove(location) }
        let port = try LiveServer.freePort()
        let arguments = ["serve", "--database", databaseArgument, "--port", "\(port)", "--admin-token", "admin", "--no-demo-data"]
        let server = try RunningCommand("ocpi-cpo", arguments)
        try await server.waitForOutput(containing: "admin token")
        let template = DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[0]

        // Two writers; the server is killed while they write, once it has acknowledged some
        // (counted, not timed: a loaded machine writes slowly).
        let written = WriteCount()
        // Each writer's acknowledged ids, and how its last write ended when that was not the kill
        // (a refusal or a timeout before it), so that a run with too few writes says why.
        let outcomes = try await withThrowingTaskGroup(of: (done: [String], stop: String?).self) { group in
            for writer in 0..<2 {
                group.addTask {
                    var done: [String] = []
                    for index in 0..<10_000 {
                        var tariff = template
                        tariff.id = "W\(writer)-\(index)"
                        let response: RawResponse
                        do {
                            response = try await send("PUT", "http://127.0.0.1:\(port)/admin/2.2.1/tariffs/\(tariff.id)", authorization: "Bearer admin",
                                                      body: String(decoding: tariff.jsonBytes(), as: UTF8.self))
                        } catch {
                            return (done, "writer \(writer), write \(index): \(error)")
                        }
                        guard response.status == 201 else {
                            return (done, "writer \(writer), write \(index): HTTP \(response.status) \(String(response.text.prefix(300)))")
                        }
                        done.append(tariff.id)
                        written.add()
                    }
                    return (done, nil)
                }
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(60)
                while written.value < 50, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                _ = try await server.stop(signal: SIGKILL)
                return ([], nil)
            }
            return try await group.reduce(into: [(done: [String], stop: String?)]()) { $0.append($1) }
        }
        let acknowledged = outcomes.flatMap(\.done)
        let stops = outcomes.compactMap(\.stop)
        #expect(acknowledged.count > 10, "the load ran before the kill (\(acknowledged.count) writes; the writers stopped at: \(stops))")

        let store = try await SQLStore.open(location)
        let stored = try await store.closing { Set(try await store.list(ObjectFilter(module: .tariffs), offset: 0, limit: 100_000).objects.map(\.key.id)) }
        let lost = acknowledged.filter { !stored.contains($0.uppercased()) }
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.prefix(5))")
    }

    /// Two instances on one PostgreSQL database: a change taken by one is pushed once, even when
    /// both catch up.
    @Test(.enabled(if: TestDatabase.all.contains(.postgres)))
    func twoInstancesOnOneDatabasePushEachChangeOnce() async throws {
        let location = try TestDatabase.postgres.makeLocation()
        // A catch-up leaves fresh changes to their own push, as in production.
        let push = PushConfiguration(offlinePause: .zero)
        let first = try await CPOPeer.open(database: location, push: push)
        let second = try await CPOPeer.open(database: location, demoData: false, push: push)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await first.run {
            try await second.run {
                try await emsp.run {
                    _ = try await PushTests.register(emsp, with: first)
                    for index in 0..<5 {
                        let patch = #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:0\#(index)Z"}"#
                        let instance = index.isMultiple(of: 2) ? first : second
                        #expect(try await PushTests.admin(instance, "PATCH", "/locations/UTR-STATION/UTR-STATION-\(index % 3 + 1)", patch).status == 200)
                    }
                    // Both instances deliver and catch up at the same time.
                    async let a: Void = first.server.pusher.catchUp()
                    async let b: Void = second.server.pusher.catchUp()
                    _ = await (a, b)
                    await first.server.pusher.drain()
                    await second.server.pusher.drain()
                    // Each change went out once, from the instance that took it: five PATCHes, not ten.
                    let calls = await inbox.calls
                    #expect(calls.filter { $0.hasPrefix("PATCH evse") }.count == 5, "\(calls)")
                    let partnerID = try #require(try await first.server.registry.partners().first { $0.status == .registered }).id
                    #expect(try await first.server.pusher.pendingObjects(partnerID: partnerID) == 0)
                    #expect(await inbox.locations["UTR-STATION"] == (try await PushTests.stored(first, .locations, "UTR-STATION", as: Location.self)))
                }
            }
        }
    }

    /// PostgreSQL drops every connection of the server mid-load: requests fail cleanly (the OCPI
    /// envelope, a 3xxx code) and the server recovers without a restart.
    @Test(.enabled(if: TestDatabase.all.contains(.postgres)))
    func droppedDatabaseConnectionsFailCleanlyAndRecover() async throws {
        let location = try TestDatabase.postgres.makeLocation()
        guard case .postgres(let postgres) = location, let schema = postgres.schema,
            let url = ProcessInfo.processInfo.environment["OCPI_TEST_POSTGRES_URL"]
        else { Issue.record("no PostgreSQL"); return }
        let psql = try #require(["/usr/bin/psql", "/usr/local/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) }, "psql is needed")
        let cpo = try await CPOPeer.open(database: location)
        try await cpo.run {
            let token = try await ModuleTests.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            let list = cpo.baseURL + "/ocpi/cpo/2.2.1/locations"
            #expect(try await send("GET", list, authorization: CredentialsToken.header(for: token)).status == 200)
            let drop = try await BuiltExecutable.runProcess(URL(fileURLWithPath: psql), [
                url, "-tAc", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ocpi-cpo/\(schema)'",
            ])
            #expect(drop.status == 0, "\(drop.error)")
            #expect(Int(drop.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0, "connections were dropped")
            var statuses: [Int] = []
            for _ in 0..<30 {
                // Reconnecting takes PostgreSQL a new backend per connection; with the whole
                // suite running on two cores beside it this has taken the server over 30 s
                // (the test itself took 85-125 s there, 2-4 s alone), so the deadline is wider.
                let response = try await send("GET", list, authorization: CredentialsToken.header(for: token), timeout: .seconds(120))
                statuses.append(response.status)
                if response.status != 200 {
                    #expect(response.statusCode.map { (3000..<4000).contains($0) } == true, "a clean OCPI server error, not \(response.status)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(statuses.suffix(10).allSatisfy { $0 == 200 }, "recovered: \(statuses)")
        }
    }
}
