import Foundation
import Hummingbird
import NIOPosix
import OCPI221
@testable import OCPICPO
import OCPIHummingbird
import OCPINIOExecutor
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// Changes made through the admin API reach the eMSPs that receive them, over real HTTP, and a
/// partner that was away is brought to the current state.
@Suite(.holdsResources) struct PushTests {
    static let bearer = AdminAndStoreTests.bearer

    /// Many partners' Locations receiver at one origin (`/{partner}/locations/...`): answers
    /// every PUT with 1000 and records which partner got which path.
    static func locationsReceiver(recording received: Received) -> Router<BasicRequestContext> {
        let receiver = Router()
        receiver.put("/{partner}/locations/**") { request, context -> Response in
            await received.add(context.parameters.get("partner") ?? "?", request.uri.path)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"}"#)))
        }
        return receiver
    }

    /// The eMSP registers (it starts the handshake); the CPO's record of it.
    static func register(_ emsp: EMSPPeer, with cpo: CPOPeer) async throws -> PartnerRecord {
        let tokenA = try await cpo.server.registry.invite().token
        _ = try await emsp.credentials.register(versionsURL: cpo.server.profile.versionsURL, tokenA: tokenA)
        return try #require(try await cpo.server.registry.partners().first { $0.status == .registered && $0.roles.first?.partyID == emsp.profile.roles.first?.partyID })
    }

    /// The eMSP registers; the token it calls the CPO with (token C, which the CPO keeps only as
    /// a digest, so it is read from the eMSP's side).
    static func registerForToken(_ emsp: EMSPPeer, with cpo: CPOPeer) async throws -> String {
        _ = try await register(emsp, with: cpo)
        return try await tokenC(emsp)
    }

    static func tokenC(_ emsp: EMSPPeer) async throws -> String {
        try #require(try await emsp.registry.partners().first { $0.status == .registered }?.outgoingToken)
    }

    static func stored<T: OCPIModel>(_ cpo: CPOPeer, _ module: ObjectModule, _ id: String, as _: T.Type) async throws -> T {
        let object = try #require(try await cpo.server.store.get(ObjectKey(module: module, countryCode: "NL", partyID: "SOC", id: id)))
        return try #require(try T.decodeJSON(object.json).value)
    }

    static func admin(_ cpo: CPOPeer, _ method: String, _ path: String, _ body: String? = nil) async throws -> RawResponse {
        try await send(method, cpo.baseURL + "/admin/2.2.1" + path, authorization: bearer, body: body)
    }

    /// A registered eMSP that receives Locations only, at `url` (a stand-in that misbehaves).
    static func insertLocationsReceiver(_ cpo: CPOPeer, id: String, url: String, partyID: String, catchUp: Bool = true) async throws {
        try await cpo.server.registry.insert(PartnerRecord(
            id: id, status: .registered, incomingToken: TokenGenerator.make(), outgoingToken: "x", version: "2.2.1",
            endpoints: [.init(identifier: OCPIModuleID(rawValue: "locations"), role: .receiver, url: url)],
            roles: [.init(role: .emsp, countryCode: "FR", partyID: partyID)], catchUp: catchUp
        ))
    }

