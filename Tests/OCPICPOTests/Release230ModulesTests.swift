import Foundation
import OCPI221
import OCPI230
import OCPICPO
import OCPIConversions
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Synchronization
import Testing

/// The modules a 2.3.0 partner reaches beyond locations and tariffs, over real HTTP: sessions and
/// CDRs (listed and pushed, converted from the 2.2.1 ones the store keeps), tokens (pushed by the
/// eMSP, stored as 2.2.1 tokens) and commands (handled as 2.2.1's, their outcomes posted in 2.3.0). Every object the CPO sends
/// is read back by the generated 2.3.0 validators.
@Suite(.holdsResources) struct Release230ModulesTests {
    typealias Serving = Release230ServingTests

    /// The 2.3.0 eMSP of `Serving.addPartner` (DE/NEW) and another eMSP (DE/MSP).
    static let own = "NEW"
    static let other = "MSP"

    /// The 2.3.0 partner's Authorization header: its token in base64, as 2.3.0 writes it.
    static let authorization = "Token " + Data(Serving.token.utf8).base64EncodedString()

    /// The body of a raw answer's `data` list, each item read strictly as a 2.3.0 `T`.
    static func strictItems<T: OCPIModel>(_ response: RawResponse, as _: T.Type) throws -> [T] {
        guard case .array(let items)? = response.envelope?["data"] else {
            Issue.record("no list: \(response.text)")
            return []
        }
        return try items.map { item in
            let decoded = try T.decodeAndValidate(item.jsonBytes())
            #expect(decoded.violations.isEmpty, "\(decoded.violations)")
            return try #require(decoded.value)
        }
    }

    /// The 2.3.0 version details list a module's interface exactly when it is served.
    static func details(_ cpo: CPOPeer, token: String = Serving.token) async throws -> [OCPI230.Endpoint] {
        let details = try await OCPI230.VersionsSenderClient(connection: Serving.connection(cpo.baseURL + "/ocpi/2.3.0", token: token)).getVersionDetails()
        #expect(details.validate().isEmpty, "\(details.validate())")
        return details.endpoints
    }

    // MARK: Sessions

    static func session(_ id: String, for partyID: String, kwh: Decimal, inclVAT: Decimal?) -> OCPI221.Session {
        var session = ModuleTests.session(id, for: "DE", partyID, kwh: kwh)
        session.lastUpdated = OCPIDateTime(secondsSince1970: 1_900_000_000 + NSDecimalNumber(decimal: kwh).int64Value)
        session.totalCost = OCPI221.Price(exclVAT: Decimal(string: "1.50") ?? 0, inclVAT: inclVAT)
        session.chargingPeriods = [OCPI221.ChargingPeriod(startDateTime: session.startDateTime, dimensions: [
            OCPI221.CdrDimension(type: .energy, volume: kwh), OCPI221.CdrDimension(type: .stateOfCharge, volume: 50),
        ])]
        return session
    }

    /// GET sessions on 2.3.0: the partner's own sessions only, page by page, each valid 2.3.0;
    /// the price's VAT becomes one tax of the difference, and a price without an amount with VAT
    /// names no tax; date_from filters; a malformed parameter is refused with its pointer.
    @Test func a230PartnerListsItsOwnSessionsConverted() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            let endpoints = try await Self.details(cpo)
            #expect(endpoints.contains(OCPI230.Endpoint(identifier: .sessions, role: .sender, url: cpo.baseURL + "/ocpi/cpo/2.3.0/sessions")))
            let sessions221 = [
                Self.session("S-1", for: Self.own, kwh: 1, inclVAT: Decimal(string: "1.82")),
                Self.session("S-2", for: Self.other, kwh: 2, inclVAT: Decimal(string: "1.82")),
                Self.session("S-3", for: Self.own, kwh: 3, inclVAT: nil),
            ]
            for session in sessions221 {
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/\(session.id)", ModuleTests.json(session)).status == 201)
            }

