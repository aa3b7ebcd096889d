import Foundation
import OCPI221

/// The measured facts of a session, as a CPO knows them before it writes the CDR.
public struct SessionFacts: Sendable {
    public var tariff: Tariff
    /// The location's time zone (its `time_zone`, an IANA name).
    public var timeZone: TimeZone
    /// The reservation before the session, if any.
    public var reservation: ReservationFacts?
    /// Meter readings, in order, each starting where the previous one ended; together they
    /// span the session. Empty only for a reservation that expired.
    public var intervals: [MeterInterval]

    public init(tariff: Tariff, timeZone: TimeZone, reservation: ReservationFacts? = nil, intervals: [MeterInterval]) {
        self.tariff = tariff
        self.timeZone = timeZone
        self.reservation = reservation
        self.intervals = intervals
    }
}

/// A reservation: from when it was made until the driver began charging, or until it lapsed.
public struct ReservationFacts: Hashable, Sendable {
    public var start: Date
    public var end: Date
    /// True when it lapsed without a session being started.
    public var expired: Bool

    public init(start: Date, end: Date, expired: Bool = false) {
        self.start = start
        self.end = end
        self.expired = expired
    }
}

/// A stretch of a session with steady conditions: the energy delivered over it is taken to flow
/// evenly, which is how the splitter places a kWh threshold inside it.
public struct MeterInterval: Hashable, Sendable {
    public var start: Date
    public var end: Date
    /// kWh delivered in the interval.
    public var energy: Decimal
    /// Mean power in kW; derived from energy and time when absent.
    public var power: Decimal?
    /// Current in A summed over the phases.
    public var current: Decimal?
    /// False while the vehicle asks for no power: parking time, even while still plugged in.
    /// A vehicle that asks for power the charger does not deliver is still charging time.
    public var vehicleRequestsPower: Bool

    public init(start: Date, end: Date, energy: Decimal = 0, power: Decimal? = nil, current: Decimal? = nil, vehicleRequestsPower: Bool = true) {
        self.start = start
        self.end = end
        self.energy = energy
        self.power = power
        self.current = current
        self.vehicleRequestsPower = vehicleRequestsPower
    }
}

/// Why session facts cannot be priced.
public struct SessionFactsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
