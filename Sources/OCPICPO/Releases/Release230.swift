import Foundation
import OCPI221
import OCPI230
import OCPIConversions
import OCPIRuntime
import OCPIStore

/// OCPI 2.3.0 (edition 2; the Payments package is not implemented) as this CPO serves it,
/// beside 2.2.1: its version details and its modules, each answering from the 2.2.1 objects the
/// store keeps, converted by the generated `Conversion221To230`
/// (spec/conversions/2.2.1-2.3.0.yaml); what partners send is stored converted by
/// `Conversion230To221` (spec/conversions/2.3.0-2.2.1.yaml).
enum Release230 {
    static let version = OCPI230.OCPIRelease.version
    /// Where the 2.3.0 modules are mounted.
    static let basePath = "/ocpi/cpo/\(version)"
    /// Where the 2.3.0 version details are, below `/ocpi`.
    static let detailsPath = "/\(version)"
    /// The module interfaces a 2.3.0 partner is offered, by the path below `basePath`.
    static let modules: [(OCPI230.ModuleID, OCPI230.InterfaceRole, String)] = [
        (.credentials, .sender, "/credentials"), (.locations, .sender, "/locations"), (.sessions, .sender, "/sessions"),
        (.cdrs, .sender, "/cdrs"), (.tariffs, .sender, "/tariffs"), (.tokens, .receiver, "/tokens"),
        (.commands, .receiver, "/commands"), (.chargingprofiles, .receiver, "/chargingprofiles"), (.hubclientinfo, .receiver, "/hubclientinfo"),
    ]
}

/// The 2.3.0 version details (the list of versions is 2.2.1's, which names 2.3.0 too).
struct CPOVersions230: OCPI230.VersionsSender {
    let publicURL: String
    let served: [String]

    func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI230.Version]> {
        .ok(served.map { OCPI230.Version(version: OCPI230.VersionNumber(rawValue: $0), url: publicURL + "/ocpi/" + $0) })
    }

    func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI230.VersionDetails> {
        let endpoints = Release230.modules.map { OCPI230.Endpoint(identifier: $0.0, role: $0.1, url: publicURL + Release230.basePath + $0.2) }
        return .ok(OCPI230.VersionDetails(version: .v2_3_0, endpoints: endpoints))
    }
}

/// The Locations SENDER interface of 2.3.0: the same locations as 2.2.1's, converted.
typealias CPOLocations230 = ConvertedLocations<OCPI230.Location>

extension ConvertedLocations: OCPI230.LocationsSender where Served == OCPI230.Location {
    init(store: SQLStore, party: PartyIdentity) { self.init(store: store, party: party, Conversion221To230().convert) }
}

extension OCPI230.Location: ServedLocation {}
extension OCPI230.EVSE: ServedEVSE {}
extension OCPI230.Connector: ServedConnector {}

/// The Tariffs SENDER interface of 2.3.0: the same tariffs as 2.2.1's, converted.
typealias CPOTariffs230 = ConvertedReads<OCPI221.Tariff, OCPI230.Tariff>

extension ConvertedReads: OCPI230.TariffsSender where Stored == OCPI221.Tariff, Served == OCPI230.Tariff {
    init(store: SQLStore, party: PartyIdentity) { self.init(store: store, party: party, .each(Conversion221To230().convert)) }
}

/// The Sessions SENDER interface of 2.3.0: each eMSP's own sessions (as 2.2.1's), converted;
/// charging preferences as 2.2.1 answers them.
typealias CPOSessions230 = ConvertedReads<OCPI221.Session, OCPI230.Session>

extension ConvertedReads: OCPI230.SessionsSender where Stored == OCPI221.Session, Served == OCPI230.Session {
    init(store: SQLStore, party: PartyIdentity) { self.init(store: store, party: party, .each(Conversion221To230().convert)) }

    func putChargingPreferences(
        _ context: OCPIRequestContext, sessionID: String, body: OCPI230.ChargingPreferences
    ) async throws -> OCPIReply<OCPI230.ChargingPreferencesResponse> {
        try await CPOSessions.requireOwnSession(objects, party, context, sessionID)
        return .ok(.notPossible)
    }
}

/// The CDRs SENDER interface of 2.3.0: each eMSP's own CDRs (as 2.2.1's), converted.
typealias CPOCDRs230 = ConvertedReads<OCPI221.CDR, OCPI230.CDR>

extension ConvertedReads: OCPI230.CDRsSender where Stored == OCPI221.CDR, Served == OCPI230.CDR {
    init(store: SQLStore, party: PartyIdentity) { self.init(store: store, party: party, .each(Conversion221To230().convert)) }
}

