import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import OCPI221
import OCPIAsyncHTTPClient
import OCPICPO
import OCPIHummingbird
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// A partner registry in memory, for the eMSP side of the tests.
actor MemoryRegistry: PartnerRegistry {
    private var records: [String: PartnerRecord] = [:]

    func partner(incomingToken: String) async throws -> PartnerRecord? {
        records.values.first { $0.incomingTokenHash == CredentialsTokenDigest.of(incomingToken) }
    }
    func partner(id: String) async throws -> PartnerRecord? { records[id] }
    func insert(_ partner: PartnerRecord) async throws { records[partner.id] = partner }
    func update(_ partner: PartnerRecord) async throws { records[partner.id] = partner }
    func partners() async throws -> [PartnerRecord] { Array(records.values) }
    func holder(of party: PartyIdentity) async throws -> String? {
        records.values.first { $0.heldParties.contains(party.normalized) }?.id
    }

    /// A new registration token (token A).
    func invite() -> String {
        let token = TokenGenerator.make()
        let partner = PartnerRecord(id: UUID().uuidString, status: .invited, incomingToken: token)
        records[partner.id] = partner
        return token
    }
}

/// An eMSP assembled from the generated versions and credentials routes, on its own port; with
/// an inbox, also from the RECEIVER routes of Locations, Tariffs, Sessions and CDRs.
struct EMSPPeer {
    let port: Int
    let registry = MemoryRegistry()
    let profile: PlatformProfile
    let inbox: EMSPInbox?
    /// HTTPS with this certificate (served by `OCPIHTTPServer`); plain HTTP on Hummingbird without.
    let tls: ServerTLS?
    /// How it calls the CPO (in the handshake).
    let transport: HTTPClientTransport

