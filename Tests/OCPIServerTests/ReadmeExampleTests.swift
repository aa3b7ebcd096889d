import Hummingbird
import Logging
import OCPI221
import OCPIAsyncHTTPClient
import OCPIHummingbird
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

// The README's "Build your own OCPI server" example, compiled and run, so that it stays true.

/// Tariffs served from memory: the whole SENDER interface of the module is this one method.
struct MyTariffs: TariffsSender {
    let tariffs: [Tariff]

    func getTariffs(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Tariff> {
        let matching = tariffs.filter { tariff in
            dateFrom.map { tariff.lastUpdated >= $0 } ?? true && dateTo.map { tariff.lastUpdated < $0 } ?? true
        }
        return OCPIPage(items: Array(matching.dropFirst(offset).prefix(limit)), totalCount: matching.count)
    }
}

func makeRouter(tariffs: [Tariff], publicURL: String) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: OCPIEnvelopeMiddleware())
    let partners = StaticAuthenticator(parties: [
        "token-of-my-emsp": OCPIParty(id: "my-emsp", roles: [.init(party: PartyIdentity(countryCode: "DE", partyID: "MSP"), role: .emsp)]),
    ])
    let configuration = OCPIServerConfiguration(publicURL: publicURL, ownParties: [PartyIdentity(countryCode: "NL", partyID: "CPO")])
    router.addOCPIRoutes(OCPIRoutes.tariffsSender(MyTariffs(tariffs: tariffs)), at: "/ocpi/cpo/2.2.1",
                         configuration: configuration, authenticator: partners, logger: Logger(label: "my-cpo"))
    return router
}

@Suite(.holdsResources) struct ReadmeExampleTests {
    @Test func theREADMEServerServesItsTariffsToTheGeneratedClient() async throws {
        let tariffs = (1...5).map { index in
            Tariff(
                countryCode: "NL", partyID: "CPO", id: "T\(index)", currency: "EUR",
                elements: [TariffElement(priceComponents: [PriceComponent(type: .energy, price: 0.25, stepSize: 1)])],
                lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000 + Int64(index))
            )
        }
        let port = try LiveServer.freePort()
        let publicURL = "http://127.0.0.1:\(port)"
        try await LiveServer.run(makeRouter(tariffs: tariffs, publicURL: publicURL), port: port) {
            // The other side: the generated client follows the Link header page by page.
            let client = TariffsSenderClient(connection: OCPIConnection(
                transport: HTTPClientTransport(), endpointURL: "\(publicURL)/ocpi/cpo/2.2.1/tariffs", token: "token-of-my-emsp"
            ))
            var ids: [String] = []
            for try await tariff in client.getTariffs(limit: 2) { ids.append(tariff.id) }
            #expect(ids == ["T1", "T2", "T3", "T4", "T5"])
            let unknown = TariffsSenderClient(connection: OCPIConnection(
                transport: HTTPClientTransport(), endpointURL: "\(publicURL)/ocpi/cpo/2.2.1/tariffs", token: "not-a-partner"
            ))
            await #expect(throws: OCPIClientError.self) { _ = try await unknown.getTariffs().collect() }
        }
    }
}
