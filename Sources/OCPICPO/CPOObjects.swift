import OCPI221
import OCPIRuntime
import OCPIStore

/// A change to one of the CPO's own objects, as eMSPs are told of it: the message that describes
/// it best (a PATCH for an EVSE status), and the object it belongs to (whose current state a
/// partner that missed the message is sent instead).
public enum CPOChange: Sendable {
    case location(Location)
    case locationPatch(locationID: String, LocationPatch)
    case evse(locationID: String, EVSE)
    case evsePatch(locationID: String, evseUID: String, EVSEPatch)
    case connector(locationID: String, evseUID: String, Connector)
    case connectorPatch(locationID: String, evseUID: String, connectorID: String, ConnectorPatch)
    case tariff(Tariff)
    case tariffDeleted(tariffID: String)
    case session(Session)
    case sessionPatch(sessionID: String, SessionPatch)
    case cdr(CDR)

    public var module: ObjectModule {
        switch self {
        case .location, .locationPatch, .evse, .evsePatch, .connector, .connectorPatch: .locations
        case .tariff, .tariffDeleted: .tariffs
        case .session, .sessionPatch: .sessions
        case .cdr: .cdrs
        }
    }

    /// The id of the top-level object the change belongs to.
    public var objectID: String {
        switch self {
        case .location(let location): location.id
        case .locationPatch(let id, _), .evse(let id, _), .evsePatch(let id, _, _), .connector(let id, _, _), .connectorPatch(let id, _, _, _): id
        case .tariff(let tariff): tariff.id
        case .tariffDeleted(let id): id
        case .session(let session): session.id
        case .sessionPatch(let id, _): id
        case .cdr(let cdr): cdr.id
        }
    }
}

/// Told when the CPO has written changes to its objects, and so to the outbox (the pusher, which
/// then looks at the outbox at once instead of at its next poll).
public protocol CPOChangeObserver: Sendable {
    func changesWritten()
}

/// The CPO's own objects, written the one way every entry point writes them (admin API, import,
/// the SDK): validated strictly, checked to be ours, and stored in one transaction with the
/// change's entry in the outbox, from which the pusher serves each partner.
public struct CPOObjects: Sendable {
    let objects: StoredObjects
    let party: PartyIdentity
    let observer: (any CPOChangeObserver)?
    private let locks = ObjectLocks()

    public init(store: SQLStore, party: PartyIdentity, observer: (any CPOChangeObserver)? = nil) {
        objects = StoredObjects(store: store)
        self.party = party
        self.observer = observer
    }

    /// Runs a write of one object after the writes to it that came before (see `ObjectLocks`),
    /// so that its outbox entries are in the same order; then wakes the observer.
    private func serially<T: Sendable>(_ module: ObjectModule, _ id: String, _ body: () async throws -> T) async throws -> T {
        let result = try await locks.withLock("\(module.rawValue)/\(id.uppercased())", body)
        observer?.changesWritten()
        return result
    }

    func key(_ module: ObjectModule, _ id: String) -> ObjectKey {
        ObjectKey(module: module, countryCode: party.countryCode, partyID: party.partyID, id: id)
    }

    private func requireOwn(countryCode: String?, partyID: String?) throws {
        try OwnParty(party).require(countryCode: countryCode, partyID: partyID)
    }

    /// Appends the change to the outbox; called in the transaction that writes the object.
    private func record(_ change: CPOChange, owner: String? = nil) async throws {
        try await objects.store.appendToOutbox(OutboxEntry(key: key(change.module, change.objectID), owner: owner ?? "", message: OutboxMessage(change).json))
    }

    /// Saves `value` and records `change` in one transaction.
    private func save<T: OCPIModel>(_ value: T, _ change: CPOChange, owner: String? = nil, lastUpdated: OCPIDateTime) async throws -> WriteOutcome {
        try await objects.store.transaction {
            let outcome = try await objects.save(value, key: key(change.module, change.objectID), owner: owner ?? "", lastUpdated: lastUpdated)
            try await record(change, owner: owner)
            return outcome
        }
    }

