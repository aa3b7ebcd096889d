import Foundation
import Hummingbird
import Logging
import OCPIAsyncHTTPClient
import OCPIHummingbird
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Synchronization


/// Serves the given OCPI routes for the duration of `body`: through a `RouterTransport` with no
/// socket (the default, for tests of routes and the pipeline), or over real HTTP on loopback.
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

    /// The ways the OCPI pipeline is served: our router in memory, our own server (`ocpi-cpo`'s)
    /// on loopback, and mounted on a Hummingbird router (for applications that run Hummingbird).
    enum Stack: String, CaseIterable, Sendable {
        case inMemory, ours, hummingbird
    }

    /// Where `connection(_:)` and `send(_:_:)` send requests while a test server runs: the
    /// in-memory router, or AsyncHTTPClient for a server on loopback.
    @TaskLocal static var transport: any OCPIClientTransport = HTTPClientTransport(timeout: .seconds(10))

    /// Serves `mounts` (base path → routes) and hands `body` the server's base URL.
    static func run(
        _ mounts: [(String, [OCPIRoute])], maximumLimit: Int = 100, maximumBodySize: Int = 1 << 20, stack: Stack = .inMemory,
        _ body: @Sendable (String) async throws -> Void
    ) async throws {
        let port = stack == .inMemory ? 8_080 : try LiveServer.freePort()
        let baseURL = "http://127.0.0.1:\(port)"
        let configuration = OCPIServerConfiguration(publicURL: baseURL, ownParties: [cpo], pagination: PaginationPolicy(maximumLimit: maximumLimit))
        let logger = LiveServer.quietLogger
        guard stack == .hummingbird else {
            var router = HTTPRouter(maximumBodySize: maximumBodySize, logger: logger)
            for (base, routes) in mounts {
                router.addOCPIRoutes(routes, at: base, configuration: configuration, authenticator: authenticator, logger: logger)
            }
            if stack == .inMemory {
                try await $transport.withValue(RouterTransport(router: router)) { try await body(baseURL) }
                return
            }
            try await LiveServer.run(serving: { running in
                OCPIHTTPServer(router: router, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
            }, port: port) { try await body(baseURL) }
            return
        }
        let router = Router()
        router.add(middleware: OCPIEnvelopeMiddleware())
        for (base, routes) in mounts {
            router.addOCPIRoutes(routes, at: base, configuration: configuration, authenticator: authenticator, logger: logger, maximumBodySize: maximumBodySize)
        }
        try await LiveServer.run(router, port: port) { try await body(baseURL) }
    }

    static func connection(
        _ endpointURL: String, token: String = emspToken, routing: RoutingHeaders = RoutingHeaders(),
        transport: any OCPIClientTransport = TestServer.transport
    ) -> OCPIConnection {
        OCPIConnection(transport: transport, endpointURL: endpointURL, token: token, routing: routing)
    }
}

/// Sends through the test server's transport (`TestServer.transport`) and keeps every request's URL, as sent.
final class RecordingTransport: OCPIClientTransport {
    private let sent = Mutex<[String]>([])

    var urls: [String] { sent.withLock { $0 } }

    func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        sent.withLock { $0.append(request.url) }
        return try await TestServer.transport.send(request)
    }
}

/// A raw HTTP exchange, for asserting status codes and envelopes exactly.
struct RawResponse {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]

    var envelope: JSONValue? { try? JSONValue.decodeJSON(body).value }
    var statusCode: Int? {
        if case .number(let value)? = envelope?["status_code"] { return NSDecimalNumber(decimal: value).intValue }
        return nil
    }
}

func send(
    _ method: HTTPRequest.Method, _ url: String, token: String? = TestServer.emspToken, body: String? = nil, headers: HTTPFields = [:]
) async throws -> RawResponse {
    var fields = headers
    if let token { fields.append(HTTPField(name: .authorization, value: CredentialsToken.header(for: token))) }
    // A raw exchange: a redirect is the answer, not followed (the in-memory router never
    // redirects).
    var transport: any OCPIClientTransport = TestServer.transport
    if var http = transport as? HTTPClientTransport {
        http.maximumRedirects = 0
        transport = http
    }
    let response = try await transport.send(OCPIClientRequest(method: method, url: url, headerFields: fields, body: body.map { Array($0.utf8) }))
    return RawResponse(status: response.head.status.code, headers: response.head.headerFields, body: response.body)
}
