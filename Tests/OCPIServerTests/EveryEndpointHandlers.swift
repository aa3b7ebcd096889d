import Foundation
import OCPI221
import OCPIRuntime

// In-test implementations of all 18 generated handler protocols. Every handler records the
// operation it was called for, with the typed arguments it got (path and query parameters, body)
// and the typed value it answered, in one shared actor, so that a test can compare both ends of
// a real HTTP exchange.

/// One generated operation: `locations` / `RECEIVER` / `put_evse`.
struct OperationKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    var module: String
    var role: String
    var operation: String

    init(_ module: String, _ role: String, _ operation: String) {
        self.module = module
        self.role = role
        self.operation = operation
    }

    init(_ route: OCPIRoute) {
        self.init(route.module.rawValue, route.role?.rawValue ?? "", route.operation)
    }

    var interface: String { "\(module) \(role)" }
    var description: String { "\(module) \(role) \(operation)" }

    static func < (lhs: OperationKey, rhs: OperationKey) -> Bool { lhs.description < rhs.description }
}

/// What a handler saw and what it answered.
struct RecordedCall: Sendable {
    var key: OperationKey
    /// The server's id of the authenticated caller.
    var partyID: String?
    /// Path parameters, query parameters and `body`, as the handler received them (typed).
    var arguments: [String: (any Hashable & Sendable)?]
    /// The data the handler answered (a typed value, or the items of a page); `nil` for none.
    var returned: (any Hashable & Sendable)?
    /// The HTTP status the handler answered with.
    var httpStatus: Int

    /// The argument `name` as a `T`; `nil` when it was absent, nil, or of another type.
    func argument<T>(_ name: String, as _: T.Type = T.self) -> T? {
        guard let value = arguments[name] else { return nil }
        return value as? T
    }

    var argumentNames: Set<String> { Set(arguments.keys) }

    func returned<T>(as _: T.Type = T.self) -> T? { returned as? T }
}

/// Shared by every handler of one server.
actor EndpointRecorder {
    private(set) var calls: [RecordedCall] = []
    private var taken = 0

    func record(_ call: RecordedCall) { calls.append(call) }

    /// The calls recorded since the last `takeNew()`.
    func takeNew() -> [RecordedCall] {
        let new = Array(calls.dropFirst(taken))
        taken = calls.count
        return new
    }

    var last: RecordedCall? { calls.last }

    var operations: Set<OperationKey> { Set(calls.map(\.key)) }
}

typealias Arguments = KeyValuePairs<String, (any Hashable & Sendable)?>

/// What the handlers share: where they record, and which interface they implement.
protocol RecordingHandler: Sendable {
    static var module: String { get }
    static var role: String { get }
    var recorder: EndpointRecorder { get }
}

extension RecordingHandler {
    private func record(_ operation: String, _ context: OCPIRequestContext, _ arguments: Arguments, returned: (any Hashable & Sendable)?, status: Int) async {
        var table: [String: (any Hashable & Sendable)?] = [:]
        for (name, value) in arguments { table[name] = .some(value) }
        await recorder.record(RecordedCall(
            key: OperationKey(Self.module, Self.role, operation), partyID: context.party?.id, arguments: table,
            returned: returned, httpStatus: status
        ))
    }

    /// Records the call and answers `data` (HTTP 200).
    func answer<T: JSONEncodable & Hashable & Sendable>(_ operation: String, _ context: OCPIRequestContext, _ arguments: Arguments, data: T) async -> OCPIReply<T> {
        await record(operation, context, arguments, returned: data, status: 200)
        return .ok(data)
    }

    /// Records the call and answers no data with `status` (200, or 201 for a created object).
    func answer(_ operation: String, _ context: OCPIRequestContext, _ arguments: Arguments, status: HTTPResponse.Status, headers: HTTPFields = [:]) async -> OCPIReply<OCPINoData> {
        await record(operation, context, arguments, returned: nil, status: status.code)
        return OCPIReply(httpStatus: status, data: nil, headers: headers)
    }

