import Foundation
import Logging
import OCPI221
import OCPI230
import OCPICPO
import OCPIConversions
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// What a CPO does with a 2.3.0 partner beyond serving its modules, over real HTTP and in 2.3.0:
/// it pulls the eMSP's token list and asks it to authorize tokens in real time, takes its
/// charging profiles (results posted back in 2.3.0) and a 2.3.0 hub's ClientInfo. Every payload
/// the partner receives is read by the generated 2.3.0 routes and checked by its validators.
@Suite(.holdsResources) struct Release230CPOFunctionsTests {
    typealias Serving = Release230ServingTests
    typealias Modules = Release230ModulesTests

    /// A token of the 2.3.0 eMSP (DE/NEW unless told), last changed `seconds` after 1970.
    static func token(_ uid: String, _ type: OCPI230.TokenType = .rfid, party: String = Modules.own, at seconds: Int64 = 1_700_000_000) -> OCPI230.Token {
        var token = Modules.token(uid, type, party: party)
        token.lastUpdated = OCPIDateTime(secondsSince1970: seconds)
        return token
    }

    /// The registered partner (the only one).
    static func partner(_ cpo: CPOPeer) async throws -> PartnerRecord {
        try #require(try await cpo.server.registry.partners().first { $0.status == .registered })
    }

    static func tokenSync(_ cpo: CPOPeer, logger: Logger = LiveServer.quietLogger) -> TokenSync {
        TokenSync(
            store: cpo.server.store, registry: cpo.server.registry, transport: cpo.server.transport,
            ourParty: PartyIdentity(countryCode: "NL", partyID: "SOC"), logger: logger
        )
    }

    // MARK: Token sync

