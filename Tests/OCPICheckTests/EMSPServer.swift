import Foundation
import OCPI221
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Synchronization

/// An eMSP assembled from the generated 2.2.1 route tables: tokens as SENDER, locations,
/// sessions, tariffs and CDRs as RECEIVER, over one store in memory, for the checker's other
/// direction (a CPO checking an eMSP). `deleteIgnored` makes its tariff DELETE a no-op.
struct EMSPServer {
    static let token = "cpo-token-C"
    static let cpo = PartyIdentity(countryCode: "NL", partyID: "CHK")
    static let base = "/ocpi/emsp/2.2.1"

    var deleteIgnored = false

    func run(_ body: @Sendable (String) async throws -> Void) async throws {
        let port = try LiveServer.freePort()
        let root = "http://127.0.0.1:\(port)"
        let configuration = OCPIServerConfiguration(publicURL: root, ownParties: [PartyIdentity(countryCode: "DE", partyID: "MSP")])
        let authenticator = StaticAuthenticator(parties: [Self.token: OCPIParty(id: "checker", roles: [.init(party: Self.cpo, role: .cpo)])])
        let logger = LiveServer.quietLogger
        let store = EMSPStore(deleteIgnored: deleteIgnored)
        var router = HTTPRouter(logger: logger)
        router.addOCPIRoutes(
            OCPIRoutes.versionsSender(EMSPVersions(root: root)), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: logger)
        let routes =
            OCPIRoutes.credentialsSender(EMSPCredentials()) + OCPIRoutes.tokensSender(store) + OCPIRoutes.locationsReceiver(store)
            + OCPIRoutes.sessionsReceiver(store) + OCPIRoutes.tariffsReceiver(store) + OCPIRoutes.cdrsReceiver(store)
        router.addOCPIRoutes(routes, at: Self.base, configuration: configuration, authenticator: authenticator, logger: logger)
        let server = router
        try await LiveServer.run(
            serving: { running in
                OCPIHTTPServer(router: server, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
            }, port: port
        ) {
            try await body(root + "/ocpi/versions")
        }
    }
}

/// The eMSP's tokens, and what CPOs pushed to it, as JSON by module, party and id.
final class EMSPStore: TokensSender, LocationsReceiver, SessionsReceiver, TariffsReceiver, CDRsReceiver {
    let deleteIgnored: Bool
    private let objects = Mutex<[String: [UInt8]]>([:])

    init(deleteIgnored: Bool) {
        self.deleteIgnored = deleteIgnored
    }

    static let tokens: [Token] = (1...3).map { number in
        Token(
            countryCode: "DE", partyID: "MSP", uid: "TOKEN-\(number)", type: .rfid, contractID: "DE-MSP-C0000000\(number)-X", issuer: "MSP",
            valid: true, whitelist: .allowed, lastUpdated: OCPIDateTime(secondsSince1970: 1_780_000_000 + Int64(number) * 60)
        )
    }

    private static func key(_ module: String, _ countryCode: String, _ partyID: String, _ id: String) -> String {
        "\(module)/\(countryCode.uppercased())/\(partyID.uppercased())/\(id)"
    }

    private func get<T: OCPIModel>(_ module: String, _ countryCode: String, _ partyID: String, _ id: String, as _: T.Type) throws -> OCPIReply<T> {
        guard let bytes = objects.withLock({ $0[Self.key(module, countryCode, partyID, id)] }) else { throw OCPIError.notFound(module) }
        return .ok(encoded: bytes)
    }

    private func put(_ module: String, _ countryCode: String, _ partyID: String, _ id: String, _ body: some OCPIModel) -> OCPIReply<OCPINoData> {
        let created = objects.withLock { stored in
            let key = Self.key(module, countryCode, partyID, id)
            defer { stored[key] = body.jsonBytes() }
            return stored[key] == nil
        }
        return created ? .created : .ok
    }

    /// Applies a PATCH body's members over the stored object's.
    private func patch(_ module: String, _ countryCode: String, _ partyID: String, _ id: String, _ body: some OCPIModel) throws -> OCPIReply<OCPINoData> {
        let key = Self.key(module, countryCode, partyID, id)
        guard let bytes = objects.withLock({ $0[key] }), case .object(var members)? = try? JSONValue.decodeJSON(bytes).value,
            case .object(let changes)? = try? JSONValue.decodeJSON(body.jsonBytes()).value
        else { throw OCPIError.notFound(module) }
        for change in changes {
            if let index = members.firstIndex(where: { $0.key == change.key }) { members[index].value = change.value } else { members.append(change) }
        }
        objects.withLock { $0[key] = JSONValue.object(members).jsonBytes() }
        return .ok
    }

    // Tokens, as SENDER.

