import Foundation
import Logging
import OCPI221
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import ServiceLifecycle

/// The checker as the partner's counterpart in the credentials handshake (OCPI 2.2.1, the
/// release `CredentialsService` speaks): it serves its own versions and credentials while it
/// registers with the partner's token A, keeps the token C the partner answers with, and
/// unregisters at the end. It lists no other module, so the partner pushes nothing to it.
public struct Registration: Sendable {
    /// Where the checker's versions and credentials are served during the handshake.
    public var host: String
    public var port: Int
    /// How the partner reaches them (`http://HOST:PORT` unless a proxy or tunnel stands between).
    public var publicURL: String
    /// The checker's own party and role (EMSP when it checks a CPO, CPO otherwise).
    public var party: PartyIdentity
    public var role: Role

    public init(host: String, port: Int, publicURL: String? = nil, party: PartyIdentity, role: Role) {
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.party = party
        self.role = role
    }

    /// The partner as the handshake left it: the token to use, and where to unregister.
    public struct Registered: Sendable {
        public var tokenC: String
        public var credentialsURL: String
        public var encoding: CredentialsToken.Encoding
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Registers with the partner at `versionsURL` with its registration token.
    public func register(versionsURL: String, tokenA: String, transport: any OCPIClientTransport) async throws -> Registered {
        let profile = PlatformProfile(
            publicURL: publicURL,
            roles: [CredentialsRole(role: role, businessDetails: BusinessDetails(name: "ocpi-check"), partyID: party.partyID, countryCode: party.countryCode)],
            modules: [.init(.credentials, .sender, path: "/ocpi/check/\(OCPIRelease.version)/credentials")]
        )
        let registry = CheckerRegistry()
        var logger = Logger(label: "ocpi-check")
        logger.logLevel = .warning
        let service = CredentialsService(registry: registry, profile: profile, transport: transport, logger: logger)
        let configuration = OCPIServerConfiguration(publicURL: profile.publicURL, ownParties: profile.parties)
        let authenticator = RegistryAuthenticator(registry: registry)
        var router = HTTPRouter(logger: logger)
        router.addOCPIRoutes(
            OCPIRoutes.versionsSender(VersionsService(profile: profile)), at: "/ocpi", configuration: configuration, authenticator: authenticator,
            logger: logger)
        router.addOCPIRoutes(
            OCPIRoutes.credentialsSender(service), at: "/ocpi/check/\(OCPIRelease.version)", configuration: configuration, authenticator: authenticator,
            logger: logger)
        let (started, running) = AsyncStream<Void>.makeStream()
        let server = OCPIHTTPServer(router: router, configuration: .init(host: host, port: port, serverName: "ocpi-check"), logger: logger) { _ in
            running.yield()
        }
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        let serving = Task {
            defer { running.finish() }
            try await group.run()
        }
        var listening = false
        for await _ in started {
            listening = true
            break
        }
        defer {
            Task { await group.triggerGracefulShutdown() }
        }
        guard listening else {
            _ = try? await serving.value
            throw Failed(description: "could not listen on \(host):\(port) for the handshake")
        }
        let partner = try await service.register(versionsURL: versionsURL, tokenA: tokenA)
        guard let tokenC = partner.outgoingToken, let credentials = partner.endpoints.first(where: { $0.identifier == .credentials }) else {
            throw Failed(description: "the partner's answer held no token C")
        }
        return Registered(tokenC: tokenC, credentialsURL: credentials.url, encoding: partner.tokenEncoding)
    }

    /// Ends the registration: `DELETE credentials` with token C.
    public static func unregister(_ registered: Registered, transport: any OCPIClientTransport) async throws {
        let connection = OCPIConnection(
            transport: transport, endpointURL: registered.credentialsURL, token: registered.tokenC, tokenEncoding: registered.encoding)
        _ = try await CredentialsSenderClient(connection: connection).deleteCredentials()
    }
}

/// The checker's one partner, in memory for the run.
actor CheckerRegistry: PartnerRegistry {
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
}
