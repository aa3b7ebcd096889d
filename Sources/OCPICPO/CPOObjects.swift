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

/// Told of every change the CPO makes to its objects (the push to eMSPs is one).
public protocol CPOChangeObserver: Sendable {
    /// Called after the change is stored; `owner` is the eMSP (`CC/PID`) a session or CDR belongs to.
    func changed(_ change: CPOChange, owner: String?) async
}

/// The CPO's own objects, written the one way every entry point writes them (admin API, import,
/// the SDK): validated strictly, checked to be ours, stored, then announced to the observer.
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

    /// Runs a write of one object after the writes to it that came before (see `ObjectLocks`);
    /// its announcement goes out in the same order.
    private func serially<T: Sendable>(_ module: ObjectModule, _ id: String, _ body: () async throws -> T) async throws -> T {
        try await locks.withLock("\(module.rawValue)/\(id.uppercased())", body)
    }

    func key(_ module: ObjectModule, _ id: String) -> ObjectKey {
        ObjectKey(module: module, countryCode: party.countryCode, partyID: party.partyID, id: id)
    }

    private func requireOwn(countryCode: String?, partyID: String?) throws {
        try OwnParty(party).require(countryCode: countryCode, partyID: partyID)
    }

    private func announce(_ change: CPOChange, owner: String? = nil) async {
        await observer?.changed(change, owner: owner)
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
            let outcome = try await objects.save(location, key: key(.locations, location.id), lastUpdated: location.lastUpdated)
            await announce(.location(location))
            return outcome
        }
    }

    public func patchLocation(_ id: String, _ patch: LocationPatch) async throws {
        try await serially(.locations, id) {
            try requireOwn(countryCode: patch.countryCode, partyID: patch.partyID)
            let (location, _) = try await updateLocation(id) { $0 = $0.applying(patch) }
            await announce(.locationPatch(locationID: location.id, patch))
        }
    }

    /// A change to a stored location, kept whatever other writers do meanwhile.
    private func updateLocation<Result>(_ id: String, _ change: (inout Location) throws -> Result) async throws -> (Location, Result) {
        guard let updated = try await objects.update(key(.locations, id), as: Location.self, lastUpdated: \.lastUpdated, change) else {
            throw OCPIError.notFound("Location \(id)")
        }
        return updated
    }

    /// Replaces the EVSE with the same uid, or adds it; whether it was added.
    @discardableResult
    public func putEVSE(_ evse: EVSE, locationID: String) async throws -> WriteOutcome {
        try await serially(.locations, locationID) {
            let (location, created) = try await updateLocation(locationID) { location in
                let created = location.replaceEVSE(evse)
                location.lastUpdated = max(location.lastUpdated, evse.lastUpdated)
                return created
            }
            await announce(.evse(locationID: location.id, evse))
            return created ? .created : .updated
        }
    }

    public func patchEVSE(_ patch: EVSEPatch, locationID: String, evseUID: String) async throws {
        try await serially(.locations, locationID) {
            let (location, index) = try await updateLocation(locationID) { location in
                guard let index = location.evseIndex(evseUID) else { throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)") }
                location.evses[index] = location.evses[index].applying(patch)
                location.lastUpdated = max(location.lastUpdated, patch.lastUpdated)
                return index
            }
            await announce(.evsePatch(locationID: location.id, evseUID: location.evses[index].uid, patch))
        }
    }

    @discardableResult
    public func putConnector(_ connector: Connector, locationID: String, evseUID: String) async throws -> WriteOutcome {
        try await serially(.locations, locationID) {
            let (location, (index, created)) = try await updateLocation(locationID) { location in
                guard let index = location.evseIndex(evseUID) else { throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)") }
                let created = location.evses[index].replaceConnector(connector)
                location.evses[index].lastUpdated = max(location.evses[index].lastUpdated, connector.lastUpdated)
                location.lastUpdated = max(location.lastUpdated, connector.lastUpdated)
                return (index, created)
            }
            await announce(.connector(locationID: location.id, evseUID: location.evses[index].uid, connector))
            return created ? .created : .updated
        }
    }

    public func patchConnector(_ patch: ConnectorPatch, locationID: String, evseUID: String, connectorID: String) async throws {
        try await serially(.locations, locationID) {
            let (location, (evse, connector)) = try await updateLocation(locationID) { location in
                guard let evse = location.evseIndex(evseUID),
                    let connector = location.evses[evse].connectors.firstIndex(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame })
                else { throw OCPIError.notFound("Connector \(connectorID) of EVSE \(evseUID) of location \(locationID)") }
                location.evses[evse].connectors[connector] = location.evses[evse].connectors[connector].applying(patch)
                location.evses[evse].lastUpdated = max(location.evses[evse].lastUpdated, patch.lastUpdated)
                location.lastUpdated = max(location.lastUpdated, patch.lastUpdated)
                return (evse, connector)
            }
            let ids = (location.evses[evse].uid, location.evses[evse].connectors[connector].id)
            await announce(.connectorPatch(locationID: location.id, evseUID: ids.0, connectorID: ids.1, patch))
        }
    }

    // MARK: Tariffs

    @discardableResult
    public func putTariff(_ tariff: Tariff) async throws -> WriteOutcome {
        try await serially(.tariffs, tariff.id) {
            try requireOwn(countryCode: tariff.countryCode, partyID: tariff.partyID)
            let outcome = try await objects.save(tariff, key: key(.tariffs, tariff.id), lastUpdated: tariff.lastUpdated)
            await announce(.tariff(tariff))
            return outcome
        }
    }

    public func deleteTariff(_ id: String) async throws {
        try await serially(.tariffs, id) {
            guard try await objects.store.delete(key(.tariffs, id)) else { throw OCPIError.notFound("Tariff \(id)") }
            await announce(.tariffDeleted(tariffID: id))
        }
    }

    // MARK: Sessions and CDRs

    @discardableResult
    public func putSession(_ session: Session) async throws -> WriteOutcome {
        try await serially(.sessions, session.id) {
            try requireOwn(countryCode: session.countryCode, partyID: session.partyID)
            let owner = ownerKey(session.cdrToken)
            let outcome = try await objects.save(session, key: key(.sessions, session.id), owner: owner, lastUpdated: session.lastUpdated)
            await announce(.session(session), owner: owner)
            return outcome
        }
    }

    public func patchSession(_ id: String, _ patch: SessionPatch) async throws {
        try await serially(.sessions, id) {
            try requireOwn(countryCode: patch.countryCode, partyID: patch.partyID)
            let updated = try await objects.update(key(.sessions, id), as: Session.self, owner: { ownerKey($0.cdrToken) }, lastUpdated: \.lastUpdated) {
                $0 = $0.applying(patch)
            }
            guard let (patched, _) = updated else { throw OCPIError.notFound("Session \(id)") }
            await announce(.sessionPatch(sessionID: patched.id, patch), owner: ownerKey(patched.cdrToken))
        }
    }

    /// A CDR is final: a correction is a new (credit) CDR, never a replacement.
    public func postCDR(_ cdr: CDR) async throws {
        try await serially(.cdrs, cdr.id) {
            try requireOwn(countryCode: cdr.countryCode, partyID: cdr.partyID)
            let owner = ownerKey(cdr.cdrToken)
            // Created only if there is none, so that of two instances posting one id, one fails.
            guard try await objects.save(cdr, key: key(.cdrs, cdr.id), owner: owner, lastUpdated: cdr.lastUpdated, ifRevision: 0) else {
                throw OCPIError.invalid([Violation(path: JSONPath([.key("id")]), message: "a CDR with id '\(cdr.id)' exists already; CDRs cannot be replaced")])
            }
            await announce(.cdr(cdr), owner: owner)
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
