import Foundation
import Logging
import OCPI221
import OCPIRuntime

/// The credentials module and the registration handshake, in both directions.
///
/// Started by the partner: it calls `POST /credentials` with the registration token (token A)
/// we gave it and its own token B; we fetch its versions and endpoints with token B, choose the
/// highest release both speak, and answer with a new token C, which replaces token A.
/// Started by us (`register`): we fetch the partner's versions with its token A, post our
/// credentials with a new token B, and keep the token C it answers with.
public struct CredentialsService<Registry: PartnerRegistry>: CredentialsSender {
    public let registry: Registry
    public let profile: PlatformProfile
    public let transport: any OCPIClientTransport
    public let logger: Logger

    /// The releases this platform speaks, best first.
    public static var supportedVersions: [String] { [OCPIRelease.version] }

    public init(registry: Registry, profile: PlatformProfile, transport: any OCPIClientTransport, logger: Logger = Logger(label: "ocpi.credentials")) {
        self.registry = registry
        self.profile = profile
        self.transport = transport
        self.logger = logger
    }

    private func caller(_ context: OCPIRequestContext) async throws -> PartnerRecord {
        guard let id = context.party?.id, let partner = try await registry.partner(id: id) else {
            throw OCPIError(.unauthorized, "Unknown credentials token")
        }
        return partner
    }

    public func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<Credentials> {
        .ok(profile.credentials(token: try await caller(context).incomingToken))
    }

    public func postCredentials(_ context: OCPIRequestContext, body: Credentials) async throws -> OCPIReply<Credentials> {
        var partner = try await caller(context)
        guard partner.status == .invited else {
            throw OCPIError(.methodNotAllowed, "Already registered: use PUT to update the credentials, or DELETE to unregister")
        }
        try await connect(&partner, with: body)
        return .ok(profile.credentials(token: partner.incomingToken))
    }

    public func putCredentials(_ context: OCPIRequestContext, body: Credentials) async throws -> OCPIReply<Credentials> {
        var partner = try await caller(context)
        guard partner.status == .registered else {
            throw OCPIError(.methodNotAllowed, "Not registered: register with POST first")
        }
        try await connect(&partner, with: body)
        return .ok(profile.credentials(token: partner.incomingToken))
    }

    public func deleteCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPINoData> {
        var partner = try await caller(context)
        guard partner.status == .registered else {
            throw OCPIError(.methodNotAllowed, "Not registered, so there is nothing to unregister")
        }
        partner.status = .unregistered
        try await registry.update(partner)
        logger.info("partner unregistered", metadata: ["partner": .string(partner.id)])
        return .ok
    }

    /// Learns the partner's platform from its credentials, then issues a new token for it.
    private func connect(_ partner: inout PartnerRecord, with credentials: Credentials) async throws {
        let (version, endpoints, encoding) = try await discover(versionsURL: credentials.url, token: credentials.token)
        partner.status = .registered
        partner.outgoingToken = credentials.token
        partner.tokenEncoding = encoding
        partner.versionsURL = credentials.url
        partner.version = version
        partner.endpoints = endpoints
        partner.roles = credentials.roles.map {
            PartnerRecord.Role(role: $0.role.rawValue, countryCode: $0.countryCode, partyID: $0.partyID, businessName: $0.businessDetails.name)
        }
        partner.incomingToken = TokenGenerator.make()
        try await registry.update(partner)
        logger.info("partner registered", metadata: ["partner": .string(partner.id), "version": .string(version)])
    }

    /// Fetches a partner's versions and the endpoints of the best common release. A partner that
    /// refuses our base64 token is tried once with the token as it is, and remembered so.
    func discover(versionsURL: String, token: String) async throws -> (version: String, endpoints: [PartnerRecord.Endpoint], encoding: CredentialsToken.Encoding) {
        var lastError: (any Error)?
        for encoding in CredentialsToken.Encoding.allCases {
            let connection = OCPIConnection(transport: transport, endpointURL: versionsURL, token: token, tokenEncoding: encoding)
            let versions: [Version]
            do {
                versions = try await VersionsSenderClient(connection: connection).getVersions()
            } catch let error as OCPIClientError where error.httpStatus == 401 {
                lastError = error
                continue
            } catch {
                throw OCPIError(.unableToUseClientAPI, "Could not read the versions at \(versionsURL): \(error)")
            }
            guard let best = Self.supportedVersions.lazy.compactMap({ supported in versions.first { $0.version.rawValue == supported } }).first else {
                let offered = versions.map(\.version.rawValue).joined(separator: ", ")
                throw OCPIError(.unsupportedVersion, "No common OCPI version: the partner offers \(offered.isEmpty ? "none" : offered), we speak \(Self.supportedVersions.joined(separator: ", "))")
            }
            var details = connection
            details.endpointURL = best.url
            let versionDetails: VersionDetails
            do {
                versionDetails = try await VersionsSenderClient(connection: details).getVersionDetails()
            } catch {
                throw OCPIError(.unableToUseClientAPI, "Could not read the version details at \(best.url): \(error)")
            }
            let endpoints = versionDetails.endpoints.map { PartnerRecord.Endpoint(identifier: $0.identifier.rawValue, role: $0.role.rawValue, url: $0.url) }
            guard endpoints.contains(where: { $0.identifier == "credentials" }) else {
                throw OCPIError(.noMatchingEndpoints, "The partner's version details list no credentials endpoint")
            }
            return (best.version.rawValue, endpoints, encoding)
        }
        throw OCPIError(.unableToUseClientAPI, "The partner refused the credentials token at \(versionsURL): \(lastError.map { "\($0)" } ?? "")")
    }

    /// Registration started by us, with the registration token the partner gave us.
    public func register(versionsURL: String, tokenA: String) async throws -> PartnerRecord {
        let (version, endpoints, encoding) = try await discover(versionsURL: versionsURL, token: tokenA)
        guard let credentialsEndpoint = endpoints.first(where: { $0.identifier == "credentials" }) else {
            throw OCPIError(.noMatchingEndpoints, "The partner's version details list no credentials endpoint")
        }
        // The partner may call us back with token B while it handles our POST.
        var partner = PartnerRecord(
            id: UUID().uuidString.lowercased(), status: .invited, incomingToken: TokenGenerator.make(), versionsURL: versionsURL,
            version: version, endpoints: endpoints, tokenEncoding: encoding
        )
        try await registry.insert(partner)
        let connection = OCPIConnection(transport: transport, endpointURL: credentialsEndpoint.url, token: tokenA, tokenEncoding: encoding)
        let theirs: Credentials
        do {
            theirs = try await CredentialsSenderClient(connection: connection).postCredentials(body: profile.credentials(token: partner.incomingToken))
        } catch {
            partner.status = .unregistered
            try await registry.update(partner)
            throw error
        }
        partner.status = .registered
        partner.outgoingToken = theirs.token
        partner.roles = theirs.roles.map {
            PartnerRecord.Role(role: $0.role.rawValue, countryCode: $0.countryCode, partyID: $0.partyID, businessName: $0.businessDetails.name)
        }
        try await registry.update(partner)
        logger.info("registered with partner", metadata: ["partner": .string(partner.id), "version": .string(version)])
        return partner
    }
}