    /// Records a list request and answers `items` as the last page of the list.
    func page<T: JSONEncodable & Hashable & Sendable>(
        _ operation: String, _ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int, items: [T]
    ) async -> OCPIPage<T> {
        await record(operation, context, ["date_from": dateFrom, "date_to": dateTo, "offset": offset, "limit": limit], returned: items, status: 200)
        return OCPIPage(items: items, totalCount: offset + items.count)
    }
}

// MARK: - Locations

struct LocationsSenderHandler: LocationsSender, RecordingHandler {
    static let module = "locations", role = "SENDER"
    let recorder: EndpointRecorder

    func getLocations(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Location> {
        await page("get_locations", context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit, items: [Fixtures.location, Fixtures.otherLocation])
    }

    func getLocation(_ context: OCPIRequestContext, locationID: String) async throws -> OCPIReply<Location> {
        await answer("get_location", context, ["location_id": locationID], data: Fixtures.location)
    }

    func getEVSE(_ context: OCPIRequestContext, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        await answer("get_evse", context, ["location_id": locationID, "evse_uid": evseUID], data: Fixtures.evse)
    }

    func getConnector(_ context: OCPIRequestContext, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        await answer("get_connector", context, ["location_id": locationID, "evse_uid": evseUID, "connector_id": connectorID], data: Fixtures.connector)
    }
}

struct LocationsReceiverHandler: LocationsReceiver, RecordingHandler {
    static let module = "locations", role = "RECEIVER"
    let recorder: EndpointRecorder

    func getLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String) async throws -> OCPIReply<Location> {
        await answer("get_location", context, ["country_code": countryCode, "party_id": partyID, "location_id": locationID], data: Fixtures.location)
    }

    func getEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        await answer("get_evse", context, ["country_code": countryCode, "party_id": partyID, "location_id": locationID, "evse_uid": evseUID], data: Fixtures.evse)
    }

    func getConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        await answer(
            "get_connector", context,
            ["country_code": countryCode, "party_id": partyID, "location_id": locationID, "evse_uid": evseUID, "connector_id": connectorID],
            data: Fixtures.connector
        )
    }

    func putLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: Location) async throws -> OCPIReply<OCPINoData> {
        await answer("put_location", context, ["country_code": countryCode, "party_id": partyID, "location_id": locationID, "body": body], status: 201)
    }

    func putEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSE) async throws -> OCPIReply<OCPINoData> {
        await answer("put_evse", context, ["country_code": countryCode, "party_id": partyID, "location_id": locationID, "evse_uid": evseUID, "body": body], status: 201)
    }

    func putConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: Connector) async throws -> OCPIReply<OCPINoData> {
        await answer(
            "put_connector", context,
            ["country_code": countryCode, "party_id": partyID, "location_id": locationID, "evse_uid": evseUID, "connector_id": connectorID, "body": body],
            status: 201
        )
    }

    func patchLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: LocationPatch) async throws -> OCPIReply<OCPINoData> {
        await answer("patch_location", context, ["country_code": countryCode, "party_id": partyID, "location_id": locationID, "body": body], status: 200)
    }

    func patchEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSEPatch) async throws -> OCPIReply<OCPINoData> {
        await answer("patch_evse", context, ["country_code": countryCode, "party_id": partyID, "location_id": locationID, "evse_uid": evseUID, "body": body], status: 200)
    }

    func patchConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: ConnectorPatch) async throws -> OCPIReply<OCPINoData> {
        await answer(
            "patch_connector", context,
            ["country_code": countryCode, "party_id": partyID, "location_id": locationID, "evse_uid": evseUID, "connector_id": connectorID, "body": body],
            status: 200
        )
    }
}

// MARK: - Sessions

struct SessionsSenderHandler: SessionsSender, RecordingHandler {
    static let module = "sessions", role = "SENDER"
    let recorder: EndpointRecorder

    func getSessions(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Session> {
        await page("get_sessions", context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit, items: [Fixtures.session])
    }

    func putChargingPreferences(_ context: OCPIRequestContext, sessionID: String, body: ChargingPreferences) async throws -> OCPIReply<ChargingPreferencesResponse> {
        await answer("put_charging_preferences", context, ["session_id": sessionID, "body": body], data: ChargingPreferencesResponse.departureRequired)
    }
}

struct SessionsReceiverHandler: SessionsReceiver, RecordingHandler {
    static let module = "sessions", role = "RECEIVER"
    let recorder: EndpointRecorder

