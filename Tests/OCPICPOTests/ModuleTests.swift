import Foundation
import OCPI221
import OCPIAsyncHTTPClient
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// The CPO's modules beyond Locations and Tokens, fed through the admin API and read by eMSPs
/// over real HTTP with the generated clients.
@Suite(.holdsResources) struct ModuleTests {
    static let bearer = AdminAndStoreTests.bearer
    static let start = OCPIDateTime(secondsSince1970: 1_700_000_000)

    /// A registered eMSP of the CPO (as the handshake leaves it), and its token.
    static func registerEMSP(_ cpo: CPOPeer, countryCode: String, partyID: String, role: OCPIPartyRole = .emsp) async throws -> String {
        let token = TokenGenerator.make()
        try await cpo.server.registry.insert(PartnerRecord(
            id: UUID().uuidString, status: .registered, incomingToken: token, outgoingToken: "unused", version: "2.2.1",
            roles: [.init(role: role, countryCode: countryCode, partyID: partyID)]
        ))
        return token
    }

    static func cdrToken(_ countryCode: String, _ partyID: String) -> CdrToken {
        CdrToken(countryCode: countryCode, partyID: partyID, uid: "04A1B2C3", type: .rfid, contractID: "\(countryCode)-\(partyID)-C00000001")
    }

    static func session(_ id: String, for countryCode: String, _ partyID: String, kwh: Decimal = 0) -> Session {
        Session(
            countryCode: "NL", partyID: "SOC", id: id, startDateTime: start, kwh: kwh, cdrToken: cdrToken(countryCode, partyID),
            authMethod: .whitelist, locationID: "UTR-STATION", evseUID: "UTR-STATION-1", connectorID: "1", currency: "EUR",
            status: .active, lastUpdated: start
        )
    }

    static func cdr(_ id: String, for countryCode: String, _ partyID: String) -> CDR {
        let end = OCPIDateTime(secondsSince1970: start.secondsSince1970 + 3600)
        return CDR(
            countryCode: "NL", partyID: "SOC", id: id, startDateTime: start, endDateTime: end, cdrToken: cdrToken(countryCode, partyID),
            authMethod: .whitelist,
            cdrLocation: CdrLocation(
                id: "UTR-STATION", address: "Stationsplein 1", city: "Utrecht", country: "NLD",
                coordinates: GeoLocation(latitude: "52.089444", longitude: "5.110278"), evseUID: "UTR-STATION-1", evseID: "NL*SOC*E1",
                connectorID: "1", connectorStandard: .iec62196T2, connectorFormat: .socket, connectorPowerType: .ac3Phase
            ),
            currency: "EUR",
            chargingPeriods: [ChargingPeriod(startDateTime: start, dimensions: [CdrDimension(type: .energy, volume: 10)])],
            totalCost: Price(exclVAT: Decimal(string: "2.50") ?? 0, inclVAT: Decimal(string: "3.03")), totalEnergy: 10, totalTime: 1,
            lastUpdated: end
        )
    }

    static func json(_ value: some OCPIModel) -> String { String(decoding: value.jsonBytes(), as: UTF8.self) }

    @Test(arguments: TestDatabase.all)
    func eachEMSPSeesOnlyItsOwnSessionsAndCDRs(_ database: TestDatabase) async throws {
        let cpo = try await CPOPeer.open(database: try database.makeLocation(), demoData: true)
        try await cpo.run {
            let mine = try await Self.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            let theirs = try await Self.registerEMSP(cpo, countryCode: "FR", partyID: "OTH")
            let admin = cpo.baseURL + "/admin/2.2.1"
            for (id, owner) in [("S1", ("DE", "MSP")), ("S2", ("FR", "OTH")), ("S3", ("DE", "MSP"))] {
                let response = try await send("PUT", "\(admin)/sessions/\(id)", authorization: Self.bearer, body: Self.json(Self.session(id, for: owner.0, owner.1)))
                #expect(response.status == 201, "\(id)")
            }
            for (id, owner) in [("C1", ("DE", "MSP")), ("C2", ("FR", "OTH"))] {
                let response = try await send("POST", "\(admin)/cdrs", authorization: Self.bearer, body: Self.json(Self.cdr(id, for: owner.0, owner.1)))
                #expect(response.status == 201, "\(id)")
            }
            let sessions = try await SessionsSenderClient(connection: cpo.connection("sessions", token: mine)).getSessions(limit: 1).collect()
            #expect(sessions.map(\.id) == ["S1", "S3"])
            let other = try await SessionsSenderClient(connection: cpo.connection("sessions", token: theirs)).getSessions().collect()
            #expect(other.map(\.id) == ["S2"])
            let cdrs = try await CDRsSenderClient(connection: cpo.connection("cdrs", token: mine)).getCDRs().collect()
            #expect(cdrs.map(\.id) == ["C1"])
            #expect(cdrs.first == Self.cdr("C1", for: "DE", "MSP"), "the CDR comes back exactly as it was posted")
            // X-Total-Count counts only the caller's objects.
            let raw = try await HTTPClientTransport(timeout: .seconds(10)).send(OCPIClientRequest(
                method: .get, url: cpo.baseURL + "/ocpi/cpo/2.2.1/sessions?limit=1", headerFields: [.authorization: CredentialsToken.header(for: mine)]
            ))
            #expect(raw.headers[.ocpiTotalCount] == "2")
        }
    }

