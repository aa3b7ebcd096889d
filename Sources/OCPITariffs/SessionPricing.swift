import Foundation
import OCPI221
import OCPIRuntime

/// A session priced: the CDR's charging periods and the engine's result for them.
public struct SessionPricing: Hashable, Sendable {
    /// The periods as a CDR lists them, split wherever the active price components change.
    public var chargingPeriods: [ChargingPeriod]
    public var result: PricingResult
    /// kWh over the session.
    public var totalEnergy: Decimal
    /// Hours of the charging session, charging and parking (the reservation before it excluded).
    public var totalTime: Decimal
    /// Hours in which the vehicle asked for no power.
    public var totalParkingTime: Decimal

    public var costs: CostBreakdown { result.costs }
}

extension TariffEngine {
    /// Splits the session into periods wherever a restriction of the tariff can change its
    /// answer (wall-clock times, midnights and daylight-saving jumps in the location's zone,
    /// duration and kWh thresholds, the start and end of parking), merges neighbours in which
    /// the same components are in force, and prices the result.
    public static func price(session: SessionFacts) throws(SessionFactsError) -> SessionPricing {
        try SessionSplitter(session: session).price()
    }
}

/// The work of `TariffEngine.price(session:)`.
struct SessionSplitter {
    let session: SessionFacts
    let engine: TariffEngine

    init(session: SessionFacts) {
        self.session = session
        self.engine = TariffEngine(timeZone: session.timeZone)
    }

    func price() throws(SessionFactsError) -> SessionPricing {
        try check()
        let expired = session.reservation?.expired ?? false
        let pieces = reservationPieces() + chargingPieces()
        let selections = engine.select(pieces, reservationExpired: expired)
        var periods: [PeriodFacts] = []
        var previous: TariffEngine.Selection?
        for (piece, selection) in zip(pieces, selections) {
            if let last = periods.last, selection == previous, Self.sameKind(last, piece) {
                periods[periods.count - 1] = Self.merge(last, piece)
            } else {
                periods.append(piece)
            }
            previous = selection
        }
        let result = engine.price(periods, reservationExpired: expired)
        let chargingSeconds = periods.reduce(Decimal(0)) { $0 + $1.chargingSeconds + $1.parkingSeconds }
        let parkingSeconds = periods.reduce(Decimal(0)) { $0 + $1.parkingSeconds }
        return SessionPricing(
            chargingPeriods: periods.map { chargingPeriod($0) }, result: result,
            totalEnergy: periods.reduce(0) { $0 + $1.energy },
            totalTime: Self.hours(chargingSeconds), totalParkingTime: Self.hours(parkingSeconds))
    }

    private func check() throws(SessionFactsError) {
        let intervals = session.intervals
        if intervals.isEmpty && !(session.reservation?.expired ?? false) {
            throw SessionFactsError(message: "a session needs at least one meter interval (only an expired reservation has none)")
        }
        for (index, interval) in intervals.enumerated() {
            guard interval.start < interval.end else {
                throw SessionFactsError(message: "meter interval \(index) does not end after it starts")
            }
            if index > 0, intervals[index - 1].end != interval.start {
                throw SessionFactsError(message: "meter interval \(index) does not start where interval \(index - 1) ends")
            }
        }
        if let reservation = session.reservation {
            guard reservation.start <= reservation.end else {
                throw SessionFactsError(message: "the reservation ends before it starts")
            }
            if let first = intervals.first, reservation.end > first.start {
                throw SessionFactsError(message: "the reservation ends after the session starts")
            }
            if reservation.expired, !intervals.isEmpty {
                throw SessionFactsError(message: "an expired reservation is not followed by a session")
            }
        }
    }

    private var clockMinutes: Set<Int> { session.tariff.timeOfDayMinutes }

    private func reservationPieces() -> [PeriodFacts] {
        guard let reservation = session.reservation, reservation.start < reservation.end else { return [] }
        let clock = LocalClock(timeZone: session.timeZone)
        let cuts = [reservation.start] + clock.boundaries(from: reservation.start, to: reservation.end, minutesOfDay: clockMinutes) + [reservation.end]
        return zip(cuts, cuts.dropFirst()).map { start, end in
            PeriodFacts(start: start, end: end, tariff: session.tariff, reservationSeconds: Self.seconds(end.timeIntervalSince(start)))
        }
    }

