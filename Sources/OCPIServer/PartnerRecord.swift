import Crypto
import Foundation
import OCPIRuntime

/// A partner platform and everything the credentials handshake established with it.
public struct PartnerRecord: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable {
        /// A registration token (token A) was minted for it; no handshake yet.
        case invited
        /// The handshake completed; it calls us with its credentials token.
        case registered
        /// It unregistered (or we did): no token of it is accepted.
        case unregistered
    }

    public struct Endpoint: Codable, Sendable, Hashable {
        public var identifier: OCPIModuleID
        /// `nil` when the partner's version details give no role (OCPI 2.1.1) or one that no
        /// release defines: such an endpoint is never taken for a sender or a receiver.
        public var role: OCPIInterfaceRole?
        public var url: String

        public init(identifier: OCPIModuleID, role: OCPIInterfaceRole?, url: String) {
            self.identifier = identifier
            self.role = role
            self.url = url
        }

        private enum CodingKeys: String, CodingKey {
            case identifier, role, url
        }

        /// A stored role that is no interface role is read as none rather than making the whole
        /// partner unreadable.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            identifier = try container.decode(OCPIModuleID.self, forKey: .identifier)
            role = try container.decodeIfPresent(String.self, forKey: .role).flatMap(OCPIInterfaceRole.init(rawValue:))
            url = try container.decode(String.self, forKey: .url)
        }
    }

    public struct Role: Codable, Sendable, Hashable {
        public var role: OCPIPartyRole
        public var countryCode: String
        public var partyID: String
        public var businessName: String?

        public init(role: OCPIPartyRole, countryCode: String, partyID: String, businessName: String? = nil) {
            self.role = role
            self.countryCode = countryCode
            self.partyID = partyID
            self.businessName = businessName
        }
    }

    public var id: String
    public var status: Status
    /// The digest (`CredentialsTokenDigest`) of the token the partner presents to us: token A
    /// while invited, then the one we issued. The token itself is kept nowhere.
    public private(set) var incomingTokenHash: String
    /// The only party an invited partner may register as (`parties invite --party`); held for
    /// it from the invitation on.
    public var reservedParty: PartyIdentity?
    /// The token we present to the partner (the one it gave us).
    public var outgoingToken: String?
    public var versionsURL: String?
    public var version: String?
    public var endpoints: [Endpoint]
    public var roles: [Role]
    public var tokenEncoding: CredentialsToken.Encoding
    /// How strictly what the partner writes to us (its requests and pushes) is judged.
    public var validation: ValidationPolicy
    /// How strictly what we read from the partner (its lists, its answers) is judged: lenient
    /// hands over each object that can be read with its violations (`OCPIConnection.readingPolicy`).
    public var readingPolicy: ValidationPolicy
    /// Whether the partner, after it was unreachable, is sent the current state of everything
    /// that changed meanwhile (beyond the spec, which leaves that to the partner's own GETs).
    public var catchUp: Bool
    public var createdAt: Date
    public var updatedAt: Date

    /// `incomingToken`: the token the partner will present, of which only the digest is kept.
    public init(
        id: String, status: Status, incomingToken: String, reservedParty: PartyIdentity? = nil, outgoingToken: String? = nil,
        versionsURL: String? = nil, version: String? = nil, endpoints: [Endpoint] = [], roles: [Role] = [],
        tokenEncoding: CredentialsToken.Encoding = .base64, validation: ValidationPolicy = .strict, readingPolicy: ValidationPolicy = .strict,
        catchUp: Bool = true, createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.status = status
        incomingTokenHash = CredentialsTokenDigest.of(incomingToken)
        self.reservedParty = reservedParty
        self.outgoingToken = outgoingToken
        self.versionsURL = versionsURL
        self.version = version
        self.endpoints = endpoints
        self.roles = roles
        self.tokenEncoding = tokenEncoding
        self.validation = validation
        self.readingPolicy = readingPolicy
        self.catchUp = catchUp
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    private enum CodingKeys: String, CodingKey {
        case id, status, incomingTokenHash, reservedParty, outgoingToken, versionsURL, version, endpoints, roles, tokenEncoding, validation, readingPolicy, catchUp, createdAt, updatedAt
    }

    /// Reads records written before a field existed with that field's default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        status = try container.decode(Status.self, forKey: .status)
        incomingTokenHash = try container.decode(String.self, forKey: .incomingTokenHash)
        reservedParty = try container.decodeIfPresent(PartyIdentity.self, forKey: .reservedParty)
        outgoingToken = try container.decodeIfPresent(String.self, forKey: .outgoingToken)
        versionsURL = try container.decodeIfPresent(String.self, forKey: .versionsURL)
        version = try container.decodeIfPresent(String.self, forKey: .version)
        endpoints = try container.decodeIfPresent([Endpoint].self, forKey: .endpoints) ?? []
        roles = try container.decodeIfPresent([Role].self, forKey: .roles) ?? []
        tokenEncoding = try container.decodeIfPresent(CredentialsToken.Encoding.self, forKey: .tokenEncoding) ?? .base64
        validation = try container.decodeIfPresent(ValidationPolicy.self, forKey: .validation) ?? .strict
        readingPolicy = try container.decodeIfPresent(ValidationPolicy.self, forKey: .readingPolicy) ?? .strict
        catchUp = try container.decodeIfPresent(Bool.self, forKey: .catchUp) ?? true
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        updatedAt = try container.decode(Date.self, forKey: .updatedAt)
    }

    /// Replaces the token the partner presents (a new token C, a rotated one).
    public mutating func setIncomingToken(_ token: String) {
        incomingTokenHash = CredentialsTokenDigest.of(token)
    }

    /// The parties the partner holds, which no other partner may hold: those it registered as,
    /// or the party an invitation reserves for it; none once unregistered.
    public var heldParties: [PartyIdentity] {
        switch status {
        case .registered: Array(Set(roles.map { PartyIdentity(countryCode: $0.countryCode, partyID: $0.partyID).normalized }))
        case .invited: reservedParty.map { [$0.normalized] } ?? []
        case .unregistered: []
        }
    }

    /// The partner as the request pipeline sees it.
    public var party: OCPIParty {
        var party = OCPIParty(
            id: id,
            roles: roles.map { OCPIParty.Role(party: PartyIdentity(countryCode: $0.countryCode, partyID: $0.partyID), role: $0.role) },
            isRegistering: status == .invited,
            validation: validation
        )
        party.tokenEncoding = tokenEncoding
        return party
    }

    /// The partner's endpoint of a module's interface; the credentials module has one for both
    /// sides, whichever role the partner lists.
    public func endpoint(_ identifier: OCPIModuleID, role: OCPIInterfaceRole) -> Endpoint? {
        endpoints.first { $0.identifier == identifier && ($0.role == role || identifier == .credentials) }
    }

    /// A connection to the partner's `identifier` endpoint in `role`, as its version details
    /// give it, with the token it gave us, its token encoding and our reading policy for it;
    /// `nil` when it lists no such endpoint or gave us no token.
    public func connection(
        to identifier: OCPIModuleID, role: OCPIInterfaceRole, transport: any OCPIClientTransport, routing: RoutingHeaders = RoutingHeaders()
    ) -> OCPIConnection? {
        guard let endpoint = endpoint(identifier, role: role), let token = outgoingToken else { return nil }
        return OCPIConnection(
            transport: transport, endpointURL: endpoint.url, token: token, tokenEncoding: tokenEncoding, routing: routing,
            readingPolicy: readingPolicy
        )
    }
}

