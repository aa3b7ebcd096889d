import Foundation
import Hummingbird
import Logging
import OCPIRuntime
import OCPIServer

#if canImport(Glibc)
import Glibc
#endif

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
            emspToken: OCPIParty(id: "emsp", roles: [.init(party: emsp, role: "EMSP")]),
            otherToken: OCPIParty(id: "other", roles: [.init(party: PartyIdentity(countryCode: "FR", partyID: "OTH"), role: "EMSP")]),
            registrationToken: OCPIParty(id: "newcomer", roles: [], isRegistering: true),
        ],
        policies: ["other": .lenient]
    )

    /// A port nobody listens on now.
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Serves `mounts` (base path → routes) and hands `body` the server's base URL.
    static func run(
        _ mounts: [(String, [OCPIRoute])], maximumLimit: Int = 100, maximumBodySize: Int = 1 << 20,
        _ body: @Sendable (String) async throws -> Void
    ) async throws {
        let port = try freePort()
        let baseURL = "http://127.0.0.1:\(port)"
        let configuration = OCPIServerConfiguration(
            publicURL: baseURL, ownParties: [cpo], pagination: PaginationPolicy(maximumLimit: maximumLimit), maximumBodySize: maximumBodySize
        )
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let router = Router()
        router.add(middleware: OCPIEnvelopeMiddleware())
        for (base, routes) in mounts {
            router.addOCPIRoutes(routes, at: base, configuration: configuration, authenticator: authenticator, logger: logger)
        }
        let (started, signal) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in signal.yield() }, logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            for await _ in started { break }
            do {
                try await body(baseURL)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    static func connection(_ endpointURL: String, token: String = emspToken, routing: RoutingHeaders = RoutingHeaders()) -> OCPIConnection {
        OCPIConnection(transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: endpointURL, token: token, routing: routing)
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
    let response = try await HTTPClientTransport(timeout: .seconds(10)).send(
        OCPIClientRequest(method: method, url: url, headers: fields, body: body.map { Array($0.utf8) })
    )
    return RawResponse(status: response.status, headers: response.headers, body: response.body)
}
