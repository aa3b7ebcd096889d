import Foundation
import OCPI211
import OCPI221
import OCPIConversions
import OCPIRuntime
import OCPIStore

/// OCPI 2.1.1 as this CPO serves it, beside 2.2.1: its version details and its modules, each
/// answering from the 2.2.1 objects the store keeps, converted by the generated
/// `Conversion221To211` (spec/conversions/2.2.1-2.1.1.yaml).
enum Release211 {
    static let version = OCPI211.OCPIRelease.version
    /// Where the 2.1.1 modules are mounted.
    static let basePath = "/ocpi/cpo/\(version)"
    /// Where the 2.1.1 version details are, below `/ocpi`.
    static let detailsPath = "/\(version)"
    /// The modules a 2.1.1 partner is offered, by the path below `basePath`.
    static let modules: [(OCPI211.ModuleID, String)] = [(.credentials, "/credentials"), (.locations, "/locations"), (.tariffs, "/tariffs")]
}

/// The 2.1.1 version details (the list of versions is 2.2.1's, which names 2.1.1 too).
struct CPOVersions211: OCPI211.VersionsSender {
    let publicURL: String
    let served: [String]

    func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI211.Version]> {
        .ok(served.map { OCPI211.Version(version: OCPI211.VersionNumber(rawValue: $0), url: publicURL + "/ocpi/" + $0) })
    }

    func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI211.VersionDetails> {
        let endpoints = Release211.modules.map { OCPI211.Endpoint(identifier: $0.0, url: publicURL + Release211.basePath + $0.1) }
        return .ok(OCPI211.VersionDetails(version: .v2_1_1, endpoints: endpoints))
    }
}

/// The Locations SENDER interface of 2.1.1: the same locations as 2.2.1's, converted.
struct CPOLocations211: OCPI211.LocationsSender {
    let objects: StoredObjects
    let party: PartyIdentity
    let conversion = Conversion221To211()

    init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    private func key(_ id: String) -> ObjectKey {
        ObjectKey(module: .locations, countryCode: party.countryCode, partyID: party.partyID, id: id)
    }

    func getLocations(
        _ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int
    ) async throws -> OCPIPage<OCPI211.Location> {
        let filter = ObjectFilter(module: .locations, party: party, dateFrom: dateFrom, dateTo: dateTo)
        let (locations, total) = try await objects.pageValues(filter, offset: offset, limit: limit, as: OCPI221.Location.self)
        return OCPIPage(items: locations.map(conversion.convert), totalCount: total)
    }

    private func location(_ id: String) async throws -> OCPI211.Location {
        guard let location = try await objects.load(key(id), as: OCPI221.Location.self, recent: true) else {
            throw OCPIError.notFound("Location \(id)")
        }
        return conversion.convert(location)
    }

    func getLocation(_ context: OCPIRequestContext, locationID: String) async throws -> OCPIReply<OCPI211.Location> {
        .ok(try await location(locationID))
    }

    private func evse(_ locationID: String, _ evseUID: String) async throws -> OCPI211.EVSE {
        guard let evse = try await location(locationID).evses.first(where: { $0.uid.caseInsensitiveCompare(evseUID) == .orderedSame }) else {
            throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)")
        }
        return evse
    }

    func getEVSE(_ context: OCPIRequestContext, locationID: String, evseUID: String) async throws -> OCPIReply<OCPI211.EVSE> {
        .ok(try await evse(locationID, evseUID))
    }

    func getConnector(
        _ context: OCPIRequestContext, locationID: String, evseUID: String, connectorID: String
    ) async throws -> OCPIReply<OCPI211.Connector> {
        guard let connector = try await evse(locationID, evseUID).connectors.first(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame }) else {
            throw OCPIError.notFound("Connector \(connectorID) of EVSE \(evseUID) of location \(locationID)")
        }
        return .ok(connector)
    }
}

/// The Tariffs SENDER interface of 2.1.1: the same tariffs as 2.2.1's, converted.
struct CPOTariffs211: OCPI211.TariffsSender {
    let objects: StoredObjects
    let party: PartyIdentity
    let conversion = Conversion221To211()

    init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    func getTariffs(
        _ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int
    ) async throws -> OCPIPage<OCPI211.Tariff> {
        let filter = ObjectFilter(module: .tariffs, party: party, dateFrom: dateFrom, dateTo: dateTo)
        let (tariffs, total) = try await objects.pageValues(filter, offset: offset, limit: limit, as: OCPI221.Tariff.self)
        return OCPIPage(items: tariffs.map(conversion.convert), totalCount: total)
    }
}
