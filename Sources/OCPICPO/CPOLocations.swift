import OCPI221
import OCPIRuntime
import OCPIStore

/// The CPO's Locations SENDER interface, on the store: every eMSP sees every published location.
public struct CPOLocations: LocationsSender {
    let objects: StoredObjects
    let party: PartyIdentity

    public init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    private func key(_ id: String) -> ObjectKey {
        ObjectKey(module: .locations, countryCode: party.countryCode, partyID: party.partyID, id: id)
    }

    public func getLocations(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Location> {
        try await objects.page(ObjectFilter(module: .locations, party: party, dateFrom: dateFrom, dateTo: dateTo), offset: offset, limit: limit, seek: context.seek, as: Location.self)
    }

    public func getLocation(_ context: OCPIRequestContext, locationID: String) async throws -> OCPIReply<Location> {
        guard let stored = try await objects.json(key(locationID), as: Location.self, recent: true) else { throw OCPIError.notFound("Location \(locationID)") }
        return .ok(stored.json)
    }

    func location(_ id: String) async throws -> Location {
        guard let location = try await objects.load(key(id), as: Location.self, recent: true) else { throw OCPIError.notFound("Location \(id)") }
        return location
    }

    public func getEVSE(_ context: OCPIRequestContext, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        guard let evse = try await location(locationID).evses.first(where: { $0.uid.caseInsensitiveCompare(evseUID) == .orderedSame }) else {
            throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)")
        }
        return .ok(evse)
    }

    public func getConnector(_ context: OCPIRequestContext, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        let location = try await location(locationID)
        guard let connector = location.evses.first(where: { $0.uid.caseInsensitiveCompare(evseUID) == .orderedSame })?
            .connectors.first(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame })
        else {
            throw OCPIError.notFound("Connector \(connectorID) of EVSE \(evseUID) of location \(locationID)")
        }
        return .ok(connector)
    }
}