            let client = OCPI230.SessionsSenderClient(connection: Serving.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/sessions"))
            var sessions: [OCPI230.Session] = []
            for try await session in client.getSessions(limit: 1) { sessions.append(session) }
            #expect(sessions.map(\.id) == ["S-1", "S-3"], "its own, one page at a time")
            for session in sessions {
                #expect(session.validate().isEmpty, "\(session.id): \(session.validate())")
                #expect(session.cdrToken.partyID == Self.own)
                #expect(session.totalCost?.beforeTaxes == Decimal(string: "1.50"), "the amount without VAT, before taxes")
            }
            #expect(sessions.first?.totalCost?.taxes == [OCPI230.TaxAmount(name: "VAT", amount: Decimal(string: "0.32") ?? 0)], "one VAT of the difference")
            #expect(sessions.last?.totalCost?.taxes == [], "no amount with VAT: no tax named")
            #expect(sessions.first == Conversion221To230().convert(sessions221[0]), "the stored session, converted")

            var recent: [String] = []
            for try await session in client.getSessions(dateFrom: OCPIDateTime(secondsSince1970: 1_900_000_002)) { recent.append(session.id) }
            #expect(recent == ["S-3"])

            // The same list as raw JSON: X-Total-Count counts its own only, each item valid 2.3.0,
            // and the session without an amount with VAT carries no taxes at all.
            let raw = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.3.0/sessions", authorization: Self.authorization)
            #expect(raw.headers[.ocpiTotalCount] == "2")
            #expect(try Self.strictItems(raw, as: OCPI230.Session.self).map(\.id) == ["S-1", "S-3"])
            #expect(raw.text.contains(#""total_cost":{"before_taxes":1.50}"#) || raw.text.contains(#""total_cost":{"before_taxes":1.5}"#), "\(raw.text)")

            // Bad input is an OCPI error with a pointer, never a server error; another eMSP's
            // session takes no charging preferences (as if it did not exist).
            for query in ["date_from=yesterday", "offset=-1", "limit=many"] {
                let bad = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.3.0/sessions?" + query, authorization: Self.authorization)
                #expect(bad.status == 400 && bad.statusCode == 2001, "\(query): \(bad.text)")
                #expect(bad.text.contains(#""path":"/"#), "\(query): \(bad.text)")
            }
            let preferences = #"{"profile_type": "FAST"}"#
            let foreign = try await send("PUT", cpo.baseURL + "/ocpi/cpo/2.3.0/sessions/S-2/charging_preferences", authorization: Self.authorization, body: preferences)
            #expect(foreign.status == 404 && foreign.statusCode != 1000, "\(foreign.text)")
            let ownPreferences = try await send("PUT", cpo.baseURL + "/ocpi/cpo/2.3.0/sessions/S-1/charging_preferences", authorization: Self.authorization, body: preferences)
            #expect(ownPreferences.statusCode == 1000 && ownPreferences.text.contains("NOT_POSSIBLE"), "\(ownPreferences.text)")
            let malformed = try await send("PUT", cpo.baseURL + "/ocpi/cpo/2.3.0/sessions/S-1/charging_preferences", authorization: Self.authorization, body: #"{"profile_type": 7}"#)
            #expect(malformed.statusCode == 2001 && malformed.text.contains(#""path":"/profile_type""#), "\(malformed.text)")
        }
    }