    /// New locations `PREFIX-0`..., each put through the admin API (and so pushed).
    static func putLocations(_ cpo: CPOPeer, prefix: String, count: Int) async throws {
        for index in 0..<count {
            var location = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: .now())[0]
            location.id = "\(prefix)-\(index)"
            #expect(try await admin(cpo, "PUT", "/locations/\(location.id)", ModuleTests.json(location)).status == 201)
        }
    }

    /// Waits (at most ten seconds) until `inbox` holds `count` locations.
    static func waitForLocations(_ inbox: EMSPInbox, _ count: Int) async throws {
        let started = ContinuousClock.now
        while await inbox.locations.count < count, ContinuousClock.now - started < .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func everyKindOfChangeArrivesAsItsOwnMessage() async throws {
        let cpo = try await CPOPeer.open()
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                let partner = try await Self.register(emsp, with: cpo)
                var location = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[0]
                location.id = "PUSHED"
                #expect(try await Self.admin(cpo, "PUT", "/locations/PUSHED", ModuleTests.json(location)).status == 201)
                await cpo.server.pusher.drain()
                #expect(await inbox.locations["PUSHED"] == location)

                // A status change is a PATCH of the EVSE.
                let evse = location.evses[0].uid
                #expect(try await Self.admin(cpo, "PATCH", "/locations/PUSHED/\(evse)", #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#).status == 200)
                var connector = location.evses[0].connectors[0]
                connector.maxAmperage = 20
                connector.lastUpdated = try #require(OCPIDateTime("2030-01-02T00:00:00Z"))
                #expect(try await Self.admin(cpo, "PUT", "/locations/PUSHED/\(evse)/\(connector.id)", ModuleTests.json(connector)).status == 200)
                #expect(try await Self.admin(cpo, "PATCH", "/locations/PUSHED", #"{"name": "Renamed", "last_updated": "2030-01-03T00:00:00Z"}"#).status == 200)
                await cpo.server.pusher.drain()
                #expect(await inbox.calls == [
                    "PUT location PUSHED", "PATCH evse PUSHED/\(evse)", "PUT connector PUSHED/\(evse)/\(connector.id)", "PATCH location PUSHED",
                ])
                #expect(await inbox.locations["PUSHED"] == (try await Self.stored(cpo, .locations, "PUSHED", as: Location.self)), "the eMSP's copy is the server's object")

                // Tariffs: PUT and DELETE.
                var tariff = DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[0]
                tariff.id = "PUSHED-TARIFF"
                #expect(try await Self.admin(cpo, "PUT", "/tariffs/PUSHED-TARIFF", ModuleTests.json(tariff)).status == 201)
                await cpo.server.pusher.drain()
                #expect(await inbox.tariffs["PUSHED-TARIFF"] == tariff)
                #expect(try await Self.admin(cpo, "DELETE", "/tariffs/PUSHED-TARIFF").status == 200)
                await cpo.server.pusher.drain()
                #expect(await inbox.tariffs["PUSHED-TARIFF"] == nil)

                // Sessions go to their own eMSP only; charging periods arrive by PATCH.
                #expect(try await Self.admin(cpo, "PUT", "/sessions/S1", ModuleTests.json(ModuleTests.session("S1", for: "DE", "MSP"))).status == 201)
                #expect(try await Self.admin(cpo, "PUT", "/sessions/S2", ModuleTests.json(ModuleTests.session("S2", for: "FR", "OTH"))).status == 201)
                let periods = #"{"kwh": 3.5, "charging_periods": [{"start_date_time": "2023-11-14T22:13:20Z", "dimensions": [{"type": "ENERGY", "volume": 3.5}]}], "last_updated": "2023-11-14T22:43:20Z"}"#
                #expect(try await Self.admin(cpo, "PATCH", "/sessions/S1", periods).status == 200)
                await cpo.server.pusher.drain()
                #expect(await inbox.sessions.keys.sorted() == ["S1"])
                #expect(await inbox.sessions["S1"] == (try await Self.stored(cpo, .sessions, "S1", as: Session.self)))
                #expect(await inbox.sessions["S1"]?.chargingPeriods.first?.dimensions.first?.volume == Decimal(string: "3.5"))

                // A CDR by POST; the Location the eMSP answers is kept.
                #expect(try await Self.admin(cpo, "POST", "/cdrs", ModuleTests.json(ModuleTests.cdr("C1", for: "DE", "MSP"))).status == 201)
                await cpo.server.pusher.drain()
                #expect(await inbox.cdrs == [ModuleTests.cdr("C1", for: "DE", "MSP")])
                let receipt = try await cpo.server.store.cdrLocation(partnerID: partner.id, ObjectKey(module: .cdrs, countryCode: "NL", partyID: "SOC", id: "C1"))
                #expect(receipt == EMSPInbox.cdrURL("C1"))
                #expect(try await cpo.server.pusher.pendingObjects(partnerID: partner.id) == 0, "everything was delivered")
            }
        }
    }

    /// Two changes of one EVSE while the partner's lane is busy with something else: both are
    /// pushed, in order, and the partner ends with the second (each change is its own note, so
    /// the first push does not take the second's).
    /// The pushes' thread runs at a lower priority than the server's loops (nice 10 against 0),
    /// so that a burst of pushes yields the CPU to requests.
    @Test func pushesRunOnAThreadOfLowerPriority() async throws {
        /// The nice value of each thread of this process (field 19 of /proc/self/task/TID/stat).
        func niceValues() -> [Int] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.compactMap { task in
                guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                    let end = stat.lastIndex(of: ")")
                else { return nil }
                // After the command's closing parenthesis: state is field 3, nice field 19.
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                return fields.count > 16 ? Int(fields[16]) : nil
            }
        }
        let cpo = try await CPOPeer.open(demoData: false)
        try await cpo.run {
            try await CommandFlowTests.eventually("a thread at nice \(CPOPusher.pushThreadNice)") {
                niceValues().contains(Int(CPOPusher.pushThreadNice))
            }
            #expect(niceValues().contains(0), "the server's loops keep theirs")
        }
    }

    /// Before each message the pushes' thread offers its core to threads queued for it
    /// (`CPOPusher.yieldCore`): a burst of pushes otherwise kept a request's thread waiting on
    /// that core for up to a scheduler tick. Ten partners, five changes: fifty messages, each
    /// after a yield; called from any other thread it does nothing.
    @Test func thePushesThreadYieldsItsCoreBeforeEachMessage() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        let received = Received()
        let port = try LiveServer.freePort()
        let receiver = Self.locationsReceiver(recording: received)
        let partners = (0..<10).map { "yielder-\($0)" }
        let pusher = cpo.server.pusher
        try await cpo.run {
            try await LiveServer.run(receiver, port: port) {
                for (index, partner) in partners.enumerated() {
                    try await Self.insertLocationsReceiver(cpo, id: partner, url: "http://127.0.0.1:\(port)/\(partner)/locations", partyID: "Y\(index)0")
                }
                try await Self.putLocations(cpo, prefix: "WARM", count: 1)
                await pusher.drain()
                let before = pusher.coreYields.load(ordering: .relaxed)
                try await Self.putLocations(cpo, prefix: "YIELD", count: 5)
                await pusher.drain()
                let yields = pusher.coreYields.load(ordering: .relaxed) - before
                #expect(yields >= 50, "\(yields) yields for 50 messages")
                for partner in partners { #expect(await received.paths(partner).count == 6, "\(partner) got every change") }
                let settled = pusher.coreYields.load(ordering: .relaxed)
                pusher.yieldCore()
                #expect(pusher.coreYields.load(ordering: .relaxed) == settled, "the test's thread is not the pushes'")
            }
        }
    }

    /// The pushes' writes to the store leave the pushes' thread (`CPOPusher.writing`): on SQLite
    /// a write holds the one writer until its task runs again after the statement, and on that
    /// busy thread, at nice 10, the operator's PATCH waited behind it. A task that prefers an
    /// event loop of its own, as the pushes do, writes elsewhere and comes back after.
    @Test func thePushesWritesRunOffThePushesThread() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let outside: Bool, inside: Bool, after: Bool
        do {
            (outside, inside, after) = try await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) {
                try await Task.sleep(for: .milliseconds(1))
                let outside = loop.inEventLoop
                let inside = try await CPOPusher.writing {
                    try await Task.sleep(for: .milliseconds(1))
                    return loop.inEventLoop
                }
                try await Task.sleep(for: .milliseconds(1))
                return (outside, inside, loop.inEventLoop)
            }
        } catch {
            // The loop's thread and descriptors would stay for the rest of the run.
            try? await group.shutdownGracefully()
            throw error
        }
        #expect(outside, "the task runs on its loop, as the pushes do")
        #expect(!inside, "the write runs on the shared pool")
        #expect(after, "the task is back on its loop after the write")
        try await group.shutdownGracefully()
    }

    @Test func twoQuickChangesOfOneObjectAreBothPushed() async throws {
        let cpo = try await CPOPeer.open()
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                let partner = try await Self.register(emsp, with: cpo)
                var location = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: .now())[0]
                location.id = "QUICK"
                #expect(try await Self.admin(cpo, "PUT", "/locations/QUICK", ModuleTests.json(location)).status == 201)
                await cpo.server.pusher.drain()
                let evse = location.evses[0].uid
                await inbox.answerTariffPuts(after: .milliseconds(500))
                let tariff = try #require(DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: .now()).first)
                #expect(try await Self.admin(cpo, "PUT", "/tariffs/\(tariff.id)", ModuleTests.json(tariff)).status == 200)
                for (status, time) in [("CHARGING", "2030-01-01T00:00:00Z"), ("AVAILABLE", "2030-01-01T00:00:01Z")] {
                    #expect(try await Self.admin(cpo, "PATCH", "/locations/QUICK/\(evse)", #"{"status": "\#(status)", "last_updated": "\#(time)"}"#).status == 200)
                }
                await cpo.server.pusher.drain()
                let calls = await inbox.calls
                #expect(calls.filter { $0 == "PATCH evse QUICK/\(evse)" }.count == 2, "\(calls)")
                #expect(await inbox.locations["QUICK"]?.evses.first?.status == .available)
                #expect(try await cpo.server.pusher.pendingObjects(partnerID: partner.id) == 0)
            }
        }
    }

    @Test func aRefusedPatchIsFollowedByAGetAndAPutOfTheCurrentObject() async throws {
        let cpo = try await CPOPeer.open()
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                _ = try await Self.register(emsp, with: cpo)
                // The eMSP has never heard of UTR-STATION (it registered after it was created).
                #expect(try await Self.admin(cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", #"{"status": "BLOCKED", "last_updated": "2030-01-01T00:00:00Z"}"#).status == 200)
                await cpo.server.pusher.drain()
                #expect(await inbox.calls == ["PATCH evse UTR-STATION/UTR-STATION-1", "GET location UTR-STATION", "PUT location UTR-STATION"])
                #expect(await inbox.locations["UTR-STATION"]?.evses.first?.status == .blocked)
            }
        }
    }

    /// The eMSP is down while things change, then up again: it gets the current state of what
    /// changed, one message per object, no duplicate CDR, nothing missing; the same when the CPO
    /// restarts in between.
    @Test(arguments: TestDatabase.all, [false, true])
    func aPartnerThatWasAwayConvergesOnTheCurrentState(_ database: TestDatabase, restart: Bool) async throws {
        let location = try database.makeLocation()
        defer { database.remove(location) }
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        let first = try await CPOPeer.open(database: location)
        var partnerID = ""

        /// Registers, goes away, and misses these changes.
        func changeWhileAway(_ cpo: CPOPeer) async throws {
            try await emsp.run { partnerID = try await Self.register(emsp, with: cpo).id }
            for (index, status) in ["CHARGING", "AVAILABLE", "OUTOFORDER"].enumerated() {
                let patch = #"{"status": "\#(status)", "last_updated": "2030-01-01T00:00:0\#(index)Z"}"#
                #expect(try await Self.admin(cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", patch).status == 200)
            }
            #expect(try await Self.admin(cpo, "PUT", "/sessions/S1", ModuleTests.json(ModuleTests.session("S1", for: "DE", "MSP"))).status == 201)
            #expect(try await Self.admin(cpo, "POST", "/cdrs", ModuleTests.json(ModuleTests.cdr("C1", for: "DE", "MSP"))).status == 201)
            #expect(try await Self.admin(cpo, "DELETE", "/tariffs/DC-FAST").status == 200)
            await cpo.server.pusher.drain()
            #expect(try await cpo.server.pusher.pendingObjects(partnerID: partnerID) == 4, "one note per changed object")
        }

        /// Comes back, and is brought up to date.
        func comeBack(_ cpo: CPOPeer) async throws {
            await inbox.clearCalls()
            try await emsp.run { () async throws -> Void in
                await cpo.server.pusher.catchUp()
                await cpo.server.pusher.drain()
                let calls = await inbox.calls
                #expect(calls.sorted() == ["DELETE tariff DC-FAST", "POST cdr C1", "PUT location UTR-STATION", "PUT session S1"], "the current state, not the history")
                #expect(await inbox.locations["UTR-STATION"] == (try await Self.stored(cpo, .locations, "UTR-STATION", as: Location.self)))
                #expect(await inbox.locations["UTR-STATION"]?.evses.first?.status == .outoforder)
                #expect(await inbox.sessions["S1"] == ModuleTests.session("S1", for: "DE", "MSP"))
                #expect(try await cpo.server.pusher.pendingObjects(partnerID: partnerID) == 0)
                // Nothing is sent twice.
                await cpo.server.pusher.catchUp()
                await cpo.server.pusher.drain()
                #expect(await inbox.cdrs.count == 1)
                #expect(await inbox.calls.count == calls.count)
            }
        }

        if restart {
            try await first.run { try await changeWhileAway(first) }
            let second = try await CPOPeer.open(database: location, demoData: false, port: first.server.configuration.port)
            try await second.run { try await comeBack(second) }
        } else {
            try await first.run {
                try await changeWhileAway(first)
                try await comeBack(first)
            }
        }
    }

    @Test func aPartnerSwitchedOffCatchUpIsLeftToItsOwnGETs() async throws {
        let cpo = try await CPOPeer.open()
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            var partner = try await { () async throws -> PartnerRecord in
                var registered: PartnerRecord?
                try await emsp.run { registered = try await Self.register(emsp, with: cpo) }
                return try #require(registered)
            }()
            partner.catchUp = false
            try await cpo.server.registry.update(partner)
            #expect(try await Self.admin(cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#).status == 200)
            await cpo.server.pusher.drain()
            #expect(try await cpo.server.pusher.pendingObjects(partnerID: partner.id) == 0, "nothing is kept for it")
            try await emsp.run {
                await cpo.server.pusher.catchUp()
                await cpo.server.pusher.drain()
                #expect(await inbox.calls.isEmpty)
            }
        }
    }

    @Test func aPartnerThatHangsDoesNotHoldUpAnother() async throws {
        // After one timeout the partner is left to the catch-up for a while.
        let push = PushConfiguration(offlinePause: .seconds(30))
        let cpo = try await CPOPeer.open(timeout: .seconds(4), push: push)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        // A second partner whose server takes every connection and never answers.
        let hangingPort = try LiveServer.freePort()
        let hanging = Router()
        hanging.put("/**") { _, _ -> HTTPResponse.Status in
            try await Task.sleep(for: .seconds(60))
            return .ok
        }
        try await cpo.run {
            try await emsp.run {
                try await LiveServer.run(hanging, port: hangingPort) {
                    _ = try await Self.register(emsp, with: cpo)
                    try await Self.insertLocationsReceiver(cpo, id: "hanging", url: "http://127.0.0.1:\(hangingPort)/ocpi/emsp/2.2.1/locations", partyID: "HNG")
                    try await Self.putLocations(cpo, prefix: "FAST", count: 3)
                    try await Self.waitForLocations(inbox, 3)
                    #expect(await inbox.locations.count == 3)
                    #expect(Self.pushes(cpo, "hanging", "failed") == 0, "the good partner got everything before the hanging one timed out once")
                    await cpo.server.pusher.drain()
                    #expect(Self.pushes(cpo, "hanging", "failed") == 1)
                    #expect(try await cpo.server.pusher.pendingObjects(partnerID: "hanging") == 3, "the hanging partner will be caught up")
                }
            }
        }
    }

    /// A change wakes every partner's stream, but the outbox is read once for all of them (the
    /// pusher's tail), not once per partner: with ten partners and five changes, fifty reads
    /// before, a handful now; and each partner still gets each change once, in order.
    @Test func theOutboxIsReadOnceForAllPartners() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        let received = Received()
        let port = try LiveServer.freePort()
        let receiver = Self.locationsReceiver(recording: received)
        let partners = (0..<10).map { "reader-\($0)" }
        func outboxReads() -> Double {
            ObservabilityTests.value(cpo.server.metrics.emitToString(), "ocpi_store_duration_seconds_count", [("operation", "outbox(after:limit:)")]) ?? 0
        }
        try await cpo.run {
            try await LiveServer.run(receiver, port: port) {
                for (index, partner) in partners.enumerated() {
                    try await Self.insertLocationsReceiver(cpo, id: partner, url: "http://127.0.0.1:\(port)/\(partner)/locations", partyID: "R\(index)0")
                }
                try await Self.putLocations(cpo, prefix: "WARM", count: 1)
                await cpo.server.pusher.drain()
                for partner in partners { #expect(await received.paths(partner).count == 1, "\(partner) has its stream") }
                let before = outboxReads()
                try await Self.putLocations(cpo, prefix: "ONCE", count: 5)
                await cpo.server.pusher.drain()
                let reads = outboxReads() - before
                #expect(reads < 15, "\(reads) reads of the outbox for 5 changes to 10 partners")
                for partner in partners {
                    let names = await received.paths(partner).dropFirst().map { $0.split(separator: "/").last.map(String.init) ?? "" }
                    #expect(names == (0..<5).map { "ONCE-\($0)" }, "\(partner): \(names)")
                }
            }
        }
    }

    /// A stream that has sent everything writes no cursor of its own: the pusher's one write a
    /// second for all the partners moves it. (Each stream used to save its cursor whenever it
    /// ran out of changes: a write per partner per change, a hundred per change with a hundred
    /// partners, queued at the store's writer beside the operator's writes; in the fan-out
    /// benchmark the pushes stalled behind them while the operator wrote.)
    @Test func aStreamThatCaughtUpWritesNoCursorOfItsOwn() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        let received = Received()
        let port = try LiveServer.freePort()
        let receiver = Self.locationsReceiver(recording: received)
        let partners = (0..<10).map { "saver-\($0)" }
        func cursorWrites() -> Double {
            ObservabilityTests.value(
                cpo.server.metrics.emitToString(), "ocpi_store_duration_seconds_count", [("operation", "advancePushCursor(partnerID:to:holder:back:)")]
            ) ?? 0
        }
        try await cpo.run {
            try await LiveServer.run(receiver, port: port) {
                for (index, partner) in partners.enumerated() {
                    try await Self.insertLocationsReceiver(cpo, id: partner, url: "http://127.0.0.1:\(port)/\(partner)/locations", partyID: "C\(index)0")
                }
                try await Self.putLocations(cpo, prefix: "WARM", count: 1)
                await cpo.server.pusher.drain()
                let before = cursorWrites()
                // One change at a time, each sent to every partner before the next: every stream
                // runs out of changes five times.
                for index in 0..<5 {
                    try await Self.putLocations(cpo, prefix: "CAUGHT\(index)", count: 1)
                    await cpo.server.pusher.drain()
                }
                let writes = cursorWrites() - before
                #expect(writes < 10, "\(writes) cursor writes of the streams' own for 5 changes to 10 partners")
                // The cursors in the store follow all the same (drain writes them, as the pusher
                // does once a second).
                let head = try await cpo.server.store.outboxHead()
                for partner in partners {
                    #expect(await received.paths(partner).count == 6, "\(partner) got every change")
                    #expect(try await cpo.server.store.pushCursor(partnerID: partner) == head, "\(partner)'s cursor")
                }
            }
        }
    }

    /// A partner slower than the changes is not sent every change one by one: more than
    /// `maximumQueuedPerPartner` changes behind, it is sent the current state of each object
    /// once (a partner switched off catch-ups skips them and gets what changes afterwards).
    @Test func aSlowPartnersQueueIsBoundedAndTheRestIsCaughtUp() async throws {
        let push = PushConfiguration(offlinePause: .seconds(3600), maximumQueuedPerPartner: 2)
        // The first pushes wait at the gate while the test writes: under a loaded machine that
        // may take longer than the usual ten seconds, after which they would count as failed.
        let cpo = try await CPOPeer.open(demoData: false, timeout: .seconds(60), push: push)
        // Both partners' server holds every PUT until the gate opens.
        let gate = Gate()
        let received = Received()
        let slowPort = try LiveServer.freePort()
        let slow = Router()
        slow.put("/{partner}/locations/**") { request, context -> Response in
            await received.arrive()
            await gate.wait()
            await received.add(context.parameters.get("partner") ?? "?", request.uri.path)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"}"#)))
        }
        try await cpo.run {
            try await LiveServer.run(slow, port: slowPort) {
                try await Self.insertLocationsReceiver(cpo, id: "slow", url: "http://127.0.0.1:\(slowPort)/slow/locations", partyID: "SLW")
                try await Self.insertLocationsReceiver(cpo, id: "slow-gets", url: "http://127.0.0.1:\(slowPort)/gets/locations", partyID: "SLG", catchUp: false)
                // Each partner's first push waits at the gate while the other five changes come.
                try await Self.putLocations(cpo, prefix: "SLOW", count: 1)
                while await received.waiting < 2 { try await Task.sleep(for: .milliseconds(10)) }
                try await Self.putLocations(cpo, prefix: "SLOW-MORE", count: 5)
                // The streams learn how far behind they are from the pusher's read of the outbox:
                // the gate opens once it has read all five.
                let head = try await cpo.server.store.outboxHead()
                while cpo.server.pusher.outboxPositionRead < head { try await Task.sleep(for: .milliseconds(10)) }
                await gate.open()
                await cpo.server.pusher.drain()
                #expect(Self.pushes(cpo, "slow", "delivered") == 1)
                #expect(Self.pushes(cpo, "slow", "deferred") == 5, "five changes behind, more than two: folded")
                #expect(Self.pushes(cpo, "slow", "caught_up") == 5)
                let names = await received.paths("slow").map { $0.split(separator: "/").last.map(String.init) ?? "" }
                #expect(names.count == 6 && Set(names) == Set(["SLOW-0"] + (0..<5).map { "SLOW-MORE-\($0)" }), "each location once: \(names)")
                #expect(Self.pushes(cpo, "slow-gets", "delivered") == 1)
                #expect(Self.pushes(cpo, "slow-gets", "dropped") == 5)
                #expect(await received.paths("gets").count == 1)
                #expect(try await cpo.server.pusher.pendingObjects(partnerID: "slow") == 0)
            }
        }
    }

    /// Partners that answer, but with garbage: HTML, JSON that is no envelope, a body that
    /// trickles in byte by byte and never ends, a body far larger than any answer. Each push ends
    /// within the timeout, a good partner gets everything meanwhile, and the server goes on
    /// serving; the metrics tell which pushes were refused and which failed.
    @Test func partnersAnsweringGarbageAreContained() async throws {
        let push = PushConfiguration(offlinePause: .seconds(30))
        let cpo = try await CPOPeer.open(timeout: .seconds(4), push: push, maximumResponseSize: 1 << 20)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        let garbagePort = try LiveServer.freePort()
        let garbage = Router()
        garbage.put("/html/**") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html"], body: ResponseBody(byteBuffer: ByteBuffer(string: "<html>Service Unavailable</html>")))
        }
        garbage.put("/envelope/**") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"ok": true}"#)))
        }
        garbage.put("/trickle/**") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                for _ in 0..<600 {
                    try await writer.write(ByteBuffer(string: " "))
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await writer.finish(nil)
            })
        }
        garbage.put("/huge/**") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(repeating: UInt8(ascii: " "), count: 4 << 20)))
        }
        let kinds = ["html", "envelope", "trickle", "huge"]
        try await cpo.run {
            try await emsp.run {
                try await LiveServer.run(garbage, port: garbagePort) {
                    _ = try await Self.register(emsp, with: cpo)
                    for (index, kind) in kinds.enumerated() {
                        try await Self.insertLocationsReceiver(cpo, id: kind, url: "http://127.0.0.1:\(garbagePort)/\(kind)/locations", partyID: "GB\(index)")
                    }
                    let started = ContinuousClock.now
                    try await Self.putLocations(cpo, prefix: "GARBAGE", count: 3)
                    try await Self.waitForLocations(inbox, 3)
                    #expect(await inbox.locations.count == 3)
                    #expect(Self.pushes(cpo, "trickle", "failed") == 0, "the good partner did not wait for the trickle's timeout")
                    await cpo.server.pusher.drain()
                    let elapsed = ContinuousClock.now - started
                    #expect(elapsed < .seconds(20), "every push ended within its timeout (\(elapsed)); the trickle would take a minute")
                    #expect(try await send("GET", cpo.baseURL + "/health", authorization: nil).status == 200)
                    func pushes(_ partner: String, _ outcome: String) -> Int { Self.pushes(cpo, partner, outcome) }
                    // An answer that is no envelope is a refusal: asking again would give the same.
                    #expect(pushes("html", "refused") == 3, "\(cpo.server.metrics.emitToString())")
                    #expect(pushes("envelope", "refused") == 3)
                    // No whole answer in time: the partner is taken to be away, and caught up later.
                    for kind in ["trickle", "huge"] {
                        #expect(pushes(kind, "failed") == 1, "\(kind)")
                        #expect(pushes(kind, "delivered") == 0, "\(kind)")
                        #expect(try await cpo.server.pusher.pendingObjects(partnerID: kind) == 3, "\(kind)")
                    }
                }
            }
        }
    }

    /// How many pushes of locations to `partner` ended with `outcome`, by the server's metrics.
    static func pushes(_ cpo: CPOPeer, _ partner: String, _ outcome: String) -> Int {
        let metrics = cpo.server.metrics.emitToString()
        return Int(ObservabilityTests.value(metrics, "ocpi_pushes_total", [("partner", partner), ("module", "locations"), ("outcome", outcome)]) ?? 0)
    }
}

/// Holds whoever waits until it is opened.
actor Gate {
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func open() {
        isOpen = true
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
}

/// The paths a stand-in partner was sent, by the partner the path names.
actor Received {
    private var byPartner: [String: [String]] = [:]
    /// Requests that arrived (some may wait at a gate).
    private(set) var waiting = 0

    func arrive() { waiting += 1 }

    func add(_ partner: String, _ path: String) { byPartner[partner, default: []].append(path) }

    func paths(_ partner: String) -> [String] { byPartner[partner] ?? [] }
}
