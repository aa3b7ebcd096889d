import Foundation
import OCPI221

/// The facts a restriction is judged on, taken at the start of a period: a CPO starts a new
/// period at every change that matters to the price, so they hold for the whole period.
struct Moment: Hashable, Sendable {
    var clock: LocalClock.Reading
    /// kWh delivered before this moment.
    var energyBefore: Decimal
    /// Seconds since the charging session began (reservation time not counted).
    var sessionSeconds: Decimal
    var power: ClosedRange<Decimal>?
    var current: ClosedRange<Decimal>?
}

extension TariffRestrictions {
    /// True when every restriction that is set holds.
    func holds(at moment: Moment) -> Bool {
        timeOfDayHolds(moment.clock.minuteOfDay)
            && (startDate.map { moment.clock.date >= $0 } ?? true)
            && (endDate.map { moment.clock.date < $0 } ?? true)
            && (minKWh.map { moment.energyBefore >= $0 } ?? true)
            && (maxKWh.map { moment.energyBefore < $0 } ?? true)
            && (minDuration.map { moment.sessionSeconds >= Decimal($0) } ?? true)
            && (maxDuration.map { moment.sessionSeconds < Decimal($0) } ?? true)
            && (dayOfWeek.isEmpty || dayOfWeek.contains(moment.clock.weekday))
            && Self.within(moment.power, atLeast: minPower, below: maxPower)
            && Self.within(moment.current, atLeast: minCurrent, below: maxCurrent)
    }

    /// Power and current bounds hold only when the period's whole measured range lies within
    /// them: a period whose lowest power is under `min_power` is not one "charging with at
    /// least" that power. An unknown value satisfies no bound.
    private static func within(_ range: ClosedRange<Decimal>?, atLeast low: Decimal?, below high: Decimal?) -> Bool {
        guard low != nil || high != nil else { return true }
        guard let range else { return false }
        if let low, range.lowerBound < low { return false }
        if let high, range.upperBound >= high { return false }
        return true
    }

    /// `start_time` inclusive, `end_time` exclusive, both wall clock. An end before the start
    /// wraps past midnight; 00:00 as the end means the end of the day. Equal start and end we
    /// read as the whole day (a range that wraps round to itself). Text that is not HH:MM
    /// makes the element never apply rather than always.
    private func timeOfDayHolds(_ minute: Int) -> Bool {
        let start = startTime.map(minutesOfDay)
        let end = endTime.map(minutesOfDay)
        if case .some(.none) = start { return false }
        if case .some(.none) = end { return false }
        switch (start ?? nil, end ?? nil) {
        case (nil, nil):
            return true
        case let (start?, nil):
            return minute >= start
        case let (nil, end?):
            return end == 0 || minute < end
        case let (start?, end?):
            let end = end == 0 ? 24 * 60 : end
            if start == end { return true }
            return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        }
    }

    /// Every wall-clock minute at which `timeOfDayHolds` can change its answer.
    var timeOfDayMinutes: Set<Int> {
        Set([startTime, endTime].compactMap { $0.flatMap(minutesOfDay) })
    }
}
