import OCPI221
import OCPIRuntime
import OCPIStore

/// The CPO's Commands RECEIVER interface. Until a charge-point link is plugged in, commands are
/// checked and answered truthfully: what names an unknown location is refused (2003), a stop
/// for a session that is not the caller's is UNKNOWN_SESSION, anything else NOT_SUPPORTED.
/// Never a fake ACCEPTED.
public struct CPOCommands: CommandsReceiver {
    let objects: StoredObjects
    let party: PartyIdentity

    public init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    static let notSupported = CommandResponse(
        result: .notSupported, timeout: 0,
        message: [DisplayText(language: "en", text: "This charge point operator has no charge-point link for remote commands yet.")]
    )

    /// Checks that a location (and EVSE, connector) named by a command exists.
    func requireLocation(_ locationID: String, evseUID: String? = nil, connectorID: String? = nil) async throws {
        let key = ObjectKey(module: .locations, countryCode: party.countryCode, partyID: party.partyID, id: locationID)
        guard let location = try await objects.load(key, as: Location.self) else {
            throw OCPIError(.unknownLocationInRequest, "Unknown location \(locationID)")
        }
        if let evseUID {
            guard let evse = location.evseIndex(evseUID).map({ location.evses[$0] }) else {
                throw OCPIError(.unknownLocationInRequest, "Unknown EVSE \(evseUID) at location \(locationID)")
            }
            if let connectorID, !evse.connectors.contains(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame }) {
                throw OCPIError(.unknownLocationInRequest, "Unknown connector \(connectorID) of EVSE \(evseUID)")
            }
        }
    }

    public func postCancelReservation(_ context: OCPIRequestContext, body: CancelReservation) async throws -> OCPIReply<CommandResponse> {
        .ok(Self.notSupported)
    }

    public func postReserveNow(_ context: OCPIRequestContext, body: ReserveNow) async throws -> OCPIReply<CommandResponse> {
        try await requireLocation(body.locationID, evseUID: body.evseUID)
        return .ok(Self.notSupported)
    }

    public func postStartSession(_ context: OCPIRequestContext, body: StartSession) async throws -> OCPIReply<CommandResponse> {
        try await requireLocation(body.locationID, evseUID: body.evseUID, connectorID: body.connectorID)
        return .ok(Self.notSupported)
    }

    public func postStopSession(_ context: OCPIRequestContext, body: StopSession) async throws -> OCPIReply<CommandResponse> {
        let key = ObjectKey(module: .sessions, countryCode: party.countryCode, partyID: party.partyID, id: body.sessionID)
        guard let stored = try await objects.store.get(key), owners(of: context).contains(stored.owner) else {
            return .ok(CommandResponse(result: .unknownSession, timeout: 0))
        }
        return .ok(Self.notSupported)
    }

    public func postUnlockConnector(_ context: OCPIRequestContext, body: UnlockConnector) async throws -> OCPIReply<CommandResponse> {
        try await requireLocation(body.locationID, evseUID: body.evseUID, connectorID: body.connectorID)
        return .ok(Self.notSupported)
    }
}

/// The CPO's Charging Profiles RECEIVER interface, answered as truthfully as commands.
public struct CPOChargingProfiles: ChargingProfilesReceiver {
    let objects: StoredObjects
    let party: PartyIdentity

    public init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    private func answer(_ context: OCPIRequestContext, _ sessionID: String) async throws -> OCPIReply<ChargingProfileResponse> {
        let key = ObjectKey(module: .sessions, countryCode: party.countryCode, partyID: party.partyID, id: sessionID)
        guard let stored = try await objects.store.get(key), owners(of: context).contains(stored.owner) else {
            return .ok(ChargingProfileResponse(result: .unknownSession, timeout: 0))
        }
        return .ok(ChargingProfileResponse(result: .notSupported, timeout: 0))
    }

    public func getActiveChargingProfile(_ context: OCPIRequestContext, sessionID: String, duration: Int, responseURL: String) async throws -> OCPIReply<ChargingProfileResponse> {
        try await answer(context, sessionID)
    }

    public func putChargingProfile(_ context: OCPIRequestContext, sessionID: String, body: SetChargingProfile) async throws -> OCPIReply<ChargingProfileResponse> {
        try await answer(context, sessionID)
    }

    public func deleteChargingProfile(_ context: OCPIRequestContext, sessionID: String, responseURL: String) async throws -> OCPIReply<ChargingProfileResponse> {
        try await answer(context, sessionID)
    }
}

/// The CPO's Hub Client Info RECEIVER interface: a hub tells which parties behind it are
/// reachable; the states are stored per party.
public struct CPOHubClientInfo: HubClientInfoReceiver {
    let objects: StoredObjects

    public init(store: SQLStore) {
        objects = StoredObjects(store: store)
    }

    private func key(_ countryCode: String, _ partyID: String) -> ObjectKey {
        ObjectKey(module: .clientinfo, countryCode: countryCode, partyID: partyID, id: "\(countryCode)/\(partyID)")
    }

    public func getClientInfo(_ context: OCPIRequestContext, countryCode: String, partyID: String) async throws -> OCPIReply<ClientInfo> {
        guard let stored = try await objects.store.get(key(countryCode, partyID)) else { throw OCPIError.notFound("ClientInfo \(countryCode)/\(partyID)") }
        return .ok(encoded: stored.json)
    }

    public func putClientInfo(_ context: OCPIRequestContext, countryCode: String, partyID: String, body: ClientInfo) async throws -> OCPIReply<OCPINoData> {
        let outcome = try await objects.save(body, key: key(countryCode, partyID), lastUpdated: body.lastUpdated)
        return outcome == .created ? .created : .ok
    }
}
