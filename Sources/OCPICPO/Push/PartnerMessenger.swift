import OCPI211
import OCPI221
import OCPI230
import OCPIConversions
import OCPIRuntime
import OCPIServer
import OCPIStore

/// The calls the CPO makes to one partner's RECEIVER interfaces: a change as its own message,
/// or an object's current state.
struct PartnerMessenger: Sendable {
    let partner: PartnerRecord
    let ourParty: PartyIdentity
    let transport: any OCPIClientTransport
    let store: SQLStore

    struct NoEndpoint: Error, CustomStringConvertible {
        var module: String
        var description: String { "the partner lists no \(module) RECEIVER endpoint" }
    }

    private func connection(_ module: ObjectModule) throws -> OCPIConnection {
        let to = partner.roles.first.map { PartyIdentity(countryCode: $0.countryCode, partyID: $0.partyID) }
        guard let connection = partner.connection(to: module.moduleID, role: .receiver, transport: transport, routing: RoutingHeaders(from: ourParty, to: to)) else {
            throw NoEndpoint(module: module.rawValue)
        }
        return connection
    }

    private var cc: String { ourParty.countryCode }
    private var pid: String { ourParty.partyID }

    /// A partner on 2.1.1 is sent whole objects, converted, of the modules converted to 2.1.1.
    static func isOn211(_ partner: PartnerRecord) -> Bool { partner.version == OCPI211.OCPIRelease.version }

    /// A partner on 2.3.0 is sent whole objects too, converted, of the modules converted to
    /// 2.3.0: a 2.2.1 PATCH would have to be converted on its own, which no rule covers yet
    /// (a session's PATCH would have to carry its whole price, so little would be saved).
    static func isOn230(_ partner: PartnerRecord) -> Bool { partner.version == OCPI230.OCPIRelease.version }

    /// Whether the partner is sent changes of `module`: it lists a RECEIVER endpoint for it,
    /// and its release is one the objects can be converted to (2.1.1: locations, tariffs,
    /// sessions and CDRs; 2.3.0 likewise).
    static func pushes(_ module: ObjectModule, to partner: PartnerRecord) -> Bool {
        guard partner.endpoint(module.moduleID, role: .receiver) != nil else { return false }
        return !(Self.isOn211(partner) || Self.isOn230(partner)) || [.locations, .tariffs, .sessions, .cdrs].contains(module)
    }

    /// Sends the change as the message that describes it; to a 2.1.1 or 2.3.0 partner, the
    /// changed object's current state, converted.
    func send(_ change: CPOChange) async throws {
        if Self.isOn211(partner) || Self.isOn230(partner) {
            return try await sendCurrent(Self.objectKey(of: change, party: ourParty))
        }
        switch change {
        case .location(let location):
            _ = try await locations().putLocation(countryCode: cc, partyID: pid, locationID: location.id, body: location)
        case .locationPatch(let id, let patch):
            _ = try await locations().patchLocation(countryCode: cc, partyID: pid, locationID: id, body: patch)
        case .evse(let locationID, let evse):
            _ = try await locations().putEVSE(countryCode: cc, partyID: pid, locationID: locationID, evseUID: evse.uid, body: evse)
        case .evsePatch(let locationID, let uid, let patch):
            _ = try await locations().patchEVSE(countryCode: cc, partyID: pid, locationID: locationID, evseUID: uid, body: patch)
        case .connector(let locationID, let uid, let connector):
            _ = try await locations().putConnector(countryCode: cc, partyID: pid, locationID: locationID, evseUID: uid, connectorID: connector.id, body: connector)
        case .connectorPatch(let locationID, let uid, let id, let patch):
            _ = try await locations().patchConnector(countryCode: cc, partyID: pid, locationID: locationID, evseUID: uid, connectorID: id, body: patch)
        case .tariff(let tariff):
            _ = try await tariffs().putTariff(countryCode: cc, partyID: pid, tariffID: tariff.id, body: tariff)
        case .tariffDeleted(let id):
            _ = try await tariffs().deleteTariff(countryCode: cc, partyID: pid, tariffID: id)
        case .session(let session):
            _ = try await sessions().putSession(countryCode: cc, partyID: pid, sessionID: session.id, body: session)
        case .sessionPatch(let id, let patch):
            _ = try await sessions().patchSession(countryCode: cc, partyID: pid, sessionID: id, body: patch)
        case .cdr(let cdr):
            try await post(cdr)
        }
    }

