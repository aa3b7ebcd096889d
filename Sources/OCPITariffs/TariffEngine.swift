import Foundation
import OCPI221

/// Prices a session, given as periods of measured facts, with the tariffs those periods name.
public struct TariffEngine: Sendable {
    /// The location's time zone: restrictions on time of day, date and weekday are wall clock.
    public var timeZone: TimeZone

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The components in force in one period, per dimension and session part.
    struct Selection: Hashable, Sendable {
        var tariffID: String?
        var flat, energy, time, parking: ActiveComponent?
        var reservationFlat, reservationTime: ActiveComponent?
    }

    /// Prices `periods` (in order, each ending where the next begins).
    /// - Parameter reservationExpired: whether a reservation lapsed without a session; by
    ///   default, true when every period holds only reservation time.
    public func price(_ periods: [PeriodFacts], reservationExpired: Bool? = nil) -> PricingResult {
        let expired = reservationExpired ?? (!periods.isEmpty && periods.allSatisfy(\.isReservationOnly))
        let selections = select(periods, reservationExpired: expired)
        let count = periods.count

        // Billed quantities in step units (Wh, seconds), zero where no component applies.
        var energy = [Decimal](repeating: 0, count: count)
        var time = energy, parking = energy, reservation = energy
        for (index, (facts, selection)) in zip(periods, selections).enumerated() {
            if selection.energy != nil { energy[index] = facts.energy * 1000 }
            if selection.time != nil { time[index] = facts.chargingSeconds }
            if selection.parking != nil { parking[index] = facts.parkingSeconds }
            if selection.reservationTime != nil { reservation[index] = facts.reservationSeconds }
        }

        if let last = periods.indices.last(where: { selections[$0].energy != nil && periods[$0].energy > 0 }),
            let step = selections[last].energy?.component.stepSize
        {
            StepSize.roundTotal(&energy, last: last, step: step)
        }
        // TIME and PARKING_TIME share one rounding: whichever priced the session's last
        // time-based stretch is rounded, the other is billed as measured. Within one period
        // that has both, parking is taken to come after charging.
        for index in periods.indices.reversed() {
            if let parkingComponent = selections[index].parking, periods[index].parkingSeconds > 0 {
                StepSize.roundTotal(&parking, last: index, step: parkingComponent.component.stepSize)
                break
            }
            if let timeComponent = selections[index].time, periods[index].chargingSeconds > 0 {
                StepSize.roundTotal(&time, last: index, step: timeComponent.component.stepSize)
                break
            }
        }
        // Reservation time is a part of its own, rounded on its own total. (The chapter's
        // examples round it with the reservation element's step whether or not a session follows.)
        if let last = periods.indices.last(where: { selections[$0].reservationTime != nil && periods[$0].reservationSeconds > 0 }),
            let step = selections[last].reservationTime?.component.stepSize
        {
            StepSize.roundTotal(&reservation, last: last, step: step)
        }

        // FLAT is a fee per session, not per period: once for the charging session and once
        // for the reservation, from the first period in which a FLAT component is in force (per
        // tariff, when the periods name several).
        var flatCharged = Set<String>()
        var priced: [PricedPeriod] = []
        for (index, (facts, selection)) in zip(periods, selections).enumerated() {
            var charges: [Charge] = []
            let tariffKey = selection.tariffID ?? ""
            if let flat = selection.reservationFlat, flatCharged.insert("reservation " + tariffKey).inserted {
                charges.append(Self.charge(.flat, .reservation, flat, volume: 1, cost: flat.component.price))
            }
            if let flat = selection.flat, flatCharged.insert("charging " + tariffKey).inserted {
                let category: CostCategory = facts.tariff?.isParkingElement(flat.elementIndex) == true ? .parking : .fixed
                charges.append(Self.charge(.flat, category, flat, volume: 1, cost: flat.component.price))
            }
            if let component = selection.energy {
                let kWh = energy[index] / 1000
                charges.append(Self.charge(.energy, .energy, component, volume: kWh, cost: kWh * component.component.price))
            }
            if let component = selection.time {
                charges.append(Self.timeCharge(.time, .time, component, seconds: time[index]))
            }
            if let component = selection.parking {
                charges.append(Self.timeCharge(.parkingTime, .parking, component, seconds: parking[index]))
            }
            if let component = selection.reservationTime {
                charges.append(Self.timeCharge(.time, .reservation, component, seconds: reservation[index]))
            }
            priced.append(PricedPeriod(facts: facts, charges: charges))
        }

        var costs = CostBreakdown.zero
        var componentsTotal = Money.zero
        // min_price and max_price bound what each tariff's periods cost together.
        var subtotals: [String: (tariff: Tariff?, money: Money)] = [:]
        var order: [String] = []
        for (period, selection) in zip(priced, selections) {
            for charge in period.charges {
                costs[charge.category] += charge.cost
                componentsTotal += charge.cost
            }
            let key = selection.tariffID ?? ""
            if subtotals[key] == nil {
                subtotals[key] = (period.facts.tariff, .zero)
                order.append(key)
            }
            subtotals[key]?.money += period.cost
        }
        costs.total = order.reduce(Money.zero) { total, key in
            guard let entry = subtotals[key] else { return total }
            return total + PriceBounds.apply(entry.money, min: entry.tariff?.minPrice, max: entry.tariff?.maxPrice)
        }
        let hasReservation = periods.contains { $0.reservationSeconds > 0 }
            || selections.contains { $0.reservationFlat != nil || $0.reservationTime != nil }
        return PricingResult(periods: priced, costs: costs, componentsTotal: componentsTotal, hasReservation: hasReservation)
    }

