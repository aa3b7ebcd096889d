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

/// A partner on OCPI 2.1.1 reads the CPO's locations, which the store keeps in 2.2.1, over real
/// HTTP with the generated 2.1.1 client: each one valid by 2.1.1's validators.
@Suite(.holdsResources) struct Release211ServingTests {
    static let token = "a-2.1.1-partner-token"

    /// A 2.1.1 eMSP known to the CPO (registration over 2.1.1 is the next step of issue 20).
    static func addPartner(to cpo: CPOPeer) async throws {
        try await cpo.server.registry.insert(PartnerRecord(
            id: "emsp-211", status: .registered, incomingToken: token, version: "2.1.1",
            roles: [.init(role: .emsp, countryCode: "DE", partyID: "OLD")], tokenEncoding: .raw
        ))
    }

    static func connection(_ url: String, token: String = token) -> OCPIConnection {
        // 2.1.1 sends the token as it is, not in base64.
        OCPIConnection(transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: url, token: token, tokenEncoding: .raw)
    }

    @Test func a211PartnerReadsTheLocationsConverted() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            // Recorded for `parties register`, which runs in another process.
            #expect(try await cpo.server.store.setting(CPOConfiguration.releasesSetting) == "2.1.1,2.2.1")
            // The list of versions names both releases, each with its details.
            let versions = try await OCPI211.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/versions")).getVersions()
            #expect(versions.map(\.version.rawValue) == ["2.1.1", "2.2.1"])
            let detailsURL = try #require(versions.first { $0.version == .v2_1_1 }?.url)
            #expect(detailsURL == cpo.baseURL + "/ocpi/2.1.1")
            let details = try await OCPI211.VersionsSenderClient(connection: Self.connection(detailsURL)).getVersionDetails()
            #expect(details.version == .v2_1_1)
            #expect(details.validate().isEmpty && versions.allSatisfy { $0.validate().isEmpty }, "\(details.validate())")
            let locationsURL = try #require(details.endpoints.first { $0.identifier == .locations }?.url)
            #expect(locationsURL == cpo.baseURL + "/ocpi/cpo/2.1.1/locations")

            // Every location, page by page (the client reads strictly: each is valid 2.1.1).
            let client = OCPI211.LocationsSenderClient(connection: Self.connection(locationsURL))
            var locations: [OCPI211.Location] = []
            for try await location in client.getLocations(limit: 2) { locations.append(location) }
            #expect(locations.count == 3, "the demo data's three locations")
            for location in locations { #expect(location.validate().isEmpty, "\(location.id): \(location.validate())") }

            // One object, one EVSE, one connector; and an unknown location by its own code.
            let first = try #require(locations.first)
            #expect(try await client.getLocation(locationID: first.id) == first)
            let evse = try #require(first.evses.first)
            #expect(try await client.getEVSE(locationID: first.id, evseUID: evse.uid) == evse)
            let connector = try #require(evse.connectors.first)
            #expect(try await client.getConnector(locationID: first.id, evseUID: evse.uid, connectorID: connector.id) == connector)
            await #expect {
                _ = try await client.getLocation(locationID: "NO-SUCH-LOCATION")
            } throws: { error in
                (error as? OCPIClientError)?.statusCode == 2003
            }

