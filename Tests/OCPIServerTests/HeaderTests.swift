import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import Testing

@Suite struct HeaderTests {
    /// The transport chapter's names, each made from a literal at its first use (here, rather
    /// than in a server, would a typo stop), spelt as the spec spells them and looked up
    /// without regard to case.
    @Test func theTransportChaptersNamesAreFieldNames() throws {
        let names: [HTTPField.Name] = [
            .ocpiRequestID, .ocpiCorrelationID, .ocpiFromCountryCode, .ocpiFromPartyID, .ocpiToCountryCode, .ocpiToPartyID, .ocpiLink,
            .ocpiTotalCount, .ocpiLimit,
        ]
        #expect(names.map(\.rawName) == [
            "X-Request-ID", "X-Correlation-ID", "OCPI-from-country-code", "OCPI-from-party-id", "OCPI-to-country-code", "OCPI-to-party-id", "Link",
            "X-Total-Count", "X-Limit",
        ])
        var fields = HTTPFields()
        fields.append(HTTPField(name: try #require(HTTPField.Name("x-request-id")), value: "a"))
        fields.append(HTTPField(name: try #require(HTTPField.Name("OCPI-FROM-COUNTRY-CODE")), value: "NL"))
        #expect(fields[.ocpiRequestID] == "a" && fields[.ocpiFromCountryCode] == "NL" && fields[.ocpiFromPartyID] == nil)
    }

    @Test func requestAndCorrelationIDsRoundTripOrAreMade() async throws {
        let book = LocationBook()
        await book.add(makeLocation("KNOWN", updated: 1_700_000_000))
        try await TestServer.run([("/ocpi/cpo/2.2.1", OCPIRoutes.locationsSender(book))]) { base in
            let echoed = try await send(.get, base + "/ocpi/cpo/2.2.1/locations/KNOWN", headers: [.ocpiRequestID: "req-1", .ocpiCorrelationID: "corr-1"])
            #expect(echoed.headers[.ocpiRequestID] == "req-1")
            #expect(echoed.headers[.ocpiCorrelationID] == "corr-1")
            let made = try await send(.get, base + "/ocpi/cpo/2.2.1/locations/KNOWN")
            #expect(made.headers[.ocpiRequestID]?.count == 36)
            #expect(made.headers[.ocpiCorrelationID] != nil)
            let failed = try await send(.get, base + "/ocpi/cpo/2.2.1/locations/KNOWN", token: nil, headers: [.ocpiRequestID: "req-2"])
            #expect(failed.status == 401)
            #expect(failed.headers[.ocpiRequestID] == "req-2", "errors carry the request ID too")
        }
    }

    @Test func routingHeadersAreValidatedWhenPresent() async throws {
        let received = ReceivedLocations()
        try await TestServer.run([("/ocpi/emsp/2.2.1", OCPIRoutes.locationsReceiver(received))]) { base in
            let url = base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1"
            let none = try await send(.get, url)
            #expect(none.statusCode == 2003, "peer to peer: no routing headers needed")
            let good = try await send(.get, url, headers: [
                .ocpiFromCountryCode: "DE", .ocpiFromPartyID: "MSP", .ocpiToCountryCode: "NL", .ocpiToPartyID: "CPO",
            ])
            #expect(good.statusCode == 2003)
            #expect(await received.lastContext?.routing.from == PartyIdentity(countryCode: "DE", partyID: "MSP"))
            let bads: [HTTPFields] = [
                [.ocpiFromCountryCode: "DEU", .ocpiFromPartyID: "MSP"],
                [.ocpiFromCountryCode: "DE"],
                [.ocpiToCountryCode: "FR", .ocpiToPartyID: "XXX"],
                [.ocpiFromCountryCode: "FR", .ocpiFromPartyID: "OTH"],
                // A name sent twice is read as its values joined (`DE, FR`): never a country code.
                [.ocpiFromCountryCode: "DE", .ocpiFromPartyID: "MSP", HTTPField.Name(token: "ocpi-from-country-code"): "FR"],
            ]
            for bad in bads {
                let response = try await send(.get, url, headers: bad)
                #expect(response.status == 400, "\(bad)")
                #expect(response.statusCode == 2001)
            }
        }
    }

    @Test func theClientSendsRoutingHeadersOnFunctionalModulesOnly() async throws {
        let received = ReceivedLocations()
        try await TestServer.run([("/ocpi/emsp/2.2.1", OCPIRoutes.locationsReceiver(received))]) { base in
            let routing = RoutingHeaders(from: PartyIdentity(countryCode: "DE", partyID: "MSP"), to: TestServer.cpo)
            let client = LocationsReceiverClient(connection: TestServer.connection(base + "/ocpi/emsp/2.2.1/locations", routing: routing))
            let location = makeLocation("LOC9", updated: 1_700_000_000, countryCode: "DE", partyID: "MSP")
            let result = try await client.putLocation(countryCode: "DE", partyID: "MSP", locationID: "LOC9", body: location)
            #expect(result.httpStatus == 201)
            #expect(await received.lastContext?.routing == routing)
            #expect(try await client.getLocation(countryCode: "DE", partyID: "MSP", locationID: "LOC9") == location)
        }
        // Credentials is a configuration module: the generated client never sets them there.
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/OCPI221/Credentials+Client.swift"), encoding: .utf8)
        #expect(source.contains("functional: false"))
        #expect(!source.contains("functional: true"))
    }
}
