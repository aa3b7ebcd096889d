/// The calling party, as the server's authentication found it.
public struct OCPIParty: Sendable, Hashable {
    /// The server's own identifier of the partner.
    public var id: String
    /// The parties (country code, party id, role) the partner acts as.
    public var roles: [Role]
    /// Whether the partner authenticated with a registration token (token A), which opens only
    /// the versions and credentials modules.
    public var isRegistering: Bool
    /// How strictly the partner's payloads are judged.
    public var validation: ValidationPolicy
    /// The credentials token the partner presented with this request, as the authenticator
    /// found it (`GET credentials` answers with it: the server keeps only its digest).
    public var credentialsToken: String?
    /// How the partner writes its token in `Authorization`: `.raw` for a partner on 2.1.1 or one
    /// that never adopted 2.2's base64 (`ocpi-cpo parties token-encoding`), which is then
    /// accepted as it is on every release; `.base64` holds it to its release's form.
    public var tokenEncoding: CredentialsToken.Encoding = .base64

    public struct Role: Sendable, Hashable {
        public var party: PartyIdentity
        public var role: OCPIPartyRole

        public init(party: PartyIdentity, role: OCPIPartyRole) {
            self.party = party
            self.role = role
        }
    }

    public init(id: String, roles: [Role], isRegistering: Bool = false, validation: ValidationPolicy = .strict) {
        self.id = id
        self.roles = roles
        self.isRegistering = isRegistering
        self.validation = validation
    }

    /// Whether the partner acts as this party (in any role).
    public func owns(countryCode: String, partyID: String) -> Bool {
        roles.contains { $0.party.matches(countryCode: countryCode, partyID: partyID) }
    }
}

/// How strictly a partner's payloads are judged.
public enum ValidationPolicy: String, Sendable, Codable, CaseIterable {
    /// Refuse a payload that breaks any rule (OCPI 2001 with every violation).
    case strict
    /// Accept a payload that can be read at all, and record what it breaks.
    case lenient
}