    func getTokens(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Token> {
        let matching = Self.tokens.filter { token in dateFrom.map { token.lastUpdated >= $0 } ?? true && dateTo.map { token.lastUpdated < $0 } ?? true }
        return OCPIPage(items: Array(matching.dropFirst(offset).prefix(limit)), totalCount: matching.count)
    }

    func postAuthorize(_ context: OCPIRequestContext, tokenUID: String, type: TokenType?, body: LocationReferences?) async throws -> OCPIReply<
        AuthorizationInfo
    > {
        throw OCPIError(.unknownToken, "Unknown token")
    }

    // Locations, sessions, tariffs, CDRs, as RECEIVER.

    func getLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String) async throws -> OCPIReply<Location> {
        try get("locations", countryCode, partyID, locationID, as: Location.self)
    }

    func getEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        throw OCPIError.notFound("EVSE")
    }

    func getConnector(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String
    ) async throws -> OCPIReply<Connector> {
        throw OCPIError.notFound("Connector")
    }

    func putLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: Location) async throws -> OCPIReply<
        OCPINoData
    > {
        put("locations", countryCode, partyID, locationID, body)
    }

    func putEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSE) async throws
        -> OCPIReply<OCPINoData>
    {
        throw OCPIError.notFound("Location")
    }

    func putConnector(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: Connector
    ) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError.notFound("Location")
    }

    func patchLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: LocationPatch) async throws -> OCPIReply<
        OCPINoData
    > {
        try patch("locations", countryCode, partyID, locationID, body)
    }

    func patchEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSEPatch) async throws
        -> OCPIReply<OCPINoData>
    {
        throw OCPIError.notFound("EVSE")
    }

    func patchConnector(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: ConnectorPatch
    ) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError.notFound("Connector")
    }

    func getSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String) async throws -> OCPIReply<Session> {
        try get("sessions", countryCode, partyID, sessionID, as: Session.self)
    }

    func putSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: Session) async throws -> OCPIReply<OCPINoData>
    {
        put("sessions", countryCode, partyID, sessionID, body)
    }

    func patchSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: SessionPatch) async throws -> OCPIReply<
        OCPINoData
    > {
        try patch("sessions", countryCode, partyID, sessionID, body)
    }

    func getTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<Tariff> {
        try get("tariffs", countryCode, partyID, tariffID, as: Tariff.self)
    }

    func putTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String, body: Tariff) async throws -> OCPIReply<OCPINoData> {
        put("tariffs", countryCode, partyID, tariffID, body)
    }

    func deleteTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<OCPINoData> {
        let key = Self.key("tariffs", countryCode, partyID, tariffID)
        guard objects.withLock({ $0[key] }) != nil else { throw OCPIError.notFound("Tariff") }
        if !deleteIgnored { objects.withLock { _ = $0.removeValue(forKey: key) } }
        return .ok
    }

    func getCDR(_ context: OCPIRequestContext, callback: String) async throws -> OCPIReply<CDR> {
        throw OCPIError.notFound("CDR")
    }

    func postCDR(_ context: OCPIRequestContext, body: CDR) async throws -> OCPIReply<OCPINoData> {
        .created
    }
}

struct EMSPCredentials: CredentialsSender {
    func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<Credentials> {
        .ok(
            Credentials(
                token: EMSPServer.token, url: "https://emsp.example.com/ocpi/versions",
                roles: [CredentialsRole(role: .emsp, businessDetails: BusinessDetails(name: "Test eMSP"), partyID: "MSP", countryCode: "DE")]
            )
        )
    }

    func postCredentials(_ context: OCPIRequestContext, body: Credentials) async throws -> OCPIReply<Credentials> {
        throw OCPIError(.methodNotAllowed, "Already registered")
    }

    func putCredentials(_ context: OCPIRequestContext, body: Credentials) async throws -> OCPIReply<Credentials> {
        throw OCPIError(.methodNotAllowed, "Not now")
    }

    func deleteCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError(.methodNotAllowed, "Not now")
    }
}

struct EMSPVersions: VersionsSender {
    let root: String

    func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[Version]> {
        .ok([Version(version: .v2_2_1, url: root + "/ocpi/2.2.1")])
    }

    func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<VersionDetails> {
        let base = root + EMSPServer.base
        return .ok(
            VersionDetails(
                version: .v2_2_1,
                endpoints: [
                    Endpoint(identifier: .credentials, role: .sender, url: base + "/credentials"),
                    Endpoint(identifier: .tokens, role: .sender, url: base + "/tokens"),
                    Endpoint(identifier: .locations, role: .receiver, url: base + "/locations"),
                    Endpoint(identifier: .sessions, role: .receiver, url: base + "/sessions"),
                    Endpoint(identifier: .tariffs, role: .receiver, url: base + "/tariffs"),
                    Endpoint(identifier: .cdrs, role: .receiver, url: base + "/cdrs"),
                ]
            )
        )
    }
}
