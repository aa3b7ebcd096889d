import Foundation
import OCPI221
import OCPIRuntime
import XCTest

@testable import OCPITariffs

/// Small builders, so that each test shows its tariff and its facts at a glance.
enum T {
    static func decimal(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Decimal {
        guard let value = Decimal(string: text) else {
            XCTFail("not a decimal: \(text)", file: file, line: line)
            return 0
        }
        return value
    }

    static func component(_ type: TariffDimensionType, _ price: String, vat: String? = nil, step: Int = 1) -> PriceComponent {
        PriceComponent(type: type, price: decimal(price), vat: vat.map { decimal($0) }, stepSize: step)
    }

    static func element(_ components: PriceComponent..., restrictions: TariffRestrictions? = nil) -> TariffElement {
        TariffElement(priceComponents: components, restrictions: restrictions)
    }

    static func tariff(id: String = "T1", _ elements: TariffElement..., min: Price? = nil, max: Price? = nil) -> Tariff {
        Tariff(
            countryCode: "NL", partyID: "TNM", id: id, currency: "EUR", minPrice: min, maxPrice: max, elements: elements,
            lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000))
    }

    static func price(_ excl: String, _ incl: String? = nil) -> Price {
        Price(exclVAT: decimal(excl), inclVAT: incl.map { decimal($0) })
    }

    /// A UTC instant written as `2024-03-04T09:30:00Z`, or local wall time with an offset.
    static func instant(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Date {
        guard let value = OCPIDateTime(text) else {
            XCTFail("not a date-time: \(text)", file: file, line: line)
            return Date(timeIntervalSince1970: 0)
        }
        return value.date
    }

    static func zone(_ identifier: String) -> TimeZone {
        TimeZone(identifier: identifier) ?? .gmt
    }

    static let utc = TimeZone(identifier: "UTC") ?? .gmt

    /// Charging from `start` for `minutes`, with `kWh` spread evenly.
    static func charging(_ start: Date, minutes: Double, kWh: String = "0", power: String? = nil, current: String? = nil) -> MeterInterval {
        MeterInterval(
            start: start, end: start.addingTimeInterval(minutes * 60), energy: decimal(kWh), power: power.map { decimal($0) },
            current: current.map { decimal($0) }, vehicleRequestsPower: true)
    }

    /// Plugged in but asking for no power, from `start` for `minutes`.
    static func parking(_ start: Date, minutes: Double) -> MeterInterval {
        MeterInterval(start: start, end: start.addingTimeInterval(minutes * 60), vehicleRequestsPower: false)
    }

    /// Consecutive intervals built from their durations, starting at `start`.
    static func intervals(from start: Date, _ makers: [(Date) -> MeterInterval]) -> [MeterInterval] {
        var result: [MeterInterval] = []
        var next = start
        for make in makers {
            let interval = make(next)
            result.append(interval)
            next = interval.end
        }
        return result
    }

    static func session(
        _ tariff: Tariff, zone: TimeZone = T.utc, reservation: ReservationFacts? = nil, _ intervals: [MeterInterval],
        file: StaticString = #filePath, line: UInt = #line
    ) -> SessionPricing? {
        do {
            return try TariffEngine.price(session: SessionFacts(tariff: tariff, timeZone: zone, reservation: reservation, intervals: intervals))
        } catch {
            XCTFail("cannot price: \(error)", file: file, line: line)
            return nil
        }
    }
}

/// Exactly the expected amount; or, when the expected text has 8 decimals or more (a per-hour
/// price over minutes that are not a whole fraction of an hour recurs), equal once rounded to
/// that many decimals.
func assertAmount(_ actual: Decimal?, _ expected: String, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { return XCTFail("\(what): no amount, expected \(expected)", file: file, line: line) }
    let wanted = T.decimal(expected)
    let decimals = expected.split(separator: ".").dropFirst().first?.count ?? 0
    let matches = decimals >= 8 ? actual.rounded(scale: decimals) == wanted : actual == wanted
    XCTAssert(matches, "\(what): \(actual) is not \(expected)", file: file, line: line)
}

func assertMoney(_ actual: Money?, _ excl: String, _ incl: String, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
    assertAmount(actual?.exclVAT, excl, "\(what) excl. VAT", file: file, line: line)
    assertAmount(actual?.inclVAT, incl, "\(what) incl. VAT", file: file, line: line)
}