    init(
        inbox: EMSPInbox? = nil, countryCode: String = "DE", partyID: String = "MSP", tls: ServerTLS? = nil,
        transport: HTTPClientTransport = HTTPClientTransport(timeout: .seconds(10))
    ) throws {
        port = try LiveServer.freePort()
        self.inbox = inbox
        self.tls = tls
        self.transport = transport
        var modules: [PlatformProfile.Module] = [.init(.credentials, .sender, path: "/ocpi/emsp/2.2.1/credentials")]
        if inbox != nil {
            modules += [.locations, .tariffs, .sessions, .cdrs].map { .init($0, .receiver, path: "/ocpi/emsp/2.2.1/\($0.rawValue)") }
            modules += [.commands, .chargingprofiles, .tokens].map { .init($0, .sender, path: "/ocpi/emsp/2.2.1/\($0.rawValue)") }
        }
        profile = PlatformProfile(
            publicURL: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)",
            roles: [CredentialsRole(role: .emsp, businessDetails: BusinessDetails(name: "Test eMSP"), partyID: partyID, countryCode: countryCode)],
            modules: modules
        )
    }

    var credentials: CredentialsService<MemoryRegistry> {
        CredentialsService(registry: registry, profile: profile, transport: transport)
    }

    func run(_ body: () async throws -> Void) async throws {
        let configuration = OCPIServerConfiguration(publicURL: profile.publicURL, ownParties: profile.parties)
        let authenticator = RegistryAuthenticator(registry: registry)
        let versions = OCPIRoutes.versionsSender(VersionsService(profile: profile))
        var routes = OCPIRoutes.credentialsSender(credentials)
        if let inbox {
            routes += OCPIRoutes.locationsReceiver(inbox) + OCPIRoutes.tariffsReceiver(inbox) + OCPIRoutes.sessionsReceiver(inbox)
                + OCPIRoutes.cdrsReceiver(inbox) + OCPIRoutes.commandsSender(inbox) + OCPIRoutes.chargingProfilesSender(inbox)
                + OCPIRoutes.tokensSender(inbox)
        }
        if let tls {
            var router = HTTPRouter(logger: LiveServer.quietLogger)
            router.addOCPIRoutes(versions, at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
            router.addOCPIRoutes(routes, at: "/ocpi/emsp/2.2.1", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
            let server = { (running: @escaping @Sendable () -> Void) in
                OCPIHTTPServer(
                    router: router, configuration: .init(port: port, serverName: "test-emsp", tls: tls), logger: LiveServer.serverLogger,
                    onServerRunning: { _ in running() }
                )
            }
            try await LiveServer.run(serving: server, port: port, body)
            return
        }
        let router = Router()
        router.add(middleware: OCPIEnvelopeMiddleware())
        router.addOCPIRoutes(versions, at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
        router.addOCPIRoutes(routes, at: "/ocpi/emsp/2.2.1", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
        try await LiveServer.run(router, port: port, body)
    }
}

/// The CPO server on its own port, on a store in memory unless told otherwise.
struct CPOPeer {
    let server: CPOServer
    static let adminToken = "admin-secret"

    /// A partner that failed to answer is tried again at the stream's next look (a second), and
    /// at once when a test says so (`server.pusher.catchUp()`).
    static let testPush = PushConfiguration(offlinePause: .zero)

    static func open(
        database: StoreLocation = .memory, demoData: Bool = true, port: Int? = nil, timeout: TimeAmount = .seconds(10),
        push: PushConfiguration = testPush, simulator: ChargePointSimulator.Configuration? = nil, chargePoints: (any ChargePointLink)? = nil,
        commandTimeout: Duration = .seconds(10), maximumResponseSize: Int = 64 << 20, tls: ServerTLS? = nil, transport: HTTPClientTransport? = nil,
        releases: [CPOConfiguration.ServedRelease] = CPOConfiguration.ServedRelease.defaults
    ) async throws -> CPOPeer {
        let port = try port ?? LiveServer.freePort()
        let configuration = CPOConfiguration(
            port: port, database: database, adminToken: adminToken, countryCode: "NL", partyID: "SOC", demoData: demoData, push: push,
            simulator: simulator, commandTimeout: commandTimeout, tls: tls, releases: releases
        )
        return CPOPeer(server: try await CPOServer.open(
            configuration, transport: transport ?? HTTPClientTransport(timeout: timeout, maximumResponseSize: maximumResponseSize), chargePoints: chargePoints,
            logger: LiveServer.quietLogger
        ))
    }

    var baseURL: String { server.configuration.publicURL }

    /// Serves while `body` runs, then closes the store.
    func run(logger: Logger = LiveServer.quietLogger, _ body: () async throws -> Void) async throws {
        try await closing {
            try await LiveServer.run(servingAll: { running in
                server.services(logger: logger, onServerRunning: { _ in running() })
            }, port: server.configuration.port, body)
        }
    }

    /// `body` with the server not serving (before `run`, which closes the store itself); the
    /// store is closed when `body` throws (`defer` cannot await, and a store released open
    /// trips SQLiteNIO's assertion and takes the whole test process with it).
    func closedIfThrows<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    /// `body`, then the store closed, also when `body` throws (`run` serves inside it).
    @discardableResult
    func closing<T>(_ body: () async throws -> T) async throws -> T {
        let result = try await closedIfThrows(body)
        try await server.shutdown()
        return result
    }

    func connection(_ module: String, token: String) -> OCPIConnection {
        OCPIConnection(transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: "\(baseURL)/ocpi/cpo/2.2.1/\(module)", token: token)
    }
}

struct RawResponse {
    var status: Int
    var headers = HTTPFields()
    var body: [UInt8]
    var envelope: JSONValue? { try? JSONValue.decodeJSON(body).value }
    var text: String { String(decoding: body, as: UTF8.self) }
    var statusCode: Int? {
        if case .number(let value)? = envelope?["status_code"] { return NSDecimalNumber(decimal: value).intValue }
        return nil
    }
}

/// The client of the tests' own requests: the shared client's settings (a refused connection
/// fails at once; retrying it would turn a server that is down into a 30-second wait), with
/// enough connections per host that a test sending thirty requests at once never waits for
/// one (the shared client's eight made them queue past its five-second connect timeout on a
/// loaded CI machine: getConnectionFromPoolTimeout).
let testClient: HTTPClient = {
    var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30)))
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()

func send(_ method: String, _ url: String, authorization: String?, body: String? = nil, timeout: TimeAmount = .seconds(30)) async throws -> RawResponse {
    var headers = HTTPFields()
    if let authorization { headers[.authorization] = authorization }
    // A raw exchange: a redirect is the answer, not followed.
    var transport = HTTPClientTransport(client: testClient, timeout: timeout)
    transport.maximumRedirects = 0
    let response = try await transport.send(
        OCPIClientRequest(method: try httpMethod(method), url: url, headerFields: headers, body: body.map { Array($0.utf8) })
    )
    return RawResponse(response)
}

extension RawResponse {
    init(_ response: OCPIClientResponse) {
        self.init(status: response.head.status.code, headers: response.head.headerFields, body: response.body)
    }
}

/// A method as the tests write it (`"GET"`, a route's), as swift-http-types has it.
func httpMethod(_ text: String) throws -> HTTPRequest.Method {
    try #require(HTTPRequest.Method(text), "'\(text)' is not a method")
}

/// Header fields as the tests write them, by name.
func httpFields(_ pairs: [(String, String)]) throws -> HTTPFields {
    var fields = HTTPFields()
    for (name, value) in pairs {
        fields.append(HTTPField(name: try #require(HTTPField.Name(name), "'\(name)' is not a field name"), value: value))
    }
    return fields
}

func makeToken(uid: String, countryCode: String = "DE", partyID: String = "MSP") -> Token {
    Token(
        countryCode: countryCode, partyID: partyID, uid: uid, type: .rfid, contractID: "DE-MSP-C12345678-9", issuer: "Test eMSP",
        valid: true, whitelist: .allowed, lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000)
    )
}
