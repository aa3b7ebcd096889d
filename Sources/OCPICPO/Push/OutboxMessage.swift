import OCPI221
import OCPIRuntime
import OCPIStore

/// How a change is kept in the outbox: the kind of message that describes it, the ids of the
/// sub-object it is about, and a PATCH's body. Whole objects are not copied: they are read when
/// the message is sent, as they are then (a partner that is sent a location a moment after it
/// changed again gets the newer one, as the catch-up would send it).
enum OutboxMessage: Equatable, Sendable {
    /// PUT the top-level object (a location, tariff or session), POST a CDR.
    case object
    /// DELETE the tariff.
    case deleted
    /// PUT one EVSE, or one connector, of the location.
    case evse(uid: String)
    case connector(evseUID: String, connectorID: String)
    /// PATCH the location or session, an EVSE or a connector, with this body.
    case patch(body: [UInt8])
    case evsePatch(uid: String, body: [UInt8])
    case connectorPatch(evseUID: String, connectorID: String, body: [UInt8])
    /// The object's current state, however it is best sent (migrated catch-up notes).
    case current

    init(_ change: CPOChange) {
        switch change {
        case .location, .tariff, .session, .cdr: self = .object
        case .tariffDeleted: self = .deleted
        case .evse(_, let evse): self = .evse(uid: evse.uid)
        case .connector(_, let evseUID, let connector): self = .connector(evseUID: evseUID, connectorID: connector.id)
        case .locationPatch(_, let patch): self = .patch(body: patch.jsonBytes())
        case .sessionPatch(_, let patch): self = .patch(body: patch.jsonBytes())
        case .evsePatch(_, let uid, let patch): self = .evsePatch(uid: uid, body: patch.jsonBytes())
        case .connectorPatch(_, let evseUID, let connectorID, let patch): self = .connectorPatch(evseUID: evseUID, connectorID: connectorID, body: patch.jsonBytes())
        }
    }

    var isPatch: Bool {
        switch self {
        case .patch, .evsePatch, .connectorPatch: true
        default: false
        }
    }

    /// `{"change": "...", "evse_uid": ..., "connector_id": ..., "patch": {...}}`.
    var json: [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("change")
        func ids(evse: String?, connector: String?) {
            if let evse {
                writer.key("evse_uid")
                writer.string(evse)
            }
            if let connector {
                writer.key("connector_id")
                writer.string(connector)
            }
        }
        switch self {
        case .object: writer.string("object")
        case .deleted: writer.string("deleted")
        case .current: writer.string("current")
        case .evse(let uid):
            writer.string("evse")
            ids(evse: uid, connector: nil)
        case .connector(let evseUID, let connectorID):
            writer.string("connector")
            ids(evse: evseUID, connector: connectorID)
        case .patch(let body):
            writer.string("patch")
            writer.key("patch")
            writer.raw(body)
        case .evsePatch(let uid, let body):
            writer.string("evse_patch")
            ids(evse: uid, connector: nil)
            writer.key("patch")
            writer.raw(body)
        case .connectorPatch(let evseUID, let connectorID, let body):
            writer.string("connector_patch")
            ids(evse: evseUID, connector: connectorID)
            writer.key("patch")
            writer.raw(body)
        }
        writer.endObject()
        return writer.bytes
    }

    /// The message of an outbox row; `nil` when it is not one (a row of a later release).
    init?(json: [UInt8]) {
        guard let document = try? JSONValue.decodeJSON(json).value, case .string(let change)? = document["change"] else { return nil }
        let evse: String? = if case .string(let uid)? = document["evse_uid"] { uid } else { nil }
        let connector: String? = if case .string(let id)? = document["connector_id"] { id } else { nil }
        let patch = document["patch"]?.jsonBytes()
        switch (change, evse, connector, patch) {
        case ("object", _, _, _): self = .object
        case ("deleted", _, _, _): self = .deleted
        case ("current", _, _, _): self = .current
        case ("evse", let uid?, _, _): self = .evse(uid: uid)
        case ("connector", let evseUID?, let connectorID?, _): self = .connector(evseUID: evseUID, connectorID: connectorID)
        case ("patch", _, _, let body?): self = .patch(body: body)
        case ("evse_patch", let uid?, _, let body?): self = .evsePatch(uid: uid, body: body)
        case ("connector_patch", let evseUID?, let connectorID?, let body?): self = .connectorPatch(evseUID: evseUID, connectorID: connectorID, body: body)
        default: return nil
        }
    }

    /// The change to send for the row, with the objects as they are now; `nil` when there is
    /// nothing to send (the object or sub-object is gone, a later row says so), or the message
    /// is `.current` (sent by `PartnerMessenger.sendCurrent`).
    func change(for key: ObjectKey, in store: SQLStore) async throws -> CPOChange? {
        func load<T: OCPIModel>(_: T.Type) async throws -> T? {
            try await store.get(key).flatMap { try T.decodeJSON($0.json).value }
        }
        func evse(_ uid: String) async throws -> EVSE? {
            try await load(Location.self)?.evses.first { $0.uid.caseInsensitiveCompare(uid) == .orderedSame }
        }
        switch (self, key.module) {
        case (.object, .locations): return try await load(Location.self).map { .location($0) }
        case (.object, .tariffs): return try await load(Tariff.self).map { .tariff($0) }
        case (.object, .sessions): return try await load(Session.self).map { .session($0) }
        case (.object, .cdrs): return try await load(CDR.self).map { .cdr($0) }
        case (.deleted, .tariffs): return .tariffDeleted(tariffID: key.id)
        case (.evse(let uid), .locations):
            return try await evse(uid).map { .evse(locationID: key.id, $0) }
        case (.connector(let evseUID, let connectorID), .locations):
            guard let connector = try await evse(evseUID)?.connectors.first(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame }) else { return nil }
            return .connector(locationID: key.id, evseUID: evseUID, connector)
        case (.patch(let body), .locations): return try LocationPatch.decodeJSON(body).value.map { .locationPatch(locationID: key.id, $0) }
        case (.patch(let body), .sessions): return try SessionPatch.decodeJSON(body).value.map { .sessionPatch(sessionID: key.id, $0) }
        case (.evsePatch(let uid, let body), .locations): return try EVSEPatch.decodeJSON(body).value.map { .evsePatch(locationID: key.id, evseUID: uid, $0) }
        case (.connectorPatch(let evseUID, let connectorID, let body), .locations):
            return try ConnectorPatch.decodeJSON(body).value.map { .connectorPatch(locationID: key.id, evseUID: evseUID, connectorID: connectorID, $0) }
        default: return nil
        }
    }
}
