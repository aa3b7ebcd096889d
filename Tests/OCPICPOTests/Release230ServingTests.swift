import Foundation
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
@Suite struct Release230ServingTests {
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

    // MARK: The 2.3.0 eMSP

    /// A 2.3.0 eMSP's versions and version details: credentials, and Locations and Tariffs
    /// RECEIVER endpoints.
    struct EMSP230: OCPI230.VersionsSender {
        let baseURL: String

        func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI230.Version]> {
            .ok([OCPI230.Version(version: .v2_3_0, url: baseURL + "/ocpi/2.3.0")])
        }

        func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI230.VersionDetails> {
            .ok(OCPI230.VersionDetails(version: .v2_3_0, endpoints: [
                OCPI230.Endpoint(identifier: .credentials, role: .sender, url: baseURL + "/ocpi/emsp/2.3.0/credentials"),
                OCPI230.Endpoint(identifier: .locations, role: .receiver, url: baseURL + "/ocpi/emsp/2.3.0/locations"),
                OCPI230.Endpoint(identifier: .tariffs, role: .receiver, url: baseURL + "/ocpi/emsp/2.3.0/tariffs"),
            ]))
        }
    }

    /// Serves the 2.3.0 eMSP (its token B in base64, as 2.3.0 writes it) while `body` runs.
    static func serveEMSP(tokenB: String, extra: [OCPIRoute] = [], _ body: (String) async throws -> Void) async throws {
        let port = try LiveServer.freePort()
        let baseURL = "http://127.0.0.1:\(port)"
        let authenticator = Release211ServingTests.RawTokenOnly(token: tokenB, acceptsBase64: true)
        var router = HTTPRouter(logger: LiveServer.quietLogger)
        let configuration = OCPIServerConfiguration(publicURL: baseURL, ownParties: [PartyIdentity(countryCode: "DE", partyID: "NEW")])
        router.addOCPIRoutes(
            OCPIRoutes.versionsSender(EMSP230(baseURL: baseURL)), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger
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
                #expect(try await OCPI230.CredentialsSenderClient(connection: connection).getCredentials().token == tokenC)
                await #expect(throws: OCPIClientError.self, "POST again is refused") {
                    _ = try await OCPI230.CredentialsSenderClient(connection: connection).postCredentials(body: Self.credentials("token-b-of-new", emsp: emsp))
                }
                let list = try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", databaseArgument])
                #expect(list.output.contains("\(partner.id)  registered  DE/NEW EMSP  2.3.0  \(emsp)/ocpi/versions"), "\(list.output)")

                let renewed = try await OCPI230.CredentialsSenderClient(connection: connection).putCredentials(body: Self.credentials("token-b-of-new", emsp: emsp))
                #expect(renewed.token != tokenC)
                connection.token = renewed.token
                try await OCPI230.CredentialsSenderClient(connection: connection).deleteCredentials()
                #expect(try await cpo.server.registry.partner(id: partner.id)?.status == .unregistered)
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
}
