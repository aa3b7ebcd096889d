import Foundation
import OCPI221
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Synchronization

/// One way a partner can break the spec, injected into an otherwise correct CPO, and the one
/// check that must catch it.
enum Defect: String, CaseIterable, Sendable {
    case missingRequiredField
    case wrongLength
    case brokenLink
    case missingLink
    case lyingTotalCount
    case limitNotCapped
    case dateFromExclusive
    case dateToInclusive
    case byIDDiffers
    case unknownIDWrongStatus
    case forbiddenWithoutToken
    case wrongTokenAccepted
    case plainTextError
    case malformedJSONAccepted
    case invalidObjectAs422
    case invalidObjectAs400
    case patchIgnored
    case putRefused
    case base64TokenRefused

    /// The subject and check that report the defect, and nothing else.
    var caughtBy: (subject: String, check: String) {
        switch self {
        case .missingRequiredField, .wrongLength: ("locations SENDER", "objects")
        case .brokenLink, .missingLink: ("locations SENDER", "pagination.link")
        case .lyingTotalCount: ("locations SENDER", "pagination.total-count")
        case .limitNotCapped: ("locations SENDER", "pagination.limit")
        case .dateFromExclusive: ("locations SENDER", "filter.date_from")
        case .dateToInclusive: ("locations SENDER", "filter.date_to")
        case .byIDDiffers: ("locations SENDER", "by-id")
        case .unknownIDWrongStatus: ("locations SENDER", "unknown-id")
        case .forbiddenWithoutToken: ("locations SENDER", "auth.no-token")
        case .wrongTokenAccepted: ("locations SENDER", "auth.wrong-token")
        case .plainTextError: ("locations SENDER", "envelope")
        case .malformedJSONAccepted: ("tokens RECEIVER", "write.malformed-json")
        case .invalidObjectAs422, .invalidObjectAs400: ("tokens RECEIVER", "write.invalid-object")
        case .patchIgnored: ("tokens RECEIVER", "write.patch")
        case .putRefused: ("tokens RECEIVER", "write.put")
        case .base64TokenRefused: ("versions", "auth.token-encoding")
        }
    }

    /// Whether the defect is only seen by `--write`.
    var needsWrite: Bool { caughtBy.subject == "tokens RECEIVER" }
}

/// A CPO assembled from the generated 2.2.1 route tables (versions, credentials, locations,
/// tariffs and sessions as SENDER, tokens as RECEIVER) with handlers over fixed data, correct
/// unless a `Defect` is injected: into a handler's data, or by a raw route that replaces one and
/// changes what the correct one answers.
struct DefectServer {
    static let token = "check-token-C"
    static let emsp = PartyIdentity(countryCode: "DE", partyID: "CHK")
    static let base = "/ocpi/cpo/2.2.1"

    let defect: Defect?

