import Foundation
import OCPI211
import OCPI221
import OCPIConversions
import OCPIRuntime
import OCPIStore

/// OCPI 2.1.1 as this CPO serves it, beside 2.2.1: its version details and its modules, each
/// answering from the 2.2.1 objects the store keeps, converted by the generated
/// `Conversion221To211` (spec/conversions/2.2.1-2.1.1.yaml).
enum Release211 {
    static let version = OCPI211.OCPIRelease.version
    /// Where the 2.1.1 modules are mounted.
    static let basePath = "/ocpi/cpo/\(version)"
    /// Where the 2.1.1 version details are, below `/ocpi`.
    static let detailsPath = "/\(version)"
    /// The modules a 2.1.1 partner is offered, by the path below `basePath`.
    static let modules: [(OCPI211.ModuleID, String)] = [
        (.credentials, "/credentials"), (.locations, "/locations"), (.sessions, "/sessions"), (.cdrs, "/cdrs"), (.tariffs, "/tariffs"),
        (.tokens, "/tokens"), (.commands, "/commands"),
    ]
}

/// The 2.1.1 version details (the list of versions is 2.2.1's, which names 2.1.1 too).
struct CPOVersions211: OCPI211.VersionsSender {
    let publicURL: String
    let served: [String]

    func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI211.Version]> {
        .ok(served.map { OCPI211.Version(version: OCPI211.VersionNumber(rawValue: $0), url: publicURL + "/ocpi/" + $0) })
    }

    func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI211.VersionDetails> {
        let endpoints = Release211.modules.map { OCPI211.Endpoint(identifier: $0.0, url: publicURL + Release211.basePath + $0.1) }
        return .ok(OCPI211.VersionDetails(version: .v2_1_1, endpoints: endpoints))
    }
}

/// The Locations SENDER interface of 2.1.1: the same locations as 2.2.1's, converted.
typealias CPOLocations211 = ConvertedLocations<OCPI211.Location>

extension ConvertedLocations: OCPI211.LocationsSender where Served == OCPI211.Location {
    init(store: SQLStore, party: PartyIdentity) { self.init(store: store, party: party, Conversion221To211().convert) }
}

extension OCPI211.Location: ServedLocation {}
extension OCPI211.EVSE: ServedEVSE {}
extension OCPI211.Connector: ServedConnector {}

/// The Tariffs SENDER interface of 2.1.1: the same tariffs as 2.2.1's, converted.
typealias CPOTariffs211 = ConvertedReads<OCPI221.Tariff, OCPI211.Tariff>

extension ConvertedReads: OCPI211.TariffsSender where Stored == OCPI221.Tariff, Served == OCPI211.Tariff {
    init(store: SQLStore, party: PartyIdentity) { self.init(store: store, party: party, .each(Conversion221To211().convert)) }
}

/// 2.2.1 sessions as 2.1.1 has them: each embeds its location, which the store keeps apart, so
/// the conversion is given the stored location (spec/conversions/2.2.1-2.1.1.yaml,
/// `Session.location`), converted and narrowed to the session's EVSE and connector.
struct Sessions211: Sendable {
    let objects: StoredObjects
    let conversion = Conversion221To211()

    init(store: SQLStore) {
        objects = StoredObjects(store: store)
    }

    /// The sessions converted, in order; each location is read once.
    func convert(_ sessions: [OCPI221.Session]) async throws -> [OCPI211.Session] {
        var locations: [ObjectKey: OCPI211.Location] = [:]
        var converted: [OCPI211.Session] = []
        for session in sessions {
            // A session's location is its CPO's, whose party the session names.
            let key = ObjectKey(module: .locations, countryCode: session.countryCode, partyID: session.partyID, id: session.locationID)
            let location: OCPI211.Location
            if let known = locations[key] {
                location = known
            } else {
                guard let stored = try await objects.load(key, as: OCPI221.Location.self) else {
                    // Locations are never deleted: a session without one is a mistake of ours.
                    throw OCPIError(.serverError, "session \(session.id) is at location \(session.locationID), which is not stored")
                }
                location = conversion.convert(stored)
                locations[key] = location
            }
            converted.append(conversion.convert(session, location: Self.narrowed(location, to: session)))
        }
        return converted
    }

