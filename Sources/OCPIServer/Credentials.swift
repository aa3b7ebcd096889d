import Foundation
import Logging
import OCPI211
import OCPI221
import OCPI230
import OCPIRuntime

/// The credentials module and the registration handshake, in both directions.
///
/// Started by the partner: it calls `POST /credentials` with the registration token (token A)
/// we gave it and its own token B; we fetch its versions and endpoints with token B, choose the
/// highest release both speak, and answer with a new token C, which replaces token A.
/// Started by us (`register`): we fetch the partner's versions with its token A, post our
/// credentials with a new token B, and keep the token C it answers with.
public struct CredentialsService<Registry: PartnerRegistry>: OCPI221.CredentialsSender {
    public let registry: Registry
    public let profile: PlatformProfile
    public let transport: any OCPIClientTransport
    public let logger: Logger
    /// Told of every partner once its registration (or a change of its credentials) is stored,
    /// in either direction: the CPO pulls its token list then.
    public let onRegistered: @Sendable (PartnerRecord) async -> Void

    /// The releases this platform speaks, best first (`PlatformProfile.releases`).
    public var supportedVersions: [String] {
        profile.releases.sorted(by: OCPIVersionOrder.precedes).reversed()
    }

    public init(
        registry: Registry, profile: PlatformProfile, transport: any OCPIClientTransport, logger: Logger = Logger(label: "ocpi.credentials"),
        onRegistered: @escaping @Sendable (PartnerRecord) async -> Void = { _ in }
    ) {
        self.registry = registry
        self.profile = profile
        self.transport = transport
        self.logger = logger
        self.onRegistered = onRegistered
    }

    func caller(_ context: OCPIRequestContext) async throws -> PartnerRecord {
        guard let id = context.party?.id, let partner = try await registry.partner(id: id) else {
            throw OCPIError(.unauthorized, "Unknown credentials token")
        }
        return partner
    }

    /// Our credentials with the token the partner presented: the one it uses with us (we keep
    /// only its digest, so it is the request's own).
    public func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI221.Credentials> {
        _ = try await caller(context)
        guard let token = context.party?.credentialsToken else { throw OCPIError(.unauthorized, "Unknown credentials token") }
        return .ok(profile.credentials(token: token))
    }

    public func postCredentials(_ context: OCPIRequestContext, body: OCPI221.Credentials) async throws -> OCPIReply<OCPI221.Credentials> {
        var partner = try await caller(context)
        guard partner.status == .invited else {
            throw OCPIError(.methodNotAllowed, "Already registered: use PUT to update the credentials, or DELETE to unregister")
        }
        return .ok(profile.credentials(token: try await connect(&partner, with: body)))
    }

    public func putCredentials(_ context: OCPIRequestContext, body: OCPI221.Credentials) async throws -> OCPIReply<OCPI221.Credentials> {
        var partner = try await caller(context)
        guard partner.status == .registered else {
            throw OCPIError(.methodNotAllowed, "Not registered: register with POST first")
        }
        return .ok(profile.credentials(token: try await connect(&partner, with: body)))
    }

    public func deleteCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPINoData> {
        try await unregister(try await caller(context))
        return .ok
    }

    /// DELETE credentials, in whichever release the partner calls it.
    func unregister(_ partner: PartnerRecord) async throws {
        var partner = partner
        guard partner.status == .registered else {
            throw OCPIError(.methodNotAllowed, "Not registered, so there is nothing to unregister")
        }
        partner.status = .unregistered
        try await registry.update(partner)
        logger.info("partner unregistered", metadata: ["partner": .string(partner.id)])
    }

    /// Learns the partner's platform from its credentials, then issues a new token for it, which
    /// it returns. Refused, with nothing changed, when a role names a party that is ours, that
    /// another partner holds, or that the partner's invitation does not allow.
    private func connect(_ partner: inout PartnerRecord, with credentials: OCPI221.Credentials) async throws -> String {
        let roles = credentials.roles.map {
            PartnerRecord.Role(role: OCPIPartyRole(rawValue: $0.role.rawValue), countryCode: $0.countryCode, partyID: $0.partyID, businessName: $0.businessDetails.name)
        }
        return try await connect(&partner, token: credentials.token, url: credentials.url, roles: roles, release: OCPI221.OCPIRelease.version)
    }