    // MARK: Locations

    public func location(_ id: String) async throws -> Location {
        guard let location = try await objects.load(key(.locations, id), as: Location.self) else { throw OCPIError.notFound("Location \(id)") }
        return location
    }

    @discardableResult
    public func putLocation(_ location: Location) async throws -> WriteOutcome {
        try await serially(.locations, location.id) {
            try requireOwn(countryCode: location.countryCode, partyID: location.partyID)
            return try await save(location, .location(location), lastUpdated: location.lastUpdated)
        }
    }

    public func patchLocation(_ id: String, _ patch: LocationPatch) async throws {
        try await serially(.locations, id) {
            try requireOwn(countryCode: patch.countryCode, partyID: patch.partyID)
            _ = try await updateLocation(id, { $0 = $0.applying(patch) }, then: { location, _ in
                try await record(.locationPatch(locationID: location.id, patch))
            })
        }
    }

    /// A change to a stored location, kept whatever other writers do meanwhile; `then` runs in
    /// the transaction that writes it.
    private func updateLocation<Result>(
        _ id: String, _ change: (inout Location) throws -> Result, then: (Location, Result) async throws -> Void
    ) async throws -> (Location, Result) {
        guard let updated = try await objects.update(key(.locations, id), as: Location.self, lastUpdated: \.lastUpdated, change, then: then) else {
            throw OCPIError.notFound("Location \(id)")
        }
        return updated
    }

    /// Replaces the EVSE with the same uid, or adds it; whether it was added.
    @discardableResult
    public func putEVSE(_ evse: EVSE, locationID: String) async throws -> WriteOutcome {
        try await serially(.locations, locationID) {
            let (_, created) = try await updateLocation(locationID, { location in
                let created = location.replaceEVSE(evse)
                location.lastUpdated = max(location.lastUpdated, evse.lastUpdated)
                return created
            }, then: { location, _ in try await record(.evse(locationID: location.id, evse)) })
            return created ? .created : .updated
        }
    }

    public func patchEVSE(_ patch: EVSEPatch, locationID: String, evseUID: String) async throws {
        try await serially(.locations, locationID) {
            _ = try await updateLocation(locationID, { location in
                guard let index = location.evseIndex(evseUID) else { throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)") }
                location.evses[index] = location.evses[index].applying(patch)
                location.lastUpdated = max(location.lastUpdated, patch.lastUpdated)
                return index
            }, then: { location, index in
                try await record(.evsePatch(locationID: location.id, evseUID: location.evses[index].uid, patch))
            })
        }
    }

    @discardableResult
    public func putConnector(_ connector: Connector, locationID: String, evseUID: String) async throws -> WriteOutcome {
        try await serially(.locations, locationID) {
            let (_, (_, created)) = try await updateLocation(locationID, { location in
                guard let index = location.evseIndex(evseUID) else { throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)") }
                let created = location.evses[index].replaceConnector(connector)
                location.evses[index].lastUpdated = max(location.evses[index].lastUpdated, connector.lastUpdated)
                location.lastUpdated = max(location.lastUpdated, connector.lastUpdated)
                return (index, created)
            }, then: { location, result in
                try await record(.connector(locationID: location.id, evseUID: location.evses[result.0].uid, connector))
            })
            return created ? .created : .updated
        }
    }

