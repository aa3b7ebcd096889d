import Foundation
import OCPI221

/// The location's wall clock: what the restrictions on time of day, date and weekday are
/// written in. Works on instants, so a daylight-saving change is just a jump of the wall clock.
struct LocalClock: Sendable {
    let timeZone: TimeZone
    private let calendar: Calendar
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? .gmt
        return calendar
    }()

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// The wall-clock reading of an instant.
    struct Reading: Hashable, Sendable {
        /// `YYYY-MM-DD`, comparable as text.
        var date: String
        var minuteOfDay: Int
        var weekday: DayOfWeek
        var year: Int
        var month: Int
        var day: Int
    }

    func reading(_ instant: Date) -> Reading {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: instant)
        let year = parts.year ?? 1970
        let month = parts.month ?? 1
        let day = parts.day ?? 1
        let weekdays: [DayOfWeek] = [.sunday, .monday, .tuesday, .wednesday, .thursday, .friday, .saturday]
        let weekday = weekdays[((parts.weekday ?? 1) - 1 + 7) % 7]
        return Reading(
            date: String(format: "%04d-%02d-%02d", year, month, day),
            minuteOfDay: (parts.hour ?? 0) * 60 + (parts.minute ?? 0),
            weekday: weekday, year: year, month: month, day: day)
    }

    /// Every instant in the open range `(from, to)` at which a restriction on time of day, date
    /// or weekday can change its answer: each local day's `minutesOfDay` (midnight included) and
    /// every daylight-saving jump. A wall time the spring jump skips has no instant (the jump
    /// itself stands for it); a wall time the autumn jump repeats has two.
    func boundaries(from: Date, to: Date, minutesOfDay: Set<Int>) -> [Date] {
        guard from < to else { return [] }
        var result = Set<Date>()
        let minutes = minutesOfDay.union([0])
        var day = reading(from.addingTimeInterval(-86_400))
        let last = reading(to.addingTimeInterval(86_400)).date
        while day.date <= last {
            for minute in minutes {
                for instant in instants(year: day.year, month: day.month, day: day.day, minuteOfDay: minute)
                where instant > from && instant < to {
                    result.insert(instant)
                }
            }
            guard let next = Self.utc.date(from: DateComponents(year: day.year, month: day.month, day: day.day + 1, hour: 12)) else { break }
            let parts = Self.utc.dateComponents([.year, .month, .day], from: next)
            day = Reading(
                date: String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0),
                minuteOfDay: 0, weekday: .monday, year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
        }
        var transition = timeZone.nextDaylightSavingTimeTransition(after: from)
        while let instant = transition, instant < to {
            result.insert(instant)
            transition = timeZone.nextDaylightSavingTimeTransition(after: instant)
        }
        return result.sorted()
    }

    /// The instants whose wall-clock reading is the given local date and minute: none, one or two.
    private func instants(year: Int, month: Int, day: Int, minuteOfDay: Int) -> [Date] {
        guard let wall = Self.utc.date(from: DateComponents(year: year, month: month, day: day, hour: minuteOfDay / 60, minute: minuteOfDay % 60)) else {
            return []
        }
        let offsets = Set([
            timeZone.secondsFromGMT(for: wall.addingTimeInterval(-14 * 3600)),
            timeZone.secondsFromGMT(for: wall.addingTimeInterval(14 * 3600)),
        ])
        return offsets.compactMap { offset in
            let instant = wall.addingTimeInterval(TimeInterval(-offset))
            return timeZone.secondsFromGMT(for: instant) == offset ? instant : nil
        }
        .sorted()
    }
}

/// `HH:MM` as minutes since midnight; nil when the text is not a time of day.
func minutesOfDay(_ text: String) -> Int? {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
        let hour = Int(parts[0]), let minute = Int(parts[1]),
        (0..<24).contains(hour), (0..<60).contains(minute)
    else { return nil }
    return hour * 60 + minute
}
