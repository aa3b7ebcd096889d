import Foundation
import OCPI221
import OCPIRuntime

/// Why a CDR cannot be priced; `message` is meant for people.
public struct CDRPricingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Recomputes a CDR's costs from its charging periods, the way an eMSP checks a CPO's bill.
public enum CDRPricing {
    /// Decimals kept in the amounts written into the CDR. The spec leaves rounding to law and
    /// contracts; four decimals show sub-cent differences without writing 38 digits.
    public static let outputScale = 4

    /// The CDR with `total_cost`, `total_fixed_cost`, `total_energy_cost`, `total_time_cost`,
    /// `total_parking_cost` and, where a reservation was priced or the CDR gave a cost for one,
    /// `total_reservation_cost` replaced by the computed ones.
    /// - Parameter tariff: prices every period when given; otherwise each period is priced by
    ///   the tariff of the CDR's own `tariffs` its `tariff_id` names (a period without one by
    ///   the CDR's only tariff).
    public static func price(_ cdr: CDR, tariff: Tariff? = nil, timeZone: TimeZone) throws(CDRPricingError) -> (cdr: CDR, result: PricingResult) {
        let periods = try facts(of: cdr, tariff: tariff)
        let result = TariffEngine(timeZone: timeZone).price(periods)
        var priced = cdr
        let costs = result.costs
        priced.totalCost = costs.total.rounded(scale: outputScale).price
        priced.totalFixedCost = costs.fixed.rounded(scale: outputScale).price
        priced.totalEnergyCost = costs.energy.rounded(scale: outputScale).price
        priced.totalTimeCost = costs.time.rounded(scale: outputScale).price
        priced.totalParkingCost = costs.parking.rounded(scale: outputScale).price
        // Also written when the CPO gave one and no reservation was found, so that the
        // difference shows instead of the CPO's figure passing as ours.
        if result.hasReservation || cdr.totalReservationCost != nil {
            priced.totalReservationCost = costs.reservation.rounded(scale: outputScale).price
        }
        return (priced, result)
    }

    /// The same, from JSON to JSON: what `ocpi-cpo price` does.
    public static func price(
        cdrJSON: [UInt8], tariffJSON: [UInt8]? = nil, timeZoneIdentifier: String = "UTC"
    ) throws(CDRPricingError) -> [UInt8] {
        guard let timeZone = TimeZone(identifier: timeZoneIdentifier) else {
            throw CDRPricingError("unknown time zone '\(timeZoneIdentifier)' (expected an IANA name such as Europe/Amsterdam)")
        }
        let cdr: CDR = try decode(cdrJSON, what: "the CDR")
        let tariff: Tariff? = try tariffJSON.map { bytes throws(CDRPricingError) in try decode(bytes, what: "the tariff") }
        return try price(cdr, tariff: tariff, timeZone: timeZone).cdr.jsonBytes()
    }

    /// Only the shape is demanded here: a CDR that breaks a rule of the spec (a text too long,
    /// say) can still be priced, and `ocpi-cpo validate` is there to report such things.
    private static func decode<Model: OCPIModel>(_ bytes: [UInt8], what: String) throws(CDRPricingError) -> Model {
        let decoded: (value: Model?, violations: [Violation])
        do {
            decoded = try Model.decodeJSON(bytes)
        } catch {
            throw CDRPricingError("\(what) is not JSON: \(error)")
        }
        guard decoded.violations.isEmpty, let value = decoded.value else {
            let lines = decoded.violations.map { "  \($0)" }.joined(separator: "\n")
            throw CDRPricingError("\(what) is not a valid \(Model.ocpiName):\n\(lines.isEmpty ? "  not an object" : lines)")
        }
        return value
    }

