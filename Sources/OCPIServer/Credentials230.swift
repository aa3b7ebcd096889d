import OCPI230
import OCPIRuntime

/// The credentials module of OCPI 2.3.0, over the registration that `CredentialsService` does
/// for 2.2.1: the same tokens, party rules and partner records, in 2.3.0's shapes.
///
/// 2.3.0's credentials are 2.2.1's with two differences: a role can no longer be HUB (a hub
/// lists the parties it reaches instead, and names itself in `hub_party_id`, which the partner
/// record keeps as a HUB role of that party, so that it is known for a hub as a 2.2.1 hub is:
/// Hub Client Info, routing headers), and the objects are 2.3.0's.
public struct CredentialsService230<Registry: PartnerRegistry>: OCPI230.CredentialsSender {
    public let service: CredentialsService<Registry>

    public init(_ service: CredentialsService<Registry>) {
        self.service = service
    }

    func ours(token: String) -> OCPI230.Credentials { service.profile.credentials230(token: token) }

    public func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI230.Credentials> {
        _ = try await service.caller(context)
        guard let token = context.party?.credentialsToken else { throw OCPIError(.unauthorized, "Unknown credentials token") }
        return .ok(ours(token: token))
    }

    public func postCredentials(_ context: OCPIRequestContext, body: OCPI230.Credentials) async throws -> OCPIReply<OCPI230.Credentials> {
        var partner = try await service.caller(context)
        guard partner.status == .invited else {
            throw OCPIError(.methodNotAllowed, "Already registered: use PUT to update the credentials, or DELETE to unregister")
        }
        return .ok(ours(token: try await connect(&partner, with: body)))
    }

    public func putCredentials(_ context: OCPIRequestContext, body: OCPI230.Credentials) async throws -> OCPIReply<OCPI230.Credentials> {
        var partner = try await service.caller(context)
        guard partner.status == .registered else {
            throw OCPIError(.methodNotAllowed, "Not registered: register with POST first")
        }
        return .ok(ours(token: try await connect(&partner, with: body)))
    }

    public func deleteCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPINoData> {
        try await service.unregister(try await service.caller(context))
        return .ok
    }

    private func connect(_ partner: inout PartnerRecord, with credentials: OCPI230.Credentials) async throws -> String {
        let listed = credentials.roles.count
        return try await service.connect(
            &partner, token: credentials.token, url: credentials.url, roles: Self.roles(of: credentials), release: OCPI230.OCPIRelease.version,
            // A refusal of the hub's own party points at hub_party_id, which names it.
            pointer: { $0 < listed ? CredentialsService<Registry>.rolePointer($0) : JSONPath([.key("hub_party_id")]) }
        )
    }

    /// The parties 2.3.0 credentials name, as the partner record keeps them: its roles, then the
    /// hub's own party (`hub_party_id`, its country code and party ID written together) as HUB.
    static func roles(of credentials: OCPI230.Credentials) -> [PartnerRecord.Role] {
        var roles = credentials.roles.map {
            PartnerRecord.Role(role: OCPIPartyRole(rawValue: $0.role.rawValue), countryCode: $0.countryCode, partyID: $0.partyID, businessName: $0.businessDetails.name)
        }
        // Five characters, as the generated validation requires (one that a lenient policy let
        // through otherwise names no party we could hold, and is left out).
        if let hub = credentials.hubPartyID, hub.count == 5 {
            roles.append(PartnerRecord.Role(role: .hub, countryCode: String(hub.prefix(2)), partyID: String(hub.suffix(3))))
        }
        return roles
    }
}

extension PlatformProfile {
    /// Our credentials in 2.3.0, with the token the partner uses with us: our roles as 2.2.1
    /// names them (a CPO's role is the same in both).
    public func credentials230(token: String) -> OCPI230.Credentials {
        OCPI230.Credentials(
            token: token, url: versionsURL,
            roles: roles.map { role in
                OCPI230.CredentialsRole(
                    role: OCPI230.Role(rawValue: role.role.rawValue),
                    businessDetails: OCPI230.BusinessDetails(
                        name: role.businessDetails.name, website: role.businessDetails.website,
                        logo: role.businessDetails.logo.map {
                            OCPI230.Image(url: $0.url, thumbnail: $0.thumbnail, category: OCPI230.ImageCategory(rawValue: $0.category.rawValue), type: $0.type, width: $0.width, height: $0.height)
                        }
                    ),
                    partyID: role.partyID, countryCode: role.countryCode
                )
            }
        )
    }
}
