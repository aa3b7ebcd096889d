import OCPI221
import OCPIRuntime
import OCPIStore

/// A SENDER module of a release other than 2.2.1, read from the 2.2.1 objects the store keeps
/// (`Stored`) and served converted to that release's `Served`. What is listed, for whom, and
/// how is the same in every release, so it is written here once; each release's adapter
/// (`CPOTariffs211`, `CPOSessions230`, ...) is this type with its own types and conversion, and
/// conforms to its release's protocol through the methods below, named as the protocols name
/// them.
struct ConvertedReads<Stored: StoredModel, Served: JSONEncodable>: Sendable {
    /// How a page of stored objects becomes a page of served ones.
    enum Conversion: Sendable {
        /// Each object alone, so that its converted form can be kept and reused
        /// (`StoredObjects.pageConverted`).
        case each(@Sendable (Stored) -> Served)
        /// A page's objects together, for a conversion that reads other stored objects too (2.1.1's
        /// sessions and CDRs embed their location, which is read once a page).
        case together(@Sendable ([Stored]) async throws -> [Served])
    }

    let objects: StoredObjects
    let party: PartyIdentity
    let conversion: Conversion

    init(store: SQLStore, party: PartyIdentity, _ conversion: Conversion) {
        objects = StoredObjects(store: store)
        self.party = party
        self.conversion = conversion
    }

    /// A page of the list. Sessions and CDRs are each eMSP's own, so a partner is given (and
    /// counted) only its own, as 2.2.1's `CPOSessions` and `CPOCDRs` do; locations and tariffs
    /// are everyone's.
    func page(
        _ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int
    ) async throws -> OCPIPage<Served> {
        let module = Stored.storedModule
        let owned = module == .sessions || module == .cdrs
        let filter = ObjectFilter(module: module, party: party, owners: owned ? owners(of: context) : nil, dateFrom: dateFrom, dateTo: dateTo)
        switch conversion {
        case .each(let convert):
            return try await objects.pageConverted(filter, offset: offset, limit: limit, seek: context.seek, from: Stored.self, convert)
        case .together(let convert):
            return try await objects.pageConvertedTogether(filter, offset: offset, limit: limit, seek: context.seek, as: Stored.self, convert)
        }
    }
}

extension ConvertedReads where Stored == OCPI221.Tariff {
    /// `TariffsSender.getTariffs` of every release that converts.
    func getTariffs(
        _ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int
    ) async throws -> OCPIPage<Served> {
        try await page(context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit)
    }
}

extension ConvertedReads where Stored == OCPI221.Session {
    /// `SessionsSender.getSessions` of every release that converts: the caller's own sessions.
    func getSessions(
        _ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int
    ) async throws -> OCPIPage<Served> {
        try await page(context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit)
    }
}

extension ConvertedReads where Stored == OCPI221.CDR {
    /// `CDRsSender.getCDRs` of every release that converts: the caller's own CDRs.
    func getCDRs(
        _ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int
    ) async throws -> OCPIPage<Served> {
        try await page(context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit)
    }
}

/// A location as a release serves it, as far as finding one of its EVSEs goes.
protocol ServedLocation: JSONEncodable {
    associatedtype EVSE: ServedEVSE
    var evses: [EVSE] { get }
}

/// An EVSE as a release serves it, as far as finding it and one of its connectors goes.
protocol ServedEVSE: JSONEncodable {
    associatedtype Connector: ServedConnector
    var uid: String { get }
    var connectors: [Connector] { get }
}

/// A connector as a release serves it, as far as finding it goes.
protocol ServedConnector: JSONEncodable {
    var id: String { get }
}

/// The Locations SENDER module of a release other than 2.2.1: the stored 2.2.1 locations, each
/// converted alone by `convert`, and their EVSEs and connectors found in the converted location
/// (by uid and id, in any case), so that what a partner is given is what the list shows it.
/// Each release's adapter (`CPOLocations211`, `CPOLocations230`) is this type with its own.
struct ConvertedLocations<Served: ServedLocation>: Sendable {
    let list: ConvertedReads<OCPI221.Location, Served>
    let convert: @Sendable (OCPI221.Location) -> Served

    init(store: SQLStore, party: PartyIdentity, _ convert: @escaping @Sendable (OCPI221.Location) -> Served) {
        list = ConvertedReads(store: store, party: party, .each(convert))
        self.convert = convert
    }

    private func key(_ id: String) -> ObjectKey {
        ObjectKey(module: .locations, countryCode: list.party.countryCode, partyID: list.party.partyID, id: id)
    }

    func getLocations(
        _ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int
    ) async throws -> OCPIPage<Served> {
        try await list.page(context, dateFrom: dateFrom, dateTo: dateTo, offset: offset, limit: limit)
    }

    private func location(_ id: String) async throws -> Served {
        guard let location = try await list.objects.load(key(id), as: OCPI221.Location.self, recent: true) else {
            throw OCPIError.notFound("Location \(id)")
        }
        return convert(location)
    }

    func getLocation(_ context: OCPIRequestContext, locationID: String) async throws -> OCPIReply<Served> {
        guard let reply = try await list.objects.converted(key(locationID), from: OCPI221.Location.self, convert) else {
            throw OCPIError.notFound("Location \(locationID)")
        }
        return reply
    }

    private func evse(_ locationID: String, _ evseUID: String) async throws -> Served.EVSE {
        guard let evse = try await location(locationID).evses.first(where: { $0.uid.caseInsensitiveCompare(evseUID) == .orderedSame }) else {
            throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)")
        }
        return evse
    }

    func getEVSE(_ context: OCPIRequestContext, locationID: String, evseUID: String) async throws -> OCPIReply<Served.EVSE> {
        .ok(try await evse(locationID, evseUID))
    }

    func getConnector(
        _ context: OCPIRequestContext, locationID: String, evseUID: String, connectorID: String
    ) async throws -> OCPIReply<Served.EVSE.Connector> {
        guard let connector = try await evse(locationID, evseUID).connectors.first(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame }) else {
            throw OCPIError.notFound("Connector \(connectorID) of EVSE \(evseUID) of location \(locationID)")
        }
        return .ok(connector)
    }
}
