import Foundation
import OCPI221
import XCTest

@testable import OCPITariffs

/// Wall-clock restrictions across midnight and daylight-saving changes in Europe/Amsterdam.
final class TimeZoneTests: XCTestCase {
    let amsterdam = T.zone("Europe/Amsterdam")

    func testTimeOfDayAndDayOfWeekChangeInOneSessionAcrossMidnight() throws {
        // weekend time costs 2.00/h, other days 1.00/h; from 18:00 energy is 0.40, before 0.25
        let tariff = T.tariff(
            T.element(T.component(.time, "2.00"), restrictions: TariffRestrictions(dayOfWeek: [.saturday, .sunday])),
            T.element(T.component(.time, "1.00")),
            T.element(T.component(.energy, "0.40"), restrictions: TariffRestrictions(startTime: "18:00")),
            T.element(T.component(.energy, "0.25")))
        // Friday 8 March 2024 17:00 local (16:00 UTC) to Saturday 01:00 local: 8 hours, 5 kWh/h
        let priced = try XCTUnwrap(T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-03-08T16:00:00Z"), minutes: 480, kWh: "40")]))
        // 17-18 Friday: 1.00 + 5 x 0.25 = 2.25; 18-24 Friday: 6 x 1.00 + 30 x 0.40 = 18.00;
        // 00-01 Saturday: 2.00 + 5 x 0.25 = 3.25 (18:00 restriction no longer holds after midnight)
        XCTAssertEqual(
            priced.chargingPeriods.map(\.startDateTime.description),
            ["2024-03-08T16:00:00Z", "2024-03-08T17:00:00Z", "2024-03-08T23:00:00Z"])
        XCTAssertEqual(priced.result.periods.map(\.cost.exclVAT), [T.decimal("2.25"), 18, T.decimal("3.25")])
        assertMoney(priced.costs.total, "23.50", "23.50")
    }

    func testSpringForwardLosesAnHourOfWallClock() throws {
        // Sunday 31 March 2024: 02:00 CET becomes 03:00 CEST. Peak 3.00/h from 03:00 to 06:00.
        let tariff = T.tariff(
            T.element(T.component(.time, "3.00"), restrictions: TariffRestrictions(startTime: "03:00", endTime: "06:00")),
            T.element(T.component(.time, "1.00")))
        // 01:00 local (00:00 UTC) to 04:00 local (02:00 UTC): two real hours, one off-peak
        // (01:00-02:00 CET) and one peak (03:00-04:00 CEST): 1.00 + 3.00 = 4.00
        let priced = try XCTUnwrap(T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-03-31T00:00:00Z"), minutes: 120, kWh: "20")]))
        XCTAssertEqual(priced.chargingPeriods.map(\.startDateTime.description), ["2024-03-31T00:00:00Z", "2024-03-31T01:00:00Z"])
        XCTAssertEqual(priced.totalTime, 2)
        assertMoney(priced.costs.total, "4.00", "4.00")
    }

    func testFallBackRepeatsAnHourOfWallClock() throws {
        // Sunday 27 October 2024: 03:00 CEST becomes 02:00 CET, so 02:00-03:00 happens twice.
        let tariff = T.tariff(
            T.element(T.component(.time, "2.00"), restrictions: TariffRestrictions(startTime: "02:00", endTime: "03:00")),
            T.element(T.component(.time, "1.00")))
        // 02:30 CEST (00:30 UTC) to 03:30 CET (02:30 UTC): two real hours. 02:30-03:00 CEST and
        // 02:00-03:00 CET are in the range (1.5 h x 2.00 = 3.00), 03:00-03:30 CET is not (0.50): 3.50
        let priced = try XCTUnwrap(T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-10-27T00:30:00Z"), minutes: 120, kWh: "20")]))
        XCTAssertEqual(priced.chargingPeriods.map(\.startDateTime.description), ["2024-10-27T00:30:00Z", "2024-10-27T02:00:00Z"])
        assertMoney(priced.costs.total, "3.50", "3.50")
    }

    func testFallBackWithARangeEndingInTheRepeatedHour() throws {
        // 01:00-02:30 at 2.00/h: in the repeated hour the wall clock leaves the range at 02:30
        // CEST, falls back into it at 02:00 CET and leaves it again at 02:30 CET.
        let tariff = T.tariff(
            T.element(T.component(.time, "2.00"), restrictions: TariffRestrictions(startTime: "01:00", endTime: "02:30")),
            T.element(T.component(.time, "1.00")))
        // 23:00 UTC (01:00 CEST) to 02:00 UTC (03:00 CET), three real hours:
        // 01:00-02:30 CEST 1.5 h x 2 = 3.00; 02:30-03:00 CEST 0.5 h x 1 = 0.50;
        // 02:00-02:30 CET 0.5 h x 2 = 1.00; 02:30-03:00 CET 0.5 h x 1 = 0.50; total 5.00
        let priced = try XCTUnwrap(T.session(tariff, zone: amsterdam, [T.charging(T.instant("2024-10-26T23:00:00Z"), minutes: 180, kWh: "30")]))
        XCTAssertEqual(
            priced.chargingPeriods.map(\.startDateTime.description),
            ["2024-10-26T23:00:00Z", "2024-10-27T00:30:00Z", "2024-10-27T01:00:00Z", "2024-10-27T01:30:00Z"])
        assertMoney(priced.costs.total, "5.00", "5.00")
    }

    func testLocalClockReadsWallTimeAndWeekday() {
        let clock = LocalClock(timeZone: amsterdam)
        let summer = clock.reading(T.instant("2024-06-03T22:30:00Z"))
        XCTAssertEqual(summer.date, "2024-06-04")
        XCTAssertEqual(summer.minuteOfDay, 30)
        XCTAssertEqual(summer.weekday, .tuesday)
    }
}
