import Foundation
import OCPI221

/// Where a charge is counted in a CDR's cost split.
public enum CostCategory: Hashable, Sendable {
    /// `total_fixed_cost`: FLAT fees of the charging session, except parking's.
    case fixed
    case energy
    /// `total_time_cost`: time charging.
    case time
    /// `total_parking_cost`: PARKING_TIME, and FLAT fees of parking-only elements.
    case parking
    /// `total_reservation_cost`: FLAT and TIME of reservation elements.
    case reservation
}

/// One dimension billed in one period.
public struct Charge: Hashable, Sendable {
    public var dimension: TariffDimensionType
    public var category: CostCategory
    public var component: PriceComponent
    /// Index of the tariff element the component was found in.
    public var elementIndex: Int
    /// The quantity billed, after step_size: kWh for ENERGY, hours for TIME and PARKING_TIME
    /// (reservation time included), 1 for FLAT.
    public var billedVolume: Decimal
    public var cost: Money
}

/// A period with what it costs.
public struct PricedPeriod: Hashable, Sendable {
    public var facts: PeriodFacts
    public var charges: [Charge]

    public var cost: Money { charges.reduce(Money.zero) { $0 + $1.cost } }

    public func charge(_ dimension: TariffDimensionType, _ category: CostCategory? = nil) -> Charge? {
        charges.first { $0.dimension == dimension && (category == nil || $0.category == category) }
    }
}

/// The cost split of a CDR.
public struct CostBreakdown: Hashable, Sendable {
    /// Everything, after `min_price` and `max_price`.
    public var total: Money
    public var fixed: Money
    public var energy: Money
    public var time: Money
    public var parking: Money
    public var reservation: Money

    public static let zero = CostBreakdown(total: .zero, fixed: .zero, energy: .zero, time: .zero, parking: .zero, reservation: .zero)

    subscript(category: CostCategory) -> Money {
        get {
            switch category {
            case .fixed: fixed
            case .energy: energy
            case .time: time
            case .parking: parking
            case .reservation: reservation
            }
        }
        set {
            switch category {
            case .fixed: fixed = newValue
            case .energy: energy = newValue
            case .time: time = newValue
            case .parking: parking = newValue
            case .reservation: reservation = newValue
            }
        }
    }
}

/// What the engine made of a session.
public struct PricingResult: Hashable, Sendable {
    public var periods: [PricedPeriod]
    public var costs: CostBreakdown
    /// The sum of all charges before `min_price` and `max_price`. The parts in `costs` are not
    /// adjusted by those bounds (the spec does not say how a bound would be spread over them),
    /// so `costs.total` differs from their sum exactly when a bound applied.
    public var componentsTotal: Money
    /// True when any period had reservation time or was priced by a reservation element.
    public var hasReservation: Bool
}
