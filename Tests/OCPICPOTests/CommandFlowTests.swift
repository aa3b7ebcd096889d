import Foundation
import OCPI221
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITariffs
import OCPITestSupport
import Testing

/// Commands and charging profiles end to end: an eMSP from the generated routes, the CPO with
/// its simulated charge points, results at `response_url`, and everything pushed on the way.
@Suite(.holdsResources) struct CommandFlowTests {
    static let fast = ChargePointSimulator.Configuration(meterInterval: .milliseconds(100), sessionDuration: .seconds(120), chargingPower: 22_000)

    static let driver = Token(
        countryCode: "DE", partyID: "MSP", uid: "04A1B2C3", type: .rfid, contractID: "DE-MSP-C00000001", issuer: "Test eMSP",
        valid: true, whitelist: .allowed, lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000)
    )

    /// Waits (a bounded while) until `condition` holds.
    static func eventually(_ what: String, seconds: Double = 10, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try await !condition() {
            guard Date() < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func resultURL(_ emsp: EMSPPeer, _ id: String, module: String = "commands", operation: String = "post_command_result") -> String {
        "\(emsp.profile.publicURL)/ocpi/emsp/2.2.1/\(module)/\(operation)/\(id)"
    }

    static func commandResult(_ inbox: EMSPInbox, _ id: String) async throws -> CommandResultType? {
        try await eventually("the result of \(id)") { await inbox.result(id, as: CommandResult.self) != nil }
        return await inbox.result(id, as: CommandResult.self)?.result
    }

    @Test func startChargeStopAndACDRThatFollowsTheTariff() async throws {
        let cpo = try await CPOPeer.open(simulator: Self.fast)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                let token = try await PushTests.registerForToken(emsp, with: cpo)
                let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: token))

                let start = StartSession(responseURL: Self.resultURL(emsp, "start-1"), token: Self.driver, locationID: "UTR-STATION", evseUID: "UTR-STATION-1")
                let answer = try await commands.postStartSession(body: start)
                #expect(answer.result == .accepted)
                #expect(answer.timeout > 0)
                #expect(answer.validate().isEmpty, "valid 2.2.1: \(answer.validate())")
                #expect(try await Self.commandResult(inbox, "start-1") == .accepted)

                // The session is pushed, then filled with charging periods by PATCH.
                try await Self.eventually("charging periods") { await inbox.sessions.values.first?.chargingPeriods.isEmpty == false }
                let session = try #require(await inbox.sessions.values.first)
                #expect(session.status == .active)
                #expect(session.validate().isEmpty, "\(session.validate())")
                #expect(session.cdrToken.uid == Self.driver.uid)
                #expect(session.evseUID == "UTR-STATION-1")
                #expect(await inbox.calls.contains("PATCH session \(session.id)"))
                try await Self.eventually("the EVSE charging at the eMSP") {
                    await inbox.locations["UTR-STATION"]?.evses.first { $0.uid == "UTR-STATION-1" }?.status == .charging
                }
                // A second start on the same EVSE is what a real charge point would refuse.
                let again = StartSession(responseURL: Self.resultURL(emsp, "start-2"), token: Self.driver, locationID: "UTR-STATION", evseUID: "UTR-STATION-1")
                #expect(try await commands.postStartSession(body: again).result == .accepted)
                #expect(try await Self.commandResult(inbox, "start-2") == .evseOccupied)
                let unlock = UnlockConnector(responseURL: Self.resultURL(emsp, "unlock-1"), locationID: "UTR-STATION", evseUID: "UTR-STATION-1", connectorID: "1")
                _ = try await commands.postUnlockConnector(body: unlock)
                #expect(try await Self.commandResult(inbox, "unlock-1") == .rejected, "the cable is locked while charging")

                try await Task.sleep(for: .milliseconds(300))
                let stop = StopSession(responseURL: Self.resultURL(emsp, "stop-1"), sessionID: session.id)
                #expect(try await commands.postStopSession(body: stop).result == .accepted)
                #expect(try await Self.commandResult(inbox, "stop-1") == .accepted)

                try await Self.eventually("the CDR") { await inbox.cdrs.count == 1 }
                let cdr = try #require(await inbox.cdrs.first)
                // Once seen under the whole suite's load: the CDR had arrived and the session was
                // not yet COMPLETED at the eMSP. A push that fails is made good by the catch-up, so
                // the final state is waited for rather than assumed to come before the CDR.
                try await Self.eventually("the completed session") { await inbox.sessions[session.id]?.status == .completed }
                let completed = try #require(await inbox.sessions[session.id])
                #expect(completed.status == .completed)
                #expect(completed.validate().isEmpty && cdr.validate().isEmpty, "\(completed.validate()) \(cdr.validate())")
                #expect(completed.kwh == cdr.totalEnergy)
                #expect(await inbox.locations["UTR-STATION"]?.evses.first { $0.uid == "UTR-STATION-1" }?.status == .available)
                #expect(cdr.sessionID == session.id)
                #expect(cdr.totalEnergy > 0)
                // The cost follows the connector's tariff: pricing the CDR's own periods anew gives the same.
                let repriced = try CDRPricing.price(cdr, timeZone: TimeZone(identifier: "Europe/Amsterdam") ?? .current).cdr
                #expect(cdr.totalCost == repriced.totalCost)
                #expect(cdr.totalCost.exclVAT > 0)
                // And the CDR pulled from the CDRs module is the one that was pushed.
                let pulled = try await CDRsSenderClient(connection: cpo.connection("cdrs", token: token)).getCDRs().collect()
                #expect(pulled == [cdr])
                // A stop for a session that is over is not the eMSP's to stop any more.
                _ = try await commands.postStopSession(body: StopSession(responseURL: Self.resultURL(emsp, "stop-2"), sessionID: session.id))
                #expect(try await Self.commandResult(inbox, "stop-2") == .rejected)
            }
        }
    }

    @Test func reservationsAndBrokenChargePointsAreAnsweredAsARealOneWould() async throws {
        let cpo = try await CPOPeer.open(simulator: Self.fast)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                let token = try await PushTests.registerForToken(emsp, with: cpo)
                let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: token))
                let expiry = OCPIDateTime(secondsSince1970: OCPIDateTime.now().secondsSince1970 + 3600)
                let reserve = ReserveNow(responseURL: Self.resultURL(emsp, "reserve-1"), token: Self.driver, expiryDate: expiry, reservationID: "R1",
                                         locationID: "UTR-MALIEBAAN", evseUID: "UTR-MALIEBAAN-1")
                _ = try await commands.postReserveNow(body: reserve)
                #expect(try await Self.commandResult(inbox, "reserve-1") == .accepted)
                let evse = try await LocationsSenderClient(connection: cpo.connection("locations", token: token)).getEVSE(locationID: "UTR-MALIEBAAN", evseUID: "UTR-MALIEBAAN-1")
                #expect(evse.status == .reserved)
                _ = try await commands.postCancelReservation(body: CancelReservation(responseURL: Self.resultURL(emsp, "cancel-x"), reservationID: "NOPE"))
                #expect(try await Self.commandResult(inbox, "cancel-x") == .unknownReservation)
                _ = try await commands.postCancelReservation(body: CancelReservation(responseURL: Self.resultURL(emsp, "cancel-1"), reservationID: "R1"))
                #expect(try await Self.commandResult(inbox, "cancel-1") == .accepted)
                try await Self.eventually("the EVSE free again") {
                    try await LocationsSenderClient(connection: cpo.connection("locations", token: token))
                        .getEVSE(locationID: "UTR-MALIEBAAN", evseUID: "UTR-MALIEBAAN-1").status == .available
                }
                // Another eMSP's token is not this eMSP's to charge with.
                var foreign = Self.driver
                foreign.countryCode = "FR"
                foreign.partyID = "OTH"
                let stolen = try await commands.postStartSession(body: StartSession(responseURL: Self.resultURL(emsp, "stolen"), token: foreign, locationID: "UTR-JAARBEURS"))
                #expect(stolen.result == .rejected)
                #expect(await inbox.result("stolen", as: CommandResult.self) == nil, "nothing reaches the charge point")
                // An EVSE out of order cannot start.
                #expect(try await PushTests.admin(cpo, "PATCH", "/locations/UTR-JAARBEURS/UTR-JAARBEURS-1", #"{"status": "OUTOFORDER", "last_updated": "2030-01-01T00:00:00Z"}"#).status == 200)
                let start = StartSession(responseURL: Self.resultURL(emsp, "start-broken"), token: Self.driver, locationID: "UTR-JAARBEURS", evseUID: "UTR-JAARBEURS-1")
                _ = try await commands.postStartSession(body: start)
                #expect(try await Self.commandResult(inbox, "start-broken") == .evseInoperative)
            }
        }
    }

    /// A charge point that never answers.
    struct SilentChargePoints: ChargePointLink {
        func wait() async { try? await Task.sleep(for: .seconds(3600)) }
        func startSession(_ command: StartSession, driver: PartyIdentity) async -> CommandResultType { await wait(); return .accepted }
        func stopSession(_ command: StopSession) async -> CommandResultType { await wait(); return .accepted }
        func reserveNow(_ command: ReserveNow, driver: PartyIdentity) async -> CommandResultType { await wait(); return .accepted }
        func cancelReservation(_ command: CancelReservation) async -> CommandResultType { await wait(); return .accepted }
        func unlockConnector(_ command: UnlockConnector) async -> CommandResultType { await wait(); return .accepted }
        func activeChargingProfile(sessionID: String, duration: Int) async -> ActiveChargingProfileResult { await wait(); return .init(result: .accepted) }
        func setChargingProfile(sessionID: String, _ profile: ChargingProfile) async -> ChargingProfileResultType { await wait(); return .accepted }
        func clearChargingProfile(sessionID: String) async -> ChargingProfileResultType { await wait(); return .accepted }
    }

    @Test func aChargePointThatNeverAnswersGivesTIMEOUT() async throws {
        let cpo = try await CPOPeer.open(chargePoints: SilentChargePoints(), commandTimeout: .seconds(1))
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                let token = try await PushTests.registerForToken(emsp, with: cpo)
                let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: token))
                let answer = try await commands.postUnlockConnector(body: UnlockConnector(
                    responseURL: Self.resultURL(emsp, "unlock-silent"), locationID: "UTR-STATION", evseUID: "UTR-STATION-1", connectorID: "1"
                ))
                #expect(answer == CommandResponse(result: .accepted, timeout: 1))
                #expect(await inbox.result("unlock-silent", as: CommandResult.self) == nil, "the eMSP is answered before the command times out")
                #expect(try await Self.commandResult(inbox, "unlock-silent") == .timeout)
            }
        }
    }

    /// The server stops while a charge point has not answered: the eMSP is told TIMEOUT before
    /// it goes, instead of waiting for a result that would never come.
    @Test func aResultStillOwedWhenTheServerStopsIsPostedAsTIMEOUT() async throws {
        let cpo = try await CPOPeer.open(chargePoints: SilentChargePoints(), commandTimeout: .seconds(600))
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await emsp.run {
            var stopped = ContinuousClock.now
            try await cpo.run {
                let token = try await PushTests.registerForToken(emsp, with: cpo)
                let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: token))
                let answer = try await commands.postUnlockConnector(body: UnlockConnector(
                    responseURL: Self.resultURL(emsp, "unlock-owed"), locationID: "UTR-STATION", evseUID: "UTR-STATION-1", connectorID: "1"
                ))
                #expect(answer.result == .accepted)
                #expect(await inbox.result("unlock-owed", as: CommandResult.self) == nil)
                stopped = ContinuousClock.now
            }
            #expect(ContinuousClock.now - stopped < .seconds(5), "the server did not wait for the charge point")
            #expect(await inbox.result("unlock-owed", as: CommandResult.self)?.result == .timeout, "posted before the server stopped")
        }
    }

    @Test func chargingProfilesAreSetReadAndClearedThroughTheChargePoint() async throws {
        let cpo = try await CPOPeer.open(simulator: Self.fast)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                let token = try await PushTests.registerForToken(emsp, with: cpo)
                let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: token))
                _ = try await commands.postStartSession(body: StartSession(responseURL: Self.resultURL(emsp, "start"), token: Self.driver, locationID: "UTR-STATION"))
                #expect(try await Self.commandResult(inbox, "start") == .accepted)
                try await Self.eventually("the session") { await !inbox.sessions.isEmpty }
                let sessionID = try #require(await inbox.sessions.keys.first)
                let profiles = ChargingProfilesReceiverClient(connection: cpo.connection("chargingprofiles", token: token))
                let limit = ChargingProfile(chargingRateUnit: .w, chargingProfilePeriod: [ChargingProfilePeriod(startPeriod: 0, limit: 7400)])
                let set = try await profiles.putChargingProfile(sessionID: sessionID, body: SetChargingProfile(
                    chargingProfile: limit, responseURL: Self.resultURL(emsp, "set", module: "chargingprofiles", operation: "post_charging_profile_result")
                ))
                #expect(set.result == .accepted && set.validate().isEmpty, "\(set.validate())")
                try await Self.eventually("the set result") { await inbox.result("set", as: ChargingProfileResult.self) != nil }
                #expect(await inbox.result("set", as: ChargingProfileResult.self)?.result == .accepted)

                let active = try await profiles.getActiveChargingProfile(
                    sessionID: sessionID, duration: 900, responseURL: Self.resultURL(emsp, "active", module: "chargingprofiles", operation: "post_active_charging_profile_result")
                )
                #expect(active.result == .accepted && active.validate().isEmpty, "\(active.validate())")
                try await Self.eventually("the active profile") { await inbox.result("active", as: ActiveChargingProfileResult.self) != nil }
                let activeResult = try #require(await inbox.result("active", as: ActiveChargingProfileResult.self))
                #expect(activeResult.profile?.chargingProfile == limit && activeResult.validate().isEmpty, "\(activeResult.validate())")

                _ = try await profiles.deleteChargingProfile(
                    sessionID: sessionID, responseURL: Self.resultURL(emsp, "clear", module: "chargingprofiles", operation: "post_clear_profile_result")
                )
                try await Self.eventually("the clear result") { await inbox.result("clear", as: ClearProfileResult.self) != nil }
                #expect(await inbox.result("clear", as: ClearProfileResult.self)?.result == .accepted)
                // Another eMSP's session, or none, is UNKNOWN_SESSION at once.
                let unknown = try await profiles.putChargingProfile(sessionID: "NOPE", body: SetChargingProfile(chargingProfile: limit, responseURL: Self.resultURL(emsp, "x")))
                #expect(unknown.result == .unknownSession)
            }
        }
    }

    /// Charge points that take every command and note for whom a session or reservation is.
    actor Drivers {
        var seen: [PartyIdentity] = []
        func add(_ driver: PartyIdentity) { seen.append(driver) }
    }

    struct RecordingChargePoints: ChargePointLink {
        let drivers: Drivers
        func startSession(_ command: StartSession, driver: PartyIdentity) async -> CommandResultType { await drivers.add(driver); return .accepted }
        func stopSession(_ command: StopSession) async -> CommandResultType { .accepted }
        func reserveNow(_ command: ReserveNow, driver: PartyIdentity) async -> CommandResultType { await drivers.add(driver); return .accepted }
        func cancelReservation(_ command: CancelReservation) async -> CommandResultType { .accepted }
        func unlockConnector(_ command: UnlockConnector) async -> CommandResultType { .accepted }
        func activeChargingProfile(sessionID: String, duration: Int) async -> ActiveChargingProfileResult { .init(result: .accepted) }
        func setChargingProfile(sessionID: String, _ profile: ChargingProfile) async -> ChargingProfileResultType { .accepted }
        func clearChargingProfile(sessionID: String) async -> ChargingProfileResultType { .accepted }
    }

    /// A platform holding two eMSP parties starts a session with a token of its second party:
    /// the session is that party's, not the platform's first party's.
    @Test func aSessionIsStartedForTheTokensPartyOfAPlatformWithSeveral() async throws {
        let drivers = Drivers()
        let cpo = try await CPOPeer.open(chargePoints: RecordingChargePoints(drivers: drivers))
        try await cpo.run {
            try await cpo.server.registry.insert(PartnerRecord(
                id: "platform", status: .registered, incomingToken: "platform-token", version: "2.2.1",
                roles: [.init(role: .emsp, countryCode: "DE", partyID: "AAA"), .init(role: .emsp, countryCode: "DE", partyID: "BBB")]
            ))
            let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: "platform-token"))
            var token = Self.driver
            token.partyID = "BBB"
            let answer = try await commands.postStartSession(body: StartSession(
                responseURL: "http://127.0.0.1:1/r", token: token, locationID: "UTR-STATION", evseUID: "UTR-STATION-1"
            ))
            #expect(answer.result == .accepted)
            try await Self.eventually("the charge point was asked") { await !drivers.seen.isEmpty }
            #expect(await drivers.seen == [PartyIdentity(countryCode: "DE", partyID: "BBB")])
        }
    }
}
