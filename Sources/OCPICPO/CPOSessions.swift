import OCPI221
import OCPIRuntime
import OCPIStore

extension PartyIdentity {
    /// The `CC/PID` form in which the store's `owner` column names the eMSP a session or CDR
    /// belongs to (its token's issuer).
    var ownerKey: String { "\(countryCode.uppercased())/\(partyID.uppercased())" }
}

/// The eMSP that issued a token owns the sessions and CDRs charged on it.
func ownerKey(_ token: CdrToken) -> String { PartyIdentity(countryCode: token.countryCode, partyID: token.partyID).ownerKey }

func ownerKey(_ token: Token) -> String { PartyIdentity(countryCode: token.countryCode, partyID: token.partyID).ownerKey }

/// The eMSPs a partner acts as, as owner keys: it sees the sessions and CDRs of these only.
func owners(of context: OCPIRequestContext) -> [String] {
    (context.party?.roles ?? []).map(\.party.ownerKey)
}

/// The CPO's Sessions SENDER interface: each eMSP sees only its own sessions (and counts only
/// those in X-Total-Count).
public struct CPOSessions: SessionsSender {
    let objects: StoredObjects
    let party: PartyIdentity

    public init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    public func getSessions(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Session> {
        let filter = ObjectFilter(module: .sessions, party: party, owners: owners(of: context), dateFrom: dateFrom, dateTo: dateTo)
        return try await objects.page(filter, offset: offset, limit: limit, seek: context.seek, as: Session.self)
    }

    /// Preferences are accepted only for a session of the caller; without a charge-point link that
    /// can act on them the honest answer is NOT_POSSIBLE.
    public func putChargingPreferences(_ context: OCPIRequestContext, sessionID: String, body: ChargingPreferences) async throws -> OCPIReply<ChargingPreferencesResponse> {
        try await Self.requireOwnSession(objects, party, context, sessionID)
        return .ok(.notPossible)
    }

    /// Refuses, as not found, a session that is not the caller's (or does not exist); in every
    /// release that lets an eMSP send charging preferences.
    static func requireOwnSession(_ objects: StoredObjects, _ party: PartyIdentity, _ context: OCPIRequestContext, _ sessionID: String) async throws {
        guard let stored = try await objects.store.get(ObjectKey(module: .sessions, countryCode: party.countryCode, partyID: party.partyID, id: sessionID)),
            owners(of: context).contains(stored.owner)
        else {
            throw OCPIError.notFound("Session \(sessionID)")
        }
    }
}

/// The CPO's CDRs SENDER interface: each eMSP sees only its own CDRs.
public struct CPOCDRs: CDRsSender {
    let objects: StoredObjects
    let party: PartyIdentity

    public init(store: SQLStore, party: PartyIdentity) {
        objects = StoredObjects(store: store)
        self.party = party
    }

    public func getCDRs(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<CDR> {
        let filter = ObjectFilter(module: .cdrs, party: party, owners: owners(of: context), dateFrom: dateFrom, dateTo: dateTo)
        return try await objects.page(filter, offset: offset, limit: limit, seek: context.seek, as: CDR.self)
    }
}
