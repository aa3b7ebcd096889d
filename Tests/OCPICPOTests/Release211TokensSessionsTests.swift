import Foundation
import OCPI211
import OCPI221
import OCPIAsyncHTTPClient
import OCPICPO
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Synchronization
import Testing

/// Tokens and sessions with a partner on OCPI 2.1.1, over real HTTP: the eMSP pushes tokens
/// (stored as 2.2.1 tokens of its one party), lists them for the CPO to pull and authorizes them
/// in real time; the CPO serves and pushes its sessions converted to 2.1.1, each with its location.
@Suite(.holdsResources) struct Release211TokensSessionsTests {
    typealias Serving = Release211ServingTests

    /// A 2.1.1 eMSP with each module a CPO calls: it receives locations, tariffs and sessions
    /// (`Received211`), lists its tokens and answers real-time authorizations.
    final class Issuer211: OCPI211.TokensSender, OCPI211.VersionsSender {
        let baseURL: String
        let tokens = Mutex<[OCPI211.Token]>([])
        let authorizations = Mutex<[String]>([])

        init(baseURL: String) {
            self.baseURL = baseURL
        }

        func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI211.Version]> {
            .ok([OCPI211.Version(version: .v2_1_1, url: baseURL + "/ocpi/2.1.1")])
        }

        func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI211.VersionDetails> {
            let modules: [OCPI211.ModuleID] = [.credentials, .locations, .tariffs, .sessions, .tokens]
            return .ok(OCPI211.VersionDetails(
                version: .v2_1_1, endpoints: modules.map { OCPI211.Endpoint(identifier: $0, url: baseURL + "/ocpi/emsp/2.1.1/" + $0.rawValue) }
            ))
        }

        func getTokens(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<OCPI211.Token> {
            let all = tokens.withLock { $0 }
            return OCPIPage(items: Array(all.dropFirst(offset).prefix(limit)), totalCount: all.count)
        }

        func postAuthorize(
            _ context: OCPIRequestContext, tokenUID: String, type: OCPI211.TokenType?, body: OCPI211.LocationReferences?
        ) async throws -> OCPIReply<OCPI211.AuthorizationInfo> {
            authorizations.withLock { $0.append("\(tokenUID) at \(body?.locationID ?? "-")") }
            guard tokenUID.hasPrefix("APP-") else { throw OCPIError.notFound("Token \(tokenUID)") }
            return .ok(OCPI211.AuthorizationInfo(allowed: .allowed, location: body))
        }
    }

    /// The 2.1.1 eMSP's side of commands: keeps each outcome posted to a `response_url`, by the
    /// URL's last segment.
    final class Results211: OCPI211.CommandsSender {
        let results = Mutex<[String: OCPI211.CommandResponseType]>([:])

        func postCommandResponse(_ context: OCPIRequestContext, callback: String, body: OCPI211.CommandResponse) async throws -> OCPIReply<OCPINoData> {
            results.withLock { $0[String(callback.split(separator: "/").last ?? "")] = body.result }
            return .ok
        }

        func result(_ id: String) async throws -> OCPI211.CommandResponseType? {
            try await CommandFlowTests.eventually("the outcome of \(id)") { results.withLock { $0[id] } != nil }
            return results.withLock { $0[id] }
        }
    }

    static let party = PartyIdentity(countryCode: "DE", partyID: "OLD")

