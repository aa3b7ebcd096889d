import Foundation
import OCPI221
import OCPIRuntime

/// A small location, valid by every rule.
func makeLocation(_ id: String, updated: Int64, countryCode: String = "NL", partyID: String = "CPO") -> Location {
    let connector = Connector(
        id: "1", standard: .iec62196T2, format: .socket, powerType: .ac3Phase, maxVoltage: 230, maxAmperage: 32,
        lastUpdated: OCPIDateTime(secondsSince1970: updated)
    )
    let evse = EVSE(uid: "\(id)-E1", status: .available, connectors: [connector], lastUpdated: OCPIDateTime(secondsSince1970: updated))
    return Location(
        countryCode: countryCode, partyID: partyID, id: id, publish: true, address: "Street 1", city: "Utrecht", country: "NLD",
        coordinates: GeoLocation(latitude: "52.09074", longitude: "5.12142"), evses: [evse], timeZone: "Europe/Amsterdam",
        lastUpdated: OCPIDateTime(secondsSince1970: updated)
    )
}

/// Locations in insertion order, the order every page is cut from, so that a crawl never skips
/// or repeats an object while others are added.
actor LocationBook: LocationsSender {
    private(set) var locations: [Location] = []

    func add(_ location: Location) { locations.append(location) }

    func getLocations(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Location> {
        let matching = locations.filter { location in
            (dateFrom.map { location.lastUpdated >= $0 } ?? true) && (dateTo.map { location.lastUpdated < $0 } ?? true)
        }
        let page = Array(matching.dropFirst(offset).prefix(limit))
        return OCPIPage(items: page, totalCount: matching.count)
    }

    func getLocation(_ context: OCPIRequestContext, locationID: String) async throws -> OCPIReply<Location> {
        guard let location = locations.first(where: { $0.id == locationID }) else { throw OCPIError.notFound("Location \(locationID)") }
        return .ok(location)
    }

    func getEVSE(_ context: OCPIRequestContext, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        guard let evse = locations.first(where: { $0.id == locationID })?.evses.first(where: { $0.uid == evseUID }) else {
            throw OCPIError.notFound("EVSE \(evseUID)")
        }
        return .ok(evse)
    }

    func getConnector(_ context: OCPIRequestContext, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        throw OCPIError.notFound("Connector \(connectorID)")
    }
}

/// What an eMSP received by push: objects by their URL, and the context of the last request.
actor ReceivedLocations: LocationsReceiver {
    private(set) var locations: [String: Location] = [:]
    private(set) var lastContext: OCPIRequestContext?

    private func key(_ countryCode: String, _ partyID: String, _ locationID: String) -> String {
        "\(countryCode)/\(partyID)/\(locationID)".uppercased()
    }

    func getLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String) async throws -> OCPIReply<Location> {
        lastContext = context
        guard let location = locations[key(countryCode, partyID, locationID)] else { throw OCPIError.notFound("Location \(locationID)") }
        return .ok(location)
    }

    func getEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        throw OCPIError.notFound("EVSE \(evseUID)")
    }

    func getConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        throw OCPIError.notFound("Connector \(connectorID)")
    }

    func putLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: Location) async throws -> OCPIReply<OCPINoData> {
        lastContext = context
        let created = locations.updateValue(body, forKey: key(countryCode, partyID, locationID)) == nil
        return created ? .created : .ok
    }

    func putEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSE) async throws -> OCPIReply<OCPINoData> {
        .ok
    }

    func putConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: Connector) async throws -> OCPIReply<OCPINoData> {
        .ok
    }

    func patchLocation(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: LocationPatch) async throws -> OCPIReply<OCPINoData> {
        guard let location = locations[key(countryCode, partyID, locationID)] else { throw OCPIError.notFound("Location \(locationID)") }
        locations[key(countryCode, partyID, locationID)] = location.applying(body)
        return .ok
    }

    func patchEVSE(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSEPatch) async throws -> OCPIReply<OCPINoData> {
        .ok
    }

    func patchConnector(_ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: ConnectorPatch) async throws -> OCPIReply<OCPINoData> {
        .ok
    }
}

/// A token receiver that knows no tokens, and fails on purpose for one uid.
struct EmptyTokens: TokensReceiver {
    struct Boom: Error {}

    func getToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?) async throws -> OCPIReply<Token> {
        if tokenUID == "BOOM" { throw Boom() }
        throw OCPIError.notFound("Token \(tokenUID)")
    }

    func putToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?, body: Token) async throws -> OCPIReply<OCPINoData> {
        .created
    }

    func patchToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, type: TokenType?, body: TokenPatch) async throws -> OCPIReply<OCPINoData> {
        .ok
    }
}