    /// The CPO pulls a 2.3.0 eMSP's list with 2.3.0's client and stores its tokens as 2.2.1's;
    /// an EMAID token (2.2.1 has no such kind), one of a party the eMSP does not hold and an
    /// invalid one are refused, counted and logged, and the rest of the list is taken. The next
    /// pull asks only for what changed since.
    @Test func tokensArePulledFromA230EMSPInItsRelease() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        let inbox = Inbox230()
        var invalid = Self.token("BAD-1")
        invalid.issuer = String(repeating: "x", count: 65)
        let listed = [
            Self.token("LISTED-1"), Self.token("LISTED-2", .appUser), Self.token("CONTRACT-1", .emaid), Self.token("THEIRS-1", party: Modules.other),
            invalid,
        ]
        inbox.tokens.withLock { $0 = listed }
        try await cpo.run {
            try await Serving.serveEMSP(tokenB: "token-b-of-new", extra: inbox.routes, receives: Inbox230.receives, sends: Inbox230.sends) { emsp in
                // Recorded as registration leaves it (its tokens endpoint as its 2.3.0 details list
                // it), without the pull that registration starts a second later, so that the pulls
                // counted here are this test's own.
                let details = try await OCPI230.VersionsSenderClient(connection: Serving.connection(emsp + "/ocpi/2.3.0", token: "token-b-of-new")).getVersionDetails()
                let tokensURL = try #require(details.endpoints.first { $0.identifier == .tokens && $0.role == .sender }?.url)
                try await cpo.server.registry.insert(PartnerRecord(
                    id: "emsp-230-sync", status: .registered, incomingToken: "token-c-of-new", outgoingToken: "token-b-of-new",
                    versionsURL: emsp + "/ocpi/versions", version: "2.3.0", endpoints: [.init(identifier: .tokens, role: .sender, url: tokensURL)],
                    roles: [.init(role: .emsp, countryCode: "DE", partyID: Modules.own)]
                ))
                let partner = try await Self.partner(cpo)
                #expect(partner.version == "2.3.0" && tokensURL == emsp + "/ocpi/emsp/2.3.0/tokens")

                let log = LogRecorder()
                let outcome = try await Self.tokenSync(cpo, logger: log.logger()).sync(partnerID: partner.id)
                #expect(outcome == TokenSync.Outcome(received: 5, stored: 2, refused: 3), "\(outcome)")
                #expect(try await TokenSyncTests.stored(cpo) == ["LISTED-1", "LISTED-2"])
                #expect(try await Modules.storedToken(cpo, "LISTED-1") == Conversion230To221().convert(listed[0]), "the 2.3.0 token, converted")
                #expect(try await Modules.storedToken(cpo, "LISTED-2", kind: "APP_USER")?.validate().isEmpty == true)
                let refusals = log.recorded.filter { $0.contains("token not taken from the partner's list") }
                #expect(refusals.count == 3, "\(log.recorded)")
                #expect(refusals.contains { $0.contains("DE/NEW/CONTRACT-1") && $0.contains("'EMAID', a kind of token this CPO cannot keep") }, "\(refusals)")
                #expect(refusals.contains { $0.contains("DE/MSP/THEIRS-1") && $0.contains("which the partner does not hold") }, "\(refusals)")
                #expect(refusals.contains { $0.contains("DE/NEW/BAD-1") && $0.contains("/issuer") }, "\(refusals)")
                #expect(inbox.tokenPulls.withLock { $0 } == ["-"], "the first pull asks for everything")

                // A token changed since: only it is listed, asked for by date_from.
                inbox.tokens.withLock { $0.append(Self.token("LISTED-3", at: 1_900_000_000)) }
                let again = try await Self.tokenSync(cpo).sync(partnerID: partner.id)
                #expect(again == TokenSync.Outcome(received: 1, stored: 1, refused: 0), "\(again)")
                let pulls = inbox.tokenPulls.withLock { $0 }
                #expect(pulls.count == 2 && pulls[1] != "-", "\(pulls)")
                #expect(try await TokenSyncTests.stored(cpo) == ["LISTED-1", "LISTED-2", "LISTED-3"])
            }
        }
    }

    // MARK: Real-time authorization

    static func answer(_ token: OCPI230.Token, _ allowed: OCPI230.AllowedType = .allowed) -> OCPI230.AuthorizationInfo {
        OCPI230.AuthorizationInfo(allowed: allowed, token: token, authorizationReference: "AUTH-\(token.uid)")
    }

    /// The session a presented token started, as the store keeps it.
    static func storedSession(_ cpo: CPOPeer, _ id: String) async throws -> (OCPI221.Session, owner: String) {
        let stored = try #require(try await cpo.server.store.get(ObjectKey(module: .sessions, countryCode: "NL", partyID: "SOC", id: id)))
        return (try #require(try OCPI221.Session.decodeJSON(stored.json).value), stored.owner)
    }

    /// A token nobody pushed is asked of the 2.3.0 eMSP in 2.3.0 (its kind and the location as
    /// 2.3.0 has them, valid by its validators): ALLOWED starts a session with its authorization
    /// reference, pushed to it in 2.3.0; NOT_ALLOWED, an unknown token and an answer naming
    /// another party's token start none. An EMAID token in the answer keeps the verdict, and the
    /// session records the token the charge point read under the contract the eMSP named.
    @Test func a230EMSPAuthorizesTokensInRealTime() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast, releases: [.v2_2_1, .v2_3_0])
        let inbox = Inbox230()
        inbox.answers.withLock {
            $0["APP-OK"] = Self.answer(Self.token("APP-OK"))
            $0["APP-NO"] = Self.answer(Self.token("APP-NO"), .notAllowed)
            $0["CARD-EMAID"] = Self.answer(Self.token("DE-NEW-C12345678-9", .emaid))
            $0["STOLEN"] = Self.answer(Self.token("STOLEN", party: Modules.other))
        }
        try await cpo.run {
            try await Serving.serveEMSP(tokenB: "token-b-of-new", extra: inbox.routes, receives: Inbox230.receives, sends: Inbox230.sends) { emsp in
                _ = try await Serving.register(with: cpo, emsp: emsp, tokenB: "token-b-of-new")
                await cpo.server.pusher.drain()

                let allowed = try await RealTimeAuthorizationTests.present(cpo, "APP-OK")
                #expect(allowed.allowed == "ALLOWED")
                let id = try #require(allowed.sessionID)
                let (session, owner) = try await Self.storedSession(cpo, id)
                #expect(owner == "DE/NEW" && session.authMethod == .authRequest && session.authorizationReference == "AUTH-APP-OK")
                #expect(session.cdrToken == OCPI221.CdrToken(countryCode: "DE", partyID: "NEW", uid: "APP-OK", type: .rfid, contractID: "DE-NEW-CAPP-OK"))
                try await CommandFlowTests.eventually("the session at the 2.3.0 eMSP") { inbox.sessions.withLock { $0[id] } != nil }
                let pushed = try #require(inbox.sessions.withLock { $0[id] })
                #expect(pushed.validate().isEmpty && pushed.authorizationReference == "AUTH-APP-OK", "\(pushed.validate())")

                for uid in ["APP-NO", "NOBODY-KNOWS", "STOLEN"] {
                    let refused = try await RealTimeAuthorizationTests.present(cpo, uid, evse: "UTR-STATION-3")
                    #expect(refused.allowed == "NOT_ALLOWED" && refused.sessionID == nil, "\(uid): \(refused)")
                }

                let emaid = try await RealTimeAuthorizationTests.present(cpo, "CARD-EMAID", evse: "UTR-STATION-2")
                #expect(emaid.allowed == "ALLOWED", "the verdict stands")
                let (byContract, contractOwner) = try await Self.storedSession(cpo, try #require(emaid.sessionID))
                #expect(contractOwner == "DE/NEW" && byContract.authorizationReference == "AUTH-DE-NEW-C12345678-9")
                #expect(byContract.cdrToken.uid == "CARD-EMAID" && byContract.cdrToken.type == .rfid, "the token as the charge point read it")
                #expect(byContract.cdrToken.contractID == "DE-NEW-CDE-NEW-C12345678-9", "under the eMSP's contract")
                #expect(byContract.validate().isEmpty, "\(byContract.validate())")

                // Each question in 2.3.0: the kind and the location and EVSE presented at, each
                // body valid by 2.3.0's validators.
                #expect(inbox.authorizations.withLock { $0 } == [
                    "APP-OK RFID at UTR-STATION UTR-STATION-1 violations 0", "APP-NO RFID at UTR-STATION UTR-STATION-3 violations 0",
                    "NOBODY-KNOWS RFID at UTR-STATION UTR-STATION-3 violations 0", "STOLEN RFID at UTR-STATION UTR-STATION-3 violations 0",
                    "CARD-EMAID RFID at UTR-STATION UTR-STATION-2 violations 0",
                ])
            }
        }
    }

    // MARK: Charging profiles

    static func resultURL(_ emsp: String, _ operation: String, _ id: String) -> String {
        emsp + "/ocpi/emsp/2.3.0/chargingprofiles/\(operation)/\(id)"
    }

    /// A 2.3.0 eMSP finds Charging Profiles in the 2.3.0 details and sets, reads and clears the
    /// profile of its session: each answered at once in 2.3.0, each result of the charge point
    /// posted to its response_url in 2.3.0 and valid by 2.3.0's validators. Another eMSP's
    /// session is UNKNOWN_SESSION and nothing is posted for it; malformed requests are 2001 with
    /// their pointer, never a server error.
    @Test func a230EMSPSetsReadsAndClearsAChargingProfileWithResultsIn230() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast, releases: [.v2_2_1, .v2_3_0])
        let inbox = Inbox230()
        try await cpo.run {
            try await Serving.serveEMSP(tokenB: "token-b-of-new", extra: inbox.routes, receives: Inbox230.receives, sends: Inbox230.sends) { emsp in
                let tokenC = try await Serving.register(with: cpo, emsp: emsp, tokenB: "token-b-of-new")
                let endpoints = try await Modules.details(cpo, token: tokenC)
                let url = try #require(endpoints.first { $0.identifier == .chargingprofiles && $0.role == .receiver }?.url)
                #expect(url == cpo.baseURL + "/ocpi/cpo/2.3.0/chargingprofiles")

                let commands = OCPI230.CommandsReceiverClient(connection: Serving.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/commands", token: tokenC))
                let start = OCPI230.StartSession(
                    responseURL: emsp + "/ocpi/emsp/2.3.0/commands/post_command_result/start-1", token: Modules.token("DRIVER-1"), locationID: "UTR-STATION"
                )
                #expect(try await commands.postStartSession(body: start).result == .accepted)
                #expect(try await inbox.result("start-1") == .accepted)
                try await CommandFlowTests.eventually("the session at the 2.3.0 eMSP") { !inbox.sessions.withLock { $0.isEmpty } }
                let sessionID = try #require(inbox.sessions.withLock { $0.keys.first })

                let profiles = OCPI230.ChargingProfilesReceiverClient(connection: Serving.connection(url, token: tokenC))
                let limit = OCPI230.ChargingProfile(chargingRateUnit: .w, chargingProfilePeriod: [OCPI230.ChargingProfilePeriod(startPeriod: 0, limit: 7400)])
                let set = OCPI230.SetChargingProfile(chargingProfile: limit, responseURL: Self.resultURL(emsp, "post_charging_profile_result", "set-1"))
                #expect(set.validate().isEmpty)
                let answer = try await profiles.putChargingProfile(sessionID: sessionID, body: set)
                #expect(answer == OCPI230.ChargingProfileResponse(result: .accepted, timeout: 10) && answer.validate().isEmpty)
                try await CommandFlowTests.eventually("the set result") { inbox.profileResults.withLock { $0["set-1"] } != nil }
                let setResult = try #require(inbox.profileResults.withLock { $0["set-1"] })
                #expect(setResult == OCPI230.ChargingProfileResult(result: .accepted) && setResult.validate().isEmpty)

                let active = try await profiles.getActiveChargingProfile(
                    sessionID: sessionID, duration: 900, responseURL: Self.resultURL(emsp, "post_active_charging_profile_result", "active-1")
                )
                #expect(active.result == .accepted && active.validate().isEmpty)
                try await CommandFlowTests.eventually("the active profile") { inbox.activeProfileResults.withLock { $0["active-1"] } != nil }
                let activeResult = try #require(inbox.activeProfileResults.withLock { $0["active-1"] })
                #expect(activeResult.validate().isEmpty, "\(activeResult.validate())")
                #expect(activeResult.result == .accepted && activeResult.profile?.chargingProfile == limit, "the profile set, in 2.3.0")

                let clear = try await profiles.deleteChargingProfile(sessionID: sessionID, responseURL: Self.resultURL(emsp, "post_clear_profile_result", "clear-1"))
                #expect(clear.result == .accepted && clear.validate().isEmpty)
                try await CommandFlowTests.eventually("the clear result") { inbox.clearProfileResults.withLock { $0["clear-1"] } != nil }
                let clearResult = try #require(inbox.clearProfileResults.withLock { $0["clear-1"] })
                #expect(clearResult == OCPI230.ClearProfileResult(result: .accepted) && clearResult.validate().isEmpty)

                // Another eMSP's session, and none: UNKNOWN_SESSION at once, nothing posted.
                let theirs = Modules.session("THEIRS-1", for: Modules.other, kwh: 1, inclVAT: nil)
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/THEIRS-1", ModuleTests.json(theirs)).status == 201)
                for id in ["THEIRS-1", "NOPE"] {
                    let foreign = OCPI230.SetChargingProfile(chargingProfile: limit, responseURL: Self.resultURL(emsp, "post_charging_profile_result", "set-\(id)"))
                    #expect(try await profiles.putChargingProfile(sessionID: id, body: foreign).result == .unknownSession, "\(id)")
                    let read = try await profiles.getActiveChargingProfile(sessionID: id, duration: 60, responseURL: Self.resultURL(emsp, "post_active_charging_profile_result", id))
                    #expect(read.result == .unknownSession, "\(id)")
                    let cleared = try await profiles.deleteChargingProfile(sessionID: id, responseURL: Self.resultURL(emsp, "post_clear_profile_result", id))
                    #expect(cleared.result == .unknownSession, "\(id)")
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(inbox.profileResults.withLock { Array($0.keys) } == ["set-1"], "nothing posted for a session that is not its own")

                // Malformed requests: 2001 at their pointer.
                let authorization = "Token " + Data(tokenC.utf8).base64EncodedString()
                let responseURL = Self.resultURL(emsp, "post_charging_profile_result", "bad")
                for (body, pointer) in [
                    (#"{"charging_profile": {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": "now", "limit": 1}]}, "response_url": "\#(responseURL)"}"#, "/charging_profile/charging_profile_period/0/start_period"),
                    (#"{"charging_profile": {"charging_rate_unit": "VA"}, "response_url": "\#(responseURL)"}"#, "/charging_profile/charging_rate_unit"),
                    (#"{"charging_profile": {"charging_rate_unit": "W"}}"#, "/response_url"),
                    ("[]", ""),
                ] {
                    let response = try await send("PUT", url + "/" + sessionID, authorization: authorization, body: body)
                    #expect(response.status != 500 && response.statusCode == 2001, "\(body): \(response.text)")
                    #expect(response.text.contains(#""path":"\#(pointer)""#), "\(body): \(response.text)")
                }
                let notJSON = try await send("PUT", url + "/" + sessionID, authorization: authorization, body: "{")
                #expect(notJSON.status != 500 && notJSON.statusCode == 2001, "\(notJSON.text)")
                for query in ["response_url=\(responseURL)", "duration=soon&response_url=\(responseURL)", "duration=60"] {
                    let response = try await send("GET", url + "/" + sessionID + "?" + query, authorization: authorization)
                    #expect(response.status == 400 && response.statusCode == 2001, "\(query): \(response.text)")
                }
                let noURL = try await send("DELETE", url + "/" + sessionID, authorization: authorization)
                #expect(noURL.status == 400 && noURL.statusCode == 2001 && noURL.text.contains("response_url"), "\(noURL.text)")

                // Without credentials, or with a token nobody holds: 401 in the envelope, nothing asked.
                let set2 = ModuleTests.json(OCPI230.SetChargingProfile(chargingProfile: limit, responseURL: Self.resultURL(emsp, "post_charging_profile_result", "anon")))
                for header in [nil, "Token " + Data("nobody's".utf8).base64EncodedString()] {
                    let anonymous = try await send("PUT", url + "/" + sessionID, authorization: header, body: set2)
                    #expect(anonymous.status == 401 && (2000..<3000).contains(anonymous.statusCode ?? 0), "\(anonymous.text)")
                    let info = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.3.0/hubclientinfo/BE/ABC", authorization: header)
                    #expect(info.status == 401 && (2000..<3000).contains(info.statusCode ?? 0), "\(info.text)")
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(inbox.profileResults.withLock { $0["anon"] } == nil)
            }
        }
    }

    // MARK: Hub Client Info

    /// A 2.3.0 hub's credentials: the party behind it, and itself in hub_party_id.
    static func hubCredentials(_ token: String, emsp: String, hubPartyID: String?) -> OCPI230.Credentials {
        OCPI230.Credentials(token: token, url: emsp + "/ocpi/versions", hubPartyID: hubPartyID, roles: [
            OCPI230.CredentialsRole(role: .emsp, businessDetails: OCPI230.BusinessDetails(name: "Behind the Hub"), partyID: "ABC", countryCode: "BE")
        ])
    }

    /// Registers a 2.3.0 platform with these credentials; its token C.
    static func registerHub(_ cpo: CPOPeer, _ credentials: OCPI230.Credentials) async throws -> String {
        let tokenA = try await cpo.server.registry.invite().token
        let connection = Serving.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/credentials", token: tokenA)
        return try await OCPI230.CredentialsSenderClient(connection: connection).postCredentials(body: credentials).token
    }

    /// A 2.3.0 hub (credentials with hub_party_id, kept as a HUB role of that party) PUTs and
    /// reads ClientInfo in 2.3.0, stored as 2.2.1's; one a 2.2.1 hub stored with the role HUB
    /// reads as OTHER, valid 2.3.0. A 2.3.0 partner without hub_party_id is refused (401, 2000)
    /// and leaves nothing; malformed bodies are 2001 at their pointer.
    @Test func a230HubPutsAndReadsClientInfo() async throws {
        let cpo = try await CPOPeer.open(demoData: false, releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            try await Serving.serveEMSP(tokenB: "token-b-of-hub") { emsp in
                let tokenC = try await Self.registerHub(cpo, Self.hubCredentials("token-b-of-hub", emsp: emsp, hubPartyID: "NLHUB"))
                let hub = try #require(try await cpo.server.registry.partners().first { $0.version == "2.3.0" && $0.status == .registered && $0.id != "emsp-230" })
                #expect(hub.roles == [
                    PartnerRecord.Role(role: .emsp, countryCode: "BE", partyID: "ABC", businessName: "Behind the Hub"),
                    PartnerRecord.Role(role: .hub, countryCode: "NL", partyID: "HUB"),
                ])
                let endpoints = try await Modules.details(cpo, token: tokenC)
                let url = try #require(endpoints.first { $0.identifier == .hubclientinfo && $0.role == .receiver }?.url)
                #expect(url == cpo.baseURL + "/ocpi/cpo/2.3.0/hubclientinfo")
                let client = OCPI230.HubClientInfoReceiverClient(connection: Serving.connection(url, token: tokenC))

                let info = OCPI230.ClientInfo(partyID: "XYZ", countryCode: "BE", role: .emsp, status: .connected, lastUpdated: ModuleTests.start)
                #expect(try await client.putClientInfo(countryCode: "BE", partyID: "XYZ", body: info).httpStatus == 201)
                let read = try await client.getClientInfo(countryCode: "BE", partyID: "XYZ")
                #expect(read == info && read.validate().isEmpty, "\(read.validate())")
                let key = ObjectKey(module: .clientinfo, countryCode: "BE", partyID: "XYZ", id: "BE/XYZ")
                let stored = try #require(try await cpo.server.store.get(key).flatMap { try OCPI221.ClientInfo.decodeJSON($0.json).value })
                #expect(stored == Conversion230To221().convert(info), "kept as 2.2.1's")
                var offline = info
                offline.status = .offline
                offline.lastUpdated = OCPIDateTime(secondsSince1970: 1_700_000_100)
                #expect(try await client.putClientInfo(countryCode: "BE", partyID: "XYZ", body: offline).httpStatus == 200)
                #expect(try await client.getClientInfo(countryCode: "BE", partyID: "XYZ").status == .offline)

                // A 2.2.1 hub's ClientInfo about a hub: OTHER in 2.3.0.
                let hub221 = try await ModuleTests.registerEMSP(cpo, countryCode: "FR", partyID: "HBB", role: .hub)
                let ofAHub = OCPI221.ClientInfo(partyID: "HB2", countryCode: "FR", role: .hub, status: .connected, lastUpdated: ModuleTests.start)
                let put221 = try await send("PUT", cpo.baseURL + "/ocpi/cpo/2.2.1/hubclientinfo/FR/HB2", authorization: CredentialsToken.header(for: hub221), body: ModuleTests.json(ofAHub))
                #expect(put221.status == 201, "\(put221.text)")
                let asOther = try await client.getClientInfo(countryCode: "FR", partyID: "HB2")
                #expect(asOther.role == .other && asOther.validate().isEmpty, "\(asOther)")

                // A 2.3.0 eMSP that is no hub: 401, nothing stored, nothing read.
                let notHub = Modules.authorization
                let body = ModuleTests.json(OCPI230.ClientInfo(partyID: "QQQ", countryCode: "BE", role: .cpo, status: .planned, lastUpdated: ModuleTests.start))
                let refused = try await send("PUT", url + "/BE/QQQ", authorization: notHub, body: body)
                #expect(refused.status == 401 && refused.statusCode == 2000, "\(refused.text)")
                #expect(try await send("GET", url + "/BE/XYZ", authorization: notHub).status == 401)
                let hubAuthorization = "Token " + Data(tokenC.utf8).base64EncodedString()
                #expect(try await send("GET", url + "/BE/QQQ", authorization: hubAuthorization).status == 404, "nothing was stored")

                // Malformed bodies: HUB is no role in 2.3.0; an unknown status; not JSON.
                for (sent, pointer) in [
                    (body.replacingOccurrences(of: #""role":"CPO""#, with: #""role":"HUB""#), "/role"),
                    (body.replacingOccurrences(of: #""status":"PLANNED""#, with: #""status":"MAYBE""#), "/status"),
                    (body.replacingOccurrences(of: #""party_id":"QQQ""#, with: #""party_id":"TOOLONG""#), "/party_id"),
                    ("[]", ""),
                ] {
                    let response = try await send("PUT", url + "/BE/QQQ", authorization: hubAuthorization, body: sent)
                    #expect(response.status != 500 && response.statusCode == 2001, "\(sent): \(response.text)")
                    #expect(response.text.contains(#""path":"\#(pointer)""#), "\(sent): \(response.text)")
                }
                let notJSON = try await send("PUT", url + "/BE/QQQ", authorization: hubAuthorization, body: "{")
                #expect(notJSON.status != 500 && notJSON.statusCode == 2001, "\(notJSON.text)")
                #expect(try await send("GET", url + "/BE/QQQ", authorization: hubAuthorization).status == 404, "nothing was stored")
            }
        }
    }

    /// The hub's own party (hub_party_id) is held as its roles are: one that another partner
    /// holds, or that is this CPO's, is refused with 2001 at /hub_party_id, and one of the wrong
    /// length at the same pointer by the generated validation; nothing is registered.
    @Test func aHubPartyIDThatCannotBeHeldIsRefusedAtItsPointer() async throws {
        let cpo = try await CPOPeer.open(demoData: false, releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            try await Serving.serveEMSP(tokenB: "token-b-of-hub") { emsp in
                for (hubPartyID, message) in [("DENEW", "which another partner holds"), ("NLSOC", "which is this platform"), ("NLHU", "")] {
                    await #expect {
                        _ = try await Self.registerHub(cpo, Self.hubCredentials("token-b-of-hub", emsp: emsp, hubPartyID: hubPartyID))
                    } throws: { error in
                        // The status message names each violation by its pointer.
                        guard case .refused(_, 2001, let text?, _)? = error as? OCPIClientError else { return false }
                        return text.contains("/hub_party_id: ") && (message.isEmpty || text.contains(message))
                    }
                }
                let registered = try await cpo.server.registry.partners().filter { $0.status == .registered }.map(\.id)
                #expect(registered == ["emsp-230"], "nothing registered")
            }
        }
    }
}