    /// The location with only the session's EVSE, holding only its connector (the whole EVSE
    /// when the connector is not found: 2.1.1 requires at least one).
    static func narrowed(_ location: OCPI211.Location, to session: OCPI221.Session) -> OCPI211.Location {
        narrowed(location, evseUID: session.evseUID, connectorID: session.connectorID)
    }

    /// The location with only the EVSE `evseUID`, holding only the connector `connectorID` (the
    /// whole EVSE when the connector is not found).
    static func narrowed(_ location: OCPI211.Location, evseUID: String, connectorID: String) -> OCPI211.Location {
        var location = location
        location.evses = location.evses.filter { $0.uid.caseInsensitiveCompare(evseUID) == .orderedSame }.map { evse in
            var evse = evse
            let used = evse.connectors.filter { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame }
            if !used.isEmpty { evse.connectors = used }
            return evse
        }
        return location
    }
}

/// The Sessions SENDER interface of 2.1.1: each eMSP's own sessions (as 2.2.1's), converted a
/// page at a time (`Sessions211`).
typealias CPOSessions211 = ConvertedReads<OCPI221.Session, OCPI211.Session>

extension ConvertedReads: OCPI211.SessionsSender where Stored == OCPI221.Session, Served == OCPI211.Session {
    init(store: SQLStore, party: PartyIdentity) { self.init(store: store, party: party, .together(Sessions211(store: store).convert)) }
}

/// 2.2.1 CDRs as 2.1.1 has them: 2.1.1 embeds a whole location where 2.2.1 embeds the few facts
/// billing needs (cdr_location), so the conversion is given one (spec/conversions/2.2.1-2.1.1.yaml,
/// `CDR.location`): the stored location while it still has the EVSE and connector used, with the
/// place and plug as the CDR recorded them; otherwise one built from cdr_location alone.
struct CDRs211: Sendable {
    let objects: StoredObjects
    let conversion = Conversion221To211()

    init(store: SQLStore) {
        objects = StoredObjects(store: store)
    }

    /// The CDRs converted, in order; each location is read once.
    func convert(_ cdrs: [OCPI221.CDR]) async throws -> [OCPI211.CDR] {
        var locations: [ObjectKey: OCPI211.Location?] = [:]
        var converted: [OCPI211.CDR] = []
        for cdr in cdrs {
            // A CDR's location is its CPO's, whose party the CDR names.
            let key = ObjectKey(module: .locations, countryCode: cdr.countryCode, partyID: cdr.partyID, id: cdr.cdrLocation.id)
            let stored: OCPI211.Location?
            if let known = locations[key] {
                stored = known
            } else {
                stored = try await objects.load(key, as: OCPI221.Location.self).map { conversion.convert($0) }
                locations[key] = stored
            }
            converted.append(conversion.convert(cdr, location: Self.location(of: cdr, stored: stored)))
        }
        return converted
    }

    /// The location a 2.1.1 CDR embeds: `stored` (the location the CDR names, converted) narrowed
    /// to the CDR's EVSE and connector, its place and plug replaced by the CDR's, which are
    /// frozen at the session; built from cdr_location when `stored` is nil or no longer has
    /// that EVSE and connector.
    static func location(of cdr: OCPI221.CDR, stored: OCPI211.Location?) -> OCPI211.Location {
        let place = cdr.cdrLocation
        let conversion = Conversion221To211()
        let standard = conversion.convert(place.connectorStandard)
        let format = conversion.convert(place.connectorFormat)
        let powerType = conversion.convert(place.connectorPowerType)
        if let stored {
            var location = Sessions211.narrowed(stored, evseUID: place.evseUID, connectorID: place.connectorID)
            if var evse = location.evses.first,
                var connector = evse.connectors.first(where: { $0.id.caseInsensitiveCompare(place.connectorID) == .orderedSame })
            {
                connector.standard = standard
                connector.format = format
                connector.powerType = powerType
                evse.evseID = place.evseID
                evse.connectors = [connector]
                location.evses = [evse]
                location.name = place.name ?? location.name
                location.address = place.address
                location.city = place.city
                location.postalCode = place.postalCode ?? location.postalCode
                location.country = place.country
                location.coordinates = conversion.convert(place.coordinates)
                return location
            }
        }
        // Nothing in 2.2.1's CDR says the location's type, the EVSE's status or the connector's
        // voltage and amperage, which 2.1.1 requires: unknown, and 0 for the two numbers.
        let connector = OCPI211.Connector(
            id: place.connectorID, standard: standard, format: format, powerType: powerType, voltage: 0, amperage: 0, lastUpdated: cdr.lastUpdated
        )
        let evse = OCPI211.EVSE(uid: place.evseUID, evseID: place.evseID, status: .unknown, connectors: [connector], lastUpdated: cdr.lastUpdated)
        return OCPI211.Location(
            id: place.id, type: .unknown, name: place.name, address: place.address, city: place.city, postalCode: place.postalCode ?? "",
            country: place.country, coordinates: conversion.convert(place.coordinates), evses: [evse], lastUpdated: cdr.lastUpdated
        )
    }
}