    private func chargingPieces() -> [PeriodFacts] {
        guard let first = session.intervals.first, let last = session.intervals.last else { return [] }
        let clock = LocalClock(timeZone: session.timeZone)
        let clockCuts = clock.boundaries(from: first.start, to: last.end, minutesOfDay: clockMinutes)
        let restrictions = session.tariff.elements.compactMap(\.restrictions)
        let durationCuts = restrictions.flatMap { [$0.minDuration, $0.maxDuration].compactMap { $0 } }
            .map { first.start.addingTimeInterval(TimeInterval($0)) }
        let thresholds = Set(restrictions.flatMap { [$0.minKWh, $0.maxKWh].compactMap { $0 } })

        var pieces: [PeriodFacts] = []
        var energyBefore: Decimal = 0
        for interval in session.intervals {
            let duration = Self.seconds(interval.end.timeIntervalSince(interval.start))
            // Each cut with the energy delivered in the interval up to it (evenly spread).
            var cuts: [(instant: Date, energy: Decimal)] = (clockCuts + durationCuts)
                .filter { $0 > interval.start && $0 < interval.end }
                .map { ($0, interval.energy * Self.seconds($0.timeIntervalSince(interval.start)) / duration) }
            if interval.energy > 0 {
                for threshold in thresholds where threshold > energyBefore && threshold < energyBefore + interval.energy {
                    let share = threshold - energyBefore
                    let offset = (share / interval.energy * duration as NSDecimalNumber).doubleValue
                    cuts.append((interval.start.addingTimeInterval(offset), share))
                }
            }
            cuts.sort { $0.instant < $1.instant }
            var bounds: [(instant: Date, energy: Decimal)] = [(interval.start, 0)]
            for cut in cuts where cut.instant > bounds[bounds.count - 1].instant {
                bounds.append(cut)
            }
            bounds.append((interval.end, interval.energy))
            for (from, to) in zip(bounds, bounds.dropFirst()) {
                let seconds = Self.seconds(to.instant.timeIntervalSince(from.instant))
                pieces.append(
                    PeriodFacts(
                        start: from.instant, end: to.instant, tariff: session.tariff, energy: to.energy - from.energy,
                        chargingSeconds: interval.vehicleRequestsPower ? seconds : 0,
                        parkingSeconds: interval.vehicleRequestsPower ? 0 : seconds,
                        minPower: interval.power, maxPower: interval.power,
                        minCurrent: interval.current, maxCurrent: interval.current))
            }
            energyBefore += interval.energy
        }
        return pieces
    }

    private static func sameKind(_ a: PeriodFacts, _ b: PeriodFacts) -> Bool {
        a.isReservationOnly == b.isReservationOnly && (a.parkingSeconds > 0) == (b.parkingSeconds > 0)
            && (a.chargingSeconds > 0) == (b.chargingSeconds > 0)
    }

    private static func merge(_ a: PeriodFacts, _ b: PeriodFacts) -> PeriodFacts {
        var merged = a
        merged.end = b.end
        merged.energy += b.energy
        merged.chargingSeconds += b.chargingSeconds
        merged.parkingSeconds += b.parkingSeconds
        merged.reservationSeconds += b.reservationSeconds
        merged.minPower = lower(a.minPower, b.minPower)
        merged.maxPower = higher(a.maxPower, b.maxPower)
        merged.minCurrent = lower(a.minCurrent, b.minCurrent)
        merged.maxCurrent = higher(a.maxCurrent, b.maxCurrent)
        return merged
    }

    private static func lower(_ a: Decimal?, _ b: Decimal?) -> Decimal? {
        guard let a, let b else { return a ?? b }
        return min(a, b)
    }

    private static func higher(_ a: Decimal?, _ b: Decimal?) -> Decimal? {
        guard let a, let b else { return a ?? b }
        return max(a, b)
    }

    private func chargingPeriod(_ facts: PeriodFacts) -> ChargingPeriod {
        var dimensions: [CdrDimension] = []
        if facts.chargingSeconds > 0 || facts.energy != 0 { dimensions.append(CdrDimension(type: .energy, volume: facts.energy)) }
        if facts.chargingSeconds > 0 { dimensions.append(CdrDimension(type: .time, volume: Self.hours(facts.chargingSeconds))) }
        if facts.parkingSeconds > 0 { dimensions.append(CdrDimension(type: .parkingTime, volume: Self.hours(facts.parkingSeconds))) }
        if facts.reservationSeconds > 0 {
            dimensions.append(CdrDimension(type: .reservationTime, volume: Self.hours(facts.reservationSeconds)))
        }
        if let value = facts.maxCurrent { dimensions.append(CdrDimension(type: .maxCurrent, volume: value)) }
        if let value = facts.minCurrent { dimensions.append(CdrDimension(type: .minCurrent, volume: value)) }
        if let value = facts.maxPower { dimensions.append(CdrDimension(type: .maxPower, volume: value)) }
        if let value = facts.minPower { dimensions.append(CdrDimension(type: .minPower, volume: value)) }
        return ChargingPeriod(startDateTime: OCPIDateTime(facts.start), dimensions: dimensions, tariffID: facts.tariff?.id)
    }

    /// An interval of `Date`s as seconds, to the millisecond (a `Date` is a binary float).
    static func seconds(_ interval: TimeInterval) -> Decimal {
        Decimal((interval * 1000).rounded()) / 1000
    }

    /// Hours for a CDR, to six decimals (a few milliseconds); pricing uses the exact seconds.
    static func hours(_ seconds: Decimal) -> Decimal {
        (seconds / 3600).rounded(scale: 6)
    }
}
