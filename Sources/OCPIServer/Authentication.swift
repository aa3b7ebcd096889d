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

    /// The party a request's `Authorization` header stands for, when its token is written as
    /// `expected` says (the form of the release whose module is called; `nil`: either).
    ///
    /// The form is never guessed from the token: a token of 64 hex digits is valid base64 too,
    /// and decodes to bytes that are no token. A partner is accepted in its release's form, and
    /// as it is when it writes its token so (`OCPIParty.tokenEncoding`: 2.1.1 partners, and
    /// partners set to raw, as 2.2.1 allows for platforms that never encode). A registration
    /// token is taken in either form: the partner's release is not known before it registers.
    public func party(forAuthorization header: String, writtenAs expected: CredentialsToken.Encoding?) async throws -> OCPIParty? {
        guard let expected else { return try await party(forAuthorization: header) }
        for (token, form) in CredentialsToken.candidatesWithForm(fromHeader: header) {
            guard let party = try await party(forToken: token) else { continue }
            if form == expected || party.isRegistering || (form == .raw && party.tokenEncoding == .raw) { return party }
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
