import Foundation
import OCPI221
import OCPIRuntime

/// What an eMSP built from the generated RECEIVER routes was pushed: the objects as it keeps
/// them (patches applied) and every call, in order. Bodies arrive strictly validated (the
/// generated routes refuse anything else with 2001).
actor EMSPInbox: LocationsReceiver, TariffsReceiver, SessionsReceiver, CDRsReceiver, CommandsSender, ChargingProfilesSender, TokensSender {
    private(set) var locations: [String: Location] = [:]
    private(set) var tariffs: [String: Tariff] = [:]
    private(set) var sessions: [String: Session] = [:]
    private(set) var cdrs: [CDR] = []
    private(set) var calls: [String] = []
    /// The token list's pages asked for (by the CPO's token sync), apart from `calls`.
    private(set) var tokenPulls: [String] = []
    /// Asynchronous results by the last segment of their response_url.
    private(set) var results: [String: any OCPIModel] = [:]
    /// Tokens this eMSP answers ALLOWED for when asked in real time.
    private var issued: [String: Token] = [:]

    func issue(_ token: Token) { issued[token.uid] = token }

    private func record(_ call: String) { calls.append(call) }

    func clearCalls() { calls = [] }

    // MARK: Locations

    func getLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String) async throws -> OCPIReply<Location> {
        record("GET location \(locationID)")
        guard let location = locations[locationID] else { throw OCPIError.notFound("Location \(locationID)") }
        return .ok(location)
    }

    func getEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        guard let evse = locations[locationID]?.evses.first(where: { $0.uid == evseUID }) else { throw OCPIError.notFound("EVSE \(evseUID)") }
        return .ok(evse)
    }

    func getConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        guard let connector = locations[locationID]?.evses.first(where: { $0.uid == evseUID })?.connectors.first(where: { $0.id == connectorID }) else {
            throw OCPIError.notFound("Connector \(connectorID)")
        }
        return .ok(connector)
    }

    func putLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: Location) async throws -> OCPIReply<OCPINoData> {
        record("PUT location \(locationID)")
        let created = locations[locationID] == nil
        locations[locationID] = body
        return created ? .created : .ok
    }

    func putEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSE) async throws -> OCPIReply<OCPINoData> {
        record("PUT evse \(locationID)/\(evseUID)")
        guard var location = locations[locationID] else { throw OCPIError.notFound("Location \(locationID)") }
        if let index = location.evses.firstIndex(where: { $0.uid == evseUID }) { location.evses[index] = body } else { location.evses.append(body) }
        // The spec: a receiver sets the new last_updated on the parents too.
        location.lastUpdated = body.lastUpdated
        locations[locationID] = location
        return .ok
    }

    func putConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: Connector) async throws -> OCPIReply<OCPINoData> {
        record("PUT connector \(locationID)/\(evseUID)/\(connectorID)")
        guard var location = locations[locationID], let evse = location.evses.firstIndex(where: { $0.uid == evseUID }) else { throw OCPIError.notFound("EVSE \(evseUID)") }
        if let index = location.evses[evse].connectors.firstIndex(where: { $0.id == connectorID }) {
            location.evses[evse].connectors[index] = body
        } else {
            location.evses[evse].connectors.append(body)
        }
        location.evses[evse].lastUpdated = body.lastUpdated
        location.lastUpdated = body.lastUpdated
        locations[locationID] = location
        return .ok
    }

    func patchLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: LocationPatch) async throws -> OCPIReply<OCPINoData> {
        record("PATCH location \(locationID)")
        guard let location = locations[locationID] else { throw OCPIError.notFound("Location \(locationID)") }
        locations[locationID] = location.applying(body)
        return .ok
    }

    func patchEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSEPatch) async throws -> OCPIReply<OCPINoData> {
        record("PATCH evse \(locationID)/\(evseUID)")
        guard var location = locations[locationID], let index = location.evses.firstIndex(where: { $0.uid == evseUID }) else {
            throw OCPIError.notFound("EVSE \(evseUID)")
        }
        location.evses[index] = location.evses[index].applying(body)
        location.lastUpdated = body.lastUpdated
        locations[locationID] = location
        return .ok
    }

    func patchConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: ConnectorPatch) async throws -> OCPIReply<OCPINoData> {
        record("PATCH connector \(locationID)/\(evseUID)/\(connectorID)")
        guard var location = locations[locationID], let evse = location.evses.firstIndex(where: { $0.uid == evseUID }),
            let index = location.evses[evse].connectors.firstIndex(where: { $0.id == connectorID })
        else { throw OCPIError.notFound("Connector \(connectorID)") }
        location.evses[evse].connectors[index] = location.evses[evse].connectors[index].applying(body)
        location.evses[evse].lastUpdated = body.lastUpdated
        location.lastUpdated = body.lastUpdated
        locations[locationID] = location
        return .ok
    }

    // MARK: Tariffs

    func getTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<Tariff> {
        guard let tariff = tariffs[tariffID] else { throw OCPIError.notFound("Tariff \(tariffID)") }
        return .ok(tariff)
    }

    /// How long a PUT of a tariff takes to be answered (to hold up the pushes behind it).
    private var tariffDelay: Duration = .zero

    func answerTariffPuts(after delay: Duration) { tariffDelay = delay }

    func putTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String, body: Tariff) async throws -> OCPIReply<OCPINoData> {
        if tariffDelay > .zero { try await Task.sleep(for: tariffDelay) }
        record("PUT tariff \(tariffID)")
        tariffs[tariffID] = body
        return .ok
    }

    func deleteTariff(_ context: OCPIRequestContext, countryCode: String, partyID: String, tariffID: String) async throws -> OCPIReply<OCPINoData> {
        record("DELETE tariff \(tariffID)")
        guard tariffs.removeValue(forKey: tariffID) != nil else { throw OCPIError.notFound("Tariff \(tariffID)") }
        return .ok
    }

    // MARK: Sessions

    func getSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String) async throws -> OCPIReply<Session> {
        record("GET session \(sessionID)")
        guard let session = sessions[sessionID] else { throw OCPIError.notFound("Session \(sessionID)") }
        return .ok(session)
    }

    func putSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: Session) async throws -> OCPIReply<OCPINoData> {
        record("PUT session \(sessionID)")
        sessions[sessionID] = body
        return .ok
    }

    func patchSession(_ context: OCPIRequestContext, countryCode: String, partyID: String, sessionID: String, body: SessionPatch) async throws -> OCPIReply<OCPINoData> {
        record("PATCH session \(sessionID)")
        guard let session = sessions[sessionID] else { throw OCPIError.notFound("Session \(sessionID)") }
        sessions[sessionID] = session.applying(body)
        return .ok
    }

    // MARK: CDRs

    func getCDR(_ context: OCPIRequestContext, callback: String) async throws -> OCPIReply<CDR> {
        guard let cdr = cdrs.first(where: { callback.hasSuffix("/\($0.id)") }) else { throw OCPIError.notFound("CDR") }
        return .ok(cdr)
    }

    /// Where this eMSP says it keeps a CDR.
    static func cdrURL(_ id: String) -> String { "https://emsp.example.com/ocpi/cdrs/\(id)" }

    func postCDR(_ context: OCPIRequestContext, body: CDR) async throws -> OCPIReply<OCPINoData> {
        record("POST cdr \(body.id)")
        cdrs.append(body)
        return .created(headers: [.location: Self.cdrURL(body.id)])
    }

    // MARK: Results at response_url

    private func keep(_ callback: String, _ result: some OCPIModel) -> OCPIReply<OCPINoData> {
        results[String(callback.split(separator: "/").last ?? "")] = result
        return .ok
    }

    func result<T: OCPIModel>(_ id: String, as _: T.Type) -> T? { results[id] as? T }

    func postCommandResult(_ context: OCPIRequestContext, callback: String, body: CommandResult) async throws -> OCPIReply<OCPINoData> {
        keep(callback, body)
    }

    func postActiveChargingProfileResult(_ context: OCPIRequestContext, callback: String, body: ActiveChargingProfileResult) async throws -> OCPIReply<OCPINoData> {
        keep(callback, body)
    }

    func postChargingProfileResult(_ context: OCPIRequestContext, callback: String, body: ChargingProfileResult) async throws -> OCPIReply<OCPINoData> {
        keep(callback, body)
    }

    func postClearProfileResult(_ context: OCPIRequestContext, callback: String, body: ClearProfileResult) async throws -> OCPIReply<OCPINoData> {
        keep(callback, body)
    }

    func putActiveChargingProfile(_ context: OCPIRequestContext, sessionID: String, body: ActiveChargingProfile) async throws -> OCPIReply<OCPINoData> {
        .ok
    }

    // MARK: Tokens (real-time authorization)

    func getTokens(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Token> {
        tokenPulls.append("date_from=\(dateFrom?.description ?? "-") offset=\(offset)")
        let matching = issued.values.filter { token in
            dateFrom.map { token.lastUpdated >= $0 } ?? true && dateTo.map { token.lastUpdated < $0 } ?? true
        }.sorted { $0.uid < $1.uid }
        return OCPIPage(items: Array(matching.dropFirst(offset).prefix(limit)), totalCount: matching.count)
    }

    func postAuthorize(_ context: OCPIRequestContext, tokenUID: String, type: TokenType?, body: LocationReferences?) async throws -> OCPIReply<AuthorizationInfo> {
        record("POST authorize \(tokenUID)")
        guard let token = issued[tokenUID] else { throw OCPIError(.unknownToken, "Unknown token \(tokenUID)") }
        return .ok(AuthorizationInfo(allowed: token.valid ? .allowed : .blocked, token: token, location: body, authorizationReference: "AUTH-\(tokenUID)"))
    }
}
