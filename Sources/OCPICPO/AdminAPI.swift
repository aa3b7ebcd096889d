import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPIStore

/// The operator's side: the CPO's own systems feed the server through these routes, below
/// `/admin/2.2.1`, with `Authorization: Bearer <admin token>`. Every write is validated as
/// strictly as an OCPI request and answered in the same envelope.
public struct AdminAPI: Sendable {
    let objects: StoredObjects
    let party: PartyIdentity

    public init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    public static let basePath = "/admin/\(OCPIRelease.version)"

    /// The admin routes; their paths are fixed (operators' scripts use them).
    public var routes: [OCPIRoute] {
        let id = TextRule(.printableASCII, maxLength: 36)
        return [
            route(.put, "/locations/{location_id}", "put_location") { request in
                var request = request
                var parameters = ParameterReader(request)
                let locationID = parameters.path("location_id", id)
                try parameters.finish()
                let body = try request.body(Location.self)
                try requireOwn(countryCode: body.countryCode, partyID: body.partyID)
                try request.requireMatch(body.id, field: "id", parameter: "location_id")
                let outcome = try await objects.save(body, key: key(locationID), lastUpdated: body.lastUpdated)
                return .reply(outcome == .created ? OCPIReply<OCPINoData>.created : .ok)
            },
            route(.put, "/locations/{location_id}/{evse_uid}", "put_evse") { request in
                var request = request
                var parameters = ParameterReader(request)
                let locationID = parameters.path("location_id", id)
                _ = parameters.path("evse_uid", id)
                try parameters.finish()
                let body = try request.body(EVSE.self)
                try request.requireMatch(body.uid, field: "uid", parameter: "evse_uid")
                var location = try await location(locationID)
                let created = location.replaceEVSE(body)
                location.lastUpdated = max(location.lastUpdated, body.lastUpdated)
                try await objects.save(location, key: key(locationID), lastUpdated: location.lastUpdated)
                return .reply(created ? OCPIReply<OCPINoData>.created : .ok)
            },
            route(.put, "/locations/{location_id}/{evse_uid}/{connector_id}", "put_connector") { request in
                var request = request
                var parameters = ParameterReader(request)
                let locationID = parameters.path("location_id", id)
                let evseUID = parameters.path("evse_uid", id)
                _ = parameters.path("connector_id", id)
                try parameters.finish()
                let body = try request.body(Connector.self)
                try request.requireMatch(body.id, field: "id", parameter: "connector_id")
                var location = try await location(locationID)
                guard let index = location.evseIndex(evseUID) else { throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)") }
                let created = location.evses[index].replaceConnector(body)
                location.evses[index].lastUpdated = max(location.evses[index].lastUpdated, body.lastUpdated)
                location.lastUpdated = max(location.lastUpdated, body.lastUpdated)
                try await objects.save(location, key: key(locationID), lastUpdated: location.lastUpdated)
                return .reply(created ? OCPIReply<OCPINoData>.created : .ok)
            },
            route(.patch, "/locations/{location_id}", "patch_location") { request in
                var request = request
                var parameters = ParameterReader(request)
                let locationID = parameters.path("location_id", id)
                try parameters.finish()
                let body = try request.body(LocationPatch.self)
                try requireOwn(countryCode: body.countryCode, partyID: body.partyID)
                try request.requireMatch(body.id, field: "id", parameter: "location_id")
                let location = try await location(locationID).applying(body)
                try await objects.save(location, key: key(locationID), lastUpdated: location.lastUpdated)
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.patch, "/locations/{location_id}/{evse_uid}", "patch_evse") { request in
                var request = request
                var parameters = ParameterReader(request)
                let locationID = parameters.path("location_id", id)
                let evseUID = parameters.path("evse_uid", id)
                try parameters.finish()
                let body = try request.body(EVSEPatch.self)
                try request.requireMatch(body.uid, field: "uid", parameter: "evse_uid")
                var location = try await location(locationID)
                guard let index = location.evseIndex(evseUID) else { throw OCPIError.notFound("EVSE \(evseUID) of location \(locationID)") }
                location.evses[index] = location.evses[index].applying(body)
                location.lastUpdated = max(location.lastUpdated, body.lastUpdated)
                try await objects.save(location, key: key(locationID), lastUpdated: location.lastUpdated)
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.patch, "/locations/{location_id}/{evse_uid}/{connector_id}", "patch_connector") { request in
                var request = request
                var parameters = ParameterReader(request)
                let locationID = parameters.path("location_id", id)
                let evseUID = parameters.path("evse_uid", id)
                let connectorID = parameters.path("connector_id", id)
                try parameters.finish()
                let body = try request.body(ConnectorPatch.self)
                try request.requireMatch(body.id, field: "id", parameter: "connector_id")
                var location = try await location(locationID)
                guard let evse = location.evseIndex(evseUID),
                    let connector = location.evses[evse].connectors.firstIndex(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame })
                else { throw OCPIError.notFound("Connector \(connectorID) of EVSE \(evseUID) of location \(locationID)") }
                location.evses[evse].connectors[connector] = location.evses[evse].connectors[connector].applying(body)
                location.evses[evse].lastUpdated = max(location.evses[evse].lastUpdated, body.lastUpdated)
                location.lastUpdated = max(location.lastUpdated, body.lastUpdated)
                try await objects.save(location, key: key(locationID), lastUpdated: location.lastUpdated)
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.put, "/tariffs/{tariff_id}", "put_tariff") { request in
                var request = request
                var parameters = ParameterReader(request)
                let tariffID = parameters.path("tariff_id", id)
                try parameters.finish()
                let body = try request.body(Tariff.self)
                try requireOwn(countryCode: body.countryCode, partyID: body.partyID)
                try request.requireMatch(body.id, field: "id", parameter: "tariff_id")
                let outcome = try await objects.save(body, key: ownKey(.tariffs, tariffID), lastUpdated: body.lastUpdated)
                return .reply(outcome == .created ? OCPIReply<OCPINoData>.created : .ok)
            },
            route(.delete, "/tariffs/{tariff_id}", "delete_tariff") { request in
                var parameters = ParameterReader(request)
                let tariffID = parameters.path("tariff_id", id)
                try parameters.finish()
                guard try await objects.store.delete(ownKey(.tariffs, tariffID)) else { throw OCPIError.notFound("Tariff \(tariffID)") }
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.put, "/sessions/{session_id}", "put_session") { request in
                var request = request
                var parameters = ParameterReader(request)
                let sessionID = parameters.path("session_id", id)
                try parameters.finish()
                let body = try request.body(Session.self)
                try requireOwn(countryCode: body.countryCode, partyID: body.partyID)
                try request.requireMatch(body.id, field: "id", parameter: "session_id")
                let outcome = try await objects.save(body, key: ownKey(.sessions, sessionID), owner: ownerKey(body.cdrToken), lastUpdated: body.lastUpdated)
                return .reply(outcome == .created ? OCPIReply<OCPINoData>.created : .ok)
            },
            route(.patch, "/sessions/{session_id}", "patch_session") { request in
                var request = request
                var parameters = ParameterReader(request)
                let sessionID = parameters.path("session_id", id)
                try parameters.finish()
                let body = try request.body(SessionPatch.self)
                try requireOwn(countryCode: body.countryCode, partyID: body.partyID)
                try request.requireMatch(body.id, field: "id", parameter: "session_id")
                guard let session = try await objects.load(ownKey(.sessions, sessionID), as: Session.self) else { throw OCPIError.notFound("Session \(sessionID)") }
                let patched = session.applying(body)
                try await objects.save(patched, key: ownKey(.sessions, sessionID), owner: ownerKey(patched.cdrToken), lastUpdated: patched.lastUpdated)
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.post, "/cdrs", "post_cdr") { request in
                var request = request
                let body = try request.body(CDR.self)
                try requireOwn(countryCode: body.countryCode, partyID: body.partyID)
                // A CDR is final: a correction is a new (credit) CDR, never a replacement.
                guard try await objects.store.get(ownKey(.cdrs, body.id)) == nil else {
                    throw OCPIError.invalid([Violation(path: JSONPath([.key("id")]), message: "a CDR with id '\(body.id)' exists already; CDRs cannot be replaced")])
                }
                try await objects.save(body, key: ownKey(.cdrs, body.id), owner: ownerKey(body.cdrToken), lastUpdated: body.lastUpdated)
                return .reply(OCPIReply<OCPINoData>.created)
            },
        ]
    }

    private func ownKey(_ module: ObjectModule, _ id: String) -> ObjectKey {
        ObjectKey(module: module, countryCode: party.countryCode, partyID: party.partyID, id: id)
    }

    private func route(
        _ method: OCPIHTTPMethod, _ path: String, _ operation: String,
        _ handler: @escaping @Sendable (OCPIServerRequest) async throws -> OCPIServerResponse
    ) -> OCPIRoute {
        let module = path.split(separator: "/").first.map(String.init) ?? ""
        return OCPIRoute(method, path, module: module, role: "ADMIN", operation: operation, isFunctional: false,
                         notFound: module == "locations" ? .unknownLocation : .notFound, handler: handler)
    }

    private func key(_ locationID: String) -> ObjectKey {
        ObjectKey(module: .locations, countryCode: party.countryCode, partyID: party.partyID, id: locationID)
    }

    private func location(_ id: String) async throws -> Location {
        guard let location = try await objects.load(key(id), as: Location.self) else { throw OCPIError.notFound("Location \(id)") }
        return location
    }

    /// Our own objects carry our own country code and party id.
    private func requireOwn(countryCode: String?, partyID: String?) throws {
        try OwnParty(party).require(countryCode: countryCode, partyID: partyID)
    }
}

/// The admin token, presented as `Authorization: Bearer <token>`.
public struct AdminAuthenticator: OCPIAuthenticator {
    let token: String
    let party: PartyIdentity

    public init(token: String, party: PartyIdentity) {
        self.token = token
        self.party = party
    }

    public func party(forAuthorization header: String) async throws -> OCPIParty? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", Self.equal(String(parts[1]), token) else { return nil }
        return OCPIParty(id: "admin", roles: [.init(party: party, role: "CPO")])
    }

    public func party(forToken token: String) async throws -> OCPIParty? { nil }

    /// Compares without leaking, through timing, how much of the token was right.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = x.count ^ y.count
        for index in 0..<min(x.count, y.count) { difference |= Int(x[index] ^ y[index]) }
        return difference == 0
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