/// The Tokens RECEIVER interface of 2.3.0: an eMSP pushes its tokens, which are stored as 2.2.1
/// tokens (spec/conversions/2.3.0-2.2.1.yaml) by 2.2.1's own handler, with its one-party rule
/// (`CPOTokens.ownParty`); read back, they are converted to 2.3.0 again. A kind of token 2.2.1
/// does not know (EMAID, or one of the partner's own: the enum is open in 2.3.0) is refused.
struct CPOTokens230: OCPI230.TokensReceiver {
    let tokens: CPOTokens
    let toStore = Conversion230To221()
    let toPartner = Conversion221To230()

    init(store: SQLStore) {
        tokens = CPOTokens(store: store)
    }

    func getToken(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: OCPI230.TokenType?
    ) async throws -> OCPIReply<OCPI230.Token> {
        _ = try CPOTokens.ownParty(context, countryCode, partyID)
        let key = CPOTokens.key(countryCode, partyID, tokenUID, type.map(toStore.convert))
        guard let token = try await tokens.objects.load(key, as: OCPI221.Token.self, recent: true) else { throw OCPIError.notFound("Token \(tokenUID)") }
        return .ok(toPartner.convert(token))
    }

    func putToken(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: OCPI230.TokenType?, body: OCPI230.Token
    ) async throws -> OCPIReply<OCPINoData> {
        _ = try CPOTokens.ownParty(context, countryCode, partyID)
        try Self.requireKept(Self.unkept(body, at: JSONPath()))
        return try await tokens.putToken(
            context, countryCode: countryCode, partyID: partyID, tokenUID: tokenUID, type: type.map(toStore.convert), body: toStore.convert(body)
        )
    }

    /// Refuses (2001, each at its pointer) what `unkept` found, if anything.
    static func requireKept(_ violations: [Violation]) throws {
        if !violations.isEmpty { throw OCPIError.invalid(violations) }
    }

    /// What of a 2.3.0 token (at `path` in its document) a 2.2.1 store cannot keep: what the
    /// rules refuse (spec/conversions/2.3.0-2.2.1.yaml, `TokenType.EMAID`: the generated
    /// `refusals`), and a kind the partner made up, which no rule can name (the enum is open in
    /// 2.3.0, closed in 2.2.1). Empty for a token the store keeps.
    static func unkept(_ token: OCPI230.Token, at path: JSONPath) -> [Violation] {
        let refused = Conversion230To221().refusals(token, at: path)
        guard case .unrecognized(let kind) = token.type else { return refused }
        return refused + [Violation(
            path: path.appending(.key("type")),
            message: "is '\(kind)', a kind of token this CPO cannot keep (it keeps RFID, APP_USER, AD_HOC_USER and OTHER); an EMAID contract is asked of you in real time instead"
        )]
    }

    func patchToken(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: OCPI230.TokenType?, body: OCPI230.TokenPatch
    ) async throws -> OCPIReply<OCPINoData> {
        let (toStore, toPartner) = (toStore, toPartner)
        // The patch applies to the token as the partner sees it, and goes back to 2.2.1 whole.
        return try await tokens.patch(context, countryCode, partyID, tokenUID, type.map(toStore.convert)) { token in
            toStore.convert(toPartner.convert(token).applying(body))
        }
    }
}

/// The Commands RECEIVER interface of 2.3.0: each command is converted to 2.2.1
/// (spec/conversions/2.3.0-2.2.1.yaml) and handled as 2.2.1's (`CPOCommands`: the same checks,
/// the same charge points); the answer is converted back, and the charge point's outcome is
/// posted to `response_url` as 2.3.0's CommandResult (`post`). A token of a kind 2.2.1 does not
/// know is refused as it is when pushed.
struct CPOCommands230: OCPI230.CommandsReceiver {
    let commands: CPOCommands
    let toServer = Conversion230To221()
    let toPartner = Conversion221To230()

    /// The command's token, at /token of the body, of a kind the charge points can take.
    private func token(_ token: OCPI230.Token) throws -> OCPI221.Token {
        try CPOTokens230.requireKept(CPOTokens230.unkept(token, at: JSONPath([.key("token")])))
        return toServer.convert(token)
    }

    func postStartSession(_ context: OCPIRequestContext, body: OCPI230.StartSession) async throws -> OCPIReply<OCPI230.CommandResponse> {
        _ = try token(body.token)
        return .ok(toPartner.convert(try await commands.startSession(context, toServer.convert(body))))
    }

    func postStopSession(_ context: OCPIRequestContext, body: OCPI230.StopSession) async throws -> OCPIReply<OCPI230.CommandResponse> {
        .ok(toPartner.convert(try await commands.stopSession(context, toServer.convert(body))))
    }

    func postReserveNow(_ context: OCPIRequestContext, body: OCPI230.ReserveNow) async throws -> OCPIReply<OCPI230.CommandResponse> {
        _ = try token(body.token)
        return .ok(toPartner.convert(try await commands.reserveNow(context, toServer.convert(body))))
    }