    /// The components in force in each period.
    func select(_ periods: [PeriodFacts], reservationExpired: Bool) -> [Selection] {
        let clock = LocalClock(timeZone: timeZone)
        let sessionStart = periods.first(where: { !$0.isReservationOnly })?.start ?? periods.first?.start ?? Date()
        var energyBefore: Decimal = 0
        var result: [Selection] = []
        for facts in periods {
            let elapsed = Decimal(max(0, facts.start.timeIntervalSince(sessionStart)))
            let moment = Moment(
                clock: clock.reading(facts.start), energyBefore: energyBefore,
                sessionSeconds: elapsed.rounded(scale: 3), power: facts.powerRange, current: facts.currentRange)
            energyBefore += facts.energy
            var selection = Selection(tariffID: facts.tariff?.id)
            guard let tariff = facts.tariff else {
                result.append(selection)
                continue
            }
            if !facts.isReservationOnly {
                selection.flat = tariff.activeComponent(.flat, part: .charging, at: moment)
                selection.energy = tariff.activeComponent(.energy, part: .charging, at: moment)
                selection.time = tariff.activeComponent(.time, part: .charging, at: moment)
                selection.parking = tariff.activeComponent(.parkingTime, part: .charging, at: moment)
            }
            if facts.reservationSeconds > 0 {
                let part = SessionPart.reservation(expired: reservationExpired)
                selection.reservationFlat = tariff.activeComponent(.flat, part: part, at: moment)
                selection.reservationTime = tariff.activeComponent(.time, part: part, at: moment)
            }
            result.append(selection)
        }
        return result
    }

    private static func charge(
        _ dimension: TariffDimensionType, _ category: CostCategory, _ active: ActiveComponent, volume: Decimal, cost: Decimal
    ) -> Charge {
        Charge(
            dimension: dimension, category: category, component: active.component, elementIndex: active.elementIndex,
            billedVolume: volume, cost: Money(exclVAT: cost, vatPercent: active.component.vat))
    }

    /// Multiplies before dividing by 3600, so that whole minutes at a whole price stay exact.
    private static func timeCharge(
        _ dimension: TariffDimensionType, _ category: CostCategory, _ active: ActiveComponent, seconds: Decimal
    ) -> Charge {
        charge(dimension, category, active, volume: seconds / 3600, cost: seconds * active.component.price / 3600)
    }
}