    /// `connect(_:with:)` in any release: the partner's token and versions URL, the parties it
    /// acts as, and the release whose credentials endpoint it called, which is the release it
    /// registers on. `pointer` says where the body names the party of `roles[i]`, for refusals.
    func connect(
        _ partner: inout PartnerRecord, token: String, url: String, roles: [PartnerRecord.Role], release: String,
        pointer: (Int) -> JSONPath = rolePointer
    ) async throws -> String {
        try await checkParties(of: roles, for: partner, pointer: pointer)
        let (version, endpoints, encoding) = try await discover(versionsURL: url, token: token, release: release, as: roles.first?.role)
        var updated = partner
        updated.status = .registered
        updated.outgoingToken = token
        updated.tokenEncoding = encoding
        updated.versionsURL = url
        updated.version = version
        updated.endpoints = endpoints
        updated.roles = roles
        let token = TokenGenerator.make()
        updated.setIncomingToken(token)
        do {
            try await registry.update(updated)
        } catch let taken as PartyTakenError {
            throw Self.refusal(taken, in: roles, pointer: pointer)
        }
        partner = updated
        logger.info("partner registered", metadata: ["partner": .string(partner.id), "version": .string(version)])
        await onRegistered(updated)
        return token
    }

    /// The parties a partner may not register as: ours, any but the one its invitation reserves,
    /// and those another partner holds, found before the partner's platform is called. (Two
    /// partners racing for one party are told apart by the registry's write.)
    ///
    /// `replacing`: when we start the registration (the operator chose the platform), a party
    /// held by an earlier record of the same platform (the same versions URL, registered before
    /// and forgotten by the other side) is given up by that record instead of refused. A partner
    /// that registers with us gets no such leeway: anyone can name another platform's URL.
    private func checkParties(
        of roles: [PartnerRecord.Role], for partner: PartnerRecord, replacing versionsURL: String? = nil, pointer path: (Int) -> JSONPath = rolePointer
    ) async throws {
        for (index, role) in roles.enumerated() {
            let pointer = path(index)
            let party = PartyIdentity(countryCode: role.countryCode, partyID: role.partyID)
            if let holder = try await registry.holder(of: party), holder != partner.id {
                if let versionsURL, var earlier = try await registry.partner(id: holder), earlier.versionsURL == versionsURL {
                    earlier.status = .unregistered
                    try await registry.update(earlier)
                    logger.info("earlier registration replaced", metadata: ["partner": .string(earlier.id), "by": .string(partner.id)])
                } else {
                    throw Self.refusal(PartyTakenError(party: party.normalized, holder: holder), in: roles, pointer: path)
                }
            }
            if profile.parties.contains(where: { $0.matches(countryCode: role.countryCode, partyID: role.partyID) }) {
                throw OCPIError.invalid([Violation(path: pointer, message: "names \(role.countryCode)/\(role.partyID), which is this platform")])
            }
            if let reserved = partner.reservedParty, !reserved.matches(countryCode: role.countryCode, partyID: role.partyID) {
                throw OCPIError.invalid([Violation(path: pointer, message: "names \(role.countryCode)/\(role.partyID); this registration token is for \(reserved) only")])
            }
        }
    }

    /// Where 2.2.1's credentials name a party: its role in `roles`.
    static func rolePointer(_ index: Int) -> JSONPath { JSONPath([.key("roles"), .index(index)]) }

    /// The client error for a party another partner holds, pointing at the role that names it.
    static func refusal(_ taken: PartyTakenError, in roles: [PartnerRecord.Role], pointer: (Int) -> JSONPath = rolePointer) -> OCPIError {
        let index = roles.firstIndex { taken.party.matches(countryCode: $0.countryCode, partyID: $0.partyID) } ?? 0
        return OCPIError.invalid([Violation(path: pointer(index), message: "names \(taken.party), which another partner holds")])
    }