    func postCancelReservation(_ context: OCPIRequestContext, body: OCPI230.CancelReservation) async throws -> OCPIReply<OCPI230.CommandResponse> {
        .ok(toPartner.convert(await commands.cancelReservation(context, toServer.convert(body))))
    }

    func postUnlockConnector(_ context: OCPIRequestContext, body: OCPI230.UnlockConnector) async throws -> OCPIReply<OCPI230.CommandResponse> {
        .ok(toPartner.convert(try await commands.unlockConnector(context, toServer.convert(body))))
    }

    /// Posts the outcome to the 2.3.0 eMSP's `response_url`, converted.
    @Sendable static func post(_ connection: OCPIConnection, _ url: String, _ result: OCPI221.CommandResult) async throws {
        _ = try await OCPI230.CommandsSenderClient(connection: connection).postCommandResult(responseURL: url, body: Conversion221To230().convert(result))
    }
}

/// The Charging Profiles RECEIVER interface of 2.3.0, which defines these objects as 2.2.1 does:
/// each request is converted to 2.2.1 (spec/conversions/2.3.0-2.2.1.yaml) and handled by 2.2.1's
/// `CPOChargingProfiles` (the caller's sessions only, the same charge points); the answer is
/// converted back, and the charge point's result is posted to `response_url` in 2.3.0 (`posts`).
struct CPOChargingProfiles230: OCPI230.ChargingProfilesReceiver {
    let profiles: CPOChargingProfiles
    let toServer = Conversion230To221()
    let toPartner = Conversion221To230()

    func getActiveChargingProfile(
        _ context: OCPIRequestContext, sessionID: String, duration: Int, responseURL: String
    ) async throws -> OCPIReply<OCPI230.ChargingProfileResponse> {
        .ok(toPartner.convert(try await profiles.activeChargingProfile(context, sessionID: sessionID, duration: duration, responseURL: responseURL)))
    }

    func putChargingProfile(
        _ context: OCPIRequestContext, sessionID: String, body: OCPI230.SetChargingProfile
    ) async throws -> OCPIReply<OCPI230.ChargingProfileResponse> {
        .ok(toPartner.convert(try await profiles.setChargingProfile(context, sessionID: sessionID, toServer.convert(body))))
    }

    func deleteChargingProfile(
        _ context: OCPIRequestContext, sessionID: String, responseURL: String
    ) async throws -> OCPIReply<OCPI230.ChargingProfileResponse> {
        .ok(toPartner.convert(try await profiles.clearChargingProfile(context, sessionID: sessionID, responseURL: responseURL)))
    }

    /// The charge point's results, posted to a 2.3.0 eMSP's `response_url` converted
    /// (spec/conversions/2.2.1-2.3.0.yaml).
    static let posts = CPOChargingProfiles.ResultPosts(
        active: { connection, url, result in
            _ = try await OCPI230.ChargingProfilesSenderClient(connection: connection)
                .postActiveChargingProfileResult(responseURL: url, body: Conversion221To230().convert(result))
        },
        set: { connection, url, result in
            _ = try await OCPI230.ChargingProfilesSenderClient(connection: connection)
                .postChargingProfileResult(responseURL: url, body: Conversion221To230().convert(result))
        },
        clear: { connection, url, result in
            _ = try await OCPI230.ChargingProfilesSenderClient(connection: connection)
                .postClearProfileResult(responseURL: url, body: Conversion221To230().convert(result))
        }
    )
}

/// The Hub Client Info RECEIVER interface of 2.3.0: a hub (a partner whose credentials carry
/// `hub_party_id`) tells which parties behind it are reachable; stored as 2.2.1's
/// (`CPOHubClientInfo`, per party) and read back converted. A ClientInfo a 2.2.1 hub stored with
/// the role HUB, which 2.3.0 lacks, reads as OTHER (spec/conversions/2.2.1-2.3.0.yaml).
struct CPOHubClientInfo230: OCPI230.HubClientInfoReceiver {
    let clientInfo: CPOHubClientInfo
    let toServer = Conversion230To221()
    let toPartner = Conversion221To230()

    func getClientInfo(_ context: OCPIRequestContext, countryCode: String, partyID: String) async throws -> OCPIReply<OCPI230.ClientInfo> {
        .ok(toPartner.convert(try await clientInfo.clientInfo(context, countryCode, partyID)))
    }

    func putClientInfo(_ context: OCPIRequestContext, countryCode: String, partyID: String, body: OCPI230.ClientInfo) async throws -> OCPIReply<OCPINoData> {
        try await clientInfo.putClientInfo(context, countryCode: countryCode, partyID: partyID, body: toServer.convert(body))
    }
}