    func getSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String) async throws -> OCPIReply<Session> {
        await answer("get_session", context, ["country_code": countryCode, "party_id": partyID, "session_id": sessionID], data: Fixtures.session)
    }

    func putSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: Session) async throws -> OCPIReply<OCPINoData> {
        await answer("put_session", context, ["country_code": countryCode, "party_id": partyID, "session_id": sessionID, "body": body], status: 201)
    }

    func patchSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: SessionPatch) async throws -> OCPIReply<OCPINoData> {
        await answer("patch_session", context, ["country_code": countryCode, "party_id": partyID, "session_id": sessionID, "body": body], status: 200)
    }
}

// MARK: - CDRs

struct CDRsSenderHandler: CDRsSender, RecordingHandler {
    static let module = "cdrs", role = "SENDER"
    let recorder: EndpointRecorder

    func getCDRs(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<CDR> {
        await page("get_cdrs", context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit, items: [Fixtures.cdr])
    }
}

struct CDRsReceiverHandler: CDRsReceiver, RecordingHandler {
    static let module = "cdrs", role = "RECEIVER"
    let recorder: EndpointRecorder

    func getCDR(_ context: OCPIRequestContext, callback: String) async throws -> OCPIReply<CDR> {
        await answer("get_cdr", context, ["callback": callback], data: Fixtures.cdr)
    }

    /// Answers 201 with the `Location` of the stored CDR: the run-time URL of `get_cdr`.
    func postCDR(_ context: OCPIRequestContext, body: CDR) async throws -> OCPIReply<OCPINoData> {
        // The request came to `<base>/cdrs` (or `<base>/cdrs/`); the CDR's own URL is the mount
        // path of get_cdr.
        var base = context.publicURL
        for suffix in ["/", "/cdrs"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        let location = base + EveryEndpoint.runtimePath("cdrs", "get_cdr", callback: body.id)
        return await answer("post_cdr", context, ["body": body], status: 201, headers: [.location: location])
    }
}

// MARK: - Tariffs

struct TariffsSenderHandler: TariffsSender, RecordingHandler {
    static let module = "tariffs", role = "SENDER"
    let recorder: EndpointRecorder

    func getTariffs(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Tariff> {
        await page("get_tariffs", context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit, items: [Fixtures.tariff])
    }
}

struct TariffsReceiverHandler: TariffsReceiver, RecordingHandler {
    static let module = "tariffs", role = "RECEIVER"
    let recorder: EndpointRecorder

    func getTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<Tariff> {
        await answer("get_tariff", context, ["country_code": countryCode, "party_id": partyID, "tariff_id": tariffID], data: Fixtures.tariff)
    }

    func putTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String, body: Tariff) async throws -> OCPIReply<OCPINoData> {
        await answer("put_tariff", context, ["country_code": countryCode, "party_id": partyID, "tariff_id": tariffID, "body": body], status: 201)
    }

    func deleteTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<OCPINoData> {
        await answer("delete_tariff", context, ["country_code": countryCode, "party_id": partyID, "tariff_id": tariffID], status: 200)
    }
}

// MARK: - Tokens

struct TokensSenderHandler: TokensSender, RecordingHandler {
    static let module = "tokens", role = "SENDER"
    let recorder: EndpointRecorder

    func getTokens(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Token> {
        await page("get_tokens", context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit, items: [Fixtures.token])
    }

    func postAuthorize(_ context: OCPIRequestContext, tokenUID: String, type: TokenType?, body: LocationReferences?) async throws -> OCPIReply<AuthorizationInfo> {
        let info = AuthorizationInfo(
            allowed: body == nil ? .notAllowed : .allowed, token: Fixtures.token, location: body,
            authorizationReference: body == nil ? nil : "AUTH-1", info: DisplayText(language: "en", text: "Have a nice charge")
        )
        return await answer("post_authorize", context, ["token_uid": tokenUID, "type": type, "body": body], data: info)
    }
}

struct TokensReceiverHandler: TokensReceiver, RecordingHandler {
    static let module = "tokens", role = "RECEIVER"
    let recorder: EndpointRecorder

