import OCPI221
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

    /// Sends the change as the message that describes it.
    func send(_ change: CPOChange) async throws {
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

    /// Sends the object's current state: PUT (a DELETE for a tariff that is gone; a POST for a CDR).
    func sendCurrent(_ key: ObjectKey) async throws {
        let stored = try await store.get(key)
        switch key.module {
        case .locations:
            guard let location = try stored.flatMap({ try Location.decodeJSON($0.json).value }) else { return }
            _ = try await locations().putLocation(countryCode: cc, partyID: pid, locationID: location.id, body: location)
        case .tariffs:
            if let tariff = try stored.flatMap({ try Tariff.decodeJSON($0.json).value }) {
                _ = try await tariffs().putTariff(countryCode: cc, partyID: pid, tariffID: tariff.id, body: tariff)
            } else {
                do {
                    _ = try await tariffs().deleteTariff(countryCode: cc, partyID: pid, tariffID: key.id)
                } catch let error as OCPIClientError where error.httpStatus == 404 {
                    // It never had it: nothing to delete.
                }
            }
        case .sessions:
            guard let session = try stored.flatMap({ try Session.decodeJSON($0.json).value }) else { return }
            _ = try await sessions().putSession(countryCode: cc, partyID: pid, sessionID: session.id, body: session)
        case .cdrs:
            guard let cdr = try stored.flatMap({ try CDR.decodeJSON($0.json).value }) else { return }
            // A CDR the partner already holds is not posted twice.
            guard try await store.cdrLocation(partnerID: partner.id, key) == nil else { return }
            try await post(cdr)
        case .tokens, .clientinfo:
            return
        }
    }

    /// After a refused PATCH: the partner's copy, and ours when it is missing or older.
    func resynchronise(_ key: ObjectKey) async throws {
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

    private func post(_ cdr: CDR) async throws {
        let key = ObjectKey(module: .cdrs, countryCode: cdr.countryCode, partyID: cdr.partyID, id: cdr.id)
        let result = try await cdrs().postCDR(body: cdr)
        // The spec asks the receiver for the URL where it keeps the CDR; a partner that sends
        // none still received it, so the id stands in.
        try await store.recordCDRLocation(partnerID: partner.id, key, url: result.headers[OCPIHeader.location] ?? "")
    }

    private func locations() throws -> LocationsReceiverClient { LocationsReceiverClient(connection: try connection(.locations)) }
    private func tariffs() throws -> TariffsReceiverClient { TariffsReceiverClient(connection: try connection(.tariffs)) }
    private func sessions() throws -> SessionsReceiverClient { SessionsReceiverClient(connection: try connection(.sessions)) }
    private func cdrs() throws -> CDRsReceiverClient { CDRsReceiverClient(connection: try connection(.cdrs)) }
}