/// The CDRs SENDER interface of 2.1.1: each eMSP's own CDRs (as 2.2.1's), converted a page at
/// a time (`CDRs211`).
typealias CPOCDRs211 = ConvertedReads<OCPI221.CDR, OCPI211.CDR>

extension ConvertedReads: OCPI211.CDRsSender where Stored == OCPI221.CDR, Served == OCPI211.CDR {
    init(store: SQLStore, party: PartyIdentity) { self.init(store: store, party: party, .together(CDRs211(store: store).convert)) }
}

/// The Tokens RECEIVER interface of 2.1.1: an eMSP pushes its tokens, which are stored as 2.2.1
/// tokens of the one party in its credentials (spec/conversions/2.1.1-2.2.1.yaml), beside those
/// 2.2.1 partners push; read back, they are converted to 2.1.1 again. A URL naming another party
/// is refused (2001, with the pointer of the path parameter that differs).
struct CPOTokens211: OCPI211.TokensReceiver {
    let objects: StoredObjects
    let toStore = Conversion211To221()
    let toPartner = Conversion221To211()

    init(store: SQLStore) {
        objects = StoredObjects(store: store)
    }

    /// The caller's own party, which the URL must name (the same rule as 2.2.1's).
    private func ownParty(_ context: OCPIRequestContext, _ countryCode: String, _ partyID: String) throws -> PartyIdentity {
        try CPOTokens.ownParty(context, countryCode, partyID)
    }

    /// The stored token of this party with this uid: 2.1.1 names a token by its uid alone.
    private func key(_ party: PartyIdentity, _ uid: String) async throws -> ObjectKey? {
        for type in [OCPI221.TokenType.rfid, .other, .appUser, .adHocUser] {
            let key = CPOTokens.key(party.countryCode, party.partyID, uid, type)
            if try await objects.store.get(key) != nil { return key }
        }
        return nil
    }

    func getToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String) async throws -> OCPIReply<OCPI211.Token> {
        let party = try ownParty(context, countryCode, partyID)
        guard let key = try await key(party, tokenUID), let token = try await objects.load(key, as: OCPI221.Token.self) else {
            throw OCPIError.notFound("Token \(tokenUID)")
        }
        return .ok(toPartner.convert(token))
    }

    func putToken(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, body: OCPI211.Token
    ) async throws -> OCPIReply<OCPINoData> {
        let party = try ownParty(context, countryCode, partyID)
        let token = toStore.convert(body, countryCode: party.countryCode, partyID: party.partyID)
        let outcome = try await Self.in211Terms {
            try await objects.save(token, key: CPOTokens.key(party.countryCode, party.partyID, tokenUID, token.type), lastUpdated: token.lastUpdated)
        }
        return outcome == .created ? .created : .ok
    }

    func patchToken(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, body: OCPI211.TokenPatch
    ) async throws -> OCPIReply<OCPINoData> {
        let party = try ownParty(context, countryCode, partyID)
        guard let key = try await key(party, tokenUID) else { throw OCPIError.notFound("Token \(tokenUID)") }
        let (toStore, toPartner) = (toStore, toPartner)
        let updated = try await Self.in211Terms {
            try await objects.update(key, as: OCPI221.Token.self, lastUpdated: \.lastUpdated) { token in
                // The patch applies to the token as the partner sees it; what 2.1.1 cannot see stays.
                let seen = toPartner.convert(token)
                let patched = seen.applying(body)
                guard patched.uid.caseInsensitiveCompare(seen.uid) == .orderedSame, patched.type == seen.type else {
                    throw OCPIError.invalid([Violation(path: JSONPath([.key("uid")]), message: "a PATCH cannot change a token's uid or type")])
                }
                var changed = toStore.convert(patched, countryCode: token.countryCode, partyID: token.partyID)
                changed.type = token.type
                changed.groupID = token.groupID
                changed.defaultProfileType = token.defaultProfileType
                changed.energyContract = token.energyContract
                // 2.1.1's PATCH need not say when: it is now.
                if body.lastUpdated == nil { changed.lastUpdated = OCPIDateTime.now() }
                token = changed
            }
        }
        guard updated != nil else { throw OCPIError.notFound("Token \(tokenUID)") }
        return .ok
    }

    /// A violation of the stored (2.2.1) token is reported at the field the 2.1.1 partner wrote.
    private static func in211Terms<T>(_ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as OCPIError {
            guard error.violations.contains(where: { $0.pointer == "/contract_id" }) else { throw error }
            throw OCPIError.invalid(error.violations.map { violation in
                violation.pointer == "/contract_id" ? Violation(path: JSONPath([.key("auth_id")]), message: violation.message) : violation
            })
        }
    }
}

