import Foundation
import Logging
import OCPI221
import OCPIRuntime
import OCPIStore
import OCPITariffs

/// Charge points that behave like real ones, for the demo server and the tests: START_SESSION
/// makes the EVSE CHARGING and opens an ACTIVE session that fills with charging periods as
/// energy flows; STOP_SESSION (or the configured duration) completes it, frees the EVSE and
/// produces a CDR priced by the tariff engine. Every change goes through `CPOObjects`, so eMSPs
/// are pushed all of it. Rejections are a charge point's: an EVSE in use or out of order, an
/// unknown reservation.
public actor ChargePointSimulator: ChargePointLink {
    public struct Configuration: Sendable {
        /// How often a charging session meters energy (and is pushed a PATCH).
        public var meterInterval: Duration
        /// A session stops by itself after this long.
        public var sessionDuration: Duration
        /// How fast the simulated car charges, at most the connector's power.
        public var chargingPower: Decimal

        public init(meterInterval: Duration = .seconds(10), sessionDuration: Duration = .seconds(600), chargingPower: Decimal = 11_000) {
            self.meterInterval = meterInterval
            self.sessionDuration = sessionDuration
            self.chargingPower = chargingPower
        }
    }

    /// A session under way.
    private struct Charging {
        var session: Session
        var location: Location
        var evseUID: String
        var connector: Connector
        var tariff: Tariff?
        var intervals: [MeterInterval]
        var power: Decimal
        var profile: ChargingProfile?
        var meter: Task<Void, Never>?

        /// Adds the energy that flowed since the last reading (the start, for the first).
        mutating func read(until now: Date) {
            let start = intervals.last?.end ?? session.startDateTime.date
            guard now > start || intervals.isEmpty else { return }
            let hours = Decimal(max(now.timeIntervalSince(start), 0)) / 3600
            intervals.append(MeterInterval(start: start, end: max(now, start), energy: (power * hours / 1000).rounded(3), power: power))
        }

        var metered: Metered {
            let kwh = intervals.reduce(Decimal(0)) { $0 + $1.energy }
            let hours = intervals.reduce(Decimal(0)) { $0 + Decimal($1.end.timeIntervalSince($1.start)) / 3600 }
            guard let tariff else {
                let periods = intervals.map { ChargingPeriod(startDateTime: OCPIDateTime($0.start), dimensions: [CdrDimension(type: .energy, volume: $0.energy)]) }
                return Metered(periods: periods, kwh: kwh, hours: hours, cost: nil, pricing: nil)
            }
            let zone = TimeZone(identifier: location.timeZone) ?? .gmt
            guard let pricing = try? TariffEngine.price(session: SessionFacts(tariff: tariff, timeZone: zone, intervals: intervals)) else {
                return Metered(periods: [], kwh: kwh, hours: hours, cost: Price(exclVAT: 0, inclVAT: 0), pricing: nil)
            }
            return Metered(periods: pricing.chargingPeriods, kwh: kwh, hours: pricing.totalTime, cost: pricing.costs.total.rounded(scale: 4).price, pricing: pricing)
        }
    }

    /// A session's readings so far, priced once by the tariff engine.
    private struct Metered {
        var periods: [ChargingPeriod]
        var kwh: Decimal
        var hours: Decimal
        var cost: Price?
        var pricing: SessionPricing?
    }

    private struct Reservation {
        var id: String
        var locationID: String
        var evseUID: String
        var token: Token
        var expiry: Task<Void, Never>?
    }

    let objects: CPOObjects
    let configuration: Configuration
    let authorizer: TokenAuthorizer?
    let logger: Logger
    private var charging: [String: Charging] = [:]
    private var reservations: [String: Reservation] = [:]
    private var sequence = 0

    /// `authorizer` decides on tokens presented at the simulated charge points.
    public init(
        objects: CPOObjects, configuration: Configuration = Configuration(), authorizer: TokenAuthorizer? = nil,
        logger: Logger = Logger(label: "ocpi.simulator")
    ) {
        self.objects = objects
        self.configuration = configuration
        self.authorizer = authorizer
        self.logger = logger
    }

    // MARK: Commands

    public func startSession(_ command: StartSession, driver: PartyIdentity) async -> CommandResultType {
        let token = CdrToken(
            countryCode: command.token.countryCode, partyID: command.token.partyID, uid: command.token.uid, type: command.token.type,
            contractID: command.token.contractID
        )
        return await begin(
            token, authMethod: .command, authorizationReference: command.authorizationReference,
            locationID: command.locationID, evseUID: command.evseUID, connectorID: command.connectorID
        ).result
    }

    /// A driver presents a token at a charge point (an RFID card held to the reader): the token is
    /// authorized (locally or in real time at its eMSP) and, when allowed, charging starts. The
    /// decision, and the session when one started.
    public func present(
        tokenUID: String, type: TokenType, locationID: String, evseUID: String, connectorID: String? = nil
    ) async -> (decision: TokenAuthorizer.Decision, sessionID: String?) {
        guard let authorizer else { return (TokenAuthorizer.Decision(allowed: .notAllowed, token: nil, authMethod: .whitelist), nil) }
        let decision = await authorizer.authorize(uid: tokenUID, type: type, at: LocationReferences(locationID: locationID, evseUids: [evseUID]))
        guard decision.allowed == .allowed, let token = decision.token else { return (decision, nil) }
        let cdrToken = CdrToken(countryCode: token.countryCode, partyID: token.partyID, uid: token.uid, type: token.type, contractID: token.contractID)
        let started = await begin(
            cdrToken, authMethod: decision.authMethod, authorizationReference: decision.authorizationReference,
            locationID: locationID, evseUID: evseUID, connectorID: connectorID
        )
        return (decision, started.sessionID)
    }

    /// The EVSE a command may use (the one named, or the first free one), or the answer a
    /// charge point gives when there is none: in use (or reserved for someone else), or broken.
    private static func freeEVSE(in location: Location, named uid: String?, reservedFor reserved: String?) -> (EVSE?, CommandResultType) {
        let candidates = uid.map { uid in location.evses.filter { $0.uid.caseInsensitiveCompare(uid) == .orderedSame } } ?? location.evses
        let usable = { (evse: EVSE) in evse.status == .available || (evse.status == .reserved && evse.uid == reserved) }
        if let evse = candidates.first(where: usable) { return (evse, .accepted) }
        switch candidates.first?.status {
        case nil: return (nil, .rejected)
        case .charging?, .blocked?, .reserved?: return (nil, .evseOccupied)
        default: return (nil, .evseInoperative)
        }
    }

    /// Starts charging for `token` on the EVSE (the first free one when none is named).
    private func begin(
        _ token: CdrToken, authMethod: AuthMethod, authorizationReference: String?, locationID: String, evseUID: String?, connectorID: String?
    ) async -> (result: CommandResultType, sessionID: String?) {
        guard let location = try? await objects.location(locationID) else { return (.rejected, nil) }
        let reservation = reservations.values.first { $0.token.uid == token.uid && $0.locationID == location.id }
        let (chosen, refusal) = Self.freeEVSE(in: location, named: evseUID, reservedFor: reservation?.evseUID)
        guard let evse = chosen else { return (refusal, nil) }
        guard let connector = connectorID.map({ id in evse.connectors.first { $0.id.caseInsensitiveCompare(id) == .orderedSame } })
            ?? evse.connectors.first
        else { return (.rejected, nil) }
        if let reservation { endReservation(reservation.id) }

        sequence += 1
        let now = OCPIDateTime.now()
        let tariff = await tariff(for: connector)
        let session = Session(
            countryCode: objects.party.countryCode, partyID: objects.party.partyID,
            id: "SIM-\(now.secondsSince1970)-\(sequence)", startDateTime: now, kwh: 0,
            cdrToken: token, authMethod: authMethod, authorizationReference: authorizationReference, locationID: location.id, evseUID: evse.uid,
            connectorID: connector.id, currency: tariff?.currency ?? "EUR", totalCost: tariff.map { _ in Price(exclVAT: 0, inclVAT: 0) },
            status: .active, lastUpdated: now
        )
        do {
            try await objects.putSession(session)
            try await objects.patchEVSE(EVSEPatch(status: .charging, lastUpdated: now), locationID: location.id, evseUID: evse.uid)
        } catch {
            logger.error("simulated charge point could not start", metadata: ["error": "\(error)"])
            return (.failed, nil)
        }
        let power = min(configuration.chargingPower, Decimal(connector.maxElectricPower ?? Int.max))
        var state = Charging(session: session, location: location, evseUID: evse.uid, connector: connector, tariff: tariff, intervals: [], power: power)
        state.meter = Task { [weak self, configuration] in
            let started = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: configuration.meterInterval)
                guard !Task.isCancelled, let self else { return }
                if ContinuousClock.now - started >= configuration.sessionDuration {
                    await self.finish(session.id, fromMeter: true)
                    return
                }
                await self.meter(session.id)
            }
        }
        charging[session.id] = state
        return (.accepted, session.id)
    }

    public func stopSession(_ command: StopSession) async -> CommandResultType {
        guard charging[command.sessionID] != nil else { return .rejected }
        await finish(command.sessionID)
        return .accepted
    }

    public func reserveNow(_ command: ReserveNow, driver: PartyIdentity) async -> CommandResultType {
        if let existing = reservations[command.reservationID] {
            // The same id again replaces the reservation (the spec's rule for a repeated id).
            endReservation(existing.id, freeEVSE: true)
        }
        guard let location = try? await objects.location(command.locationID) else { return .rejected }
        let (chosen, refusal) = Self.freeEVSE(in: location, named: command.evseUID, reservedFor: nil)
        guard let evse = chosen else { return refusal }
        do {
            try await objects.patchEVSE(EVSEPatch(status: .reserved, lastUpdated: .now()), locationID: location.id, evseUID: evse.uid)
        } catch {
            return .failed
        }
        let seconds = max(0, command.expiryDate.secondsSince1970 - OCPIDateTime.now().secondsSince1970)
        let expiry = Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            guard !Task.isCancelled else { return }
            await self?.expire(command.reservationID)
        }
        reservations[command.reservationID] = Reservation(id: command.reservationID, locationID: location.id, evseUID: evse.uid, token: command.token, expiry: expiry)
        return .accepted
    }

    public func cancelReservation(_ command: CancelReservation) async -> CommandResultType {
        guard reservations[command.reservationID] != nil else { return .unknownReservation }
        endReservation(command.reservationID, freeEVSE: true)
        return .accepted
    }

    public func unlockConnector(_ command: UnlockConnector) async -> CommandResultType {
        guard let location = try? await objects.location(command.locationID),
            let evse = location.evses.first(where: { $0.uid.caseInsensitiveCompare(command.evseUID) == .orderedSame })
        else { return .rejected }
        switch evse.status {
        case .outoforder, .inoperative, .removed, .unknown: return .evseInoperative
        // A cable is held while the car charges; the session has to be stopped first.
        case .charging: return .rejected
        default: return .accepted
        }
    }

    // MARK: Charging profiles

    public func activeChargingProfile(sessionID: String, duration: Int) async -> ActiveChargingProfileResult {
        guard let state = charging[sessionID] else { return ActiveChargingProfileResult(result: .rejected) }
        let profile = state.profile ?? ChargingProfile(
            startDateTime: state.session.startDateTime, duration: duration, chargingRateUnit: .w,
            chargingProfilePeriod: [ChargingProfilePeriod(startPeriod: 0, limit: state.power)]
        )
        return ActiveChargingProfileResult(result: .accepted, profile: ActiveChargingProfile(startDateTime: .now(), chargingProfile: profile))
    }

    public func setChargingProfile(sessionID: String, _ profile: ChargingProfile) async -> ChargingProfileResultType {
        guard charging[sessionID] != nil else { return .rejected }
        charging[sessionID]?.profile = profile
        if profile.chargingRateUnit == .w, let limit = profile.chargingProfilePeriod.first?.limit {
            charging[sessionID]?.power = min(configuration.chargingPower, limit)
        }
        return .accepted
    }

    public func clearChargingProfile(sessionID: String) async -> ChargingProfileResultType {
        guard charging[sessionID] != nil else { return .rejected }
        charging[sessionID]?.profile = nil
        charging[sessionID]?.power = configuration.chargingPower
        return .accepted
    }

    // MARK: Metering

    /// One more interval of energy: the session is patched with its periods and cost so far.
    private func meter(_ sessionID: String) async {
        guard var state = charging[sessionID] else { return }
        let now = Date()
        state.read(until: now)
        charging[sessionID] = state
        let metered = state.metered
        let patch = SessionPatch(kwh: metered.kwh, chargingPeriods: metered.periods, totalCost: metered.cost, lastUpdated: OCPIDateTime(now))
        do {
            try await objects.patchSession(sessionID, patch)
        } catch {
            // A reading cut short by the session's stop is not lost: the final one carries it.
            if Task.isCancelled { return }
            logger.warning("simulated session could not be metered", metadata: ["session": .string(sessionID), "error": "\(error)"])
        }
    }

    /// Ends a session: COMPLETED, the EVSE free again, and its CDR.
    private func finish(_ sessionID: String, fromMeter: Bool = false) async {
        guard var state = charging.removeValue(forKey: sessionID) else { return }
        state.meter?.cancel()
        if !fromMeter {
            // A reading under way is written first: the final one must be the last.
            await state.meter?.value
        }
        let now = Date()
        state.read(until: now)
        let end = OCPIDateTime(now)
        let metered = state.metered
        do {
            try await objects.patchSession(sessionID, SessionPatch(
                endDateTime: end, kwh: metered.kwh, chargingPeriods: metered.periods, totalCost: metered.cost, status: .completed, lastUpdated: end
            ))
            try await objects.patchEVSE(EVSEPatch(status: .available, lastUpdated: end), locationID: state.location.id, evseUID: state.evseUID)
            try await objects.postCDR(cdr(state, metered, end: end))
        } catch {
            logger.error("simulated session could not be completed", metadata: ["session": .string(sessionID), "error": "\(error)"])
        }
    }

    private func cdr(_ state: Charging, _ metered: Metered, end: OCPIDateTime) -> CDR {
        let location = state.location
        let evse = location.evses.first { $0.uid == state.evseUID }
        let costs = metered.pricing?.costs
        func rounded(_ money: Money?) -> Price? { money?.rounded(scale: 4).price }
        let session = state.session
        return CDR(
            countryCode: session.countryCode, partyID: session.partyID, id: "CDR-\(session.id)", startDateTime: session.startDateTime,
            endDateTime: end, sessionID: session.id, cdrToken: session.cdrToken, authMethod: session.authMethod,
            authorizationReference: session.authorizationReference,
            cdrLocation: CdrLocation(
                // CdrLocation keeps the d2 lengths (45, 20) that the errata did not widen.
                id: location.id, name: location.name, address: String(location.address.prefix(45)), city: location.city,
                postalCode: location.postalCode, state: location.state.map { String($0.prefix(20)) }, country: location.country,
                coordinates: location.coordinates, evseUID: state.evseUID, evseID: evse?.evseID ?? state.evseUID, connectorID: state.connector.id,
                connectorStandard: state.connector.standard, connectorFormat: state.connector.format, connectorPowerType: state.connector.powerType
            ),
            currency: session.currency, tariffs: state.tariff.map { [$0] } ?? [],
            chargingPeriods: metered.periods.isEmpty
                ? [ChargingPeriod(startDateTime: session.startDateTime, dimensions: [CdrDimension(type: .energy, volume: 0)])] : metered.periods,
            totalCost: rounded(costs?.total) ?? Price(exclVAT: 0, inclVAT: 0),
            totalFixedCost: rounded(costs?.fixed), totalEnergy: metered.kwh,
            totalEnergyCost: rounded(costs?.energy), totalTime: metered.hours.rounded(6), totalTimeCost: rounded(costs?.time),
            totalParkingTime: metered.pricing.map { ($0.totalParkingTime as Decimal).rounded(6) }, totalParkingCost: rounded(costs?.parking),
            lastUpdated: end
        )
    }

    private func tariff(for connector: Connector) async -> Tariff? {
        guard let id = connector.tariffIDs.first else { return nil }
        let key = ObjectKey(module: .tariffs, countryCode: objects.party.countryCode, partyID: objects.party.partyID, id: id)
        return try? await objects.objects.load(key, as: Tariff.self)
    }

    // MARK: Reservations

    private func expire(_ reservationID: String) async {
        endReservation(reservationID, freeEVSE: true)
    }

    private func endReservation(_ id: String, freeEVSE: Bool = false) {
        guard let reservation = reservations.removeValue(forKey: id) else { return }
        reservation.expiry?.cancel()
        guard freeEVSE else { return }
        Task { [objects] in
            try? await objects.patchEVSE(EVSEPatch(status: .available, lastUpdated: .now()), locationID: reservation.locationID, evseUID: reservation.evseUID)
        }
    }
}

extension Decimal {
    /// Rounded half up to `scale` decimals.
    func rounded(_ scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }
}