    func getToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?) async throws -> OCPIReply<Token> {
        await answer("get_token", context, ["country_code": countryCode, "party_id": partyID, "token_uid": tokenUID, "type": type], data: Fixtures.token)
    }

    func putToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?, body: Token) async throws -> OCPIReply<OCPINoData> {
        await answer("put_token", context, ["country_code": countryCode, "party_id": partyID, "token_uid": tokenUID, "type": type, "body": body], status: 201)
    }

    func patchToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?, body: TokenPatch) async throws -> OCPIReply<OCPINoData> {
        await answer("patch_token", context, ["country_code": countryCode, "party_id": partyID, "token_uid": tokenUID, "type": type, "body": body], status: 200)
    }
}

// MARK: - Commands

struct CommandsSenderHandler: CommandsSender, RecordingHandler {
    static let module = "commands", role = "SENDER"
    let recorder: EndpointRecorder

    func postCommandResult(_ context: OCPIRequestContext, callback: String, body: CommandResult) async throws -> OCPIReply<OCPINoData> {
        await answer("post_command_result", context, ["callback": callback, "body": body], status: 200)
    }
}

struct CommandsReceiverHandler: CommandsReceiver, RecordingHandler {
    static let module = "commands", role = "RECEIVER"
    let recorder: EndpointRecorder

    func postCancelReservation(_ context: OCPIRequestContext, body: CancelReservation) async throws -> OCPIReply<CommandResponse> {
        await answer("post_cancel_reservation", context, ["body": body], data: Fixtures.commandResponse(.cancelReservation))
    }

    func postReserveNow(_ context: OCPIRequestContext, body: ReserveNow) async throws -> OCPIReply<CommandResponse> {
        await answer("post_reserve_now", context, ["body": body], data: Fixtures.commandResponse(.reserveNow))
    }

    func postStartSession(_ context: OCPIRequestContext, body: StartSession) async throws -> OCPIReply<CommandResponse> {
        await answer("post_start_session", context, ["body": body], data: Fixtures.commandResponse(.startSession))
    }

    func postStopSession(_ context: OCPIRequestContext, body: StopSession) async throws -> OCPIReply<CommandResponse> {
        await answer("post_stop_session", context, ["body": body], data: Fixtures.commandResponse(.stopSession))
    }

    func postUnlockConnector(_ context: OCPIRequestContext, body: UnlockConnector) async throws -> OCPIReply<CommandResponse> {
        await answer("post_unlock_connector", context, ["body": body], data: Fixtures.commandResponse(.unlockConnector))
    }
}

// MARK: - Charging profiles

struct ChargingProfilesSenderHandler: ChargingProfilesSender, RecordingHandler {
    static let module = "chargingprofiles", role = "SENDER"
    let recorder: EndpointRecorder

    func postActiveChargingProfileResult(_ context: OCPIRequestContext, callback: String, body: ActiveChargingProfileResult) async throws -> OCPIReply<OCPINoData> {
        await answer("post_active_charging_profile_result", context, ["callback": callback, "body": body], status: 200)
    }

    func postChargingProfileResult(_ context: OCPIRequestContext, callback: String, body: ChargingProfileResult) async throws -> OCPIReply<OCPINoData> {
        await answer("post_charging_profile_result", context, ["callback": callback, "body": body], status: 200)
    }

    func postClearProfileResult(_ context: OCPIRequestContext, callback: String, body: ClearProfileResult) async throws -> OCPIReply<OCPINoData> {
        await answer("post_clear_profile_result", context, ["callback": callback, "body": body], status: 200)
    }

    func putActiveChargingProfile(_ context: OCPIRequestContext, sessionID: String, body: ActiveChargingProfile) async throws -> OCPIReply<OCPINoData> {
        await answer("put_active_charging_profile", context, ["session_id": sessionID, "body": body], status: 201)
    }
}

struct ChargingProfilesReceiverHandler: ChargingProfilesReceiver, RecordingHandler {
    static let module = "chargingprofiles", role = "RECEIVER"
    let recorder: EndpointRecorder