    /// The object a change is about, for a 2.1.1 or 2.3.0 partner, which is sent whole objects
    /// of the modules converted to its release.
    static func objectKey(of change: CPOChange, party: PartyIdentity) -> ObjectKey {
        let (module, id): (ObjectModule, String)
        switch change {
        case .location(let location): (module, id) = (.locations, location.id)
        case .locationPatch(let locationID, _), .evse(let locationID, _), .evsePatch(let locationID, _, _), .connector(let locationID, _, _),
            .connectorPatch(let locationID, _, _, _):
            (module, id) = (.locations, locationID)
        case .tariff(let tariff): (module, id) = (.tariffs, tariff.id)
        case .tariffDeleted(let tariffID): (module, id) = (.tariffs, tariffID)
        case .session(let session): (module, id) = (.sessions, session.id)
        case .sessionPatch(let sessionID, _): (module, id) = (.sessions, sessionID)
        case .cdr(let cdr): (module, id) = (.cdrs, cdr.id)
        }
        return ObjectKey(module: module, countryCode: party.countryCode, partyID: party.partyID, id: id)
    }

    /// Sends the object's current state: PUT (a DELETE for a tariff that is gone; a POST for a CDR).
    func sendCurrent(_ key: ObjectKey) async throws {
        let stored = try await store.get(key)
        if Self.isOn211(partner) {
            return try await sendCurrent211(key, stored)
        }
        if Self.isOn230(partner) {
            return try await sendCurrent230(key, stored)
        }
        switch key.module {
        case .locations:
            guard let location = try stored.flatMap({ try OCPI221.Location.decodeJSON($0.json).value }) else { return }
            _ = try await locations().putLocation(countryCode: cc, partyID: pid, locationID: location.id, body: location)
        case .tariffs:
            if let tariff = try stored.flatMap({ try OCPI221.Tariff.decodeJSON($0.json).value }) {
                _ = try await tariffs().putTariff(countryCode: cc, partyID: pid, tariffID: tariff.id, body: tariff)
            } else {
                do {
                    _ = try await tariffs().deleteTariff(countryCode: cc, partyID: pid, tariffID: key.id)
                } catch let error as OCPIClientError where error.httpStatus == 404 {
                    // It never had it: nothing to delete.
                }
            }
        case .sessions:
            guard let session = try stored.flatMap({ try OCPI221.Session.decodeJSON($0.json).value }) else { return }
            _ = try await sessions().putSession(countryCode: cc, partyID: pid, sessionID: session.id, body: session)
        case .cdrs:
            try await postOnce(key, stored) { cdr in try await cdrs().postCDR(body: cdr).headers[.location] }
        case .tokens, .clientinfo:
            return
        }
    }

    /// The current state in 2.1.1, converted (spec/conversions/2.2.1-2.1.1.yaml): a PUT, or
    /// for a tariff that is gone a DELETE, for a CDR a POST. A session or CDR goes with its
    /// location, as 2.1.1 has it.
    private func sendCurrent211(_ key: ObjectKey, _ stored: StoredObject?) async throws {
        let conversion = Conversion221To211()
        switch key.module {
        case .locations:
            guard let location = try stored.flatMap({ try OCPI221.Location.decodeJSON($0.json).value }) else { return }
            let client = OCPI211.LocationsReceiverClient(connection: try connection(.locations))
            _ = try await client.putLocation(countryCode: cc, partyID: pid, locationID: location.id, body: conversion.convert(location))
        case .tariffs:
            let client = OCPI211.TariffsReceiverClient(connection: try connection(.tariffs))
            if let tariff = try stored.flatMap({ try OCPI221.Tariff.decodeJSON($0.json).value }) {
                _ = try await client.putTariff(countryCode: cc, partyID: pid, tariffID: tariff.id, body: conversion.convert(tariff))
            } else {
                do {
                    _ = try await client.deleteTariff(countryCode: cc, partyID: pid, tariffID: key.id)
                } catch let error as OCPIClientError where error.httpStatus == 404 {
                    // It never had it: nothing to delete.
                }
            }
        case .sessions:
            guard let session = try stored.flatMap({ try OCPI221.Session.decodeJSON($0.json).value }),
                let converted = try await Sessions211(store: store).convert([session]).first
            else { return }
            let client = OCPI211.SessionsReceiverClient(connection: try connection(.sessions))
            _ = try await client.putSession(countryCode: cc, partyID: pid, sessionID: session.id, body: converted)
        case .cdrs:
            try await postOnce(key, stored) { cdr in
                guard let converted = try await CDRs211(store: store).convert([cdr]).first else {
                    throw OCPIError(.serverError, "CDR \(cdr.id) did not convert to 2.1.1")
                }
                return try await OCPI211.CDRsReceiverClient(connection: try connection(.cdrs)).postCDR(body: converted).headers[.location]
            }
        case .tokens, .clientinfo:
            return
        }
    }

