import Foundation
import Logging
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPIStore

/// Decides whether a token presented at a charge point may charge: from the tokens eMSPs pushed,
/// following each token's whitelist rule, and by real-time authorization at the eMSP
/// (`POST tokens/{token_uid}/authorize`) where the rule asks for it or the token is unknown.
public struct TokenAuthorizer: Sendable {
    /// The decision, and what a session started on it records.
    public struct Decision: Sendable, Equatable {
        public var allowed: AllowedType
        /// The full token, when the CPO or the eMSP knows it.
        public var token: Token?
        public var authMethod: AuthMethod
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

    public func authorize(uid: String, type: TokenType, at location: LocationReferences?) async -> Decision {
        let known = ((try? await store.find(.tokens, id: uid, kind: type.rawValue)) ?? []).compactMap { try? Token.decodeJSON($0.json).value }
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

    /// The eMSP's answer (the token's issuer, or the first eMSP that knows it); nil when none answered.
    private func ask(uid: String, type: TokenType, location: LocationReferences?, issuer: Token?) async -> Decision? {
        let partners = ((try? await registry.partners()) ?? []).filter { partner in
            guard partner.status == .registered, partner.outgoingToken != nil, partner.endpoint(.tokens, role: .sender) != nil else { return false }
            guard let issuer else { return true }
            return partner.roles.contains { $0.countryCode.caseInsensitiveCompare(issuer.countryCode) == .orderedSame && $0.partyID.caseInsensitiveCompare(issuer.partyID) == .orderedSame }
        }
        for partner in partners {
            guard let connection = partner.connection(to: .tokens, role: .sender, transport: transport) else { continue }
            do {
                let info = try await TokensSenderClient(connection: connection).postAuthorize(tokenUID: uid, type: type, body: location)
                return Decision(allowed: info.allowed, token: info.token, authMethod: .authRequest, authorizationReference: info.authorizationReference)
            } catch let error as OCPIClientError where error.httpStatus == 404 || error.statusCode == 2004 {
                continue  // Not this eMSP's token.
            } catch {
                logger.info("real-time authorization failed", metadata: ["partner": .string(partner.id), "error": "\(error)"])
            }
        }
        return nil
    }
}