    func getActiveChargingProfile(_ context: OCPIRequestContext, sessionID: String, duration: Int, responseURL: String) async throws -> OCPIReply<ChargingProfileResponse> {
        await answer(
            "get_active_charging_profile", context, ["session_id": sessionID, "duration": duration, "response_url": responseURL],
            data: ChargingProfileResponse(result: .accepted, timeout: 30)
        )
    }

    func putChargingProfile(_ context: OCPIRequestContext, sessionID: String, body: SetChargingProfile) async throws -> OCPIReply<ChargingProfileResponse> {
        await answer("put_charging_profile", context, ["session_id": sessionID, "body": body], data: ChargingProfileResponse(result: .accepted, timeout: 45))
    }

    func deleteChargingProfile(_ context: OCPIRequestContext, sessionID: String, responseURL: String) async throws -> OCPIReply<ChargingProfileResponse> {
        await answer(
            "delete_charging_profile", context, ["session_id": sessionID, "response_url": responseURL],
            data: ChargingProfileResponse(result: .unknownSession, timeout: 60)
        )
    }
}

// MARK: - Configuration modules

struct CredentialsSenderHandler: CredentialsSender, RecordingHandler {
    static let module = "credentials", role = "SENDER"
    let recorder: EndpointRecorder

    func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<Credentials> {
        await answer("get_credentials", context, [:], data: Fixtures.credentials(token: "token-C-for-the-emsp"))
    }

    func postCredentials(_ context: OCPIRequestContext, body: Credentials) async throws -> OCPIReply<Credentials> {
        await answer("post_credentials", context, ["body": body], data: Fixtures.credentials(token: "token-C-after-post"))
    }

    func putCredentials(_ context: OCPIRequestContext, body: Credentials) async throws -> OCPIReply<Credentials> {
        await answer("put_credentials", context, ["body": body], data: Fixtures.credentials(token: "token-C-after-put"))
    }

    func deleteCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPINoData> {
        await answer("delete_credentials", context, [:], status: 200)
    }
}

struct HubClientInfoSenderHandler: HubClientInfoSender, RecordingHandler {
    static let module = "hubclientinfo", role = "SENDER"
    let recorder: EndpointRecorder

    func getClientInfos(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<ClientInfo> {
        await page("get_client_infos", context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit, items: [Fixtures.clientInfo, Fixtures.otherClientInfo])
    }
}

struct HubClientInfoReceiverHandler: HubClientInfoReceiver, RecordingHandler {
    static let module = "hubclientinfo", role = "RECEIVER"
    let recorder: EndpointRecorder

    func getClientInfo(_ context: OCPIRequestContext, countryCode: String, partyID: String) async throws -> OCPIReply<ClientInfo> {
        await answer("get_client_info", context, ["country_code": countryCode, "party_id": partyID], data: Fixtures.clientInfo)
    }

    func putClientInfo(_ context: OCPIRequestContext, countryCode: String, partyID: String, body: ClientInfo) async throws -> OCPIReply<OCPINoData> {
        await answer("put_client_info", context, ["country_code": countryCode, "party_id": partyID, "body": body], status: 201)
    }
}

struct VersionsSenderHandler: VersionsSender, RecordingHandler {
    static let module = "versions", role = "SENDER"
    let recorder: EndpointRecorder

    /// The server root, from the public URL of a request to `<root>/ocpi/...`.
    private func root(_ context: OCPIRequestContext) -> String {
        guard let range = context.publicURL.range(of: EveryEndpoint.versionsBase + "/") else { return context.publicURL }
        return String(context.publicURL[..<range.lowerBound])
    }

    func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[Version]> {
        await answer("get_versions", context, [:], data: EveryEndpoint.versions(root: root(context)))
    }

    func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<VersionDetails> {
        await answer("get_version_details", context, [:], data: EveryEndpoint.versionDetails(root: root(context)))
    }
}

// MARK: - Test values

/// Valid values of every object the operations carry, built with the generated initializers.
enum Fixtures {
    static func at(_ seconds: Int64) -> OCPIDateTime { OCPIDateTime(secondsSince1970: 1_700_000_000 + seconds) }

    static func decimal(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) ?? .nan }

