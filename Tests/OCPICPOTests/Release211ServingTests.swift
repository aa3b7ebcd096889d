import Foundation
import OCPI211
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import Testing

/// A partner on OCPI 2.1.1 reads the CPO's locations, which the store keeps in 2.2.1, over real
/// HTTP with the generated 2.1.1 client: each one valid by 2.1.1's validators.
@Suite struct Release211ServingTests {
    static let token = "a-2.1.1-partner-token"

    /// A 2.1.1 eMSP known to the CPO (registration over 2.1.1 is the next step of issue 20).
    static func addPartner(to cpo: CPOPeer) async throws {
        try await cpo.server.registry.insert(PartnerRecord(
            id: "emsp-211", status: .registered, incomingToken: token, version: "2.1.1",
            roles: [.init(role: .emsp, countryCode: "DE", partyID: "OLD")], tokenEncoding: .raw
        ))
    }

    static func connection(_ url: String) -> OCPIConnection {
        // 2.1.1 sends the token as it is, not in base64.
        OCPIConnection(transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: url, token: token, tokenEncoding: .raw)
    }

    @Test func a211PartnerReadsTheLocationsConverted() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            // The list of versions names both releases, each with its details.
            let versions = try await OCPI211.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/versions")).getVersions()
            #expect(versions.map(\.version.rawValue) == ["2.1.1", "2.2.1"])
            let detailsURL = try #require(versions.first { $0.version == .v2_1_1 }?.url)
            #expect(detailsURL == cpo.baseURL + "/ocpi/2.1.1")
            let details = try await OCPI211.VersionsSenderClient(connection: Self.connection(detailsURL)).getVersionDetails()
            #expect(details.version == .v2_1_1)
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
        }
    }

    @Test func withoutTheFlagOnly221IsServed() async throws {
        let cpo = try await CPOPeer.open()
        try await cpo.run {
            try await Self.addPartner(to: cpo)
            let versions = try await OCPI211.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/versions")).getVersions()
            #expect(versions.map(\.version.rawValue) == ["2.2.1"])
            await #expect(throws: OCPIClientError.self) {
                _ = try await OCPI211.VersionsSenderClient(connection: Self.connection(cpo.baseURL + "/ocpi/2.1.1")).getVersionDetails()
            }
        }
    }
}