    /// Serves while `body` runs, handing it the versions URL.
    func run(_ body: @Sendable (String) async throws -> Void) async throws {
        let port = try LiveServer.freePort()
        let root = "http://127.0.0.1:\(port)"
        let configuration = OCPIServerConfiguration(
            publicURL: root, ownParties: [PartyIdentity(countryCode: "NL", partyID: "CPO")], pagination: PaginationPolicy(maximumLimit: 50)
        )
        let authenticator = StaticAuthenticator(parties: [Self.token: OCPIParty(id: "checker", roles: [.init(party: Self.emsp, role: .emsp)])])
        let logger = LiveServer.quietLogger
        var router = HTTPRouter(logger: logger)
        let data = DefectData(defect: defect)
        router.addOCPIRoutes(
            OCPIRoutes.versionsSender(DefectVersions(root: root)), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: logger)
        let routes =
            OCPIRoutes.credentialsSender(DefectCredentials()) + OCPIRoutes.locationsSender(data) + OCPIRoutes.tariffsSender(data)
            + OCPIRoutes.sessionsSender(data) + OCPIRoutes.tokensReceiver(data.tokens)
        router.addOCPIRoutes(routes, at: Self.base, configuration: configuration, authenticator: authenticator, logger: logger)
        injectRoutes(into: &router)
        let server = router
        try await LiveServer.run(
            serving: { running in
                OCPIHTTPServer(router: server, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
            }, port: port
        ) {
            try await body(root + "/ocpi/versions")
        }
    }

    /// The defects in what the server answers: each a raw route over the correct one (the
    /// router as it was, a value), changing its answer.
    private func injectRoutes(into router: inout HTTPRouter) {
        let correct = router
        let locations = Self.base + "/locations"
        let tokens = Self.base + "/tokens/{country_code}/{party_id}/{token_uid}"
        func replace(_ method: HTTPRequest.Method, _ path: String, _ change: @escaping @Sendable (HTTPServerRequest, HTTPServerResponse) async -> HTTPServerResponse) {
            router.on(method, path) { request, _ in await change(request, await correct.respond(to: request)) }
        }
        switch defect {
        case .brokenLink:
            replace(.get, locations) { _, response in
                response.replacing(.ocpiLink) { $0.replacingOccurrences(of: "<", with: "").replacingOccurrences(of: ">", with: "") }
            }
        case .missingLink:
            replace(.get, locations) { _, response in response.replacing(.ocpiLink) { _ in nil } }
        case .lyingTotalCount:
            replace(.get, locations) { _, response in response.replacing(.ocpiTotalCount) { String((Int($0) ?? 0) + 7) } }
        case .limitNotCapped:
            replace(.get, locations) { request, response in
                guard let asked = QueryString.decode(request.query ?? "").last(where: { $0.0 == "limit" })?.1 else { return response }
                return response.replacing(.ocpiLimit) { _ in asked }
            }
        case .forbiddenWithoutToken:
            replace(.get, locations) { request, response in
                guard request.headers[.authorization] == nil else { return response }
                return HTTPServerResponse(
                    status: 403, headerFields: [.contentType: "application/json"], body: Envelope.write(data: nil, statusCode: 2000, message: "Forbidden"))
            }
        case .wrongTokenAccepted:
            replace(.get, locations) { request, response in
                guard response.status == 401, request.headers[.authorization] != nil else { return response }
                var authorized = request
                authorized.headers = [.authorization: CredentialsToken.header(for: Self.token)]
                return await correct.respond(to: authorized)
            }
        case .plainTextError:
            replace(.get, locations + "/{location_id}") { _, response in
                guard response.status == 404 else { return response }
                return HTTPServerResponse(status: 404, contentType: "text/plain", body: Array("Not Found".utf8))
            }
        case .unknownIDWrongStatus:
            replace(.get, locations + "/{location_id}") { _, response in
                guard response.status == 404 else { return response }
                return HTTPServerResponse(
                    status: 404, headerFields: [.contentType: "application/json"], body: Envelope.write(data: nil, statusCode: 2000, message: "Not found"))
            }
        case .malformedJSONAccepted:
            replace(.put, tokens) { request, response in
                guard response.status == 400 else { return response }
                return HTTPServerResponse(
                    status: 200, headerFields: [.contentType: "application/json"], body: Envelope.write(data: nil, statusCode: 1000, message: "Success"))
            }
        case .invalidObjectAs422, .invalidObjectAs400:
            let status: HTTPResponse.Status = defect == .invalidObjectAs422 ? 422 : 400
            replace(.put, tokens) { _, response in
                guard response.status == 200, (try? JSONValue.decodeJSON(response.body).value)?["status_code"] == .number(2001) else { return response }
                return HTTPServerResponse(status: status, headerFields: response.headers, body: response.body)
            }
        case .base64TokenRefused:
            // The token as it is opens the versions, as 2.1.1 writes it; 2.2.1's base64 does not.
            replace(.get, "/ocpi/versions") { request, response in
                guard request.headers[.authorization] == CredentialsToken.header(for: Self.token, encoding: .base64) else { return response }
                return HTTPServerResponse(
                    status: 401, headerFields: [.contentType: "application/json"], body: Envelope.write(data: nil, statusCode: 2000, message: "Unknown token"))
            }
        case .putRefused:
            replace(.put, tokens) { _, _ in
                HTTPServerResponse(
                    status: 200, headerFields: [.contentType: "application/json"], body: Envelope.write(data: nil, statusCode: 2000, message: "Not today"))
            }
        default:
            break
        }
    }
}

extension HTTPServerResponse {
    /// The response with the header `name` changed by `change` (removed when it answers nil).
    func replacing(_ name: HTTPField.Name, _ change: (String) -> String?) -> HTTPServerResponse {
        var copy = self
        copy.headers = HTTPFields(headers.compactMap { field in
            guard field.name == name else { return field }
            return change(field.value).map { HTTPField(name: name, value: $0) }
        })
        return copy
    }
}

/// The CPO's objects: three locations (one with an EVSE and a connector), two tariffs, no
/// sessions yet, and the tokens eMSPs push.
struct DefectData: LocationsSender, TariffsSender, SessionsSender {
    let defect: Defect?
    let tokens: DefectTokens

    init(defect: Defect?) {
        self.defect = defect
        tokens = DefectTokens(defect: defect)
    }