    @Test func sessionsArePatchedAndCDRsAreNeverReplaced() async throws {
        let cpo = try await CPOPeer.open(demoData: true)
        try await cpo.run {
            let token = try await Self.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            let admin = cpo.baseURL + "/admin/2.2.1"
            #expect(try await send("PUT", "\(admin)/sessions/S1", authorization: Self.bearer, body: Self.json(Self.session("S1", for: "DE", "MSP"))).status == 201)
            let patch = #"{"kwh": 4.25, "status": "COMPLETED", "end_date_time": "2023-11-14T23:13:20Z", "last_updated": "2023-11-14T23:13:20Z"}"#
            let patched = try await send("PATCH", "\(admin)/sessions/S1", authorization: Self.bearer, body: patch)
            #expect(patched.status == 200)
            #expect(patched.statusCode == 1000)
            let session = try #require(try await SessionsSenderClient(connection: cpo.connection("sessions", token: token)).getSessions().collect().first)
            #expect(session.kwh == Decimal(string: "4.25"))
            #expect(session.status == .completed)
            #expect(session.lastUpdated == OCPIDateTime("2023-11-14T23:13:20Z"))
            // A PATCH of an unknown session, and one without last_updated.
            #expect(try await send("PATCH", "\(admin)/sessions/NOPE", authorization: Self.bearer, body: patch).status == 404)
            let noDate = try await send("PATCH", "\(admin)/sessions/S1", authorization: Self.bearer, body: #"{"kwh": 5}"#)
            #expect(noDate.status == 200)
            #expect(noDate.statusCode == 2001)
            // A session of another CPO is refused.
            var foreign = Self.session("S9", for: "DE", "MSP")
            foreign.partyID = "XXX"
            #expect(try await send("PUT", "\(admin)/sessions/S9", authorization: Self.bearer, body: Self.json(foreign)).statusCode == 2001)

            #expect(try await send("POST", "\(admin)/cdrs", authorization: Self.bearer, body: Self.json(Self.cdr("C1", for: "DE", "MSP"))).status == 201)
            let again = try await send("POST", "\(admin)/cdrs", authorization: Self.bearer, body: Self.json(Self.cdr("C1", for: "DE", "MSP")))
            #expect(again.status == 200)
            #expect(again.statusCode == 2001, "a CDR is final")
        }
    }

    @Test func chargingPreferencesAnswerOnlyTheSessionsOwner() async throws {
        let cpo = try await CPOPeer.open(demoData: true)
        try await cpo.run {
            let mine = try await Self.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            let theirs = try await Self.registerEMSP(cpo, countryCode: "FR", partyID: "OTH")
            #expect(try await send("PUT", cpo.baseURL + "/admin/2.2.1/sessions/S1", authorization: Self.bearer, body: Self.json(Self.session("S1", for: "DE", "MSP"))).status == 201)
            let preferences = ChargingPreferences(profileType: .fast)
            let answer = try await SessionsSenderClient(connection: cpo.connection("sessions", token: mine)).putChargingPreferences(sessionID: "S1", body: preferences)
            #expect(answer == .notPossible, "no charge-point link can act on preferences yet")
            await #expect(throws: OCPIClientError.self) {
                try await SessionsSenderClient(connection: cpo.connection("sessions", token: theirs)).putChargingPreferences(sessionID: "S1", body: preferences)
            }
            let foreign = try await send("PUT", cpo.baseURL + "/ocpi/cpo/2.2.1/sessions/S1/charging_preferences", authorization: CredentialsToken.header(for: theirs),
                                         body: #"{"profile_type": "FAST"}"#)
            #expect(foreign.status == 404)
        }
    }

    @Test func commandsAreAnsweredTruthfully() async throws {
        let cpo = try await CPOPeer.open(demoData: true)
        try await cpo.run {
            let token = try await Self.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: token))
            let driver = Token(
                countryCode: "DE", partyID: "MSP", uid: "04A1B2C3", type: .rfid, contractID: "DE-MSP-C00000001", issuer: "Test eMSP",
                valid: true, whitelist: .allowed, lastUpdated: Self.start
            )
            let start = StartSession(responseURL: "http://127.0.0.1:1/result/1", token: driver, locationID: "UTR-STATION", evseUID: "UTR-STATION-1")
            let answer = try await commands.postStartSession(body: start)
            #expect(answer.result == .notSupported, "never a fake ACCEPTED")
            // An unknown location is refused with 2003 (HTTP 200: the request reached OCPI).
            let unknown = try await send("POST", cpo.baseURL + "/ocpi/cpo/2.2.1/commands/START_SESSION", authorization: CredentialsToken.header(for: token),
                                         body: String(decoding: StartSession(responseURL: "http://127.0.0.1:1/r", token: driver, locationID: "NOWHERE").jsonBytes(), as: UTF8.self))
            #expect(unknown.status == 200)
            #expect(unknown.statusCode == 2003)
            let stop = try await commands.postStopSession(body: StopSession(responseURL: "http://127.0.0.1:1/r", sessionID: "NOPE"))
            #expect(stop.result == .unknownSession)
            // A command body that fails validation is 2001.
            let invalid = try await send("POST", cpo.baseURL + "/ocpi/cpo/2.2.1/commands/STOP_SESSION", authorization: CredentialsToken.header(for: token),
                                         body: #"{"response_url": "http://127.0.0.1:1/r"}"#)
            #expect(invalid.statusCode == 2001)
        }
    }