/// The Commands RECEIVER interface of 2.1.1: each command is converted to 2.2.1
/// (spec/conversions/2.1.1-2.2.1.yaml; its token is given the sender's party as its owner) and
/// handled as 2.2.1's (`CPOCommands`: the same checks, the same charge points); the answer is
/// converted back, and the charge point's outcome is posted to `response_url` as 2.1.1's
/// CommandResponse (`post`).
struct CPOCommands211: OCPI211.CommandsReceiver {
    let commands: CPOCommands
    let toServer = Conversion211To221()
    let toPartner = Conversion221To211()

    /// The command's token, owned by the party of the partner that sends it; refused (2001) when
    /// the caller's credentials name no party, as the token would have no owner to bill.
    func token(_ context: OCPIRequestContext, _ token: OCPI211.Token) throws -> OCPI221.Token {
        guard let party = context.party?.roles.first?.party else {
            throw OCPIError(
                .invalidRequest,
                "Your credentials name no party (country_code and party_id), so the command's token \(token.uid) would belong to nobody; register with your party first"
            )
        }
        return toServer.convert(token, countryCode: party.countryCode, partyID: party.partyID)
    }

    func postStartSession(_ context: OCPIRequestContext, body: OCPI211.StartSession) async throws -> OCPIReply<OCPI211.CommandResponse> {
        .ok(toPartner.convert(try await commands.startSession(context, toServer.convert(body, token: token(context, body.token)))))
    }

    func postStopSession(_ context: OCPIRequestContext, body: OCPI211.StopSession) async throws -> OCPIReply<OCPI211.CommandResponse> {
        .ok(toPartner.convert(try await commands.stopSession(context, toServer.convert(body))))
    }

    func postReserveNow(_ context: OCPIRequestContext, body: OCPI211.ReserveNow) async throws -> OCPIReply<OCPI211.CommandResponse> {
        .ok(toPartner.convert(try await commands.reserveNow(context, toServer.convert(body, token: token(context, body.token)))))
    }

    func postUnlockConnector(_ context: OCPIRequestContext, body: OCPI211.UnlockConnector) async throws -> OCPIReply<OCPI211.CommandResponse> {
        .ok(toPartner.convert(try await commands.unlockConnector(context, toServer.convert(body))))
    }

    /// The charge point's outcome in 2.1.1's five answers. 2.1.1 has no object for a command's
    /// outcome: the answer posted is a CommandResponse, so the outcome is mapped here by hand
    /// (an occupied or broken EVSE, a failure or an unknown reservation are REJECTED; a
    /// cancelled reservation ACCEPTED).
    static func response(_ result: OCPI221.CommandResultType) -> OCPI211.CommandResponseType {
        switch result {
        case .accepted, .canceledReservation: .accepted
        case .notSupported: .notSupported
        case .timeout: .timeout
        default: .rejected
        }
    }

    /// Posts the outcome to the 2.1.1 eMSP's `response_url`.
    @Sendable static func post(_ connection: OCPIConnection, _ url: String, _ result: OCPI221.CommandResult) async throws {
        _ = try await OCPI211.CommandsSenderClient(connection: connection).postCommandResponse(
            responseURL: url, body: OCPI211.CommandResponse(result: response(result.result))
        )
    }
}
