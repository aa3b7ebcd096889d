import Foundation
import OCPI221

/// What was measured in one stretch of a session, in the units the engine computes in: what a
/// CDR's charging period says, or what the session splitter made of meter readings.
public struct PeriodFacts: Hashable, Sendable {
    public var start: Date
    public var end: Date
    /// The tariff this stretch is priced with; nil prices it at nothing.
    public var tariff: Tariff?
    /// Energy delivered in kWh.
    public var energy: Decimal
    /// Seconds in which the vehicle took, or asked for, power.
    public var chargingSeconds: Decimal
    /// Seconds in which the vehicle asked for no power (the post-d2 meaning of PARKING_TIME).
    public var parkingSeconds: Decimal
    /// Seconds in which the EVSE was held for the driver before use.
    public var reservationSeconds: Decimal
    /// Lowest and highest power in kW, and current in A summed over the phases; nil when unknown.
    public var minPower: Decimal?
    public var maxPower: Decimal?
    public var minCurrent: Decimal?
    public var maxCurrent: Decimal?

    public init(
        start: Date, end: Date, tariff: Tariff?, energy: Decimal = 0, chargingSeconds: Decimal = 0,
        parkingSeconds: Decimal = 0, reservationSeconds: Decimal = 0, minPower: Decimal? = nil,
        maxPower: Decimal? = nil, minCurrent: Decimal? = nil, maxCurrent: Decimal? = nil
    ) {
        self.start = start
        self.end = end
        self.tariff = tariff
        self.energy = energy
        self.chargingSeconds = chargingSeconds
        self.parkingSeconds = parkingSeconds
        self.reservationSeconds = reservationSeconds
        self.minPower = minPower
        self.maxPower = maxPower
        self.minCurrent = minCurrent
        self.maxCurrent = maxCurrent
    }

    /// Only reservation time: the stretch before the driver began to use the EVSE.
    public var isReservationOnly: Bool {
        reservationSeconds > 0 && energy == 0 && chargingSeconds == 0 && parkingSeconds == 0
    }

    /// Power as the restrictions see it. Without a measurement: 0 when nothing flowed and the
    /// vehicle asked for nothing; otherwise the mean over the charging time, when there is one.
    var powerRange: ClosedRange<Decimal>? {
        if let range = Self.range(minPower, maxPower) { return range }
        if energy == 0 && chargingSeconds == 0 { return 0...0 }
        guard chargingSeconds > 0 else { return nil }
        let mean = energy * 3600 / chargingSeconds
        return mean...mean
    }

    /// Current as the restrictions see it; it cannot be derived from energy without the voltage.
    var currentRange: ClosedRange<Decimal>? {
        if let range = Self.range(minCurrent, maxCurrent) { return range }
        return energy == 0 && chargingSeconds == 0 ? 0...0 : nil
    }

    private static func range(_ low: Decimal?, _ high: Decimal?) -> ClosedRange<Decimal>? {
        switch (low, high) {
        case let (low?, high?): min(low, high)...max(low, high)
        case let (low?, nil): low...low
        case let (nil, high?): high...high
        case (nil, nil): nil
        }
    }
}
