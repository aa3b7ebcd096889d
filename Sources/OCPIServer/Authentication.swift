import OCPIRuntime

/// Finds the party a credentials token belongs to. The CPO server implements it on its store;
/// `StaticAuthenticator` serves fixed tables.
public protocol OCPIAuthenticator: Sendable {
    /// The party a request's `Authorization` header stands for, or `nil`. By default the header
    /// is `Token <credentials token>` (base64 or as it is) and `party(forToken:)` decides.
    func party(forAuthorization header: String) async throws -> OCPIParty?
    /// The party that holds `token`, or `nil` when the token is unknown.
    func party(forToken token: String) async throws -> OCPIParty?
    /// How strictly this party's payloads are judged.
    func validationPolicy(for party: OCPIParty) async -> ValidationPolicy
}

extension OCPIAuthenticator {
    public func party(forAuthorization header: String) async throws -> OCPIParty? {
        for candidate in CredentialsToken.candidates(fromHeader: header) {
            if let party = try await party(forToken: candidate) { return party }
        }
        return nil
    }

    /// The policy the party was found with (`OCPIParty.validation`).
    public func validationPolicy(for party: OCPIParty) async -> ValidationPolicy { party.validation }
}

/// Tokens and their parties fixed at start, for servers whose partners are configured by hand.
public struct StaticAuthenticator: OCPIAuthenticator {
    public var parties: [String: OCPIParty]
    public var policies: [String: ValidationPolicy]

    public init(parties: [String: OCPIParty], policies: [String: ValidationPolicy] = [:]) {
        self.parties = parties
        self.policies = policies
    }

    public func party(forToken token: String) async throws -> OCPIParty? { parties[token] }

    public func validationPolicy(for party: OCPIParty) async -> ValidationPolicy { policies[party.id] ?? .strict }
}
