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

/// The modules a 2.3.0 partner reaches beyond locations and tariffs, over real HTTP: sessions
/// (listed and pushed, converted from the 2.2.1 ones the store keeps). Every object the CPO sends
/// is read back by the generated 2.3.0 validators.
@Suite struct Release230ModulesTests {
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
    static func details(_ cpo: CPOPeer) async throws -> [OCPI230.Endpoint] {
        let details = try await OCPI230.VersionsSenderClient(connection: Serving.connection(cpo.baseURL + "/ocpi/2.3.0")).getVersionDetails()
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
}

/// A 2.3.0 eMSP's RECEIVER interfaces for what a CPO sends besides locations and tariffs: it
/// keeps what arrives (each body read strictly by the generated 2.3.0 routes on the way in) and
/// refuses a PATCH, which the CPO never sends a 2.3.0 partner.
final class Inbox230: OCPI230.SessionsReceiver {
    static let receives: [OCPI230.ModuleID] = [.sessions]
    let sessions = Mutex<[String: OCPI230.Session]>([:])
    /// Each call, in order.
    let calls = Mutex<[String]>([])

    var routes: [OCPIRoute] { OCPIRoutes.sessionsReceiver(self) }

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
