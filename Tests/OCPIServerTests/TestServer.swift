import Foundation
import Hummingbird
import Logging
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Synchronization


/// Runs a real HTTP server on loopback with the given OCPI routes, for the duration of `body`.
enum TestServer {
    static let cpo = PartyIdentity(countryCode: "NL", partyID: "CPO")
    static let emsp = PartyIdentity(countryCode: "DE", partyID: "MSP")
    static let emspToken = "emsp-token-C"
    static let otherToken = "other-token-C"
    static let registrationToken = "token-A"

    /// The partners the test server knows: an eMSP, another eMSP, and one still registering.
    static let authenticator = StaticAuthenticator(
        parties: [
            emspToken: OCPIParty(id: "emsp", roles: [.init(party: emsp, role: .emsp)]),
            otherToken: OCPIParty(id: "other", roles: [.init(party: PartyIdentity(countryCode: "FR", partyID: "OTH"), role: .emsp)]),
            registrationToken: OCPIParty(id: "newcomer", roles: [], isRegistering: true),
        ],
        policies: ["other": .lenient]
    )

    /// The two ways the OCPI pipeline is served: our own server (`ocpi-cpo`'s), and mounted on
    /// a Hummingbird router (for applications that run Hummingbird).
    enum Stack: String, CaseIterable, Sendable {
        case ours, hummingbird
    }

    /// Serves `mounts` (base path → routes) and hands `body` the server's base URL.
    static func run(
        _ mounts: [(String, [OCPIRoute])], maximumLimit: Int = 100, maximumBodySize: Int = 1 << 20, stack: Stack = .ours,
        _ body: @Sendable (String) async throws -> Void
    ) async throws {
        let port = try LiveServer.freePort()
        let baseURL = "http://127.0.0.1:\(port)"
        let configuration = OCPIServerConfiguration(
            publicURL: baseURL, ownParties: [cpo], pagination: PaginationPolicy(maximumLimit: maximumLimit), maximumBodySize: maximumBodySize
        )
        let logger = LiveServer.quietLogger
        guard stack == .hummingbird else {
            var router = HTTPRouter(maximumBodySize: maximumBodySize, logger: logger)
            for (base, routes) in mounts {
                router.addOCPIRoutes(routes, at: base, configuration: configuration, authenticator: authenticator, logger: logger)
            }
            try await LiveServer.run(serving: { running in
                OCPIHTTPServer(router: router, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
            }, port: port) { try await body(baseURL) }
            return
        }
        let router = Router()
        router.add(middleware: OCPIEnvelopeMiddleware())
        for (base, routes) in mounts {
            router.addOCPIRoutes(routes, at: base, configuration: configuration, authenticator: authenticator, logger: logger)
        }
        try await LiveServer.run(router, port: port) { try await body(baseURL) }
    }

    static func connection(
        _ endpointURL: String, token: String = emspToken, routing: RoutingHeaders = RoutingHeaders(),
        transport: any OCPIClientTransport = HTTPClientTransport(timeout: .seconds(10))
    ) -> OCPIConnection {
        OCPIConnection(transport: transport, endpointURL: endpointURL, token: token, routing: routing)
    }
}

/// Sends through AsyncHTTPClient and keeps every request's URL, as sent.
final class RecordingTransport: OCPIClientTransport {
    private let inner = HTTPClientTransport(timeout: .seconds(10))
    private let sent = Mutex<[String]>([])

    var urls: [String] { sent.withLock { $0 } }

    func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        sent.withLock { $0.append(request.url) }
        return try await inner.send(request)
    }
}

/// A raw HTTP exchange, for asserting status codes and envelopes exactly.
struct RawResponse {
    var status: Int
    var headers: HeaderFields
    var body: [UInt8]

    var envelope: JSONValue? { try? JSONValue.decodeJSON(body).value }
    var statusCode: Int? {
        if case .number(let value)? = envelope?["status_code"] { return NSDecimalNumber(decimal: value).intValue }
        return nil
    }
}

func send(
    _ method: String, _ url: String, token: String? = TestServer.emspToken, body: String? = nil,
    headers: [(String, String)] = []
) async throws -> RawResponse {
    var fields = HeaderFields(headers)
    if let token { fields.add("Authorization", CredentialsToken.header(for: token)) }
    // A raw exchange: a redirect is the answer, not followed.
    var transport = HTTPClientTransport(timeout: .seconds(10))
    transport.maximumRedirects = 0
    let response = try await transport.send(OCPIClientRequest(method: method, url: url, headers: fields, body: body.map { Array($0.utf8) }))
    return RawResponse(status: response.status, headers: response.headers, body: response.body)
}