    /// A session of the 2.3.0 eMSP is pushed to it whole in 2.3.0, by PUT, each time it changes
    /// (an operator's PATCH too); another eMSP's session never reaches it.
    @Test func aChangedSessionIsPushedIn230ToItsEMSPOnly() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        let inbox = Inbox230()
        try await cpo.run {
            try await Serving.serveEMSP(tokenB: "token-b-of-new", extra: inbox.routes, receives: Inbox230.receives) { emsp in
                _ = try await Serving.register(with: cpo, emsp: emsp, tokenB: "token-b-of-new")
                await cpo.server.pusher.drain()
                let own = Self.session("PUSHED-1", for: Self.own, kwh: 1, inclVAT: Decimal(string: "1.82"))
                let other = Self.session("PUSHED-2", for: Self.other, kwh: 2, inclVAT: nil)
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/PUSHED-1", ModuleTests.json(own)).status == 201)
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/PUSHED-2", ModuleTests.json(other)).status == 201)
                await cpo.server.pusher.drain()
                let first = try #require(inbox.sessions.withLock { $0["PUSHED-1"] }, "the session, by PUT")
                #expect(first.validate().isEmpty, "\(first.validate())")
                #expect(first == Conversion221To230().convert(own))
                #expect(inbox.sessions.withLock { $0["PUSHED-2"] } == nil, "another eMSP's session")

                let patched = try await PushTests.admin(
                    cpo, "PATCH", "/sessions/PUSHED-1", #"{"kwh": 7.5, "status": "COMPLETED", "last_updated": "2031-01-01T00:00:00Z"}"#
                )
                #expect(patched.status == 200, "\(patched.text)")
                await cpo.server.pusher.drain()
                let second = try #require(inbox.sessions.withLock { $0["PUSHED-1"] })
                #expect(second.validate().isEmpty && second.kwh == Decimal(string: "7.5") && second.status == .completed)
                #expect(second.totalCost?.taxes.first?.amount == Decimal(string: "0.32"), "the whole session again, its price too")
                let calls = inbox.calls.withLock { $0 }
                #expect(calls == ["PUT session NL/SOC/PUSHED-1", "PUT session NL/SOC/PUSHED-1"], "\(calls)")
            }
        }
    }

    // MARK: CDRs

    /// A CDR of the eMSP `partyID` of DE at the demo station, written `seconds` after
    /// 1_900_000_000, with the tariff it was priced by.
    static func cdr(_ id: String, for partyID: String, seconds: Int64) -> OCPI221.CDR {
        var cdr = Release211CDRsTests.cdr(id, for: partyID, seconds: seconds)
        cdr.tariffs = [DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: cdr.lastUpdated)[0]]
        return cdr
    }

    /// GET cdrs on 2.3.0: the partner's own CDRs only, page by page, each valid 2.3.0, with its
    /// price taxed as a session's and its tariffs converted as tariffs are; date_from filters; a
    /// malformed parameter is refused with its pointer.
    @Test func a230PartnerListsItsOwnCDRsConverted() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            let endpoints = try await Self.details(cpo)
            #expect(endpoints.contains(OCPI230.Endpoint(identifier: .cdrs, role: .sender, url: cpo.baseURL + "/ocpi/cpo/2.3.0/cdrs")))
            let cdrs221 = [Self.cdr("C-1", for: Self.own, seconds: 1), Self.cdr("C-2", for: Self.other, seconds: 2), Self.cdr("C-3", for: Self.own, seconds: 3)]
            for cdr in cdrs221 { try await Release211CDRsTests.post(cpo, cdr) }

            let client = OCPI230.CDRsSenderClient(connection: Serving.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/cdrs"))
            var cdrs: [OCPI230.CDR] = []
            for try await cdr in client.getCDRs(limit: 1) { cdrs.append(cdr) }
            #expect(cdrs.map(\.id) == ["C-1", "C-3"], "its own, one page at a time")
            for cdr in cdrs {
                #expect(cdr.validate().isEmpty, "\(cdr.id): \(cdr.validate())")
                #expect(cdr.totalCost == OCPI230.Price(beforeTaxes: Decimal(string: "2.50") ?? 0, taxes: [OCPI230.TaxAmount(name: "VAT", amount: Decimal(string: "0.53") ?? 0)]))
                #expect(cdr.tariffs.map(\.taxIncluded) == [.no], "the tariff, converted as tariffs are")
            }
            #expect(cdrs.first == Conversion221To230().convert(cdrs221[0]), "the stored CDR, converted")

            var recent: [String] = []
            for try await cdr in client.getCDRs(dateFrom: OCPIDateTime(secondsSince1970: 1_900_000_002)) { recent.append(cdr.id) }
            #expect(recent == ["C-3"])

            let raw = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.3.0/cdrs", authorization: Self.authorization)
            #expect(raw.headers[.ocpiTotalCount] == "2")
            #expect(try Self.strictItems(raw, as: OCPI230.CDR.self).map(\.id) == ["C-1", "C-3"])
            for query in ["date_to=2030-13-01T00:00:00Z", "offset=x", "limit=-5"] {
                let bad = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.3.0/cdrs?" + query, authorization: Self.authorization)
                #expect(bad.status == 400 && bad.statusCode == 2001, "\(query): \(bad.text)")
                #expect(bad.text.contains(#""path":"/"#), "\(query): \(bad.text)")
            }
        }
    }

    /// A 2.3.0 eMSP is POSTed its own CDRs in 2.3.0 (not another eMSP's), and the URL it answers
    /// is kept as its receipt. CDRs written while it is away reach it when it is back, except one
    /// whose receipt the store already holds (as after a restart that lost the push cursor): a
    /// CDR is never posted twice.
    @Test func a230EMSPIsPostedItsOwnCDRsConvertedNeverTwice() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        let inbox = Inbox230()
        let port = try LiveServer.freePort()
        let key = { (id: String) in ObjectKey(module: .cdrs, countryCode: "NL", partyID: "SOC", id: id) }
        try await cpo.run {
            var partnerID = ""
            try await Serving.serveEMSP(tokenB: "token-b-of-new", extra: inbox.routes, receives: Inbox230.receives, port: port) { emsp in
                _ = try await Serving.register(with: cpo, emsp: emsp, tokenB: "token-b-of-new")
                partnerID = try #require(try await cpo.server.registry.partners().first { $0.status == .registered }?.id)
                await cpo.server.pusher.drain()

                try await Release211CDRsTests.post(cpo, Self.cdr("C-1", for: Self.own, seconds: 1))
                try await Release211CDRsTests.post(cpo, Self.cdr("C-OTHER", for: Self.other, seconds: 2))
                await cpo.server.pusher.drain()
                #expect(inbox.cdrIDs == ["C-1"], "its own only")
                let posted = try #require(inbox.cdrs.withLock { $0.first })
                #expect(posted.validate().isEmpty, "\(posted.validate())")
                #expect(posted == Conversion221To230().convert(Self.cdr("C-1", for: Self.own, seconds: 1)))
                #expect(try await cpo.server.store.cdrLocation(partnerID: partnerID, key("C-1")) == Inbox230.cdrURL("C-1"), "its receipt")
            }

            // Away: two CDRs wait for it, and the store holds its receipt of the second already.
            try await Release211CDRsTests.post(cpo, Self.cdr("C-NEW", for: Self.own, seconds: 3))
            try await Release211CDRsTests.post(cpo, Self.cdr("C-HELD", for: Self.own, seconds: 4))
            await cpo.server.pusher.drain()
            #expect(inbox.cdrIDs == ["C-1"])
            try await cpo.server.store.recordCDRLocation(partnerID: partnerID, key("C-HELD"), url: Inbox230.cdrURL("C-HELD"))

            try await Serving.serveEMSP(tokenB: "token-b-of-new", extra: inbox.routes, receives: Inbox230.receives, port: port) { (_: String) async throws -> Void in
                await cpo.server.pusher.catchUp()
                await cpo.server.pusher.drain()
                #expect(inbox.cdrIDs == ["C-1", "C-NEW"], "the one it lacks, and only that one")
                #expect(try await cpo.server.store.cdrLocation(partnerID: partnerID, key("C-NEW")) == Inbox230.cdrURL("C-NEW"))
                #expect(try await cpo.server.pusher.pendingObjects(partnerID: partnerID) == 0)
            }
        }
    }

    // MARK: Tokens

    static func token(_ uid: String, _ type: OCPI230.TokenType = .rfid, party: String = own) -> OCPI230.Token {
        OCPI230.Token(
            countryCode: "DE", partyID: party, uid: uid, type: type, contractID: "DE-NEW-C\(uid)", issuer: "New Mobility", valid: true,
            whitelist: .allowed, lastUpdated: OCPIDateTime(secondsSince1970: 1_900_000_000)
        )
    }

    static func storedToken(_ cpo: CPOPeer, _ uid: String, kind: String = "RFID") async throws -> OCPI221.Token? {
        let key = ObjectKey(module: .tokens, countryCode: "DE", partyID: own, id: uid, kind: kind)
        return try await cpo.server.store.get(key).flatMap { try OCPI221.Token.decodeJSON($0.json).value }
    }

    /// The eMSP finds the tokens module in the 2.3.0 details, PUTs a token, reads it back and
    /// PATCHes it, with the generated 2.3.0 client (which reads strictly); the CPO keeps it as the
    /// 2.2.1 token of the eMSP's party, the same one a 2.2.1 eMSP would have pushed.
    @Test func a230EMSPPushesReadsAndPatchesItsTokens() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            let endpoints = try await Self.details(cpo)
            let url = try #require(endpoints.first { $0.identifier == .tokens && $0.role == .receiver }?.url)
            #expect(url == cpo.baseURL + "/ocpi/cpo/2.3.0/tokens")
            let client = OCPI230.TokensReceiverClient(connection: Serving.connection(url))

            let token = Self.token("T-1")
            #expect(try await client.putToken(countryCode: "DE", partyID: Self.own, tokenUID: "T-1", body: token).statusCode == 1000)
            let stored = try #require(try await Self.storedToken(cpo, "T-1"), "kept as a 2.2.1 token of DE/NEW")
            #expect(stored.validate().isEmpty && stored.contractID == "DE-NEW-CT-1" && stored.type == .rfid)
            #expect(stored == Conversion230To221().convert(token))
            let read = try await client.getToken(countryCode: "DE", partyID: Self.own, tokenUID: "T-1")
            #expect(read.validate().isEmpty && read == token, "read back as it was pushed")

            var patch = OCPI230.TokenPatch(lastUpdated: OCPIDateTime(secondsSince1970: 1_900_000_100))
            patch.valid = false
            _ = try await client.patchToken(countryCode: "DE", partyID: Self.own, tokenUID: "T-1", body: patch)
            #expect(try await Self.storedToken(cpo, "T-1")?.valid == false)
            let patched = try await client.getToken(countryCode: "DE", partyID: Self.own, tokenUID: "T-1")
            #expect(!patched.valid && patched.lastUpdated == OCPIDateTime(secondsSince1970: 1_900_000_100) && patched.contractID == token.contractID)

            // Another kind, named in the URL as the text asks.
            let app = Self.token("T-1", .appUser)
            _ = try await client.putToken(countryCode: "DE", partyID: Self.own, tokenUID: "T-1", type: .appUser, body: app)
            #expect(try await Self.storedToken(cpo, "T-1", kind: "APP_USER")?.type == .appUser)
            #expect(try await client.getToken(countryCode: "DE", partyID: Self.own, tokenUID: "T-1", type: .appUser) == app)
            #expect(try await client.getToken(countryCode: "DE", partyID: Self.own, tokenUID: "T-1").valid == false, "the RFID one is apart")
        }
    }

    /// A 2.3.0 eMSP writes only tokens of its own party (2001 with the pointer of the path
    /// parameter that differs, for PUT, PATCH and GET alike), only kinds 2.2.1 can keep (an EMAID
    /// token or a kind of its own is refused at /type), and only valid tokens; nothing refused is
    /// stored, and nothing is a server error.
    @Test func a230EMSPsTokensAreRefusedWithTheirPointer() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            let base = cpo.baseURL + "/ocpi/cpo/2.3.0/tokens/"
            let body = ModuleTests.json(Self.token("FOREIGN-1"))
            for (countryCode, partyID, pointer) in [("NL", "NEW", "/country_code"), ("DE", "MSP", "/party_id")] {
                // The token as that party's (a body naming another party than its URL is refused
                // by the generated route already).
                var foreign = Self.token("FOREIGN-1", party: partyID)
                foreign.countryCode = countryCode
                let path = "\(countryCode)/\(partyID)"
                for (method, sent) in [("PUT", ModuleTests.json(foreign)), ("PATCH", #"{"valid": false, "last_updated": "2030-01-01T00:00:00Z"}"#), ("GET", nil)] {
                    let response = try await send(method, base + path + "/FOREIGN-1", authorization: Self.authorization, body: sent)
                    #expect(response.statusCode == 2001, "\(method) \(path): \(response.text)")
                    #expect(response.text.contains(#""path":"\#(pointer)""#), "\(method) \(path): \(response.text)")
                    #expect(response.text.contains("which is not the party in your credentials (DE/NEW)"), "\(response.text)")
                }
            }
            for kind in ["EMAID", "PLASTIC_CARD"] {
                let response = try await send(
                    "PUT", base + "DE/NEW/K-1?type=\(kind)", authorization: Self.authorization,
                    body: body.replacingOccurrences(of: "FOREIGN-1", with: "K-1").replacingOccurrences(of: #""type":"RFID""#, with: #""type":"\#(kind)""#)
                )
                #expect(response.statusCode == 2001 && response.text.contains(#""path":"/type""#), "\(kind): \(response.text)")
                #expect(response.text.contains("'\(kind)', a kind of token this CPO cannot keep"), "\(kind): \(response.text)")
            }
            let long = try await send(
                "PUT", base + "DE/NEW/FOREIGN-1", authorization: Self.authorization,
                body: body.replacingOccurrences(of: "DE-NEW-CFOREIGN-1", with: String(repeating: "X", count: 40))
            )
            #expect(long.statusCode == 2001 && long.text.contains(#""path":"/contract_id""#), "\(long.text)")
            let mismatch = try await send("PUT", base + "DE/NEW/OTHER-UID", authorization: Self.authorization, body: body)
            #expect(mismatch.statusCode == 2001 && mismatch.text.contains(#""path":"/uid""#), "\(mismatch.text)")
            let otherOwner = try await send("PUT", base + "DE/NEW/FOREIGN-1", authorization: Self.authorization, body: ModuleTests.json(Self.token("FOREIGN-1", party: Self.other)))
            #expect(otherOwner.statusCode == 2001 && otherOwner.text.contains(#""path":"/party_id""#), "the body names another party: \(otherOwner.text)")
            let notJSON = try await send("PUT", base + "DE/NEW/FOREIGN-1", authorization: Self.authorization, body: "{")
            #expect(notJSON.status != 500 && notJSON.statusCode == 2001, "\(notJSON.text)")
            #expect(try await cpo.server.store.list(ObjectFilter(module: .tokens), offset: 0, limit: 10).objects.isEmpty, "nothing stored")

            // An unknown token, and a PATCH that would change a token's kind.
            let unknown = try await send("GET", base + "DE/NEW/NOBODY", authorization: Self.authorization)
            #expect(unknown.status == 404 && unknown.statusCode != 1000 && unknown.status != 500, "\(unknown.text)")
            #expect(try await send("PUT", base + "DE/NEW/FOREIGN-1", authorization: Self.authorization, body: body).statusCode == 1000)
            let retype = try await send("PATCH", base + "DE/NEW/FOREIGN-1", authorization: Self.authorization, body: #"{"type": "EMAID", "last_updated": "2030-01-01T00:00:00Z"}"#)
            #expect(retype.statusCode == 2001 && retype.text.contains("cannot change a token's uid or type"), "\(retype.text)")
            #expect(try await Self.storedToken(cpo, "FOREIGN-1")?.type == .rfid)
        }
    }

    // MARK: Commands

    /// A 2.3.0 eMSP's five commands reach the charge points as 2.2.1's do: each is answered at
    /// once in 2.3.0, and the charge point's outcome is posted to its response_url as 2.3.0's
    /// CommandResult (read strictly by the generated route); the session a START_SESSION opens
    /// is pushed to it in 2.3.0. What is not its own, or not valid, is refused.
    @Test func a230EMSPsCommandsReachTheChargePointsAndTheirOutcomesComeBackIn230() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast, releases: [.v2_2_1, .v2_3_0])
        let inbox = Inbox230()
        try await cpo.run {
            try await Serving.serveEMSP(tokenB: "token-b-of-new", extra: inbox.routes, receives: Inbox230.receives) { emsp in
                let tokenC = try await Serving.register(with: cpo, emsp: emsp, tokenB: "token-b-of-new")
                let endpoints = try await Self.details(cpo, token: tokenC)
                let commandsURL = try #require(endpoints.first { $0.identifier == .commands && $0.role == .receiver }?.url)
                #expect(commandsURL == cpo.baseURL + "/ocpi/cpo/2.3.0/commands")
                let commands = OCPI230.CommandsReceiverClient(connection: Serving.connection(commandsURL, token: tokenC))
                // Callback routes are mounted at /<module>/<operation>/{callback}.
                let url = { (id: String) in emsp + "/ocpi/emsp/2.3.0/commands/post_command_result/" + id }
                let driver = Self.token("DRIVER-1")

                let start = OCPI230.StartSession(responseURL: url("start-1"), token: driver, locationID: "UTR-STATION", evseUID: "UTR-STATION-1")
                #expect(start.validate().isEmpty)
                let answer = try await commands.postStartSession(body: start)
                #expect(answer.result == .accepted && answer.validate().isEmpty, "\(answer.validate())")
                #expect(try await inbox.result("start-1") == .accepted)
                try await CommandFlowTests.eventually("the session at the 2.3.0 eMSP") { !inbox.sessions.withLock { $0.isEmpty } }
                let session = try #require(inbox.sessions.withLock { $0.values.first })
                #expect(session.validate().isEmpty, "\(session.validate())")
                #expect(session.cdrToken.uid == driver.uid && session.cdrToken.type == .rfid && session.cdrToken.partyID == Self.own)

                // What a charge point refuses comes back with its own reason.
                let again = OCPI230.StartSession(responseURL: url("start-2"), token: driver, locationID: "UTR-STATION", evseUID: "UTR-STATION-1")
                #expect(try await commands.postStartSession(body: again).result == .accepted)
                #expect(try await inbox.result("start-2") == .evseOccupied)
                let unlock = OCPI230.UnlockConnector(responseURL: url("unlock-1"), locationID: "UTR-STATION", evseUID: "UTR-STATION-1", connectorID: "1")
                #expect(try await commands.postUnlockConnector(body: unlock).result == .accepted)
                #expect(try await inbox.result("unlock-1") == .rejected, "the cable is locked while charging")

                let reserve = OCPI230.ReserveNow(
                    responseURL: url("reserve-1"), token: driver, expiryDate: OCPIDateTime.now().adding(.seconds(600)), reservationID: "R-230",
                    locationID: "UTR-STATION", evseUID: "UTR-STATION-2"
                )
                #expect(try await commands.postReserveNow(body: reserve).result == .accepted)
                #expect(try await inbox.result("reserve-1") == .accepted)
                #expect(try await commands.postCancelReservation(body: OCPI230.CancelReservation(responseURL: url("cancel-x"), reservationID: "NOPE")).result == .accepted)
                #expect(try await inbox.result("cancel-x") == .unknownReservation)
                #expect(try await commands.postCancelReservation(body: OCPI230.CancelReservation(responseURL: url("cancel-1"), reservationID: "R-230")).result == .accepted)
                #expect(try await inbox.result("cancel-1") == .accepted)

                let stop = OCPI230.StopSession(responseURL: url("stop-1"), sessionID: session.id)
                #expect(try await commands.postStopSession(body: stop).result == .accepted)
                #expect(try await inbox.result("stop-1") == .accepted)
                #expect(try await commands.postStopSession(body: OCPI230.StopSession(responseURL: url("stop-2"), sessionID: "NO-SUCH-SESSION")).result == .unknownSession)
                #expect(inbox.results.withLock { $0["stop-2"] } == nil, "nothing to post for a refused command")

                // Another eMSP's token is not this one's to charge with; a location this CPO does
                // not have is refused in the envelope before any charge point.
                let stolen = OCPI230.StartSession(responseURL: url("stolen"), token: Self.token("DRIVER-2", party: Self.other), locationID: "UTR-STATION")
                #expect(try await commands.postStartSession(body: stolen).result == .rejected)
                await #expect {
                    _ = try await commands.postStartSession(body: OCPI230.StartSession(responseURL: url("start-3"), token: driver, locationID: "NOWHERE"))
                } throws: { error in
                    (error as? OCPIClientError)?.statusCode == 2003
                }

                // An EMAID token, and malformed bodies: 2001 with the pointer, never a server error.
                let authorization = "Token " + Data(tokenC.utf8).base64EncodedString()
                let emaid = ModuleTests.json(OCPI230.StartSession(responseURL: url("start-4"), token: Self.token("EMAID-1", .emaid), locationID: "UTR-STATION"))
                let refused = try await send("POST", commandsURL + "/START_SESSION", authorization: authorization, body: emaid)
                #expect(refused.statusCode == 2001 && refused.text.contains(#""path":"/token/type""#), "\(refused.text)")
                for (command, body, pointer) in [
                    ("START_SESSION", emaid.replacingOccurrences(of: #""location_id":"UTR-STATION""#, with: #""location_id":7"#), "/location_id"),
                    ("STOP_SESSION", #"{"response_url": "\#(url("stop-3"))"}"#, "/session_id"),
                    ("RESERVE_NOW", #"{"response_url": "\#(url("r"))", "token": {}, "expiry_date": "soon", "reservation_id": "R", "location_id": "UTR-STATION"}"#, "/token"),
                    ("UNLOCK_CONNECTOR", #"{"response_url": "\#(url("u"))", "location_id": "UTR-STATION", "evse_uid": "UTR-STATION-1"}"#, "/connector_id"),
                    ("CANCEL_RESERVATION", "[]", ""),
                ] {
                    let response = try await send("POST", commandsURL + "/" + command, authorization: authorization, body: body)
                    #expect(response.status != 500 && response.statusCode == 2001, "\(command): \(response.text)")
                    #expect(response.text.contains(#""path":"\#(pointer)"#), "\(command): \(response.text)")
                }
            }
        }
    }
}

/// A 2.3.0 eMSP's RECEIVER interfaces for what a CPO sends besides locations and tariffs: it
/// keeps what arrives (each body read strictly by the generated 2.3.0 routes on the way in) and
/// refuses a PATCH, which the CPO never sends a 2.3.0 partner. As Tokens SENDER it lists
/// `tokens` (by `date_from`) and answers real-time authorizations from `answers`; the results of
/// charging profiles posted to it are kept by the last segment of their response_url.
final class Inbox230: OCPI230.SessionsReceiver, OCPI230.CDRsReceiver, OCPI230.CommandsSender, OCPI230.TokensSender, OCPI230.ChargingProfilesSender {
    static let receives: [OCPI230.ModuleID] = [.sessions, .cdrs]
    /// The interfaces it offers as SENDER that the CPO calls (commands and charging profiles
    /// answer at response_url, which needs no endpoint).
    static let sends: [OCPI230.ModuleID] = [.tokens]
    /// The tokens it lists.
    let tokens = Mutex<[OCPI230.Token]>([])
    /// The `date_from` of each pull of its list ("-" without one).
    let tokenPulls = Mutex<[String]>([])
    /// What it answers an authorization of a uid; an unknown uid is not found.
    let answers = Mutex<[String: OCPI230.AuthorizationInfo]>([:])
    /// Each authorization asked: the uid, the kind, the location and EVSEs, and the violations
    /// of the body by the 2.3.0 validators.
    let authorizations = Mutex<[String]>([])
    let activeProfileResults = Mutex<[String: OCPI230.ActiveChargingProfileResult]>([:])
    let profileResults = Mutex<[String: OCPI230.ChargingProfileResult]>([:])
    let clearProfileResults = Mutex<[String: OCPI230.ClearProfileResult]>([:])
    /// Each command's outcome, by the last segment of its response_url.
    let results = Mutex<[String: OCPI230.CommandResultType]>([:])
    let sessions = Mutex<[String: OCPI230.Session]>([:])
    let cdrs = Mutex<[OCPI230.CDR]>([])
    /// Each call, in order.
    let calls = Mutex<[String]>([])

    var routes: [OCPIRoute] {
        OCPIRoutes.sessionsReceiver(self) + OCPIRoutes.cdrsReceiver(self) + OCPIRoutes.commandsSender(self) + OCPIRoutes.tokensSender(self)
            + OCPIRoutes.chargingProfilesSender(self)
    }

    func getTokens(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<OCPI230.Token> {
        tokenPulls.withLock { $0.append(dateFrom?.description ?? "-") }
        let listed = tokens.withLock { $0 }.filter { token in dateFrom.map { token.lastUpdated >= $0 } ?? true }
        return OCPIPage(items: Array(listed.dropFirst(offset).prefix(limit)), totalCount: listed.count)
    }

    func postAuthorize(
        _ context: OCPIRequestContext, tokenUID: String, type: OCPI230.TokenType?, body: OCPI230.LocationReferences?
    ) async throws -> OCPIReply<OCPI230.AuthorizationInfo> {
        let place = body.map { "\($0.locationID) \($0.evseUids.joined(separator: ","))" } ?? "-"
        let violations = body?.validate() ?? []
        authorizations.withLock { $0.append("\(tokenUID) \(type?.rawValue ?? "-") at \(place) violations \(violations.count)") }
        guard let answer = answers.withLock({ $0[tokenUID] }) else { throw OCPIError.notFound("Token \(tokenUID)") }
        return .ok(answer)
    }

    private static func id(_ callback: String) -> String { String(callback.split(separator: "/").last ?? "") }

    func postActiveChargingProfileResult(_ context: OCPIRequestContext, callback: String, body: OCPI230.ActiveChargingProfileResult) async throws -> OCPIReply<OCPINoData> {
        activeProfileResults.withLock { $0[Self.id(callback)] = body }
        return .ok
    }

    func postChargingProfileResult(_ context: OCPIRequestContext, callback: String, body: OCPI230.ChargingProfileResult) async throws -> OCPIReply<OCPINoData> {
        profileResults.withLock { $0[Self.id(callback)] = body }
        return .ok
    }

    func postClearProfileResult(_ context: OCPIRequestContext, callback: String, body: OCPI230.ClearProfileResult) async throws -> OCPIReply<OCPINoData> {
        clearProfileResults.withLock { $0[Self.id(callback)] = body }
        return .ok
    }

    func putActiveChargingProfile(_ context: OCPIRequestContext, sessionID: String, body: OCPI230.ActiveChargingProfile) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError(.invalidRequest, "not expected: the CPO does not push active profiles")
    }

    func postCommandResult(_ context: OCPIRequestContext, callback: String, body: OCPI230.CommandResult) async throws -> OCPIReply<OCPINoData> {
        results.withLock { $0[String(callback.split(separator: "/").last ?? "")] = body.result }
        return .ok
    }

    /// The outcome posted for `id`, once it is.
    func result(_ id: String) async throws -> OCPI230.CommandResultType? {
        try await CommandFlowTests.eventually("the outcome of \(id)") { results.withLock { $0[id] } != nil }
        return results.withLock { $0[id] }
    }

    /// Where it says it keeps a CDR.
    static func cdrURL(_ id: String) -> String { "https://emsp.example/cdrs/" + id }

    var cdrIDs: [String] { cdrs.withLock { $0.map(\.id) } }

    func getCDR(_ context: OCPIRequestContext, callback: String) async throws -> OCPIReply<OCPI230.CDR> {
        throw OCPIError.notFound("not used")
    }

    func postCDR(_ context: OCPIRequestContext, body: OCPI230.CDR) async throws -> OCPIReply<OCPINoData> {
        calls.withLock { $0.append("POST cdr \(body.id)") }
        cdrs.withLock { $0.append(body) }
        return .created(headers: [.location: Self.cdrURL(body.id)])
    }

    func getSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String) async throws -> OCPIReply<OCPI230.Session> {
        guard let session = sessions.withLock({ $0[sessionID] }) else { throw OCPIError.notFound("Session \(sessionID)") }
        return .ok(session)
    }

    func putSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: OCPI230.Session) async throws -> OCPIReply<OCPINoData> {
        calls.withLock { $0.append("PUT session \(countryCode)/\(partyID)/\(sessionID)") }
        sessions.withLock { $0[sessionID] = body }
        return .ok
    }

    func patchSession(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: OCPI230.SessionPatch
    ) async throws -> OCPIReply<OCPINoData> {
        calls.withLock { $0.append("PATCH session \(countryCode)/\(partyID)/\(sessionID)") }
        throw OCPIError(.invalidRequest, "not expected: a PATCH")
    }
}
