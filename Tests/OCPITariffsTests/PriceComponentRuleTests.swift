import Foundation
import OCPI221
import XCTest

@testable import OCPITariffs

/// One rule per test: the dimensions, VAT, element order, min_price and max_price.
final class PriceComponentRuleTests: XCTestCase {
    let start = T.instant("2024-06-03T10:00:00Z")

    func testEnergyIsPricedPerKWh() throws {
        let tariff = T.tariff(T.element(T.component(.energy, "0.30")))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 60, kWh: "12.5")]))
        // 12.5 x 0.30 = 3.75
        assertMoney(priced.costs.energy, "3.75", "3.75")
        XCTAssertEqual(priced.result.periods.first?.charge(.energy)?.billedVolume, T.decimal("12.5"))
    }

    func testFlatIsChargedOncePerSessionWhateverThePeriods() throws {
        let tariff = T.tariff(
            T.element(T.component(.flat, "1.00"), T.component(.energy, "0.20"), restrictions: TariffRestrictions(endTime: "12:00")),
            T.element(T.component(.flat, "1.00"), T.component(.energy, "0.30")))
        // 11:00-13:00 UTC: two periods, each with a FLAT in force
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start.addingTimeInterval(3600), minutes: 120, kWh: "20")]))
        XCTAssertEqual(priced.chargingPeriods.count, 2)
        // 1.00 once; 10 x 0.20 + 10 x 0.30 = 5.00
        assertMoney(priced.costs.fixed, "1.00", "1.00")
        assertMoney(priced.costs.total, "6.00", "6.00")
    }

    func testTimeIsPricedPerHourOfCharging() throws {
        let tariff = T.tariff(T.element(T.component(.time, "2.40")))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: start, [{ T.charging($0, minutes: 45, kWh: "5") }, { T.parking($0, minutes: 60) }])))
        // 0.75 h x 2.40 = 1.80; parking is not TIME
        assertMoney(priced.costs.time, "1.80", "1.80")
        assertMoney(priced.costs.total, "1.80", "1.80")
    }

    func testTimeCountsWhileTheVehicleAsksForPowerEvenWithoutEnergy() throws {
        // The post-d2 definition: parking is time in which the vehicle asks for no power. A
        // charger that delivers nothing to a vehicle that asks for power is still charging time.
        let tariff = T.tariff(T.element(T.component(.time, "1.00"), T.component(.parkingTime, "4.00")))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: start, [{ T.charging($0, minutes: 30, kWh: "0") }, { T.parking($0, minutes: 15) }])))
        // 30 min x 1.00/h = 0.50 time; 15 min x 4.00/h = 1.00 parking
        assertMoney(priced.costs.time, "0.50", "0.50")
        assertMoney(priced.costs.parking, "1.00", "1.00")
        XCTAssertEqual(priced.totalParkingTime, T.decimal("0.25"))
    }

    func testParkingTimeIsPricedPerHourWithoutPowerRequest() throws {
        let tariff = T.tariff(T.element(T.component(.parkingTime, "6.00")))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: start, [{ T.charging($0, minutes: 30, kWh: "5") }, { T.parking($0, minutes: 20) }])))
        // 20 min x 6.00/h = 2.00
        assertMoney(priced.costs.parking, "2.00", "2.00")
        assertMoney(priced.costs.total, "2.00", "2.00")
    }

    func testVATPerComponentAndAbsentVAT() throws {
        let tariff = T.tariff(
            T.element(T.component(.flat, "1.00", vat: "21"), T.component(.energy, "0.20", vat: "0"), T.component(.time, "1.00")))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 60, kWh: "10")]))
        // 1.00 + 21% = 1.21; 2.00 at 0% = 2.00; 1.00 without VAT = 1.00
        assertMoney(priced.costs.fixed, "1.00", "1.21")
        assertMoney(priced.costs.energy, "2.00", "2.00")
        assertMoney(priced.costs.time, "1.00", "1.00")
        assertMoney(priced.costs.total, "4.00", "4.21")
    }

    func testFirstMatchingElementWinsPerDimension() throws {
        // ENERGY is in elements 0 and 1, TIME only in element 2: each dimension is looked up
        // on its own, and for ENERGY the first element in force wins over the later one.
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.40"), restrictions: TariffRestrictions(startTime: "10:00", endTime: "11:00")),
            T.element(T.component(.energy, "0.30")),
            T.element(T.component(.energy, "0.10"), T.component(.time, "1.00")))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 120, kWh: "20")]))
        // 10:00-11:00: 10 kWh x 0.40 = 4.00; 11:00-12:00: 10 x 0.30 = 3.00 (never 0.10);
        // TIME from element 2 throughout: 2 h x 1.00 = 2.00
        XCTAssertEqual(priced.result.periods.map { $0.charge(.energy)?.elementIndex }, [0, 1])
        XCTAssertEqual(priced.result.periods.map { $0.charge(.time)?.elementIndex }, [2, 2])
        assertMoney(priced.costs.energy, "7.00", "7.00")
        assertMoney(priced.costs.total, "9.00", "9.00")
    }

    func testNoElementForADimensionMeansNoCost() throws {
        let tariff = T.tariff(T.element(T.component(.energy, "0.30"), restrictions: TariffRestrictions(startTime: "18:00")))
        // 10:00-12:00: the only ENERGY element is not in force and there is no fallback
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 120, kWh: "20")]))
        assertMoney(priced.costs.total, "0", "0")
    }

    func testUnknownDimensionIsIgnored() throws {
        let tariff = T.tariff(T.element(PriceComponent(type: .unrecognized("CO2"), price: 5, stepSize: 1), T.component(.energy, "0.10")))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 60, kWh: "10")]))
        assertMoney(priced.costs.total, "1.00", "1.00")
    }

    func testMinPriceAppliesToExclAndInclSeparately() throws {
        // min 2.00 excl / 2.50 incl; a session of 1.90 excl / 2.60 incl (flat at 0%, energy at 50%)
        let tariff = T.tariff(
            T.element(T.component(.flat, "0.50", vat: "0"), T.component(.energy, "0.20", vat: "50")), min: T.price("2.00", "2.50"))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 60, kWh: "7")]))
        // 0.50 + 1.40 = 1.90 -> raised to 2.00; 0.50 + 2.10 = 2.60 stays above 2.50
        assertMoney(priced.costs.total, "2.00", "2.60")
    }

    func testMaxPriceAppliesToExclAndInclSeparately() throws {
        let tariff = T.tariff(
            T.element(T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10")), max: T.price("10.00", "11.00"))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 240, kWh: "38")]))
        // 0.50 + 9.50 = 10.00 (not above the maximum); 0.60 + 10.45 = 11.05 -> 11.00
        assertMoney(priced.costs.total, "10.00", "11.00")
        // the parts are the components' own amounts
        assertMoney(priced.costs.energy, "9.50", "10.45")
    }

    func testBoundWithoutInclVATKeepsTheSessionsVATRatio() throws {
        let tariff = T.tariff(T.element(T.component(.energy, "0.25", vat: "20")), min: T.price("2.00"))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 60, kWh: "4")]))
        // 1.00 (1.20) raised to 2.00 excl; incl moves at the ratio 1.2: 2.40
        assertMoney(priced.costs.total, "2.00", "2.40")
    }

    func testEachTariffOfASessionHasItsOwnBoundsAndFlatFee() {
        // the driver switched tariff after an hour (a new charging preference, say)
        let first = T.tariff(id: "A", T.element(T.component(.flat, "1.00"), T.component(.energy, "0.10")), min: T.price("2.00", "2.00"))
        let second = T.tariff(id: "B", T.element(T.component(.flat, "0.50"), T.component(.energy, "0.40")), max: T.price("3.00", "3.00"))
        let periods = [
            PeriodFacts(start: start, end: start.addingTimeInterval(3600), tariff: first, energy: 5, chargingSeconds: 3600),
            PeriodFacts(start: start.addingTimeInterval(3600), end: start.addingTimeInterval(7200), tariff: second, energy: 10, chargingSeconds: 3600),
        ]
        let result = TariffEngine(timeZone: T.utc).price(periods)
        // A: 1.00 + 0.50 = 1.50, raised to 2.00; B: 0.50 + 4.00 = 4.50, capped at 3.00; 5.00
        assertMoney(result.costs.fixed, "1.50", "1.50")
        assertMoney(result.componentsTotal, "6.00", "6.00")
        assertMoney(result.costs.total, "5.00", "5.00")
    }

    func testFlatOfAParkingElementCountsAsParking() throws {
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.20")),
            T.element(T.component(.flat, "1.50"), T.component(.parkingTime, "3.00")))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: start, [{ T.charging($0, minutes: 30, kWh: "5") }, { T.parking($0, minutes: 20) }])))
        // parking: 1.50 + 20 min x 3.00/h = 2.50; nothing fixed
        assertMoney(priced.costs.parking, "2.50", "2.50")
        assertMoney(priced.costs.fixed, "0", "0")
        assertMoney(priced.costs.total, "3.50", "3.50")
    }
}