    /// The CDR's charging periods as the engine's facts. Each period lasts until the next one
    /// starts, the last until the CDR's end.
    static func facts(of cdr: CDR, tariff override: Tariff?) throws(CDRPricingError) -> [PeriodFacts] {
        guard !cdr.chargingPeriods.isEmpty else { throw CDRPricingError("the CDR has no charging periods") }
        var result: [PeriodFacts] = []
        for (index, period) in cdr.chargingPeriods.enumerated() {
            let end = index + 1 < cdr.chargingPeriods.count ? cdr.chargingPeriods[index + 1].startDateTime : cdr.endDateTime
            guard period.startDateTime <= end else {
                throw CDRPricingError("charging period \(index) starts after \(index + 1 < cdr.chargingPeriods.count ? "the next one" : "the CDR ends")")
            }
            var facts = PeriodFacts(start: period.startDateTime.date, end: end.date, tariff: try tariff(for: period, index: index, in: cdr, override: override))
            for dimension in period.dimensions {
                let volume = dimension.volume
                switch dimension.type {
                case .energy: facts.energy += volume
                case .time: facts.chargingSeconds += seconds(hours: volume)
                case .parkingTime: facts.parkingSeconds += seconds(hours: volume)
                case .reservationTime: facts.reservationSeconds += seconds(hours: volume)
                case .minPower: facts.minPower = volume
                case .maxPower: facts.maxPower = volume
                case .minCurrent: facts.minCurrent = volume
                case .maxCurrent: facts.maxCurrent = volume
                // Session-only means: taken when no minimum or maximum is given.
                case .power:
                    facts.minPower = facts.minPower ?? volume
                    facts.maxPower = facts.maxPower ?? volume
                case .current:
                    facts.minCurrent = facts.minCurrent ?? volume
                    facts.maxCurrent = facts.maxCurrent ?? volume
                case .energyImport, .energyExport, .stateOfCharge, .unrecognized: break
                }
            }
            result.append(facts)
        }
        return result
    }

    /// A period without `tariff_id` is priced by the CDR's only tariff. The CDR chapter reads as
    /// if such a period had no tariff at all, but most CDRs with one tariff name it nowhere, and
    /// reading them as free of charge would make them uncheckable.
    ///
    /// The tariff's `type`, `start_date_time` and `end_date_time` are not checked: they tell which
    /// tariff a CPO offers when, and a CDR keeps the tariff that was chosen at the start.
    private static func tariff(for period: ChargingPeriod, index: Int, in cdr: CDR, override: Tariff?) throws(CDRPricingError) -> Tariff {
        let tariff = try chosenTariff(for: period, index: index, in: cdr, override: override)
        guard tariff.currency == cdr.currency else {
            throw CDRPricingError("tariff '\(tariff.id)' is in \(tariff.currency) but the CDR is in \(cdr.currency)")
        }
        return tariff
    }

    private static func chosenTariff(for period: ChargingPeriod, index: Int, in cdr: CDR, override: Tariff?) throws(CDRPricingError) -> Tariff {
        if let override { return override }
        if let id = period.tariffID {
            guard let tariff = cdr.tariffs.first(where: { $0.id == id }) else {
                throw CDRPricingError("charging period \(index) names tariff '\(id)', which is not in the CDR's tariffs; give it with --tariff")
            }
            return tariff
        }
        switch cdr.tariffs.count {
        case 1: return cdr.tariffs[0]
        case 0: throw CDRPricingError("the CDR has no tariffs; give the tariff with --tariff")
        default:
            throw CDRPricingError("charging period \(index) names no tariff_id and the CDR has \(cdr.tariffs.count) tariffs; give the tariff with --tariff")
        }
    }

    /// A CDR gives time in hours, which a decimal writes exactly for few second counts (1/3600
    /// of an hour is not a finite decimal). The step unit is one second, so the hours are read
    /// back to the nearest whole second; otherwise 0.166667 h would be billed as 601 s at step 1.
    static func seconds(hours: Decimal) -> Decimal {
        (hours * 3600).rounded(scale: 0)
    }
}
