import OCPI221
import OCPIRuntime
import OCPIStore

/// The CPO's Tariffs SENDER interface, on the store.
public struct CPOTariffs: TariffsSender {
    let objects: StoredObjects
    let party: PartyIdentity

    public init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    public func getTariffs(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Tariff> {
        try await objects.page(ObjectFilter(module: .tariffs, party: party, dateFrom: dateFrom, dateTo: dateTo), offset: offset, limit: limit, seek: context.seek, as: Tariff.self)
    }
}