    /// The current state in 2.3.0, converted (spec/conversions/2.2.1-2.3.0.yaml): a PUT, or for
    /// a tariff that is gone a DELETE, for a CDR a POST (once). Tokens are the eMSP's, never pushed.
    private func sendCurrent230(_ key: ObjectKey, _ stored: StoredObject?) async throws {
        let conversion = Conversion221To230()
        switch key.module {
        case .locations:
            guard let location = try stored.flatMap({ try OCPI221.Location.decodeJSON($0.json).value }) else { return }
            let client = OCPI230.LocationsReceiverClient(connection: try connection(.locations))
            _ = try await client.putLocation(countryCode: cc, partyID: pid, locationID: location.id, body: conversion.convert(location))
        case .tariffs:
            let client = OCPI230.TariffsReceiverClient(connection: try connection(.tariffs))
            if let tariff = try stored.flatMap({ try OCPI221.Tariff.decodeJSON($0.json).value }) {
                _ = try await client.putTariff(countryCode: cc, partyID: pid, tariffID: tariff.id, body: conversion.convert(tariff))
            } else {
                do {
                    _ = try await client.deleteTariff(countryCode: cc, partyID: pid, tariffID: key.id)
                } catch let error as OCPIClientError where error.httpStatus == 404 {
                    // It never had it: nothing to delete.
                }
            }
        case .sessions:
            guard let session = try stored.flatMap({ try OCPI221.Session.decodeJSON($0.json).value }) else { return }
            let client = OCPI230.SessionsReceiverClient(connection: try connection(.sessions))
            _ = try await client.putSession(countryCode: cc, partyID: pid, sessionID: session.id, body: conversion.convert(session))
        case .cdrs:
            try await postOnce(key, stored) { cdr in
                try await OCPI230.CDRsReceiverClient(connection: try connection(.cdrs)).postCDR(body: conversion.convert(cdr)).headers[.location]
            }
        case .tokens, .clientinfo:
            return
        }
    }

    /// Posts the stored CDR by `post`, which answers the URL where the partner keeps it (its
    /// Location header), unless the partner already holds it: a CDR is never posted twice, in
    /// any release. The URL is recorded as the receipt; a partner that gives none still
    /// received the CDR, so an empty one stands in.
    private func postOnce(_ key: ObjectKey, _ stored: StoredObject?, _ post: (OCPI221.CDR) async throws -> String?) async throws {
        guard let cdr = try stored.flatMap({ try OCPI221.CDR.decodeJSON($0.json).value }),
            try await store.cdrLocation(partnerID: partner.id, key) == nil
        else { return }
        let location = try await post(cdr)
        let url = location ?? ""
        try await CPOPusher.writing { try await store.recordCDRLocation(partnerID: partner.id, key, url: url) }
    }

    /// After a refused PATCH: the partner's copy, and ours when it is missing or older.
    func resynchronise(_ key: ObjectKey) async throws {
        // A 2.1.1 or 2.3.0 partner is sent whole objects, never a PATCH: what it refused was our
        // current state already.
        guard !Self.isOn211(partner), !Self.isOn230(partner) else { return }
        let theirs: OCPIDateTime?
        do {
            switch key.module {
            case .locations: theirs = try await locations().getLocation(countryCode: cc, partyID: pid, locationID: key.id).lastUpdated
            case .sessions: theirs = try await sessions().getSession(countryCode: cc, partyID: pid, sessionID: key.id).lastUpdated
            default: theirs = nil
            }
        } catch let error as OCPIClientError where Self.hasNoCopyWeCanRead(error) {
            theirs = nil
        }
        guard let ours = try await store.get(key) else { return }
        if let theirs, theirs >= ours.lastUpdated { return }
        try await sendCurrent(key)
    }

    /// The partner does not know the object, or answers with a copy we cannot read
    /// (extrawest-ocpi serves one location as a list of one): ours is sent. A partner that does
    /// not answer at all is tried again later instead.
    static func hasNoCopyWeCanRead(_ error: OCPIClientError) -> Bool {
        if case .invalidResponse = error { return true }
        return error.httpStatus == 404 || error.statusCode.map { (2000..<3000).contains($0) } == true
    }

    private func post(_ cdr: OCPI221.CDR) async throws {
        let key = ObjectKey(module: .cdrs, countryCode: cdr.countryCode, partyID: cdr.partyID, id: cdr.id)
        let result = try await cdrs().postCDR(body: cdr)
        // The spec asks the receiver for the URL where it keeps the CDR; a partner that sends
        // none still received it, so the id stands in.
        let url = result.headers[.location] ?? ""
        try await CPOPusher.writing { try await store.recordCDRLocation(partnerID: partner.id, key, url: url) }
    }

    private func locations() throws -> OCPI221.LocationsReceiverClient { OCPI221.LocationsReceiverClient(connection: try connection(.locations)) }
    private func tariffs() throws -> OCPI221.TariffsReceiverClient { OCPI221.TariffsReceiverClient(connection: try connection(.tariffs)) }
    private func sessions() throws -> OCPI221.SessionsReceiverClient { OCPI221.SessionsReceiverClient(connection: try connection(.sessions)) }
    private func cdrs() throws -> OCPI221.CDRsReceiverClient { OCPI221.CDRsReceiverClient(connection: try connection(.cdrs)) }
}