    /// Fetches a partner's versions and the endpoints of `release`, or of the best common release.
    /// A partner that refuses our base64 token is tried once with the token as it is, and
    /// remembered so; a partner on 2.1.1 is sent its token as it is, as 2.1.1 writes it.
    func discover(
        versionsURL: String, token: String, release: String? = nil, as partyRole: OCPIPartyRole? = nil
    ) async throws -> (version: String, endpoints: [PartnerRecord.Endpoint], encoding: CredentialsToken.Encoding) {
        var lastError: (any Error)?
        // The release says how the token is written: as it is in 2.1.1. Otherwise base64, and
        // the token as it is for a partner that refuses base64.
        let encodings: [CredentialsToken.Encoding] = release == OCPI211.OCPIRelease.version ? [.raw] : CredentialsToken.Encoding.allCases
        for encoding in encodings {
            let connection = OCPIConnection(transport: transport, endpointURL: versionsURL, token: token, tokenEncoding: encoding)
            let versions: [OCPI221.Version]
            do {
                versions = try await OCPI221.VersionsSenderClient(connection: connection).getVersions()
            } catch let error as OCPIClientError where error.httpStatus == 401 {
                lastError = error
                continue
            } catch {
                throw OCPIError(.unableToUseClientAPI, "Could not read the versions at \(versionsURL): \(error)")
            }
            let wanted = release.map { [$0] } ?? supportedVersions
            guard let best = wanted.lazy.compactMap({ supported in versions.first { $0.version.rawValue == supported } }).first else {
                let offered = versions.map(\.version.rawValue).joined(separator: ", ")
                throw OCPIError(.unsupportedVersion, "No common OCPI version: the partner offers \(offered.isEmpty ? "none" : offered), we speak \(wanted.joined(separator: ", "))")
            }
            var details = connection
            details.endpointURL = best.url
            let endpoints: [PartnerRecord.Endpoint]
            do {
                endpoints = try await Self.endpoints(of: best.version.rawValue, at: details, as: partyRole)
            } catch {
                throw OCPIError(.unableToUseClientAPI, "Could not read the version details at \(best.url): \(error)")
            }
            guard endpoints.contains(where: { $0.identifier == .credentials }) else {
                throw OCPIError(.noMatchingEndpoints, "The partner's version details list no credentials endpoint")
            }
            return (best.version.rawValue, endpoints, best.version.rawValue == OCPI211.OCPIRelease.version ? .raw : encoding)
        }
        throw OCPIError(.unableToUseClientAPI, "The partner refused the credentials token at \(versionsURL): \(lastError.map { "\($0)" } ?? "")")
    }

    /// A release's version details, read with that release's client (2.3.0's lists the same
    /// fields as 2.2.1's, under its own version number). 2.1.1 lists no roles: each
    /// endpoint gets the side that the partner's kind of party (`partyRole`) implements in that
    /// module, by the release's spec (`OCPIRelease.interfaceRoles`), or none.
    static func endpoints(of release: String, at connection: OCPIConnection, as partyRole: OCPIPartyRole?) async throws -> [PartnerRecord.Endpoint] {
        if release == OCPI211.OCPIRelease.version {
            return try await OCPI211.VersionsSenderClient(connection: connection).getVersionDetails().endpoints.map {
                let module = OCPIModuleID(rawValue: $0.identifier.rawValue)
                let side = partyRole.flatMap { OCPI211.OCPIRelease.interfaceRoles[module]?[$0] }
                return PartnerRecord.Endpoint(identifier: module, role: side, url: $0.url)
            }
        }
        if release == OCPI230.OCPIRelease.version {
            return try await OCPI230.VersionsSenderClient(connection: connection).getVersionDetails().endpoints.map {
                PartnerRecord.Endpoint(identifier: OCPIModuleID(rawValue: $0.identifier.rawValue), role: OCPIInterfaceRole(rawValue: $0.role.rawValue), url: $0.url)
            }
        }
        return try await OCPI221.VersionsSenderClient(connection: connection).getVersionDetails().endpoints.map {
            PartnerRecord.Endpoint(identifier: OCPIModuleID(rawValue: $0.identifier.rawValue), role: OCPIInterfaceRole(rawValue: $0.role.rawValue), url: $0.url)
        }
    }

