import OCPI221
import OCPIRuntime
import OCPIStore

/// The CPO's Tokens RECEIVER interface: eMSPs push their tokens; each may only touch its own
/// (any other country code and party id is not found, as if it did not exist).
public struct CPOTokens: TokensReceiver {
    let objects: StoredObjects

    public init(store: SQLStore) {
        objects = StoredObjects(store: store)
    }

    /// The spec's default when `type` is left out.
    static func key(_ countryCode: String, _ partyID: String, _ uid: String, _ type: TokenType?) -> ObjectKey {
        ObjectKey(module: .tokens, countryCode: countryCode, partyID: partyID, id: uid, kind: (type ?? .rfid).rawValue)
    }

    private func requireOwner(_ context: OCPIRequestContext, _ countryCode: String, _ partyID: String, _ uid: String) throws {
        _ = try Self.ownParty(context, countryCode, partyID)
    }

    /// The caller's own party, which a token's URL must name, in every release: a URL naming
    /// another party is refused with 2001 and the pointer of the path parameter that differs,
    /// before any token is looked up, so the answer is the same whether that party has the token
    /// or not. (Decided for 2.1.1 and 2.2.1 alike: 2.2.1 answered 404 as for an unknown token,
    /// which told a partner with a wrong URL nothing of what was wrong.)
    static func ownParty(_ context: OCPIRequestContext, _ countryCode: String, _ partyID: String) throws -> PartyIdentity {
        let roles = context.party?.roles ?? []
        if let own = roles.first(where: { $0.party.matches(countryCode: countryCode, partyID: partyID) }) { return own.party }
        let held = roles.map { "\($0.party.countryCode)/\($0.party.partyID)" }.joined(separator: ", ")
        let sameCountry = roles.contains { $0.party.countryCode.caseInsensitiveCompare(countryCode) == .orderedSame }
        throw OCPIError.invalid([Violation(
            path: JSONPath([.key(sameCountry ? "party_id" : "country_code")]),
            message: "names \(countryCode)/\(partyID), which is not the party in your credentials (\(held.isEmpty ? "none" : held)): a partner reads and writes only its own tokens"
        )])
    }

    public func getToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?) async throws -> OCPIReply<Token> {
        try requireOwner(context, countryCode, partyID, tokenUID)
        guard let stored = try await objects.json(Self.key(countryCode, partyID, tokenUID, type), as: Token.self) else { throw OCPIError.notFound("Token \(tokenUID)") }
        return .ok(stored.json)
    }

    public func putToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?, body: Token) async throws -> OCPIReply<OCPINoData> {
        try requireOwner(context, countryCode, partyID, tokenUID)
        if let type, type != body.type {
            throw OCPIError.invalid([Violation(path: JSONPath([.key("type")]), message: "is '\(body.type.rawValue)' but the URL's type is '\(type.rawValue)'")])
        }
        let outcome = try await objects.save(body, key: Self.key(countryCode, partyID, tokenUID, body.type), lastUpdated: body.lastUpdated)
        return outcome == .created ? .created : .ok
    }

    public func patchToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?, body: TokenPatch) async throws -> OCPIReply<OCPINoData> {
        try await patch(context, countryCode, partyID, tokenUID, type) { $0.applying(body) }
    }

    /// A PATCH of the caller's token, in any release: `apply` gives the stored token with the
    /// patch applied (where the partner is on another release, as that release sees it, converted
    /// back), which may not change its uid or type.
    func patch(
        _ context: OCPIRequestContext, _ countryCode: String, _ partyID: String, _ tokenUID: String, _ type: TokenType?, _ apply: (Token) -> Token
    ) async throws -> OCPIReply<OCPINoData> {
        try requireOwner(context, countryCode, partyID, tokenUID)
        let key = Self.key(countryCode, partyID, tokenUID, type)
        // Two PATCHes at once (to two instances) both stay: see StoredObjects.update.
        let updated = try await objects.update(key, as: Token.self, lastUpdated: \.lastUpdated) { token in
            let patched = apply(token)
            guard patched.uid.caseInsensitiveCompare(token.uid) == .orderedSame, patched.type == token.type else {
                throw OCPIError.invalid([Violation(path: JSONPath([.key("uid")]), message: "a PATCH cannot change a token's uid or type")])
            }
            token = patched
        }
        guard updated != nil else { throw OCPIError.notFound("Token \(tokenUID)") }
        return .ok
    }
}
