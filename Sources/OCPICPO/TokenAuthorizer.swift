import Foundation
import Logging
import OCPI211
import OCPI221
import OCPI230
import OCPIConversions
import OCPIRuntime
import OCPIServer
import OCPIStore

/// Decides whether a token presented at a charge point may charge: from the tokens eMSPs pushed,
/// following each token's whitelist rule, and by real-time authorization at the eMSP
/// (`POST tokens/{token_uid}/authorize`) where the rule asks for it or the token is unknown.
public struct TokenAuthorizer: Sendable {
    /// The decision, and what a session started on it records.
    public struct Decision: Sendable, Equatable {
        public var allowed: OCPI221.AllowedType
        /// The full token, when the CPO or the eMSP knows it.
        public var token: OCPI221.Token?
        public var authMethod: OCPI221.AuthMethod
        public var authorizationReference: String?
    }

    let store: SQLStore
    let registry: StoreRegistry
    let transport: any OCPIClientTransport
    let logger: Logger

    public init(store: SQLStore, registry: StoreRegistry, transport: any OCPIClientTransport, logger: Logger) {
        self.store = store
        self.registry = registry
        self.transport = transport
        self.logger = logger
    }

    public func authorize(uid: String, type: OCPI221.TokenType, at location: OCPI221.LocationReferences?) async -> Decision {
        let known = ((try? await store.find(.tokens, id: uid, kind: type.rawValue)) ?? []).compactMap { try? OCPI221.Token.decodeJSON($0.json).value }
        if let token = known.first {
            guard token.valid else { return Decision(allowed: .blocked, token: token, authMethod: .whitelist) }
            switch token.whitelist {
            case .always, .allowed:
                // ALWAYS forbids asking; ALLOWED leaves the choice to us: the local list is enough.
                return Decision(allowed: .allowed, token: token, authMethod: .whitelist)
            case .allowedOffline:
                if let answer = await ask(uid: uid, type: type, location: location, issuer: token) { return answer }
                // The eMSP cannot be reached: this rule allows the token then.
                return Decision(allowed: .allowed, token: token, authMethod: .whitelist)
            default:
                // NEVER: only the eMSP may say yes.
                return await ask(uid: uid, type: type, location: location, issuer: token)
                    ?? Decision(allowed: .notAllowed, token: token, authMethod: .authRequest)
            }
        }
        // Unknown here: whichever eMSP knows the token decides.
        return await ask(uid: uid, type: type, location: location, issuer: nil) ?? Decision(allowed: .notAllowed, token: nil, authMethod: .authRequest)
    }

    /// A token nobody pushed, as far as a 2.1.1 eMSP's answer tells it: 2.1.1's AuthorizationInfo
    /// carries no token, so the session names the eMSP's party and the uid presented, which also
    /// stands in for the contract the answer does not give (2.1.1 sessions name tokens by it).
    static func answered211(uid: String, type: OCPI221.TokenType, by partner: PartnerRecord) -> OCPI221.Token? {
        guard let role = partner.roles.first else { return nil }
        return OCPI221.Token(
            countryCode: role.countryCode, partyID: role.partyID, uid: uid, type: type, contractID: uid,
            issuer: String((role.businessName ?? "\(role.countryCode)/\(role.partyID)").prefix(64)), valid: true, whitelist: .never,
            lastUpdated: OCPIDateTime.now()
        )
    }