    /// Serves the eMSP, registers it with the CPO over 2.1.1 and hands over token C.
    static func withRegisteredEMSP(
        _ cpo: CPOPeer, received: Serving.Received211 = Serving.Received211(), results: Results211 = Results211(),
        _ body: (_ tokenC: String, _ issuer: Issuer211) async throws -> Void
    ) async throws {
        let port = try LiveServer.freePort()
        let emsp = "http://127.0.0.1:\(port)"
        let issuer = Issuer211(baseURL: emsp)
        let authenticator = Serving.RawTokenOnly(token: "token-b")
        let configuration = OCPIServerConfiguration(publicURL: emsp, ownParties: [party])
        var router = HTTPRouter(logger: LiveServer.quietLogger)
        router.addOCPIRoutes(OCPIRoutes.versionsSender(issuer), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
        router.addOCPIRoutes(
            OCPIRoutes.locationsReceiver(received) + OCPIRoutes.tariffsReceiver(received) + OCPIRoutes.sessionsReceiver(received)
                + OCPIRoutes.tokensSender(issuer) + OCPIRoutes.commandsSender(results),
            at: "/ocpi/emsp/2.1.1", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger
        )
        try await LiveServer.run(serving: { running in
            OCPIHTTPServer(router: router, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
        }, port: port) {
            let tokenA = try await cpo.server.registry.invite().token
            let credentials = Serving.connection(cpo.baseURL + "/ocpi/cpo/2.1.1/credentials", token: tokenA)
            let tokenC = try await OCPI211.CredentialsSenderClient(connection: credentials).postCredentials(body: Serving.credentials("token-b", emsp: emsp)).token
            try await body(tokenC, issuer)
        }
    }

    static func token(_ uid: String, whitelist: OCPI211.WhitelistType = .allowed, at seconds: Int64 = 1_700_000_000) -> OCPI211.Token {
        OCPI211.Token(
            uid: uid, type: .rfid, authID: "DE-OLD-C\(uid)", visualNumber: "OLD \(uid)", issuer: "Old Mobility", valid: true, whitelist: whitelist,
            language: "de", lastUpdated: OCPIDateTime(secondsSince1970: seconds)
        )
    }

    static func storedToken(_ cpo: CPOPeer, _ uid: String) async throws -> OCPI221.Token? {
        let key = ObjectKey(module: .tokens, countryCode: "DE", partyID: "OLD", id: uid, kind: "RFID")
        return try await cpo.server.store.get(key).flatMap { try OCPI221.Token.decodeJSON($0.json).value }
    }

    // MARK: Tokens

    /// The eMSP finds the tokens module in the version details, PUTs a valid 2.1.1 token, reads
    /// it back and PATCHes it; the CPO stores it as a 2.2.1 token of the eMSP's party, a driver
    /// presenting it starts a session, and the session reaches the eMSP as a whole 2.1.1 PUT.
    @Test func aTokenPushedIn211AuthorizesASessionWhichIsPushedBackIn211() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast, releases: [.v2_1_1, .v2_2_1])
        let received = Serving.Received211()
        try await cpo.run {
            try await Self.withRegisteredEMSP(cpo, received: received) { tokenC, _ in
                let details = try await OCPI211.VersionsSenderClient(connection: Serving.connection(cpo.baseURL + "/ocpi/2.1.1", token: tokenC)).getVersionDetails()
                let tokensURL = try #require(details.endpoints.first { $0.identifier == .tokens }?.url)
                #expect(tokensURL == cpo.baseURL + "/ocpi/cpo/2.1.1/tokens")
                #expect(details.endpoints.contains { $0.identifier == .sessions })
                let tokens = OCPI211.TokensReceiverClient(connection: Serving.connection(tokensURL, token: tokenC))

                let token = Self.token("CARD-211")
                #expect(token.validate().isEmpty, "\(token.validate())")
                _ = try await tokens.putToken(countryCode: "DE", partyID: "OLD", tokenUID: token.uid, body: token)
                let stored = try #require(try await Self.storedToken(cpo, "CARD-211"), "stored under the eMSP's party")
                #expect(stored.contractID == token.authID && stored.countryCode == "DE" && stored.partyID == "OLD")
                #expect(stored.validate().isEmpty)
                #expect(try await tokens.getToken(countryCode: "DE", partyID: "OLD", tokenUID: "CARD-211") == token, "read back as it was sent")

                // A driver presents it: allowed from the stored token, a session starts.
                let (allowed, sessionID) = try await RealTimeAuthorizationTests.present(cpo, "CARD-211")
                #expect(allowed == "ALLOWED")
                let id = try #require(sessionID)
                try await CommandFlowTests.eventually("the session at the 2.1.1 eMSP") { received.sessions.withLock { $0[id] } != nil }
                let session = try #require(received.sessions.withLock { $0[id] })
                #expect(session.validate().isEmpty, "valid 2.1.1: \(session.validate())")
                #expect(session.authID == token.authID && session.authMethod == .whitelist)
                #expect(session.location.id == "UTR-STATION")
                #expect(session.location.evses.map(\.uid) == ["UTR-STATION-1"], "the EVSE used, alone")

                // PATCH without last_updated (2.1.1 allows it): the token is blocked from now on.
                _ = try await tokens.patchToken(countryCode: "DE", partyID: "OLD", tokenUID: "CARD-211", body: OCPI211.TokenPatch(valid: false))
                let patched = try #require(try await Self.storedToken(cpo, "CARD-211"))
                #expect(!patched.valid && patched.contractID == token.authID)
                #expect(patched.lastUpdated > token.lastUpdated, "a PATCH without last_updated is dated when it is taken")
                let blocked = try await RealTimeAuthorizationTests.present(cpo, "CARD-211", evse: "UTR-STATION-2")
                #expect(blocked.allowed == "BLOCKED")
                await #expect {
                    _ = try await tokens.getToken(countryCode: "DE", partyID: "OLD", tokenUID: "NO-SUCH-CARD")
                } throws: { error in
                    (error as? OCPIClientError)?.httpStatus == 404
                }
            }
        }
    }

    /// A 2.1.1 partner writes only tokens of the one party in its credentials: another country
    /// code or party id in the URL is refused in the OCPI envelope (2001) with the pointer of the
    /// path parameter that differs, and nothing is stored.
    @Test func aTokenOfAnotherPartyIsRefusedWithItsPointer() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            let authorization = "Token " + Serving.token
            let body = ModuleTests.json(Self.token("FOREIGN-1"))
            for (path, pointer) in [("NL/OLD", "/country_code"), ("DE/MSP", "/party_id")] {
                let response = try await send("PUT", cpo.baseURL + "/ocpi/cpo/2.1.1/tokens/\(path)/FOREIGN-1", authorization: authorization, body: body)
                #expect(response.status == 200, "OCPI client errors travel in the envelope: \(response.text)")
                #expect(response.statusCode == 2001, "\(response.text)")
                #expect(response.text.contains(#""path":"\#(pointer)""#), "\(response.text)")
                #expect(response.text.contains("which is not the party in your credentials (DE/OLD)"), "\(response.text)")
                let patch = try await send("PATCH", cpo.baseURL + "/ocpi/cpo/2.1.1/tokens/\(path)/FOREIGN-1", authorization: authorization, body: #"{"valid": false}"#)
                #expect(patch.statusCode == 2001 && patch.text.contains(#""path":"\#(pointer)""#), "\(patch.text)")
            }
            #expect(try await cpo.server.store.list(ObjectFilter(module: .tokens), offset: 0, limit: 10).objects.isEmpty, "nothing stored")

            // Its own party is taken; a body that is not valid 2.1.1 is refused at its own pointer.
            let own = try await send("PUT", cpo.baseURL + "/ocpi/cpo/2.1.1/tokens/DE/OLD/FOREIGN-1", authorization: authorization, body: body)
            #expect(own.status == 201 && own.statusCode == 1000, "\(own.text)")
            let invalid = try await send(
                "PUT", cpo.baseURL + "/ocpi/cpo/2.1.1/tokens/DE/OLD/FOREIGN-2", authorization: authorization,
                body: body.replacingOccurrences(of: "FOREIGN-1", with: "FOREIGN-2").replacingOccurrences(of: #""auth_id":"DE-OLD-CFOREIGN-2""#, with: #""auth_id":"\#(String(repeating: "X", count: 40))""#)
            )
            #expect(invalid.statusCode == 2001 && invalid.text.contains(#""path":"/auth_id""#), "\(invalid.text)")
        }
    }

    /// Token sync and real-time authorization speak 2.1.1 to a 2.1.1 eMSP: its listed tokens are
    /// stored as its party's, and a token nobody pushed is asked of it at its authorize URL.
    @Test func tokensArePulledFromAndAuthorizedByA211EMSP() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast, releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await Self.withRegisteredEMSP(cpo) { _, issuer in
                var invalid = Self.token("BAD")
                invalid.issuer = String(repeating: "x", count: 65)
                issuer.tokens.withLock { $0 = [Self.token("LISTED-1"), Self.token("LISTED-2"), invalid] }
                let partner = try #require(try await cpo.server.registry.partners().first { $0.status == .registered })
                let outcome = try await TokenSync(
                    store: cpo.server.store, registry: cpo.server.registry, transport: cpo.server.transport, ourParty: PartyIdentity(countryCode: "NL", partyID: "SOC"),
                    logger: LiveServer.quietLogger
                ).sync(partnerID: partner.id)
                #expect(outcome == TokenSync.Outcome(received: 3, stored: 2, refused: 1), "the invalid one is refused")
                let listed = try #require(try await Self.storedToken(cpo, "LISTED-1"))
                #expect(listed.countryCode == "DE" && listed.partyID == "OLD" && listed.contractID == "DE-OLD-CLISTED-1")

                let (allowed, sessionID) = try await RealTimeAuthorizationTests.present(cpo, "APP-7")
                #expect(allowed == "ALLOWED" && sessionID != nil)
                #expect(issuer.authorizations.withLock { $0 } == ["APP-7 at UTR-STATION"])
                // 2.1.1's answer names no token: the session names the uid presented, of the eMSP's party.
                let id = try #require(sessionID)
                let session = try #require(try await cpo.server.store.get(ObjectKey(module: .sessions, countryCode: "NL", partyID: "SOC", id: id)))
                #expect(session.owner == "DE/OLD")
                let stored = try #require(try OCPI221.Session.decodeJSON(session.json).value)
                #expect(stored.cdrToken.uid == "APP-7" && stored.cdrToken.contractID == "APP-7" && stored.authMethod == .authRequest)
            }
        }
    }

    // MARK: Sessions

    /// GET sessions on 2.1.1: the partner's own sessions only, page by page, each valid 2.1.1
    /// with its location narrowed to the EVSE and connector used; date_from filters.
    @Test func a211PartnerListsItsOwnSessionsConverted() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            for (id, party, kwh) in [("S-1", "OLD", 1), ("S-2", "MSP", 2), ("S-3", "OLD", 3)] {
                var session = ModuleTests.session(id, for: "DE", party, kwh: Decimal(kwh))
                session.lastUpdated = OCPIDateTime(secondsSince1970: 1_900_000_000 + Int64(kwh))
                session.totalCost = OCPI221.Price(exclVAT: Decimal(string: "1.50") ?? 0, inclVAT: Decimal(string: "1.82"))
                session.chargingPeriods = [OCPI221.ChargingPeriod(startDateTime: session.startDateTime, dimensions: [
                    OCPI221.CdrDimension(type: .energy, volume: Decimal(kwh)), OCPI221.CdrDimension(type: .stateOfCharge, volume: 50),
                ])]
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/\(id)", ModuleTests.json(session)).status == 201)
            }
            let client = OCPI211.SessionsSenderClient(connection: Serving.connection(cpo.baseURL + "/ocpi/cpo/2.1.1/sessions"))
            var sessions: [OCPI211.Session] = []
            for try await session in client.getSessions(limit: 1) { sessions.append(session) }
            #expect(sessions.map(\.id) == ["S-1", "S-3"], "its own, one page at a time")
            for session in sessions {
                #expect(session.validate().isEmpty, "\(session.id): \(session.validate())")
                #expect(session.location.evses.map(\.uid) == ["UTR-STATION-1"])
                #expect(session.location.evses.first?.connectors.map(\.id) == ["1"])
                #expect(session.totalCost == Decimal(string: "1.50"), "without VAT")
                #expect(session.chargingPeriods.first?.dimensions.map(\.type) == [.energy], "state of charge has no 2.1.1 name")
            }
            var recent: [String] = []
            for try await session in client.getSessions(dateFrom: OCPIDateTime(secondsSince1970: 1_900_000_002)) { recent.append(session.id) }
            #expect(recent == ["S-3"])

            // The same page as raw JSON, as a partner reads it: valid by 2.1.1's generated rules.
            let raw = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.1.1/sessions", authorization: "Token " + Serving.token)
            #expect(raw.headers[.ocpiTotalCount] == "2")
            guard case .array(let items)? = raw.envelope?["data"] else {
                Issue.record("no list: \(raw.text)")
                return
            }
            #expect(items.count == 2)
            for item in items {
                let decoded = try OCPI211.Session.decodeAndValidate(item.jsonBytes())
                #expect(decoded.value != nil && decoded.violations.isEmpty, "\(decoded.violations)")
            }
        }
    }

    // MARK: Commands

    /// A 2.1.1 eMSP's commands reach the charge points as 2.2.1's do: each is answered at once
    /// in 2.1.1, and the charge point's outcome is posted to its response_url as 2.1.1's
    /// CommandResponse; the session a START_SESSION opens is pushed in 2.1.1 with the driver's
    /// contract.
    @Test func a211EMSPsCommandsReachTheChargePointsAndTheirOutcomesComeBackIn211() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast, releases: [.v2_1_1, .v2_2_1])
        let received = Serving.Received211()
        let results = Results211()
        try await cpo.run {
            try await Self.withRegisteredEMSP(cpo, received: received, results: results) { tokenC, issuer in
                let details = try await OCPI211.VersionsSenderClient(connection: Serving.connection(cpo.baseURL + "/ocpi/2.1.1", token: tokenC)).getVersionDetails()
                let commandsURL = try #require(details.endpoints.first { $0.identifier == .commands }?.url)
                let commands = OCPI211.CommandsReceiverClient(connection: Serving.connection(commandsURL, token: tokenC))
                // Callback routes are mounted at /<module>/<operation>/{callback}.
                let url = { (id: String) in issuer.baseURL + "/ocpi/emsp/2.1.1/commands/post_command_response/" + id }
                let driver = Self.token("DRIVER-1")

                let start = OCPI211.StartSession(responseURL: url("start-1"), token: driver, locationID: "UTR-STATION", evseUID: "UTR-STATION-1")
                #expect(start.validate().isEmpty)
                let answer0 = try await commands.postStartSession(body: start)
                #expect(answer0.result == .accepted && answer0.validate().isEmpty, "valid 2.1.1: \(answer0.validate())")
                #expect(try await results.result("start-1") == .accepted)
                try await CommandFlowTests.eventually("the session at the 2.1.1 eMSP") { !received.sessions.withLock { $0.isEmpty } }
                let session = try #require(received.sessions.withLock { $0.values.first })
                #expect(session.validate().isEmpty, "\(session.validate())")
                #expect(session.authID == driver.authID, "the driver's contract")
                #expect(session.authMethod == .authRequest, "started by a command, which 2.1.1 cannot name")

                // What a charge point refuses comes back REJECTED (2.1.1 has no EVSE_OCCUPIED).
                let again = OCPI211.StartSession(responseURL: url("start-2"), token: driver, locationID: "UTR-STATION", evseUID: "UTR-STATION-1")
                let answer1 = try await commands.postStartSession(body: again)
                #expect(answer1.result == .accepted && answer1.validate().isEmpty, "valid 2.1.1: \(answer1.validate())")
                #expect(try await results.result("start-2") == .rejected)
                let unlock = OCPI211.UnlockConnector(responseURL: url("unlock-1"), locationID: "UTR-STATION", evseUID: "UTR-STATION-1", connectorID: "1")
                let answer2 = try await commands.postUnlockConnector(body: unlock)
                #expect(answer2.result == .accepted && answer2.validate().isEmpty, "valid 2.1.1: \(answer2.validate())")
                #expect(try await results.result("unlock-1") == .rejected, "the cable is locked while charging")

                let reserve = OCPI211.ReserveNow(
                    responseURL: url("reserve-1"), token: driver, expiryDate: OCPIDateTime.now().adding(.seconds(600)), reservationID: 42,
                    locationID: "UTR-STATION", evseUID: "UTR-STATION-2"
                )
                let answer3 = try await commands.postReserveNow(body: reserve)
                #expect(answer3.result == .accepted && answer3.validate().isEmpty, "valid 2.1.1: \(answer3.validate())")
                #expect(try await results.result("reserve-1") == .accepted)

                let stop = OCPI211.StopSession(responseURL: url("stop-1"), sessionID: session.id)
                let answer4 = try await commands.postStopSession(body: stop)
                #expect(answer4.result == .accepted && answer4.validate().isEmpty, "valid 2.1.1: \(answer4.validate())")
                #expect(try await results.result("stop-1") == .accepted)
                #expect(try await commands.postStopSession(body: OCPI211.StopSession(responseURL: url("stop-2"), sessionID: "NO-SUCH-SESSION")).result == .unknownSession)

                // A location this CPO does not have is refused in the envelope, before any charge point.
                await #expect {
                    _ = try await commands.postStartSession(body: OCPI211.StartSession(responseURL: url("start-3"), token: driver, locationID: "NOWHERE"))
                } throws: { error in
                    (error as? OCPIClientError)?.statusCode == 2003
                }
            }
        }
    }
}
