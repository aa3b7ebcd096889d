import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import Testing

@Suite struct HeaderTests {
    @Test func namesAreLookedUpWithoutRegardToCase() {
        var fields = HeaderFields([("X-Request-ID", "a"), ("content-type", "application/json"), ("X-[", "bracket")])
        #expect(fields["x-request-id"] == "a" && fields["X-REQUEST-ID"] == "a" && fields["Content-Type"] == "application/json")
        // Only letters fold: "[" and "{" differ by the same bit as "A" and "a".
        #expect(fields["X-{"] == nil && fields["X-["] == "bracket")
        #expect(fields["X-Request"] == nil && fields["X-Request-IDs"] == nil)
        fields.set("CONTENT-TYPE", "text/plain")
        #expect(fields.fields.count == 3 && fields["content-type"] == "text/plain")
    }

    @Test func requestAndCorrelationIDsRoundTripOrAreMade() async throws {
        let book = LocationBook()
        await book.add(makeLocation("KNOWN", updated: 1_700_000_000))
        try await TestServer.run([("/ocpi/cpo/2.2.1", OCPIRoutes.locationsSender(book))]) { base in
            let echoed = try await send("GET", base + "/ocpi/cpo/2.2.1/locations/KNOWN", headers: [("X-Request-ID", "req-1"), ("X-Correlation-ID", "corr-1")])
            #expect(echoed.headers["X-Request-ID"] == "req-1")
            #expect(echoed.headers["X-Correlation-ID"] == "corr-1")
            let made = try await send("GET", base + "/ocpi/cpo/2.2.1/locations/KNOWN")
            #expect(made.headers["X-Request-ID"]?.count == 36)
            #expect(made.headers["X-Correlation-ID"] != nil)
            let failed = try await send("GET", base + "/ocpi/cpo/2.2.1/locations/KNOWN", token: nil, headers: [("X-Request-ID", "req-2")])
            #expect(failed.status == 401)
            #expect(failed.headers["X-Request-ID"] == "req-2", "errors carry the request ID too")
        }
    }

    @Test func routingHeadersAreValidatedWhenPresent() async throws {
        let received = ReceivedLocations()
        try await TestServer.run([("/ocpi/emsp/2.2.1", OCPIRoutes.locationsReceiver(received))]) { base in
            let url = base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1"
            let none = try await send("GET", url)
            #expect(none.statusCode == 2003, "peer to peer: no routing headers needed")
            let good = try await send("GET", url, headers: [
                ("OCPI-from-country-code", "DE"), ("OCPI-from-party-id", "MSP"), ("OCPI-to-country-code", "NL"), ("OCPI-to-party-id", "CPO"),
            ])
            #expect(good.statusCode == 2003)
            #expect(await received.lastContext?.routing.from == PartyIdentity(countryCode: "DE", partyID: "MSP"))
            for bad in [
                [("OCPI-from-country-code", "DEU"), ("OCPI-from-party-id", "MSP")],
                [("OCPI-from-country-code", "DE")],
                [("OCPI-to-country-code", "FR"), ("OCPI-to-party-id", "XXX")],
                [("OCPI-from-country-code", "FR"), ("OCPI-from-party-id", "OTH")],
            ] {
                let response = try await send("GET", url, headers: bad)
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