    static let coordinates = GeoLocation(latitude: "52.09074", longitude: "5.12142")

    static let connector = Connector(
        id: "1", standard: .iec62196T2, format: .socket, powerType: .ac3Phase, maxVoltage: 230, maxAmperage: 32,
        maxElectricPower: 22080, tariffIDs: ["TARIFF-1"], lastUpdated: at(0)
    )

    static let evse = EVSE(
        uid: "EVSE-1", evseID: "NL*CPO*E1", status: .available, capabilities: [.remoteStartStopCapable, .chargingProfileCapable],
        connectors: [connector], floorLevel: "-1", physicalReference: "1", lastUpdated: at(0)
    )

    static let location = Location(
        countryCode: "NL", partyID: "CPO", id: "LOC-1", publish: true, name: "Oudegracht", address: "Oudegracht 1", city: "Utrecht",
        postalCode: "3511 AA", country: "NLD", coordinates: coordinates, parkingType: .onStreet, evses: [evse],
        directions: [DisplayText(language: "nl", text: "Naast de brug")], operator: BusinessDetails(name: "Charge Point Operator", website: "https://cpo.example.com"),
        facilities: [.cafe], timeZone: "Europe/Amsterdam", openingTimes: Hours(twentyfourseven: true), chargingWhenClosed: true,
        energyMix: EnergyMix(isGreenEnergy: true, energySources: [EnergySource(source: .solar, percentage: decimal("62.5")), EnergySource(source: .wind, percentage: decimal("37.5"))]),
        lastUpdated: at(0)
    )

    static let otherLocation = Location(
        countryCode: "NL", partyID: "CPO", id: "LOC-2", publish: false, address: "Neude 2", city: "Utrecht", country: "NLD",
        coordinates: GeoLocation(latitude: "52.09300", longitude: "5.11890"), timeZone: "Europe/Amsterdam", lastUpdated: at(30)
    )

    static let locationPatch = LocationPatch(countryCode: "NL", partyID: "CPO", id: "LOC-1", name: "Oudegracht Noord", lastUpdated: at(60))
    static let evsePatch = EVSEPatch(uid: "EVSE-1", status: .charging, lastUpdated: at(60))
    static let connectorPatch = ConnectorPatch(id: "1", maxAmperage: 16, lastUpdated: at(60))

    static let token = Token(
        countryCode: "DE", partyID: "MSP", uid: "TOKEN-1", type: .rfid, contractID: "DE-MSP-C12345678-9", visualNumber: "MSP 1234 5678",
        issuer: "Mobility Service Provider", valid: true, whitelist: .allowed, language: "de", defaultProfileType: .green,
        energyContract: EnergyContract(supplierName: "Greenpower", contractID: "GP-1"), lastUpdated: at(0)
    )

    static let tokenPatch = TokenPatch(countryCode: "DE", partyID: "MSP", uid: "TOKEN-1", valid: false, lastUpdated: at(60))

    static let cdrToken = CdrToken(countryCode: "DE", partyID: "MSP", uid: "TOKEN-1", type: .rfid, contractID: "DE-MSP-C12345678-9")

    static let chargingPeriod = ChargingPeriod(
        startDateTime: at(0), dimensions: [CdrDimension(type: .energy, volume: decimal("11.5")), CdrDimension(type: .time, volume: decimal("1.25"))],
        tariffID: "TARIFF-1"
    )

    static let session = Session(
        countryCode: "NL", partyID: "CPO", id: "SESSION-1", startDateTime: at(0), kwh: decimal("11.5"), cdrToken: cdrToken,
        authMethod: .whitelist, authorizationReference: "AUTH-1", locationID: "LOC-1", evseUID: "EVSE-1", connectorID: "1",
        currency: "EUR", chargingPeriods: [chargingPeriod], totalCost: Price(exclVAT: decimal("2.88"), inclVAT: decimal("3.48")),
        status: .active, lastUpdated: at(4500)
    )

    static let sessionPatch = SessionPatch(
        countryCode: "NL", partyID: "CPO", id: "SESSION-1", endDateTime: at(4500), kwh: decimal("12.25"), status: .completed, lastUpdated: at(4500)
    )

