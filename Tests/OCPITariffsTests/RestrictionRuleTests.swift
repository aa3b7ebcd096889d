import Foundation
import OCPI221
import XCTest

@testable import OCPITariffs

/// One test per restriction, each with its inclusive and exclusive edge.
final class RestrictionRuleTests: XCTestCase {
    let amsterdam = T.zone("Europe/Amsterdam")

    /// ENERGY at 0.10 while `restrictions` hold, else 0.30.
    func cheapWhen(_ restrictions: TariffRestrictions) -> Tariff {
        T.tariff(T.element(T.component(.energy, "0.10"), restrictions: restrictions), T.element(T.component(.energy, "0.30")))
    }

    func testStartAndEndTime() throws {
        let tariff = cheapWhen(TariffRestrictions(startTime: "08:00", endTime: "10:00"))
        // 07:00-11:00 UTC at 10 kWh/h: 07-08 dear, 08-10 cheap, 10-11 dear:
        // 10 x 0.30 + 20 x 0.10 + 10 x 0.30 = 3.00 + 2.00 + 3.00 = 8.00
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(T.instant("2024-06-03T07:00:00Z"), minutes: 240, kWh: "40")]))
        XCTAssertEqual(priced.chargingPeriods.map(\.startDateTime.description), ["2024-06-03T07:00:00Z", "2024-06-03T08:00:00Z", "2024-06-03T10:00:00Z"])
        assertMoney(priced.costs.total, "8.00", "8.00")
    }

    func testOvernightTimeRange() throws {
        let tariff = cheapWhen(TariffRestrictions(startTime: "22:00", endTime: "06:00"))
        // Amsterdam in January (UTC+1): 21:00-23:00 local, 11 kWh an hour: 11 x 0.30 + 11 x 0.10 = 4.40
        let evening = try XCTUnwrap(T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-01-15T20:00:00Z"), minutes: 120, kWh: "22")]))
        assertMoney(evening.costs.total, "4.40", "4.40")
        // 05:00-07:00 local: cheap then dear, 4.40 again; and 23:00-05:00 is all cheap: 66 x 0.10 = 6.60
        let morning = try XCTUnwrap(T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-01-16T04:00:00Z"), minutes: 120, kWh: "22")]))
        assertMoney(morning.costs.total, "4.40", "4.40")
        let night = try XCTUnwrap(T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-01-15T22:00:00Z"), minutes: 360, kWh: "66")]))
        assertMoney(night.costs.total, "6.60", "6.60")
        XCTAssertEqual(night.chargingPeriods.count, 1, "the midnight split is merged away: nothing changes there")
    }

    func testEndTimeMidnightMeansEndOfDay() throws {
        let tariff = cheapWhen(TariffRestrictions(startTime: "20:00", endTime: "00:00"))
        // 23:00-01:00 UTC: 10 x 0.10 + 10 x 0.30 = 4.00
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(T.instant("2024-06-03T23:00:00Z"), minutes: 120, kWh: "20")]))
        assertMoney(priced.costs.total, "4.00", "4.00")
    }

    func testStartAndEndDate() throws {
        let tariff = cheapWhen(TariffRestrictions(startDate: "2024-12-25", endDate: "2024-12-26"))
        // local 24 Dec 23:00 - 25 Dec 01:00 (UTC+1): 10 x 0.30 + 10 x 0.10 = 4.00 (start inclusive)
        let christmasEve = try XCTUnwrap(
            T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-12-24T22:00:00Z"), minutes: 120, kWh: "20")]))
        assertMoney(christmasEve.costs.total, "4.00", "4.00")
        // local 25 Dec 23:00 - 26 Dec 01:00: 10 x 0.10 + 10 x 0.30 = 4.00 (end exclusive), split at local midnight
        let christmasNight = try XCTUnwrap(
            T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-12-25T22:00:00Z"), minutes: 120, kWh: "20")]))
        XCTAssertEqual(christmasNight.chargingPeriods.map(\.startDateTime.description), ["2024-12-25T22:00:00Z", "2024-12-25T23:00:00Z"])
        assertMoney(christmasNight.result.periods.first?.cost, "1.00", "1.00")
    }

    func testMinAndMaxKWh() throws {
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.20"), restrictions: TariffRestrictions(maxKWh: 10)),
            T.element(T.component(.energy, "0.30"), restrictions: TariffRestrictions(minKWh: 10, maxKWh: 20)),
            T.element(T.component(.energy, "0.40")))
        // 25 kWh evenly over 2 hours: split at 10 kWh (48 min) and 20 kWh (96 min);
        // 10 x 0.20 + 10 x 0.30 + 5 x 0.40 = 2.00 + 3.00 + 2.00 = 7.00
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(T.instant("2024-06-03T10:00:00Z"), minutes: 120, kWh: "25")]))
        XCTAssertEqual(priced.chargingPeriods.map(\.startDateTime.description), ["2024-06-03T10:00:00Z", "2024-06-03T10:48:00Z", "2024-06-03T11:36:00Z"])
        XCTAssertEqual(priced.chargingPeriods.map { $0.dimensions.first?.volume }, [10, 10, 5])
        assertMoney(priced.costs.total, "7.00", "7.00")
    }

    func testMinAndMaxCurrent() throws {
        let tariff = T.tariff(
            T.element(T.component(.time, "1.00"), restrictions: TariffRestrictions(maxCurrent: 16)),
            T.element(T.component(.time, "2.00"), restrictions: TariffRestrictions(minCurrent: 16)))
        // 30 min at 10 A: 0.50; 30 min at exactly 16 A (min inclusive, max exclusive): 1.00
        let start = T.instant("2024-06-03T10:00:00Z")
        let priced = try XCTUnwrap(
            T.session(
                tariff,
                T.intervals(from: start, [{ T.charging($0, minutes: 30, kWh: "2", current: "10") }, { T.charging($0, minutes: 30, kWh: "3", current: "16") }])))
        assertMoney(priced.costs.total, "1.50", "1.50")
    }

    func testMinAndMaxPowerEdges() throws {
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.20"), restrictions: TariffRestrictions(maxPower: 16)),
            T.element(T.component(.energy, "0.35"), restrictions: TariffRestrictions(minPower: 16, maxPower: 32)),
            T.element(T.component(.energy, "0.50")))
        let start = T.instant("2024-06-03T10:00:00Z")
        // exactly 16 kW is the middle element's; exactly 32 kW is no longer
        let priced = try XCTUnwrap(
            T.session(
                tariff,
                T.intervals(from: start, [{ T.charging($0, minutes: 60, kWh: "16", power: "16") }, { T.charging($0, minutes: 60, kWh: "32", power: "32") }])))
        // 16 x 0.35 + 32 x 0.50 = 5.60 + 16.00 = 21.60
        assertMoney(priced.costs.total, "21.60", "21.60")
    }

    func testPowerIsDerivedFromEnergyWhenNotMeasured() throws {
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.20"), restrictions: TariffRestrictions(maxPower: 16)),
            T.element(T.component(.energy, "0.50")))
        // 5 kWh in 30 min is 10 kW: 1.00
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(T.instant("2024-06-03T10:00:00Z"), minutes: 30, kWh: "5")]))
        assertMoney(priced.costs.total, "1.00", "1.00")
    }

    func testMinAndMaxDuration() throws {
        let tariff = T.tariff(
            T.element(T.component(.time, "1.00"), restrictions: TariffRestrictions(maxDuration: 3600)),
            T.element(T.component(.time, "3.00"), restrictions: TariffRestrictions(minDuration: 3600)))
        // 90 min: 60 x 1.00/h + 30 x 3.00/h = 1.00 + 1.50 = 2.50, split at exactly one hour
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(T.instant("2024-06-03T10:00:00Z"), minutes: 90, kWh: "10")]))
        XCTAssertEqual(priced.chargingPeriods.map(\.startDateTime.description), ["2024-06-03T10:00:00Z", "2024-06-03T11:00:00Z"])
        assertMoney(priced.costs.total, "2.50", "2.50")
    }

    func testDayOfWeek() throws {
        let tariff = cheapWhen(TariffRestrictions(dayOfWeek: [.saturday, .sunday]))
        // Friday 7 June 2024 23:00 - Saturday 01:00 UTC: 10 x 0.30 + 10 x 0.10 = 4.00
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(T.instant("2024-06-07T23:00:00Z"), minutes: 120, kWh: "20")]))
        assertMoney(priced.costs.total, "4.00", "4.00")
    }

    func testReservationElementsPriceOnlyReservations() throws {
        // a reservation TIME element listed first must not price charging time
        let tariff = T.tariff(
            T.element(T.component(.time, "9.00"), restrictions: TariffRestrictions(reservation: .reservation)),
            T.element(T.component(.time, "1.00")))
        let start = T.instant("2024-06-03T10:00:00Z")
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 60, kWh: "10")]))
        assertMoney(priced.costs.total, "1.00", "1.00")
        XCTAssertFalse(priced.result.hasReservation)
    }

    func testAPeriodsWholePowerRangeMustLieWithinTheBounds() {
        // a CDR period that ramps from 10 to 20 kW is not one "below 16 kW"
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.20"), restrictions: TariffRestrictions(maxPower: 16)),
            T.element(T.component(.energy, "0.50")))
        let start = T.instant("2024-06-03T10:00:00Z")
        let ramp = PeriodFacts(start: start, end: start.addingTimeInterval(3600), tariff: tariff, energy: 15, chargingSeconds: 3600, minPower: 10, maxPower: 20)
        var steady = ramp
        steady.maxPower = 15
        let result = TariffEngine(timeZone: T.utc).price([ramp])
        // 15 x 0.50 = 7.50; steady at 10-15 kW: 15 x 0.20 = 3.00
        assertMoney(result.costs.total, "7.50", "7.50")
        assertMoney(TariffEngine(timeZone: T.utc).price([steady]).costs.total, "3.00", "3.00")
    }

    func testUnreadableTimeMakesTheElementNeverApply() {
        let restrictions = TariffRestrictions(startTime: "8:00")
        let moment = Moment(
            clock: LocalClock(timeZone: T.utc).reading(T.instant("2024-06-03T10:00:00Z")), energyBefore: 0, sessionSeconds: 0,
            power: nil, current: nil)
        XCTAssertFalse(restrictions.holds(at: moment))
        XCTAssertTrue(TariffRestrictions(startTime: "10:00", endTime: "10:00").holds(at: moment), "equal start and end: the whole day")
    }

    func testUnknownPowerSatisfiesNoPowerBound() {
        // current cannot be derived from energy: an element with a current bound does not apply
        let moment = Moment(
            clock: LocalClock(timeZone: T.utc).reading(T.instant("2024-06-03T10:00:00Z")), energyBefore: 0, sessionSeconds: 0,
            power: nil, current: nil)
        XCTAssertFalse(TariffRestrictions(maxCurrent: 16).holds(at: moment))
        XCTAssertTrue(TariffRestrictions().holds(at: moment))
    }
}