            // The tariffs, converted likewise.
            let tariffsURL = try #require(details.endpoints.first { $0.identifier == .tariffs }?.url)
            var tariffs: [OCPI211.Tariff] = []
            for try await tariff in OCPI211.TariffsSenderClient(connection: Self.connection(tariffsURL)).getTariffs() { tariffs.append(tariff) }
            #expect(tariffs.map(\.id).sorted() == ["AC-STANDARD", "DC-FAST"])
            for tariff in tariffs { #expect(tariff.validate().isEmpty, "\(tariff.id): \(tariff.validate())") }
        }
    }

    /// Every release is served unless the operator narrows it (`--versions 2.2.1`): then 2.1.1's
    /// version details are not there.
    @Test func servingOnly221LeavesOut211() async throws {
        let all = try await CPOPeer.open()
        try await all.run {
            try await Self.addPartner(to: all)
            let versions = try await OCPI211.VersionsSenderClient(connection: Self.connection(all.baseURL + "/ocpi/versions")).getVersions()
            #expect(versions.map(\.version.rawValue) == ["2.1.1", "2.2.1", "2.3.0"], "all three by default")
        }
        let cpo = try await CPOPeer.open(releases: [.v2_2_1])
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            let versions = try await OCPI211.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/versions")).getVersions()
            #expect(versions.map(\.version.rawValue) == ["2.2.1"])
            await #expect(throws: OCPIClientError.self) {
                _ = try await OCPI211.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/2.1.1")).getVersionDetails()
            }
        }
    }

    // MARK: Registration

    /// A 2.1.1 eMSP's versions and version details, served over HTTP; it accepts only its token
    /// B written as it is (2.1.1's way), so a base64 token from the CPO would be refused.
    struct EMSP211: OCPI211.VersionsSender {
        let baseURL: String
        /// The releases its versions list names (each served at /ocpi/<release>).
        var releases = ["2.1.1"]

        func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI211.Version]> {
            .ok(releases.map { OCPI211.Version(version: OCPI211.VersionNumber(rawValue: $0), url: baseURL + "/ocpi/" + $0) })
        }

        func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI211.VersionDetails> {
            .ok(OCPI211.VersionDetails(version: .v2_1_1, endpoints: [
                OCPI211.Endpoint(identifier: .credentials, url: baseURL + "/ocpi/emsp/2.1.1/credentials"),
                OCPI211.Endpoint(identifier: .locations, url: baseURL + "/ocpi/emsp/2.1.1/locations"),
                OCPI211.Endpoint(identifier: .tariffs, url: baseURL + "/ocpi/emsp/2.1.1/tariffs"),
                OCPI211.Endpoint(identifier: .sessions, url: baseURL + "/ocpi/emsp/2.1.1/sessions"),
            ]))
        }
    }

    /// The 2.1.1 eMSP's Locations, Tariffs and Sessions RECEIVER: keeps what is PUT and DELETEd,
    /// refuses what the CPO would not send it (it sends whole objects only).
    final class Received211: OCPI211.LocationsReceiver, TakesWholeLocationsOnly, OCPI211.TariffsReceiver, OCPI211.SessionsReceiver {
        let sessions = Mutex<[String: OCPI211.Session]>([:])

        func getSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String) async throws -> OCPIReply<OCPI211.Session> {
            guard let session = sessions.withLock({ $0[sessionID] }) else { throw OCPIError.notFound("Session \(sessionID)") }
            return .ok(session)
        }

        func putSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: OCPI211.Session) async throws -> OCPIReply<OCPINoData> {
            sessions.withLock { $0[sessionID] = body }
            return .ok
        }

        func patchSession(
            _ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: OCPI211.SessionPatch
        ) async throws -> OCPIReply<OCPINoData> {
            throw OCPIError(.invalidRequest, "not expected: a PATCH")
        }

        let locations = Mutex<[String: OCPI211.Location]>([:])
        let tariffs = Mutex<[String: OCPI211.Tariff]>([:])
        let deletedTariffs = Mutex<[String]>([])

        func getTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<OCPI211.Tariff> {
            guard let tariff = tariffs.withLock({ $0[tariffID] }) else { throw OCPIError.notFound("Tariff \(tariffID)") }
            return .ok(tariff)
        }

        func putTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String, body: OCPI211.Tariff) async throws -> OCPIReply<OCPINoData> {
            tariffs.withLock { $0[tariffID] = body }
            return .ok
        }

        func patchTariff(
            _ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String, body: OCPI211.TariffPatch
        ) async throws -> OCPIReply<OCPINoData> {
            throw OCPIError(.invalidRequest, "not expected: a PATCH")
        }

        func deleteTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<OCPINoData> {
            deletedTariffs.withLock { $0.append(tariffID) }
            return .ok
        }

        func getLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String) async throws -> OCPIReply<OCPI211.Location> {
            guard let location = locations.withLock({ $0[locationID] }) else { throw OCPIError.notFound("Location \(locationID)") }
            return .ok(location)
        }

        func putLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: OCPI211.Location) async throws -> OCPIReply<OCPINoData> {
            locations.withLock { $0[locationID] = body }
            return .ok
        }
    }

    final class RawTokenOnly: OCPIAuthenticator {
        let token: String
        /// Also the token in base64, as 2.2.1 writes it (a platform on both releases).
        let acceptsBase64: Bool
        let seen = Mutex<[String]>([])

        init(token: String, acceptsBase64: Bool = false) {
            self.token = token
            self.acceptsBase64 = acceptsBase64
        }

        func party(forAuthorization header: String) async throws -> OCPIParty? {
            seen.withLock { $0.append(header) }
            let accepted = header == "Token " + token || (acceptsBase64 && header == CredentialsToken.header(for: token, encoding: .base64))
            return accepted ? OCPIParty(id: "cpo", roles: [.init(party: PartyIdentity(countryCode: "NL", partyID: "SOC"), role: .cpo)]) : nil
        }

        func party(forToken token: String) async throws -> OCPIParty? { nil }
    }

    static func serveEMSP(tokenB: String, received: Received211 = Received211(), _ body: (String, RawTokenOnly) async throws -> Void) async throws {
        let port = try LiveServer.freePort()
        let baseURL = "http://127.0.0.1:\(port)"
        let authenticator = RawTokenOnly(token: tokenB)
        var router = HTTPRouter(logger: LiveServer.quietLogger)
        let configuration = OCPIServerConfiguration(publicURL: baseURL, ownParties: [PartyIdentity(countryCode: "DE", partyID: "OLD")])
        router.addOCPIRoutes(
            OCPIRoutes.versionsSender(EMSP211(baseURL: baseURL)), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger
        )
        router.addOCPIRoutes(
            OCPIRoutes.locationsReceiver(received) + OCPIRoutes.tariffsReceiver(received) + OCPIRoutes.sessionsReceiver(received), at: "/ocpi/emsp/2.1.1",
            configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger
        )
        try await LiveServer.run(serving: { running in
            OCPIHTTPServer(router: router, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
        }, port: port) { try await body(baseURL, authenticator) }
    }

    static func credentials(_ token: String, emsp: String, party: String = "OLD") -> OCPI211.Credentials {
        OCPI211.Credentials(
            token: token, url: emsp + "/ocpi/versions", businessDetails: OCPI211.BusinessDetails(name: "Old Mobility"), partyID: party, countryCode: "DE"
        )
    }

    @Test func a211EMSPRegistersReadsAndUnregisters() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            let tokenA = try await cpo.server.registry.invite().token
            try await Self.serveEMSP(tokenB: "token-b-of-old") { emsp, authenticator in
                let credentialsURL = cpo.baseURL + "/ocpi/cpo/2.1.1/credentials"
                let connectionA = OCPIConnection(transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: credentialsURL, token: tokenA, tokenEncoding: .raw)
                let ours = try await OCPI211.CredentialsSenderClient(connection: connectionA).postCredentials(body: Self.credentials("token-b-of-old", emsp: emsp))
                #expect(ours.partyID == "SOC" && ours.countryCode == "NL" && ours.url == cpo.baseURL + "/ocpi/versions")
                #expect(ours.token != tokenA)
                #expect(ours.validate().isEmpty, "valid 2.1.1 credentials: \(ours.validate())")
                #expect(authenticator.seen.withLock { $0 }.allSatisfy { $0 == "Token token-b-of-old" }, "2.1.1 tokens are sent as they are")

                let partner = try #require(try await cpo.server.registry.partners().first { $0.status == .registered })
                #expect(partner.version == "2.1.1")
                #expect(partner.tokenEncoding == .raw)
                #expect(partner.roles == [PartnerRecord.Role(role: .emsp, countryCode: "DE", partyID: "OLD", businessName: "Old Mobility")])
                #expect(partner.endpoints.map(\.identifier) == [.credentials, .locations, .tariffs, .sessions])
                // 2.1.1 version details name no roles: an eMSP's side of each module is the spec's.
                #expect(partner.endpoints.map(\.role) == [.sender, .receiver, .receiver, .receiver])

                // Token C reads the locations; token A is spent.
                let connectionC = OCPIConnection(transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: cpo.baseURL + "/ocpi/cpo/2.1.1/locations", token: ours.token, tokenEncoding: .raw)
                var count = 0
                for try await _ in OCPI211.LocationsSenderClient(connection: connectionC).getLocations() { count += 1 }
                #expect(count == 3)
                await #expect(throws: OCPIClientError.self) {
                    _ = try await OCPI211.CredentialsSenderClient(connection: connectionA).getCredentials()
                }

                // GET with token C, PUT (a new token B), DELETE.
                var credentialsC = connectionA
                credentialsC.token = ours.token
                #expect(try await OCPI211.CredentialsSenderClient(connection: credentialsC).getCredentials().token == ours.token)
                await #expect(throws: OCPIClientError.self, "POST again is refused") {
                    _ = try await OCPI211.CredentialsSenderClient(connection: credentialsC).postCredentials(body: Self.credentials("token-b-of-old", emsp: emsp))
                }
                let renewed = try await OCPI211.CredentialsSenderClient(connection: credentialsC).putCredentials(body: Self.credentials("token-b-of-old", emsp: emsp))
                #expect(renewed.token != ours.token && renewed.validate().isEmpty, "\(renewed.validate())")
                credentialsC.token = renewed.token
                try await OCPI211.CredentialsSenderClient(connection: credentialsC).deleteCredentials()
                #expect(try await cpo.server.registry.partner(id: partner.id)?.status == .unregistered)
            }
        }
    }

    @Test func a211PartyAnotherPartnerHoldsIsRefusedAtItsPointer() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            let tokenA = try await cpo.server.registry.invite().token
            try await Self.serveEMSP(tokenB: "token-b") { emsp, _ in
                let connection = OCPIConnection(
                    transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: cpo.baseURL + "/ocpi/cpo/2.1.1/credentials", token: tokenA, tokenEncoding: .raw
                )
                await #expect {
                    _ = try await OCPI211.CredentialsSenderClient(connection: connection).postCredentials(body: Self.credentials("token-b", emsp: emsp))
                } throws: { error in
                    // The JSON pointer is 2.1.1's: the party is the body's own field.
                    guard case .refused(_, let code, let message, _) = error as? OCPIClientError else { return false }
                    return code == 2001 && message?.contains("/party_id: names DE/OLD, which another partner holds") == true
                }
            }
        }
    }

    // MARK: Pushes

    /// A change of a location reaches a 2.1.1 eMSP as the whole location, converted, a tariff as
    /// the tariff (or its DELETE), and a session of its own as the whole session, with its
    /// location; another eMSP's session is not sent to it.
    @Test func a211EMSPIsPushedWholeLocations() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        let received = Received211()
        try await cpo.run {
            let tokenA = try await cpo.server.registry.invite().token
            try await Self.serveEMSP(tokenB: "token-b", received: received) { emsp, _ in
                let connection = OCPIConnection(
                    transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: cpo.baseURL + "/ocpi/cpo/2.1.1/credentials", token: tokenA, tokenEncoding: .raw
                )
                _ = try await OCPI211.CredentialsSenderClient(connection: connection).postCredentials(body: Self.credentials("token-b", emsp: emsp))
                let partnerID = try #require(try await cpo.server.registry.partners().first { $0.status == .registered }?.id)
                await cpo.server.pusher.drain()

                let patched = try await PushTests.admin(
                    cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#
                )
                #expect(patched.status == 200)
                #expect(try await PushTests.admin(cpo, "DELETE", "/tariffs/DC-FAST").status == 200)
                var tariff = DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_900_000_000))[0]
                tariff.id = "PUSHED-TARIFF"
                #expect(try await PushTests.admin(cpo, "PUT", "/tariffs/PUSHED-TARIFF", ModuleTests.json(tariff)).status == 201)
                // A session of the partner's, and one of another eMSP's.
                let session = ModuleTests.session("S-211", for: "DE", "OLD", kwh: 3)
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/S-211", ModuleTests.json(session)).status == 201)
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/S-OTHER", ModuleTests.json(ModuleTests.session("S-OTHER", for: "DE", "MSP"))).status == 201)
                await cpo.server.pusher.drain()

                let pushedSession = try #require(received.sessions.withLock { $0["S-211"] }, "the session, whole, by PUT")
                #expect(pushedSession.validate().isEmpty, "\(pushedSession.validate())")
                #expect(pushedSession.kwh == 3 && pushedSession.authID == session.cdrToken.contractID)
                #expect(pushedSession.location.id == "UTR-STATION" && pushedSession.location.evses.map(\.uid) == ["UTR-STATION-1"])
                #expect(received.sessions.withLock { $0["S-OTHER"] } == nil, "another eMSP's session")

                #expect(received.deletedTariffs.withLock { $0 } == ["DC-FAST"])
                let pushedTariff = try #require(received.tariffs.withLock { $0["PUSHED-TARIFF"] })
                #expect(pushedTariff.validate().isEmpty, "\(pushedTariff.validate())")
                #expect(pushedTariff.lastUpdated == tariff.lastUpdated)

                let location = try #require(received.locations.withLock { $0["UTR-STATION"] }, "the location, whole")
                #expect(location.validate().isEmpty, "\(location.validate())")
                #expect(location.evses.first { $0.uid == "UTR-STATION-1" }?.status == .charging)
                let summary = try await cpo.server.store.pushSummaries(since: OCPIDateTime.now().adding(.seconds(-3600)))[partnerID]
                #expect((summary?.counts.delivered ?? 0) >= 1)
                #expect(summary?.counts.failed == 0 && summary?.counts.refused == 0, "nothing was sent that it refused or could not take: \(String(describing: summary))")
            }
        }
    }

    // MARK: Upgrade

    /// The 2.2.1 side of a platform on both releases: its version details.
    struct EMSP221Details: OCPI221.VersionsSender {
        let baseURL: String

        func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI221.Version]> {
            throw OCPIError.notFound("served by the 2.1.1 table")
        }

        func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI221.VersionDetails> {
            .ok(OCPI221.VersionDetails(version: .v2_2_1, endpoints: [
                OCPI221.Endpoint(identifier: .credentials, role: .sender, url: baseURL + "/ocpi/emsp/2.2.1/credentials"),
                OCPI221.Endpoint(identifier: .locations, role: .receiver, url: baseURL + "/ocpi/emsp/2.2.1/locations"),
            ]))
        }
    }

    /// A partner registered on 2.1.1 moves to 2.2.1 with PUT credentials on the 2.2.1 endpoint,
    /// as the spec's upgrade goes: it stays the same partner, with its party, and is pushed in
    /// 2.2.1 from then on (a PATCH of the EVSE, not the whole location).
    @Test func a211PartnerUpgradesTo221AndIsPushedIn221() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        let received = Received211()
        let inbox = EMSPInbox()
        try await cpo.run {
            let tokenA = try await cpo.server.registry.invite().token
            let port = try LiveServer.freePort()
            let emsp = "http://127.0.0.1:\(port)"
            let authenticator = RawTokenOnly(token: "token-b", acceptsBase64: true)
            let configuration = OCPIServerConfiguration(publicURL: emsp, ownParties: [PartyIdentity(countryCode: "DE", partyID: "OLD")])
            var router = HTTPRouter(logger: LiveServer.quietLogger)
            let versions211 = OCPIRoutes.versionsSender(EMSP211(baseURL: emsp, releases: ["2.1.1", "2.2.1"]))
            let details221 = OCPIRoutes.versionsSender(EMSP221Details(baseURL: emsp)).filter { $0.path == "/2.2.1" }
            router.addOCPIRoutes(versions211 + details221, at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
            router.addOCPIRoutes(
                OCPIRoutes.locationsReceiver(received) + OCPIRoutes.tariffsReceiver(received) + OCPIRoutes.sessionsReceiver(received), at: "/ocpi/emsp/2.1.1", configuration: configuration,
                authenticator: authenticator, logger: LiveServer.quietLogger
            )
            router.addOCPIRoutes(OCPIRoutes.locationsReceiver(inbox), at: "/ocpi/emsp/2.2.1", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
            try await LiveServer.run(serving: { running in
                OCPIHTTPServer(router: router, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
            }, port: port) {
                // Registered on 2.1.1, the release of the endpoint it called.
                let credentials211 = OCPIConnection(
                    transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: cpo.baseURL + "/ocpi/cpo/2.1.1/credentials", token: tokenA, tokenEncoding: .raw
                )
                let tokenC = try await OCPI211.CredentialsSenderClient(connection: credentials211).postCredentials(body: Self.credentials("token-b", emsp: emsp)).token
                let before = try #require(try await cpo.server.registry.partners().first { $0.status == .registered })
                #expect(before.version == "2.1.1")
                #expect(try await PushTests.admin(cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#).status == 200)
                await cpo.server.pusher.drain()
                #expect(received.locations.withLock { $0["UTR-STATION"] } != nil, "pushed in 2.1.1")
                // Its data as a 2.1.1 partner: a token it pushed in 2.1.1 and a session of its own.
                let token211 = Release211TokensSessionsTests.token("KEPT-1")
                _ = try await OCPI211.TokensReceiverClient(connection: Self.connection(cpo.baseURL + "/ocpi/cpo/2.1.1/tokens", token: tokenC))
                    .putToken(countryCode: "DE", partyID: "OLD", tokenUID: "KEPT-1", body: token211)
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/S-KEPT", ModuleTests.json(ModuleTests.session("S-KEPT", for: "DE", "OLD", kwh: 4))).status == 201)
                await cpo.server.pusher.drain()
                #expect(received.sessions.withLock { $0["S-KEPT"] } != nil, "its session pushed in 2.1.1")

                // PUT credentials on 2.2.1 with token C: now a 2.2.1 partner.
                let credentials221 = OCPIConnection(
                    transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: cpo.baseURL + "/ocpi/cpo/2.2.1/credentials", token: tokenC
                )
                let role = OCPI221.CredentialsRole(role: .emsp, businessDetails: OCPI221.BusinessDetails(name: "Old Mobility"), partyID: "OLD", countryCode: "DE")
                let upgraded = try await OCPI221.CredentialsSenderClient(connection: credentials221).putCredentials(
                    body: OCPI221.Credentials(token: "token-b", url: emsp + "/ocpi/versions", roles: [role])
                )
                #expect(upgraded.validate().isEmpty, "valid 2.2.1 credentials: \(upgraded.validate())")
                let after = try #require(try await cpo.server.registry.partner(id: before.id))
                #expect(after.status == .registered && after.version == "2.2.1")
                #expect(after.roles.map { "\($0.countryCode)/\($0.partyID)" } == ["DE/OLD"])
                #expect(after.tokenEncoding == .base64)
                #expect(after.endpoints.first { $0.identifier == .locations }?.role == .receiver)

                #expect(try await PushTests.admin(cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", #"{"status": "AVAILABLE", "last_updated": "2030-01-01T00:00:01Z"}"#).status == 200)
                await cpo.server.pusher.drain()
                let calls = await inbox.calls
                #expect(calls.contains("PATCH evse UTR-STATION/UTR-STATION-1"), "pushed in 2.2.1: \(calls)")

                // Its data is kept, and read in 2.2.1 now, valid by 2.2.1's validators.
                let tokenC221 = Release230ServingTests.connection(cpo.baseURL + "/ocpi/cpo/2.2.1/tokens", token: upgraded.token)
                let kept = try await OCPI221.TokensReceiverClient(connection: tokenC221).getToken(countryCode: "DE", partyID: "OLD", tokenUID: "KEPT-1")
                #expect(kept.validate().isEmpty && kept.contractID == token211.authID, "\(kept.validate())")
                let sessions = try await OCPI221.SessionsSenderClient(connection: tokenC221.at(cpo.baseURL + "/ocpi/cpo/2.2.1/sessions")).getSessions().collect()
                #expect(sessions.map(\.id) == ["S-KEPT"] && sessions.allSatisfy { $0.validate().isEmpty }, "\(sessions.map { $0.validate() })")
                // The token C it had before the upgrade is spent, and the new one is taken only
                // in 2.2.1's form on 2.2.1 modules.
                let spent = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/sessions", authorization: CredentialsToken.header(for: tokenC))
                #expect(spent.status == 401, "\(spent.text)")
                let rawForm = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/sessions", authorization: "Token " + upgraded.token)
                #expect(rawForm.status == 401, "\(rawForm.text)")
            }
        }
    }

    // MARK: Registration started by the CPO

    /// The 2.1.1 eMSP's credentials module, for a registration the CPO starts: it takes the CPO's
    /// credentials and answers with its own.
    final class EMSPCredentials211: OCPI211.CredentialsSender {
        let posted = Mutex<[OCPI211.Credentials]>([])

        func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI211.Credentials> { throw OCPIError.notFound("not used") }

        func postCredentials(_ context: OCPIRequestContext, body: OCPI211.Credentials) async throws -> OCPIReply<OCPI211.Credentials> {
            posted.withLock { $0.append(body) }
            return .ok(OCPI211.Credentials(
                token: "token-c-for-the-cpo", url: "http://unused.invalid/ocpi/versions", businessDetails: OCPI211.BusinessDetails(name: "Old Mobility"),
                partyID: "OLD", countryCode: "DE"
            ))
        }

        func putCredentials(_ context: OCPIRequestContext, body: OCPI211.Credentials) async throws -> OCPIReply<OCPI211.Credentials> { throw OCPIError.notFound("not used") }

        func deleteCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPINoData> { .ok }
    }

    /// `parties register` (the CPO starts) with a platform on 2.1.1 only: the best release both
    /// speak is 2.1.1, so the handshake goes in 2.1.1, tokens unencoded.
    @Test func theCPORegistersWithA211Platform() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        let credentials = EMSPCredentials211()
        try await cpo.run {
            let port = try LiveServer.freePort()
            let emsp = "http://127.0.0.1:\(port)"
            let authenticator = RawTokenOnly(token: "token-a-of-old")
            let configuration = OCPIServerConfiguration(publicURL: emsp, ownParties: [PartyIdentity(countryCode: "DE", partyID: "OLD")])
            var router = HTTPRouter(logger: LiveServer.quietLogger)
            router.addOCPIRoutes(OCPIRoutes.versionsSender(EMSP211(baseURL: emsp)), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
            router.addOCPIRoutes(
                OCPIRoutes.credentialsSender(credentials), at: "/ocpi/emsp/2.1.1", configuration: configuration, authenticator: authenticator,
                logger: LiveServer.quietLogger
            )
            try await LiveServer.run(serving: { running in
                OCPIHTTPServer(router: router, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
            }, port: port) {
                let partner = try await cpo.server.credentials.register(versionsURL: emsp + "/ocpi/versions", tokenA: "token-a-of-old")
                #expect(partner.status == .registered && partner.version == "2.1.1")
                #expect(partner.tokenEncoding == .raw)
                #expect(partner.outgoingToken == "token-c-for-the-cpo")
                #expect(partner.roles.map { "\($0.countryCode)/\($0.partyID) \($0.role)" } == ["DE/OLD EMSP"])
                let ours = try #require(credentials.posted.withLock { $0.first })
                #expect(ours.partyID == "SOC" && ours.countryCode == "NL" && ours.url == cpo.baseURL + "/ocpi/versions")
                // Before the versions list says which release the platform speaks, the first call is
                // made as 2.2.1 writes tokens (base64) and refused; from then on, 2.1.1's way.
                let headers = authenticator.seen.withLock { $0 }
                #expect(headers.dropFirst().allSatisfy { $0 == "Token token-a-of-old" }, "\(headers)")
                #expect(headers.count >= 3, "versions, version details and the POST: \(headers)")
                // The token the CPO gave (token B) now works on its 2.1.1 endpoints.
                let locations = OCPIConnection(
                    transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: cpo.baseURL + "/ocpi/cpo/2.1.1/locations", token: ours.token, tokenEncoding: .raw
                )
                var count = 0
                for try await _ in OCPI211.LocationsSenderClient(connection: locations).getLocations() { count += 1 }
                #expect(count == 3)
            }
        }
    }

    /// The 2.1.1 routes go through the same pipeline: no token, no entry; token A opens versions
    /// and credentials only; a token in base64 is accepted as 2.2.1 partners send it.
    @Test func the211RoutesAreGuardedAsThe221Ones() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            let tokenA = try await cpo.server.registry.invite().token
            let anonymous = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.1.1/locations", authorization: nil)
            #expect(anonymous.status == 401 && anonymous.statusCode == 2000)
            let registering = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.1.1/locations", authorization: "Token " + tokenA)
            #expect(registering.status == 401, "token A opens no functional module")
            #expect(try await send("GET", cpo.baseURL + "/ocpi/2.1.1", authorization: "Token " + tokenA).status == 200)
            #expect(try await send("GET", cpo.baseURL + "/ocpi/cpo/2.1.1/tariffs", authorization: "Token not-a-token").status == 401)
        }
    }
}