/// Where partners are kept: the CPO server backs it with its store. `insert` and `update` throw
/// `PartyTakenError` when the partner would hold a party that another partner holds.
public protocol PartnerRegistry: Sendable {
    /// The partner that presents `incomingToken` (looked up by its digest).
    func partner(incomingToken: String) async throws -> PartnerRecord?
    func partner(id: String) async throws -> PartnerRecord?
    func insert(_ partner: PartnerRecord) async throws
    func update(_ partner: PartnerRecord) async throws
    func partners() async throws -> [PartnerRecord]
    /// The id of the partner that holds `party`, if one does.
    func holder(of party: PartyIdentity) async throws -> String?
}

/// Authenticates requests by the partners of a registry: a registered partner's token opens
/// every module, an invited partner's registration token only versions and credentials, an
/// unregistered partner's token nothing.
public struct RegistryAuthenticator<Registry: PartnerRegistry>: OCPIAuthenticator {
    public let registry: Registry

    public init(registry: Registry) {
        self.registry = registry
    }

    public func party(forToken token: String) async throws -> OCPIParty? {
        guard let partner = try await registry.partner(incomingToken: token), partner.status != .unregistered else { return nil }
        var party = partner.party
        party.credentialsToken = token
        return party
    }
}

/// A party (country code and party id) is held by another partner.
public struct PartyTakenError: Error, Sendable, CustomStringConvertible {
    public var party: PartyIdentity
    /// The id of the partner that holds it.
    public var holder: String

    public init(party: PartyIdentity, holder: String) {
        self.party = party
        self.holder = holder
    }

    public var description: String { "\(party) is held by another partner" }
}

/// How a credentials token is kept: its SHA-256, in lower-case hex. The tokens this platform
/// accepts are ones it minted (`TokenGenerator`: 32 random bytes), so a digest without salt or
/// stretching is as hard to reverse as the token is to guess, and it can be looked up.
public enum CredentialsTokenDigest {
    public static func of(_ token: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(token.utf8)) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// New random credentials tokens: 32 bytes from the system's generator, hex (printable ASCII).
public enum TokenGenerator {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