    static func at(_ seconds: Int64) -> OCPIDateTime { OCPIDateTime(secondsSince1970: 1_780_000_000 + seconds) }

    static let connector = Connector(
        id: "1", standard: .iec62196T2, format: .socket, powerType: .ac3Phase, maxVoltage: 230, maxAmperage: 32, maxElectricPower: 22080,
        tariffIDs: ["TARIFF-1"], lastUpdated: at(0)
    )

    static let locations: [Location] = [
        Location(
            countryCode: "NL", partyID: "CPO", id: "LOC-1", publish: true, name: "Oudegracht", address: "Oudegracht 1", city: "Utrecht",
            postalCode: "3511 AA", country: "NLD", coordinates: GeoLocation(latitude: "52.09074", longitude: "5.12142"),
            evses: [EVSE(uid: "EVSE-1", evseID: "NL*CPO*E1", status: .available, connectors: [connector], lastUpdated: at(0))],
            timeZone: "Europe/Amsterdam", lastUpdated: at(0)
        ),
        Location(
            countryCode: "NL", partyID: "CPO", id: "LOC-2", publish: true, address: "Neude 2", city: "Utrecht", country: "NLD",
            coordinates: GeoLocation(latitude: "52.09300", longitude: "5.11890"), timeZone: "Europe/Amsterdam", lastUpdated: at(30)
        ),
        Location(
            countryCode: "NL", partyID: "CPO", id: "LOC-3", publish: true, address: "Vredenburg 3", city: "Utrecht", country: "NLD",
            coordinates: GeoLocation(latitude: "52.09200", longitude: "5.11500"), timeZone: "Europe/Amsterdam", lastUpdated: at(60)
        ),
    ]

    static let tariffs: [Tariff] = [
        Tariff(
            countryCode: "NL", partyID: "CPO", id: "TARIFF-1", currency: "EUR",
            elements: [TariffElement(priceComponents: [PriceComponent(type: .energy, price: Decimal(string: "0.25") ?? 0, stepSize: 1)])], lastUpdated: at(0)
        ),
        Tariff(
            countryCode: "NL", partyID: "CPO", id: "TARIFF-2", currency: "EUR",
            elements: [TariffElement(priceComponents: [PriceComponent(type: .time, price: 2, stepSize: 60)])], lastUpdated: at(90)
        ),
    ]

    /// A page of `objects` as the spec's filters and pagination cut it, with the data defects.
    private func page<T: OCPIModel>(
        _ objects: [T], lastUpdated: (T) -> OCPIDateTime, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int
    ) -> OCPIPage<T> {
        // The defects are the locations' only.
        let defect = T.self == Location.self ? defect : nil
        let matching = objects.filter { object in
            let time = lastUpdated(object)
            let afterFrom = dateFrom.map { defect == .dateFromExclusive ? time > $0 : time >= $0 } ?? true
            let beforeTo = dateTo.map { defect == .dateToInclusive ? time <= $0 : time < $0 } ?? true
            return afterFrom && beforeTo
        }
        let items = matching.dropFirst(offset).prefix(limit).map { object -> [UInt8] in
            guard let location = object as? Location, location.id == "LOC-2" else { return object.jsonBytes() }
            return Self.broken(location, by: defect)
        }
        return OCPIPage(encodedItems: Array(items), totalCount: matching.count)
    }

    /// LOC-2 as a defect breaks it: without its address, or with a name too long.
    static func broken(_ location: Location, by defect: Defect?) -> [UInt8] {
        switch defect {
        case .missingRequiredField:
            guard case .object(let members)? = try? JSONValue.decodeJSON(location.jsonBytes()).value else { return location.jsonBytes() }
            return JSONValue.object(members.filter { $0.key != "address" }).jsonBytes()
        case .wrongLength:
            var long = location
            long.name = String(repeating: "N", count: 256)
            return long.jsonBytes()
        default:
            return location.jsonBytes()
        }
    }