    @Test func tariffsWrittenByTheOperatorReachTheEMSP() async throws {
        let cpo = try await CPOPeer.open(demoData: true)
        try await cpo.run {
            let token = try await Self.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            let tariffs = TariffsSenderClient(connection: cpo.connection("tariffs", token: token))
            var tariff = try #require(try await tariffs.getTariffs().collect().first)
            tariff.id = "NEW"
            let admin = cpo.baseURL + "/admin/2.2.1/tariffs"
            #expect(try await send("PUT", admin + "/NEW", authorization: Self.bearer, body: Self.json(tariff)).status == 201)
            #expect(try await send("PUT", admin + "/OTHER", authorization: Self.bearer, body: Self.json(tariff)).statusCode == 2001, "the URL's id must be the body's")
            #expect(try await tariffs.getTariffs().collect().map(\.id).contains("NEW"))
            #expect(try await send("DELETE", admin + "/NEW", authorization: Self.bearer).status == 200)
            #expect(try await send("DELETE", admin + "/NEW", authorization: Self.bearer).status == 404)
            #expect(try await tariffs.getTariffs().collect().map(\.id).contains("NEW") == false)
        }
    }

    @Test func aHubsClientInfoIsStored() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        try await cpo.run {
            let token = try await Self.registerEMSP(cpo, countryCode: "DE", partyID: "HUB", role: .hub)
            let client = HubClientInfoReceiverClient(connection: cpo.connection("hubclientinfo", token: token))
            let info = ClientInfo(partyID: "ABC", countryCode: "BE", role: .emsp, status: .connected, lastUpdated: Self.start)
            #expect(try await client.putClientInfo(countryCode: "BE", partyID: "ABC", body: info).httpStatus == 201)
            #expect(try await client.getClientInfo(countryCode: "BE", partyID: "ABC") == info)
            let missing = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/hubclientinfo/BE/XYZ", authorization: CredentialsToken.header(for: token))
            #expect(missing.status == 404)
        }
    }

    /// Only a Hub tells the CPO which parties are connected: an eMSP's ClientInfo is refused
    /// and leaves nothing behind, and it cannot read the Hub's.
    @Test func clientInfoFromAPeerThatIsNoHubIsRefused() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        try await cpo.run {
            let hub = try await Self.registerEMSP(cpo, countryCode: "DE", partyID: "HUB", role: .hub)
            let emsp = try await Self.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            let url = cpo.baseURL + "/ocpi/cpo/2.2.1/hubclientinfo/BE/ABC"
            let info = Self.json(ClientInfo(partyID: "ABC", countryCode: "BE", role: .emsp, status: .connected, lastUpdated: Self.start))
            let refused = try await send("PUT", url, authorization: CredentialsToken.header(for: emsp), body: info)
            #expect(refused.status == 401)
            #expect(refused.statusCode == 2000)
            #expect(try await send("GET", url, authorization: CredentialsToken.header(for: hub)).status == 404, "nothing was stored")
            #expect(try await send("PUT", url, authorization: CredentialsToken.header(for: hub), body: info).status == 201)
            #expect(try await send("GET", url, authorization: CredentialsToken.header(for: emsp)).status == 401)
        }
    }
}

/// The HTML reference and the OpenAPI document, served by the CPO at `/docs`.
@Suite(.holdsResources) struct DocumentationTests {
    @Test func theReferenceAndTheOpenAPIDocumentAreServed() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        try await cpo.run {
            let index = try await send("GET", cpo.baseURL + "/docs/index.html", authorization: nil)
            #expect(index.status == 200)
            #expect(String(decoding: index.body, as: UTF8.self).contains("href=\"locations.html"))
            let locations = try await send("GET", cpo.baseURL + "/docs/locations.html", authorization: nil)
            #expect(String(decoding: locations.body, as: UTF8.self).contains("id=\"EVSE\""))
            let openAPI = try await send("GET", cpo.baseURL + "/docs/openapi.yaml", authorization: nil)
            #expect(openAPI.status == 200)
            #expect(String(decoding: openAPI.body, as: UTF8.self).contains("openapi: \"3.1"))
            #expect(try await send("GET", cpo.baseURL + "/docs", authorization: nil).status == 301)
            for missing in ["/docs/nope.html", "/docs/..%2Fopenapi.yaml", "/docs/openapi.json"] {
                #expect(try await send("GET", cpo.baseURL + missing, authorization: nil).status == 404, "\(missing)")
            }
        }
    }
}
