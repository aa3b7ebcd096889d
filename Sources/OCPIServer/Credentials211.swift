import OCPI211
import OCPIRuntime

/// The credentials module of OCPI 2.1.1, over the registration that `CredentialsService` does
/// for 2.2.1: the same tokens, party rules and partner records, in 2.1.1's shapes.
///
/// 2.1.1's credentials hold one party (`country_code`, `party_id`, `business_details`) and no
/// role; this platform registers eMSPs, so a 2.1.1 partner is recorded as the eMSP it names.
/// Its token travels as it is in the `Authorization` header, as 2.1.1 writes it.
public struct CredentialsService211<Registry: PartnerRegistry>: OCPI211.CredentialsSender {
    public let service: CredentialsService<Registry>

    public init(_ service: CredentialsService<Registry>) {
        self.service = service
    }

    func ours(token: String) -> OCPI211.Credentials { service.profile.credentials211(token: token) }

    public func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI211.Credentials> {
        _ = try await service.caller(context)
        guard let token = context.party?.credentialsToken else { throw OCPIError(.unauthorized, "Unknown credentials token") }
        return .ok(ours(token: token))
    }

    public func postCredentials(_ context: OCPIRequestContext, body: OCPI211.Credentials) async throws -> OCPIReply<OCPI211.Credentials> {
        var partner = try await service.caller(context)
        guard partner.status == .invited else {
            throw OCPIError(.methodNotAllowed, "Already registered: use PUT to update the credentials, or DELETE to unregister")
        }
        return .ok(ours(token: try await connect(&partner, with: body)))
    }

    public func putCredentials(_ context: OCPIRequestContext, body: OCPI211.Credentials) async throws -> OCPIReply<OCPI211.Credentials> {
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

    private func connect(_ partner: inout PartnerRecord, with credentials: OCPI211.Credentials) async throws -> String {
        let role = PartnerRecord.Role(
            role: .emsp, countryCode: credentials.countryCode, partyID: credentials.partyID, businessName: credentials.businessDetails.name
        )
        // 2.1.1's credentials name their one party in the body itself.
        return try await service.connect(
            &partner, token: credentials.token, url: credentials.url, roles: [role], release: OCPI211.OCPIRelease.version,
            pointer: { _ in JSONPath([.key("party_id")]) }
        )
    }
}

extension PlatformProfile {
    /// Our credentials in 2.1.1, with the token the partner uses with us: 2.1.1 names one party,
    /// the first of our roles.
    public func credentials211(token: String) -> OCPI211.Credentials {
        let role = roles.first
        return OCPI211.Credentials(
            token: token, url: versionsURL,
            businessDetails: OCPI211.BusinessDetails(name: role?.businessDetails.name ?? "", website: role?.businessDetails.website),
            partyID: role?.partyID ?? "", countryCode: role?.countryCode ?? ""
        )
    }
}