    func getLocations(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Location>
    {
        page(Self.locations, lastUpdated: \.lastUpdated, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit)
    }

    func getLocation(_ context: OCPIRequestContext, locationID: String) async throws -> OCPIReply<Location> {
        guard var location = Self.locations.first(where: { $0.id == locationID }) else { throw OCPIError.notFound("Location") }
        if defect == .byIDDiffers { location.name = "Renamed" }
        return .ok(location)
    }

    func getEVSE(_ context: OCPIRequestContext, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        guard let evse = Self.locations.first(where: { $0.id == locationID })?.evses.first(where: { $0.uid == evseUID }) else {
            throw OCPIError.notFound("EVSE")
        }
        return .ok(evse)
    }

    func getConnector(_ context: OCPIRequestContext, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        guard let evse = Self.locations.first(where: { $0.id == locationID })?.evses.first(where: { $0.uid == evseUID }),
            let connector = evse.connectors.first(where: { $0.id == connectorID })
        else { throw OCPIError.notFound("Connector") }
        return .ok(connector)
    }

    func getTariffs(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Tariff> {
        page(Self.tariffs, lastUpdated: \.lastUpdated, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit)
    }

    func getSessions(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Session> {
        OCPIPage(items: [], totalCount: 0)
    }

    func putChargingPreferences(_ context: OCPIRequestContext, sessionID: String, body: ChargingPreferences) async throws -> OCPIReply<
        ChargingPreferencesResponse
    > {
        throw OCPIError.notFound("Session")
    }
}

/// The tokens eMSPs pushed, by party, uid and type.
final class DefectTokens: TokensReceiver {
    let defect: Defect?
    private let stored = Mutex<[String: Token]>([:])

    init(defect: Defect?) {
        self.defect = defect
    }

    private static func key(_ countryCode: String, _ partyID: String, _ uid: String, _ type: TokenType?) -> String {
        "\(countryCode.uppercased())/\(partyID.uppercased())/\(uid)/\((type ?? .rfid).rawValue)"
    }

    private func owned(_ context: OCPIRequestContext, _ countryCode: String, _ partyID: String) throws {
        guard context.party?.owns(countryCode: countryCode, partyID: partyID) == true else { throw OCPIError(.unknownToken, "Token not found") }
    }

    func getToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?) async throws -> OCPIReply<Token> {
        try owned(context, countryCode, partyID)
        guard let token = stored.withLock({ $0[Self.key(countryCode, partyID, tokenUID, type)] }) else { throw OCPIError(.unknownToken, "Token not found") }
        return .ok(token)
    }

    func putToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?, body: Token) async throws
        -> OCPIReply<OCPINoData>
    {
        try owned(context, countryCode, partyID)
        let created = stored.withLock { tokens in
            let key = Self.key(countryCode, partyID, tokenUID, type)
            defer { tokens[key] = body }
            return tokens[key] == nil
        }
        return created ? .created : .ok
    }

    func patchToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?, body: TokenPatch) async throws
        -> OCPIReply<OCPINoData>
    {
        try owned(context, countryCode, partyID)
        let key = Self.key(countryCode, partyID, tokenUID, type)
        guard let token = stored.withLock({ $0[key] }) else { throw OCPIError(.unknownToken, "Token not found") }
        guard defect != .patchIgnored else { return .ok }
        guard case .object(let members)? = try? JSONValue.decodeJSON(token.jsonBytes()).value,
            case .object(let changes)? = try? JSONValue.decodeJSON(body.jsonBytes()).value
        else { throw OCPIError(.serverError, "cannot patch") }
        var merged = members
        for change in changes {
            if let index = merged.firstIndex(where: { $0.key == change.key }) { merged[index].value = change.value } else { merged.append(change) }
        }
        guard let patched = (try? Token.decodeJSON(JSONValue.object(merged).jsonBytes()))?.value else { throw OCPIError(.serverError, "cannot patch") }
        stored.withLock { $0[key] = patched }
        return .ok
    }
}

struct DefectCredentials: CredentialsSender {
    func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<Credentials> {
        .ok(
            Credentials(
                token: DefectServer.token, url: "https://cpo.example.com/ocpi/versions",
                roles: [CredentialsRole(role: .cpo, businessDetails: BusinessDetails(name: "Defect CPO"), partyID: "CPO", countryCode: "NL")]
            ))
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

struct DefectVersions: VersionsSender {
    let root: String

    func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[Version]> {
        .ok([Version(version: .v2_2_1, url: root + "/ocpi/2.2.1")])
    }

    func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<VersionDetails> {
        let base = root + DefectServer.base
        return .ok(
            VersionDetails(
                version: .v2_2_1,
                endpoints: [
                    Endpoint(identifier: .credentials, role: .sender, url: base + "/credentials"),
                    Endpoint(identifier: .locations, role: .sender, url: base + "/locations"),
                    Endpoint(identifier: .tariffs, role: .sender, url: base + "/tariffs"),
                    Endpoint(identifier: .sessions, role: .sender, url: base + "/sessions"),
                    Endpoint(identifier: .tokens, role: .receiver, url: base + "/tokens"),
                ]))
    }
}