    /// Our credentials with `token`, posted to the partner's credentials endpoint in `release`;
    /// the token it answers with and the parties it names.
    private func postCredentials(_ token: String, to connection: OCPIConnection, release: String) async throws -> (token: String, roles: [PartnerRecord.Role]) {
        if release == OCPI211.OCPIRelease.version {
            let theirs = try await OCPI211.CredentialsSenderClient(connection: connection).postCredentials(body: profile.credentials211(token: token))
            return (theirs.token, [PartnerRecord.Role(role: .emsp, countryCode: theirs.countryCode, partyID: theirs.partyID, businessName: theirs.businessDetails.name)])
        }
        if release == OCPI230.OCPIRelease.version {
            let theirs = try await OCPI230.CredentialsSenderClient(connection: connection).postCredentials(body: profile.credentials230(token: token))
            return (theirs.token, CredentialsService230<Registry>.roles(of: theirs))
        }
        let theirs = try await OCPI221.CredentialsSenderClient(connection: connection).postCredentials(body: profile.credentials(token: token))
        return (theirs.token, theirs.roles.map {
            PartnerRecord.Role(role: OCPIPartyRole(rawValue: $0.role.rawValue), countryCode: $0.countryCode, partyID: $0.partyID, businessName: $0.businessDetails.name)
        })
    }

    /// Registration started by us, with the registration token the partner gave us, on the best
    /// release both sides speak.
    public func register(versionsURL: String, tokenA: String) async throws -> PartnerRecord {
        // The best release both sides speak; a 2.1.1 platform is taken for an eMSP (2.1.1's
        // credentials name no role, and this platform registers eMSPs).
        let (version, endpoints, encoding) = try await discover(versionsURL: versionsURL, token: tokenA, as: .emsp)
        guard let credentialsEndpoint = endpoints.first(where: { $0.identifier == .credentials }) else {
            throw OCPIError(.noMatchingEndpoints, "The partner's version details list no credentials endpoint")
        }
        // The partner may call us back with token B while it handles our POST.
        let tokenB = TokenGenerator.make()
        var partner = PartnerRecord(
            id: UUID().uuidString.lowercased(), status: .invited, incomingToken: tokenB, versionsURL: versionsURL,
            version: version, endpoints: endpoints, tokenEncoding: encoding
        )
        try await registry.insert(partner)
        let connection = OCPIConnection(transport: transport, endpointURL: credentialsEndpoint.url, token: tokenA, tokenEncoding: encoding)
        let theirs: (token: String, roles: [PartnerRecord.Role])
        do {
            theirs = try await postCredentials(tokenB, to: connection, release: version)
        } catch {
            partner.status = .unregistered
            try await registry.update(partner)
            throw error
        }
        var registered = partner
        registered.status = .registered
        registered.outgoingToken = theirs.token
        registered.roles = theirs.roles
        do {
            try await checkParties(of: registered.roles, for: partner, replacing: versionsURL)
            try await registry.update(registered)
        } catch {
            // The partner now counts us as registered: it is told we are not (its token C,
            // once), and nothing of it stays usable here.
            partner.status = .unregistered
            try await registry.update(partner)
            var theirConnection = connection
            theirConnection.token = theirs.token
            if version == OCPI211.OCPIRelease.version {
                _ = try? await OCPI211.CredentialsSenderClient(connection: theirConnection).deleteCredentials()
            } else if version == OCPI230.OCPIRelease.version {
                _ = try? await OCPI230.CredentialsSenderClient(connection: theirConnection).deleteCredentials()
            } else {
                _ = try? await OCPI221.CredentialsSenderClient(connection: theirConnection).deleteCredentials()
            }
            if let taken = error as? PartyTakenError { throw Self.refusal(taken, in: registered.roles) }
            throw error
        }
        logger.info("registered with partner", metadata: ["partner": .string(registered.id), "version": .string(version)])
        await onRegistered(registered)
        return registered
    }
}