    /// The eMSP's answer (the token's issuer, or the first eMSP that knows it); nil when none answered.
    private func ask(uid: String, type: OCPI221.TokenType, location: OCPI221.LocationReferences?, issuer: OCPI221.Token?) async -> Decision? {
        let partners = ((try? await registry.partners()) ?? []).filter { partner in
            guard partner.status == .registered, partner.outgoingToken != nil, partner.endpoint(.tokens, role: .sender) != nil else { return false }
            guard let issuer else { return true }
            return partner.roles.contains { $0.countryCode.caseInsensitiveCompare(issuer.countryCode) == .orderedSame && $0.partyID.caseInsensitiveCompare(issuer.partyID) == .orderedSame }
        }
        for partner in partners {
            guard let connection = partner.connection(to: .tokens, role: .sender, transport: transport) else { continue }
            do {
                if PartnerMessenger.isOn211(partner) {
                    // Asked in 2.1.1 (spec/conversions/2.2.1-2.1.1.yaml). Its answer has 2.2.1's five
                    // values under the enum's old name, and carries no token and no reference.
                    let conversion = Conversion221To211()
                    let info = try await OCPI211.TokensSenderClient(connection: connection).postAuthorize(
                        tokenUID: uid, type: conversion.convert(type), body: location.map(conversion.convert)
                    )
                    return Decision(
                        allowed: OCPI221.AllowedType(rawValue: info.allowed.rawValue), token: issuer ?? Self.answered211(uid: uid, type: type, by: partner),
                        authMethod: .authRequest
                    )
                }
                if PartnerMessenger.isOn230(partner) {
                    return try await ask230(connection, uid: uid, type: type, location: location, of: partner)
                }
                let info = try await OCPI221.TokensSenderClient(connection: connection).postAuthorize(tokenUID: uid, type: type, body: location)
                return Decision(
                    allowed: info.allowed, token: try Self.owned(info.token, by: partner), authMethod: .authRequest,
                    authorizationReference: info.authorizationReference
                )
            } catch let error as OCPIClientError where error.httpStatus == 404 || error.statusCode == 2004 {
                continue  // Not this eMSP's token.
            } catch {
                logger.info("real-time authorization failed", metadata: ["partner": .string(partner.id), "error": "\(error)"])
            }
        }
        return nil
    }

    /// An answer from a 2.2.1 or 2.3.0 eMSP that names a token of a party the eMSP does not hold:
    /// not taken, as any other answer that cannot be used (the next eMSP is asked, or none says yes).
    struct ForeignToken: Error, CustomStringConvertible {
        let party: String
        var description: String { "the answer names a token of \(party), which the partner does not hold" }
    }

    /// `token`, the one an eMSP's answer names, if it is of a party the eMSP holds: a token of
    /// another party would start a session of another eMSP's on this one's word.
    private static func owned(_ token: OCPI221.Token, by partner: PartnerRecord) throws -> OCPI221.Token {
        guard partner.party.owns(countryCode: token.countryCode, partyID: token.partyID) else {
            throw ForeignToken(party: "\(token.countryCode)/\(token.partyID)")
        }
        return token
    }

    /// Asks a 2.3.0 eMSP in its release: the kind of token and the location converted to 2.3.0
    /// (spec/conversions/2.2.1-2.3.0.yaml), its AuthorizationInfo back to 2.2.1
    /// (spec/conversions/2.3.0-2.2.1.yaml).
    ///
    /// The answer may name a token 2.2.1 cannot hold: an EMAID contract, or a kind the eMSP made
    /// up (the enum is open in 2.3.0). Decided: its verdict and authorization reference stand (a
    /// driver is not turned away for the way we store tokens), and the session records the token
    /// as the charge point read it, its uid and 2.2.1 kind, under the party and contract ID the
    /// answer names; the EMAID itself is not kept. An answer whose token belongs to a party the
    /// eMSP does not hold is not used: a session started on it would be another eMSP's.
    private func ask230(
        _ connection: OCPIConnection, uid: String, type: OCPI221.TokenType, location: OCPI221.LocationReferences?, of partner: PartnerRecord
    ) async throws -> Decision {
        let (toPartner, fromPartner) = (Conversion221To230(), Conversion230To221())
        let answer = try await OCPI230.TokensSenderClient(connection: connection).postAuthorize(
            tokenUID: uid, type: toPartner.convert(type), body: location.map(toPartner.convert)
        )
        let info = fromPartner.convert(answer)
        var token = try Self.owned(info.token, by: partner)
        if case .unrecognized = token.type {
            logger.info("real-time authorization answered with a kind of token 2.2.1 cannot keep; the session records the token presented", metadata: [
                "partner": .string(partner.id), "kind": .string(token.type.rawValue), "uid": .string(uid),
            ])
            token.uid = uid
            token.type = type
        }
        return Decision(allowed: info.allowed, token: token, authMethod: .authRequest, authorizationReference: info.authorizationReference)
    }
}
