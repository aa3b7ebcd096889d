import Foundation
import OCPI211
import OCPI221
import OCPI230
import OCPIAsyncHTTPClient
import OCPICPO
import OCPIConversions
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Synchronization
import Testing

/// A partner on OCPI 2.3.0 finds the release in the versions list, registers on it and is
/// recorded with it; the CPO keeps its objects in 2.2.1 and converts them (over real HTTP, with
/// the generated 2.3.0 clients, which read strictly).
@Suite(.holdsResources) struct Release230ServingTests {
    static let token = "a-2.3.0-partner-token"

    /// A 2.3.0 eMSP known to the CPO, for reads that need no registration.
    static func addPartner(to cpo: CPOPeer) async throws {
        try await cpo.server.registry.insert(PartnerRecord(
            id: "emsp-230", status: .registered, incomingToken: token, version: "2.3.0",
            roles: [.init(role: .emsp, countryCode: "DE", partyID: "NEW")]
        ))
    }

    /// 2.3.0 writes the token in base64, as 2.2.1 does.
    static func connection(_ url: String, token: String = token) -> OCPIConnection {
        OCPIConnection(transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: url, token: token)
    }

    @Test(arguments: [
        ([CPOConfiguration.ServedRelease.v2_2_1, .v2_3_0], ["2.2.1", "2.3.0"]),
        ([.v2_1_1, .v2_2_1, .v2_3_0], ["2.1.1", "2.2.1", "2.3.0"]),
    ])
    func theVersionsListNames230WithItsDetails(_ releases: [CPOConfiguration.ServedRelease], _ listed: [String]) async throws {
        let cpo = try await CPOPeer.open(releases: releases)
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            #expect(try await cpo.server.store.setting(CPOConfiguration.releasesSetting) == listed.joined(separator: ","))
            let versions = try await OCPI230.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/versions")).getVersions()
            #expect(versions.map(\.version.rawValue) == listed)
            let detailsURL = try #require(versions.first { $0.version == .v2_3_0 }?.url)
            #expect(detailsURL == cpo.baseURL + "/ocpi/2.3.0")
            let details = try await OCPI230.VersionsSenderClient(connection: Self.connection(detailsURL)).getVersionDetails()
            #expect(details.version == .v2_3_0)
            #expect(details.validate().isEmpty, "\(details.validate())")
            #expect(details.endpoints.contains(OCPI230.Endpoint(identifier: .credentials, role: .sender, url: cpo.baseURL + "/ocpi/cpo/2.3.0/credentials")))
            // 2.2.1's details are unchanged, and list 2.2.1's own endpoints.
            let details221 = try await OCPI221.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/2.2.1")).getVersionDetails()
            #expect(details221.version == .v2_2_1)
            #expect(details221.endpoints.allSatisfy { $0.url.contains("/ocpi/cpo/2.2.1/") })
        }
    }

    @Test func withoutTheFlag230IsNotServed() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            let versions = try await OCPI230.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/versions")).getVersions()
            #expect(versions.map(\.version.rawValue) == ["2.1.1", "2.2.1"])
            await #expect(throws: OCPIClientError.self) {
                _ = try await OCPI230.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/2.3.0")).getVersionDetails()
            }
        }
    }

    /// ocpi-check, checking 2.2.1, passes the versions list of a server that also offers 2.3.0,
    /// a value 2.2.1's (closed) VersionNumber does not list.
    @Test func ocpiCheckOn221AcceptsAVersionsListNaming230() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            let run = try await BuiltExecutable.run("ocpi-check", [cpo.baseURL + "/ocpi/versions", "--token", Self.token, "--version", "2.2.1"])
            #expect(run.output.contains("offers 2.2.1, 2.3.0; checking 2.2.1"), "\(run.output)")
            #expect(!run.output.contains("FAIL  versions "), "\(run.output)")
        }
    }

    // MARK: The 2.3.0 eMSP

    /// A 2.3.0 eMSP's versions and version details: credentials, a RECEIVER endpoint for each
    /// of `receives` (Locations and Tariffs unless told otherwise) and a SENDER endpoint for each
    /// of `sends` (none unless told otherwise).
    struct EMSP230: OCPI230.VersionsSender {
        let baseURL: String
        var receives: [OCPI230.ModuleID] = [.locations, .tariffs]
        var sends: [OCPI230.ModuleID] = []

        func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI230.Version]> {
            .ok([OCPI230.Version(version: .v2_3_0, url: baseURL + "/ocpi/2.3.0")])
        }

        func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI230.VersionDetails> {
            let receivers = receives.map { OCPI230.Endpoint(identifier: $0, role: .receiver, url: baseURL + "/ocpi/emsp/2.3.0/" + $0.rawValue) }
            let senders = sends.map { OCPI230.Endpoint(identifier: $0, role: .sender, url: baseURL + "/ocpi/emsp/2.3.0/" + $0.rawValue) }
            return .ok(OCPI230.VersionDetails(
                version: .v2_3_0, endpoints: [OCPI230.Endpoint(identifier: .credentials, role: .sender, url: baseURL + "/ocpi/emsp/2.3.0/credentials")] + receivers + senders
            ))
        }
    }

    /// Serves the 2.3.0 eMSP (its token B in base64, as 2.3.0 writes it) while `body` runs.
    /// `port`: a given one, to serve the same eMSP again after a pause; a free one by default.
    static func serveEMSP(
        tokenB: String, extra: [OCPIRoute] = [], receives: [OCPI230.ModuleID] = [.locations, .tariffs], sends: [OCPI230.ModuleID] = [],
        port: Int? = nil, _ body: (String) async throws -> Void
    ) async throws {
        let port = try port ?? LiveServer.freePort()
        let baseURL = "http://127.0.0.1:\(port)"
        let authenticator = Release211ServingTests.RawTokenOnly(token: tokenB, acceptsBase64: true)
        var router = HTTPRouter(logger: LiveServer.quietLogger)
        let configuration = OCPIServerConfiguration(publicURL: baseURL, ownParties: [PartyIdentity(countryCode: "DE", partyID: "NEW")])
        router.addOCPIRoutes(
            OCPIRoutes.versionsSender(EMSP230(baseURL: baseURL, receives: receives, sends: sends)), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger
        )
        if !extra.isEmpty {
            router.addOCPIRoutes(extra, at: "/ocpi/emsp/2.3.0", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
        }
        try await LiveServer.run(serving: { running in
            OCPIHTTPServer(router: router, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
        }, port: port) { try await body(baseURL) }
    }

    static func credentials(_ token: String, emsp: String) -> OCPI230.Credentials {
        OCPI230.Credentials(token: token, url: emsp + "/ocpi/versions", roles: [
            OCPI230.CredentialsRole(role: .emsp, businessDetails: OCPI230.BusinessDetails(name: "New Mobility"), partyID: "NEW", countryCode: "DE")
        ])
    }

    /// The eMSP registers on 2.3.0 (POST to the 2.3.0 credentials endpoint with token A) and
    /// returns token C.
    static func register(with cpo: CPOPeer, emsp: String, tokenB: String) async throws -> String {
        let tokenA = try await cpo.server.registry.invite().token
        let connection = connection(cpo.baseURL + "/ocpi/cpo/2.3.0/credentials", token: tokenA)
        let ours = try await OCPI230.CredentialsSenderClient(connection: connection).postCredentials(body: credentials(tokenB, emsp: emsp))
        #expect(ours.validate().isEmpty, "\(ours.validate())")
        #expect(ours.roles.map { "\($0.countryCode)/\($0.partyID) \($0.role.rawValue)" } == ["NL/SOC CPO"])
        #expect(ours.url == cpo.baseURL + "/ocpi/versions" && ours.token != tokenA)
        return ours.token
    }

    @Test func a230EMSPRegistersAndItsReleaseIsRecorded() async throws {
        let databaseArgument = try TestDatabase.sqlite.makeDatabaseArgument()
        let location = StoreLocation.sqlite(path: databaseArgument)
        defer { TestDatabase.sqlite.remove(location) }
        let cpo = try await CPOPeer.open(database: location, releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Self.serveEMSP(tokenB: "token-b-of-new") { emsp in
                let tokenC = try await Self.register(with: cpo, emsp: emsp, tokenB: "token-b-of-new")
                let partner = try #require(try await cpo.server.registry.partners().first { $0.status == .registered })
                #expect(partner.version == "2.3.0")
                #expect(partner.tokenEncoding == .base64)
                #expect(partner.roles == [PartnerRecord.Role(role: .emsp, countryCode: "DE", partyID: "NEW", businessName: "New Mobility")])
                #expect(partner.endpoints.map(\.identifier) == [.credentials, .locations, .tariffs])
                #expect(partner.endpoints.map(\.role) == [.sender, .receiver, .receiver], "2.3.0's details name each side")

                // Token C works; GET, PUT (a new token), DELETE in 2.3.0.
                var connection = Self.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/credentials", token: tokenC)
                let ours = try await OCPI230.CredentialsSenderClient(connection: connection).getCredentials()
                #expect(ours.token == tokenC && ours.validate().isEmpty, "valid 2.3.0 credentials: \(ours.validate())")
                await #expect(throws: OCPIClientError.self, "POST again is refused") {
                    _ = try await OCPI230.CredentialsSenderClient(connection: connection).postCredentials(body: Self.credentials("token-b-of-new", emsp: emsp))
                }
                let list = try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", databaseArgument])
                #expect(list.output.contains("\(partner.id)  registered  DE/NEW EMSP  2.3.0  \(emsp)/ocpi/versions"), "\(list.output)")

                let renewed = try await OCPI230.CredentialsSenderClient(connection: connection).putCredentials(body: Self.credentials("token-b-of-new", emsp: emsp))
                #expect(renewed.token != tokenC && renewed.validate().isEmpty, "\(renewed.validate())")
                connection.token = renewed.token
                try await OCPI230.CredentialsSenderClient(connection: connection).deleteCredentials()
                #expect(try await cpo.server.registry.partner(id: partner.id)?.status == .unregistered)
            }
        }
    }

    /// The 2.3.0 eMSP's credentials module, for a registration the CPO starts.
    final class EMSPCredentials230: OCPI230.CredentialsSender {
        let posted = Mutex<[OCPI230.Credentials]>([])

        func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI230.Credentials> { throw OCPIError.notFound("not used") }

        func postCredentials(_ context: OCPIRequestContext, body: OCPI230.Credentials) async throws -> OCPIReply<OCPI230.Credentials> {
            posted.withLock { $0.append(body) }
            return .ok(Release230ServingTests.credentials("token-c-for-the-cpo", emsp: "http://unused.invalid"))
        }

        func putCredentials(_ context: OCPIRequestContext, body: OCPI230.Credentials) async throws -> OCPIReply<OCPI230.Credentials> { throw OCPIError.notFound("not used") }

        func deleteCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPINoData> { .ok }
    }

    /// `parties register` (the CPO starts) with a platform on 2.3.0 only: the handshake goes in
    /// 2.3.0, its version details read and our credentials posted with the 2.3.0 clients.
    @Test func theCPORegistersWithA230Platform() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1, .v2_3_0])
        let credentials = EMSPCredentials230()
        try await cpo.run {
            try await Self.serveEMSP(tokenB: "token-a-of-new", extra: OCPIRoutes.credentialsSender(credentials)) { emsp in
                let partner = try await cpo.server.credentials.register(versionsURL: emsp + "/ocpi/versions", tokenA: "token-a-of-new")
                #expect(partner.status == .registered && partner.version == "2.3.0")
                #expect(partner.outgoingToken == "token-c-for-the-cpo")
                #expect(partner.roles.map { "\($0.countryCode)/\($0.partyID) \($0.role)" } == ["DE/NEW EMSP"])
                #expect(partner.endpoints.map(\.role) == [.sender, .receiver, .receiver])
                let ours = try #require(credentials.posted.withLock { $0.first })
                #expect(ours.validate().isEmpty, "\(ours.validate())")
                #expect(ours.roles.map { "\($0.countryCode)/\($0.partyID) \($0.role.rawValue)" } == ["NL/SOC CPO"])
                // The token the CPO gave (token B) now reads its 2.3.0 locations.
                var count = 0
                for try await _ in OCPI230.LocationsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/locations", token: ours.token)).getLocations() {
                    count += 1
                }
                #expect(count == 3)
            }
        }
    }

    // MARK: Reads

    @Test func a230PartnerReadsTheLocationsAndTariffsConverted() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            let details = try await OCPI230.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/2.3.0")).getVersionDetails()
            let locationsURL = try #require(details.endpoints.first { $0.identifier == .locations && $0.role == .sender }?.url)
            #expect(locationsURL == cpo.baseURL + "/ocpi/cpo/2.3.0/locations")

            // Every location, page by page (the client reads strictly: each is valid 2.3.0).
            let client = OCPI230.LocationsSenderClient(connection: Self.connection(locationsURL))
            var locations: [OCPI230.Location] = []
            for try await location in client.getLocations(limit: 2) { locations.append(location) }
            #expect(locations.count == 3, "the demo data's three locations")
            for location in locations { #expect(location.validate().isEmpty, "\(location.id): \(location.validate())") }
            #expect(locations.allSatisfy { $0.countryCode == "NL" && $0.partyID == "SOC" }, "2.3.0 objects name their owner")

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

            // The tariffs, converted likewise: the demo's prices name VAT, so taxes come on top.
            let tariffsURL = try #require(details.endpoints.first { $0.identifier == .tariffs && $0.role == .sender }?.url)
            var tariffs: [OCPI230.Tariff] = []
            for try await tariff in OCPI230.TariffsSenderClient(connection: Self.connection(tariffsURL)).getTariffs(limit: 1) { tariffs.append(tariff) }
            #expect(tariffs.map(\.id).sorted() == ["AC-STANDARD", "DC-FAST"])
            for tariff in tariffs {
                #expect(tariff.validate().isEmpty, "\(tariff.id): \(tariff.validate())")
                #expect(tariff.taxIncluded == .no)
            }
        }
    }

    // MARK: One location, two releases, and a push in 2.3.0

    /// One location written once through the admin API is read by a 2.3.0 partner and a 2.2.1
    /// partner, each valid in its release and the 2.3.0 one the conversion of the 2.2.1 one; a
    /// change of one of its EVSEs reaches the 2.3.0 partner as the whole location, converted, by
    /// PUT; a new tariff and a deleted one reach it too.
    ///
    /// A 2.1.1 partner of the same server reads the same location in 2.1.1 and is pushed it
    /// whole in 2.1.1; the 2.2.1 partner is pushed the change in 2.2.1: three partners on three
    /// releases, one store.
    @Test func oneLocationIsReadInThreeReleasesAndPushedInEach() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1, .v2_3_0])
        let received = Received230()
        let received211 = Release211ServingTests.Received211()
        let inbox221 = EMSPInbox()
        let emsp221 = try EMSPPeer(inbox: inbox221)
        try await cpo.run {
            try await emsp221.run {
                let routes = OCPIRoutes.locationsReceiver(received) + OCPIRoutes.tariffsReceiver(received)
                try await Self.serveEMSP(tokenB: "token-b-of-new", extra: routes) { emsp in
                  try await Release211ServingTests.serveEMSP(tokenB: "token-b-of-old", received: received211) { emsp211, _ in
                    let tokenC230 = try await Self.register(with: cpo, emsp: emsp, tokenB: "token-b-of-new")
                    let tokenC221 = try await PushTests.registerForToken(emsp221, with: cpo)
                    // The 2.1.1 eMSP registers on 2.1.1 with a token A of its own, as it is.
                    let tokenA211 = try await cpo.server.registry.invite().token
                    let credentials211 = Release211ServingTests.connection(cpo.baseURL + "/ocpi/cpo/2.1.1/credentials", token: tokenA211)
                    let tokenC211 = try await OCPI211.CredentialsSenderClient(connection: credentials211)
                        .postCredentials(body: Release211ServingTests.credentials("token-b-of-old", emsp: emsp211)).token
                    #expect(Set(try await cpo.server.registry.partners().map(\.version)) == ["2.1.1", "2.2.1", "2.3.0"])
                    await cpo.server.pusher.drain()

                    var written = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_900_000_000))[0]
                    written.id = "ONE-PLACE"
                    #expect(try await PushTests.admin(cpo, "PUT", "/locations/ONE-PLACE", ModuleTests.json(written)).status == 201)

                    let read221 = try await OCPI221.LocationsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/cpo/2.2.1/locations", token: tokenC221))
                        .getLocation(locationID: "ONE-PLACE")
                    let read230 = try await OCPI230.LocationsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/locations", token: tokenC230))
                        .getLocation(locationID: "ONE-PLACE")
                    #expect(read221.validate().isEmpty, "\(read221.validate())")
                    #expect(read230.validate().isEmpty, "\(read230.validate())")
                    #expect(read221 == written)
                    #expect(read230 == Conversion221To230().convert(read221), "the same location, converted")
                    #expect(read230.id == "ONE-PLACE" && read230.evses.map(\.uid) == written.evses.map(\.uid))
                    let read211 = try await OCPI211.LocationsSenderClient(connection: Release211ServingTests.connection(cpo.baseURL + "/ocpi/cpo/2.1.1/locations", token: tokenC211))
                        .getLocation(locationID: "ONE-PLACE")
                    #expect(read211.validate().isEmpty, "\(read211.validate())")
                    #expect(read211 == Conversion221To211().convert(read221), "the same location, converted to 2.1.1")

                    // An EVSE changes: the 2.3.0 partner gets the whole location, in 2.3.0.
                    let evseUID = try #require(written.evses.first?.uid)
                    let patched = try await PushTests.admin(
                        cpo, "PATCH", "/locations/ONE-PLACE/\(evseUID)", #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#
                    )
                    #expect(patched.status == 200)
                    var tariff = DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_900_000_000))[0]
                    tariff.id = "PUSHED-TARIFF"
                    #expect(try await PushTests.admin(cpo, "PUT", "/tariffs/PUSHED-TARIFF", ModuleTests.json(tariff)).status == 201)
                    #expect(try await PushTests.admin(cpo, "DELETE", "/tariffs/DC-FAST").status == 200)
                    await cpo.server.pusher.drain()

                    let pushed = try #require(received.locations.withLock { $0["ONE-PLACE"] }, "the location, whole, by PUT")
                    #expect(pushed.validate().isEmpty, "\(pushed.validate())")
                    #expect(pushed.evses.first { $0.uid == evseUID }?.status == .charging)
                    let now221 = try await OCPI221.LocationsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/cpo/2.2.1/locations", token: tokenC221))
                        .getLocation(locationID: "ONE-PLACE")
                    #expect(pushed == Conversion221To230().convert(now221), "what a 2.2.1 partner reads now, converted")
                    let pushed211 = try #require(received211.locations.withLock { $0["ONE-PLACE"] }, "the 2.1.1 partner is pushed the location whole")
                    #expect(pushed211.validate().isEmpty, "\(pushed211.validate())")
                    #expect(pushed211 == Conversion221To211().convert(now221), "what a 2.2.1 partner reads now, in 2.1.1")
                    let pushed221 = try #require(await inbox221.locations["ONE-PLACE"], "the 2.2.1 partner is pushed the location")
                    // (Its location's last_updated is the PATCH's, as the receiver sets it; the CPO's
                    // stayed at the later time it was written with.)
                    #expect(pushed221.evses == now221.evses, "the 2.2.1 partner holds the EVSEs it reads, the change applied")
                    #expect(pushed221.evses.first { $0.uid == evseUID }?.status == .charging)
                    let pushedTariff = try #require(received.tariffs.withLock { $0["PUSHED-TARIFF"] })
                    #expect(pushedTariff.validate().isEmpty && pushedTariff.taxIncluded == .no, "\(pushedTariff.validate())")
                    #expect(received.deletedTariffs.withLock { $0 } == ["DC-FAST"])
                    let calls = received.calls.withLock { $0 }
                    #expect(calls.contains("PUT location NL/SOC/ONE-PLACE"), "\(calls)")
                    #expect(calls.allSatisfy { !$0.hasPrefix("PATCH") }, "\(calls)")

                    let partner = try #require(try await cpo.server.registry.partners().first { $0.version == "2.3.0" })
                    let summary = try await cpo.server.store.pushSummaries(since: OCPIDateTime.now().adding(.seconds(-3600)))[partner.id]
                    #expect((summary?.counts.delivered ?? 0) >= 3)
                    #expect(summary?.counts.failed == 0 && summary?.counts.refused == 0, "nothing was sent that it refused: \(String(describing: summary))")
                  }
                }
            }
        }
    }

    /// A partner registered on 2.2.1 moves to 2.3.0 with PUT credentials on the 2.3.0 endpoint,
    /// as the spec's upgrade goes: the same partner with its party, its release and endpoints
    /// recorded anew, and pushed in 2.3.0 from then on (the whole location by PUT, not a PATCH).
    @Test func a221PartnerUpgradesTo230AndIsPushedIn230() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_2_1, .v2_3_0])
        let received = Received230()
        try await cpo.run {
            try await cpo.server.registry.insert(PartnerRecord(
                id: "emsp-upgrading", status: .registered, incomingToken: "token-c-of-upgrading", version: "2.2.1",
                roles: [.init(role: .emsp, countryCode: "DE", partyID: "NEW")]
            ))
            let routes = OCPIRoutes.locationsReceiver(received) + OCPIRoutes.tariffsReceiver(received)
            try await Self.serveEMSP(tokenB: "token-b-of-new", extra: routes) { emsp in
                let connection = Self.connection(cpo.baseURL + "/ocpi/cpo/2.3.0/credentials", token: "token-c-of-upgrading")
                let ours = try await OCPI230.CredentialsSenderClient(connection: connection).putCredentials(body: Self.credentials("token-b-of-new", emsp: emsp))
                #expect(ours.validate().isEmpty, "\(ours.validate())")
                let after = try #require(try await cpo.server.registry.partner(id: "emsp-upgrading"), "the same partner")
                #expect(after.status == .registered && after.version == "2.3.0")
                #expect(after.roles.map { "\($0.countryCode)/\($0.partyID)" } == ["DE/NEW"])
                #expect(after.endpoints.first { $0.identifier == .locations }?.role == .receiver)
                #expect(try await cpo.server.registry.partners().count == 1)
                await cpo.server.pusher.drain()

                let patched = try await PushTests.admin(
                    cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#
                )
                #expect(patched.status == 200)
                await cpo.server.pusher.drain()
                let pushed = try #require(received.locations.withLock { $0["UTR-STATION"] }, "the location, whole, in 2.3.0")
                #expect(pushed.validate().isEmpty, "\(pushed.validate())")
                #expect(pushed.evses.first { $0.uid == "UTR-STATION-1" }?.status == .charging)
                #expect(received.calls.withLock { $0 }.allSatisfy { !$0.hasPrefix("PATCH") }, "\(received.calls.withLock { $0 })")
            }
        }
    }

    /// The 2.3.0 eMSP's Locations and Tariffs RECEIVER: keeps what is PUT (each body validated
    /// by the generated 2.3.0 routes on the way in) and refuses what the CPO does not send a
    /// 2.3.0 partner (it sends whole objects only).
    final class Received230: OCPI230.LocationsReceiver, TakesWholeLocationsOnly, OCPI230.TariffsReceiver {
        let locations = Mutex<[String: OCPI230.Location]>([:])
        let tariffs = Mutex<[String: OCPI230.Tariff]>([:])
        let deletedTariffs = Mutex<[String]>([])
        /// The path of each call, in order.
        let calls = Mutex<[String]>([])

        func getTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<OCPI230.Tariff> {
            guard let tariff = tariffs.withLock({ $0[tariffID] }) else { throw OCPIError.notFound("Tariff \(tariffID)") }
            return .ok(tariff)
        }

        func putTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String, body: OCPI230.Tariff) async throws -> OCPIReply<OCPINoData> {
            calls.withLock { $0.append("PUT tariff \(countryCode)/\(partyID)/\(tariffID)") }
            tariffs.withLock { $0[tariffID] = body }
            return .ok
        }

        func deleteTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<OCPINoData> {
            calls.withLock { $0.append("DELETE tariff \(countryCode)/\(partyID)/\(tariffID)") }
            deletedTariffs.withLock { $0.append(tariffID) }
            return .ok
        }

        func getLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String) async throws -> OCPIReply<OCPI230.Location> {
            guard let location = locations.withLock({ $0[locationID] }) else { throw OCPIError.notFound("Location \(locationID)") }
            return .ok(location)
        }

        func putLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: OCPI230.Location) async throws -> OCPIReply<OCPINoData> {
            calls.withLock { $0.append("PUT location \(countryCode)/\(partyID)/\(locationID)") }
            locations.withLock { $0[locationID] = body }
            return .ok
        }
    }
}
