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
        if case .party(let party) = try await identify(authorization: header, writtenAs: expected) { return party }
        return nil
    }

    /// As `party(forAuthorization:writtenAs:)`, and when the header holds a known token in the
    /// other form, says so: the caller then gets an answer that names the form its release
    /// expects instead of "unknown token". (It tells nothing to whoever lacks the token.)
    public func identify(authorization header: String, writtenAs expected: CredentialsToken.Encoding?) async throws -> TokenIdentification {
        guard let expected else { return try await party(forAuthorization: header).map(TokenIdentification.party) ?? .unknown }
        var knownInOtherForm = false
        for (token, form) in CredentialsToken.candidatesWithForm(fromHeader: header) {
            guard let party = try await party(forToken: token) else { continue }
            if form == expected || party.isRegistering || (form == .raw && party.tokenEncoding == .raw) { return .party(party) }
            knownInOtherForm = true
        }
        return knownInOtherForm ? .writtenInTheOtherForm(expected: expected) : .unknown
    }

    /// The policy the party was found with (`OCPIParty.validation`).
    public func validationPolicy(for party: OCPIParty) async -> ValidationPolicy { party.validation }
}

/// What an `Authorization` header stands for (`OCPIAuthenticator.identify(authorization:writtenAs:)`).
public enum TokenIdentification: Sendable {
    case party(OCPIParty)
    /// The token is a partner's, but written in the form the called release does not use
    /// (base64 to a 2.1.1 module, or as it is to a 2.2.1 one by a partner that encodes).
    case writtenInTheOtherForm(expected: CredentialsToken.Encoding)
    /// No party holds the token, or the header is not `Token <token>`.
    case unknown
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