    public func patchConnector(_ patch: ConnectorPatch, locationID: String, evseUID: String, connectorID: String) async throws {
        try await serially(.locations, locationID) {
            _ = try await updateLocation(locationID, { location in
                guard let evse = location.evseIndex(evseUID),
                    let connector = location.evses[evse].connectors.firstIndex(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame })
                else { throw OCPIError.notFound("Connector \(connectorID) of EVSE \(evseUID) of location \(locationID)") }
                location.evses[evse].connectors[connector] = location.evses[evse].connectors[connector].applying(patch)
                location.evses[evse].lastUpdated = max(location.evses[evse].lastUpdated, patch.lastUpdated)
                location.lastUpdated = max(location.lastUpdated, patch.lastUpdated)
                return (evse, connector)
            }, then: { location, indices in
                let ids = (location.evses[indices.0].uid, location.evses[indices.0].connectors[indices.1].id)
                try await record(.connectorPatch(locationID: location.id, evseUID: ids.0, connectorID: ids.1, patch))
            })
        }
    }

    // MARK: Tariffs

    @discardableResult
    public func putTariff(_ tariff: Tariff) async throws -> WriteOutcome {
        try await serially(.tariffs, tariff.id) {
            try requireOwn(countryCode: tariff.countryCode, partyID: tariff.partyID)
            return try await save(tariff, .tariff(tariff), lastUpdated: tariff.lastUpdated)
        }
    }

    public func deleteTariff(_ id: String) async throws {
        try await serially(.tariffs, id) {
            try await objects.store.transaction {
                guard try await objects.store.delete(key(.tariffs, id)) else { throw OCPIError.notFound("Tariff \(id)") }
                try await record(.tariffDeleted(tariffID: id))
            }
        }
    }

    // MARK: Sessions and CDRs

    @discardableResult
    public func putSession(_ session: Session) async throws -> WriteOutcome {
        try await serially(.sessions, session.id) {
            try requireOwn(countryCode: session.countryCode, partyID: session.partyID)
            return try await save(session, .session(session), owner: ownerKey(session.cdrToken), lastUpdated: session.lastUpdated)
        }
    }

    public func patchSession(_ id: String, _ patch: SessionPatch) async throws {
        try await serially(.sessions, id) {
            try requireOwn(countryCode: patch.countryCode, partyID: patch.partyID)
            let updated = try await objects.update(
                key(.sessions, id), as: Session.self, owner: { ownerKey($0.cdrToken) }, lastUpdated: \.lastUpdated, { $0 = $0.applying(patch) },
                then: { patched, _ in try await record(.sessionPatch(sessionID: patched.id, patch), owner: ownerKey(patched.cdrToken)) }
            )
            guard updated != nil else { throw OCPIError.notFound("Session \(id)") }
        }
    }

    /// A CDR is final: a correction is a new (credit) CDR, never a replacement.
    public func postCDR(_ cdr: CDR) async throws {
        try await serially(.cdrs, cdr.id) {
            try requireOwn(countryCode: cdr.countryCode, partyID: cdr.partyID)
            let owner = ownerKey(cdr.cdrToken)
            try await objects.store.transaction {
                // Created only if there is none, so that of two instances posting one id, one fails.
                guard try await objects.save(cdr, key: key(.cdrs, cdr.id), owner: owner, lastUpdated: cdr.lastUpdated, ifRevision: 0) else {
                    throw OCPIError.invalid([Violation(path: JSONPath([.key("id")]), message: "a CDR with id '\(cdr.id)' exists already; CDRs cannot be replaced")])
                }
                try await record(.cdr(cdr), owner: owner)
            }
        }
    }
}

extension Location {
    func evseIndex(_ uid: String) -> Int? {
        evses.firstIndex { $0.uid.caseInsensitiveCompare(uid) == .orderedSame }
    }

    /// Replaces the EVSE with the same uid, or adds it; whether it was added.
    mutating func replaceEVSE(_ evse: EVSE) -> Bool {
        if let index = evseIndex(evse.uid) {
            evses[index] = evse
            return false
        }
        evses.append(evse)
        return true
    }
}

extension EVSE {
    mutating func replaceConnector(_ connector: Connector) -> Bool {
        if let index = connectors.firstIndex(where: { $0.id.caseInsensitiveCompare(connector.id) == .orderedSame }) {
            connectors[index] = connector
            return false
        }
        connectors.append(connector)
        return true
    }
}