    static let chargingPreferences = ChargingPreferences(profileType: .fast, departureTime: at(7200), energyNeed: decimal("40.5"), dischargeAllowed: false)

    static let tariff = Tariff(
        countryCode: "NL", partyID: "CPO", id: "TARIFF-1", currency: "EUR", type: .regular,
        tariffAltText: [DisplayText(language: "en", text: "0.25 EUR/kWh")], minPrice: Price(exclVAT: decimal("0.50"), inclVAT: decimal("0.61")),
        elements: [
            TariffElement(priceComponents: [PriceComponent(type: .energy, price: decimal("0.25"), vat: decimal("21.0"), stepSize: 1)]),
            TariffElement(
                priceComponents: [PriceComponent(type: .parkingTime, price: decimal("2.00"), stepSize: 300)],
                restrictions: TariffRestrictions(startTime: "09:00", endTime: "18:00", dayOfWeek: [.monday, .friday])
            ),
        ],
        lastUpdated: at(0)
    )

    static let cdr = CDR(
        countryCode: "NL", partyID: "CPO", id: "CDR-1", startDateTime: at(0), endDateTime: at(4500), sessionID: "SESSION-1", cdrToken: cdrToken,
        authMethod: .whitelist, authorizationReference: "AUTH-1",
        cdrLocation: CdrLocation(
            id: "LOC-1", name: "Oudegracht", address: "Oudegracht 1", city: "Utrecht", postalCode: "3511 AA", country: "NLD",
            coordinates: coordinates, evseUID: "EVSE-1", evseID: "NL*CPO*E1", connectorID: "1", connectorStandard: .iec62196T2,
            connectorFormat: .socket, connectorPowerType: .ac3Phase
        ),
        currency: "EUR", tariffs: [tariff], chargingPeriods: [chargingPeriod], totalCost: Price(exclVAT: decimal("2.88"), inclVAT: decimal("3.48")),
        totalEnergy: decimal("11.5"), totalEnergyCost: Price(exclVAT: decimal("2.88")), totalTime: decimal("1.25"), totalParkingTime: decimal("0"),
        remark: "Thank you", lastUpdated: at(4600)
    )

    static let locationReferences = LocationReferences(locationID: "LOC-1", evseUids: ["EVSE-1"])

    static func commandResponse(_ command: CommandType) -> CommandResponse {
        CommandResponse(result: .accepted, timeout: 30, message: [DisplayText(language: "en", text: "\(command.rawValue) forwarded")])
    }

    static func commandResult(_ command: CommandType) -> CommandResult {
        CommandResult(result: command == .cancelReservation ? .canceledReservation : .accepted, message: [DisplayText(language: "en", text: "\(command.rawValue) done")])
    }

    static let chargingProfile = ChargingProfile(
        startDateTime: at(0), duration: 3600, chargingRateUnit: .w, minChargingRate: decimal("1380.5"),
        chargingProfilePeriod: [ChargingProfilePeriod(startPeriod: 0, limit: decimal("11000")), ChargingProfilePeriod(startPeriod: 1800, limit: decimal("7400.5"))]
    )

    static let activeChargingProfile = ActiveChargingProfile(startDateTime: at(0), chargingProfile: chargingProfile)

    static func credentials(token: String) -> Credentials {
        Credentials(
            token: token, url: "https://cpo.example.com/ocpi/versions",
            roles: [CredentialsRole(role: .cpo, businessDetails: BusinessDetails(name: "Charge Point Operator"), partyID: "CPO", countryCode: "NL")]
        )
    }

    static let emspCredentials = Credentials(
        token: "token-B-of-the-emsp", url: "https://emsp.example.com/ocpi/versions",
        roles: [CredentialsRole(role: .emsp, businessDetails: BusinessDetails(name: "Mobility Service Provider", website: "https://emsp.example.com"), partyID: "MSP", countryCode: "DE")]
    )

    static let clientInfo = ClientInfo(partyID: "OTH", countryCode: "FR", role: .emsp, status: .connected, lastUpdated: at(0))
    static let otherClientInfo = ClientInfo(partyID: "NSP", countryCode: "BE", role: .nsp, status: .planned, lastUpdated: at(10))
}
