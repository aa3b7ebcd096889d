import Foundation
import OCPI221
import XCTest

@testable import OCPITariffs

/// step_size as the CDR chapter describes it, with its own examples.
final class StepSizeRuleTests: XCTestCase {
    let start = T.instant("2024-06-03T16:00:00Z")

    func testEnergyStepsOfThePriceComponentNote() throws {
        // 115.2 Wh at 0.25/kWh: step 1 -> 116 Wh = 0.029; step 25 -> 125 Wh = 0.03125;
        // step 500 -> 500 Wh = 0.125
        for (step, expected) in [(1, "0.029"), (25, "0.03125"), (500, "0.125")] {
            let tariff = T.tariff(T.element(T.component(.energy, "0.25", step: step)))
            let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 5, kWh: "0.1152")]))
            assertAmount(priced.costs.energy.exclVAT, expected, "step \(step)")
        }
    }

    func testTimeStepRoundsUpToWholeBlocks() throws {
        // step 300: 6 minutes billed as 10
        let tariff = T.tariff(T.element(T.component(.time, "6.00", step: 300)))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start, minutes: 6, kWh: "1")]))
        // 10 min x 6.00/h = 1.00
        assertMoney(priced.costs.total, "1.00", "1.00")
    }

    func testEnergyTotalIsRoundedOnceForTheSession() throws {
        // 0.20/kWh before 17:00, 0.27/kWh after, both step 500 Wh: 4.3 + 1.1 = 5.4 -> 5.5 kWh;
        // the extra 0.1 kWh is billed after 17:00: 4.3 x 0.20 + 1.2 x 0.27 = 0.86 + 0.324 = 1.184
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.20", step: 500), restrictions: TariffRestrictions(endTime: "17:00")),
            T.element(T.component(.energy, "0.27", step: 500)))
        let priced = try XCTUnwrap(
            T.session(
                tariff,
                T.intervals(from: start, [{ T.charging($0, minutes: 60, kWh: "4.3") }, { T.charging($0, minutes: 20, kWh: "1.1") }])))
        XCTAssertEqual(priced.result.periods.map { $0.charge(.energy)?.billedVolume }, [T.decimal("4.3"), T.decimal("1.2")])
        assertMoney(priced.costs.total, "1.184", "1.184")
    }

    func testTimeTotalIsRoundedOnceForTheSession() throws {
        // 5/h before 17:00, 7/h after, both step 10 min: 6 + 22 = 28 -> 30 min, so 24 min after
        // 17:00: 6 min x 5/h = 0.50, 24 min x 7/h = 2.80; 3.30 (not 36 minutes in all)
        let tariff = T.tariff(
            T.element(T.component(.time, "5", step: 600), restrictions: TariffRestrictions(endTime: "17:00")),
            T.element(T.component(.time, "7", step: 600)))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(start.addingTimeInterval(54 * 60), minutes: 28, kWh: "4")]))
        assertMoney(priced.costs.total, "3.30", "3.30")
    }

    func testChargingIsNotRoundedWhenParkingFollows() throws {
        // both step 5 min: 21 min charging stays 21, 7 min parking becomes 10
        let tariff = T.tariff(T.element(T.component(.time, "1.00", step: 300), T.component(.parkingTime, "2.00", step: 300)))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: start, [{ T.charging($0, minutes: 21, kWh: "3") }, { T.parking($0, minutes: 7) }])))
        // 21 min x 1.00/h = 0.35; 10 min x 2.00/h = 0.3333333333
        assertMoney(priced.costs.time, "0.35", "0.35")
        assertAmount(priced.costs.parking.exclVAT, "0.3333333333")
        XCTAssertEqual(priced.result.periods.last?.charge(.parkingTime)?.billedVolume.rounded(scale: 6), T.decimal("0.166667"))
    }

    func testOnlyTheParkingTotalIsRoundedWhenTimeAndParkingArePriced() throws {
        // 1/h charging, 2/h parking, both step 10 min: 21 min charging, 16 min parking -> 20
        let tariff = T.tariff(T.element(T.component(.time, "1.00", step: 600)), T.element(T.component(.parkingTime, "2.00", step: 600)))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: start, [{ T.charging($0, minutes: 21, kWh: "3") }, { T.parking($0, minutes: 16) }])))
        // 0.35 + 20 min x 2/h = 0.6666666667: 1.0166666667
        assertMoney(priced.costs.time, "0.35", "0.35")
        assertAmount(priced.costs.total.exclVAT, "1.0166666667")
    }

    func testChargingIsRoundedWhenParkingIsFree() throws {
        // no PARKING_TIME component: the last priced time-based stretch is charging
        let tariff = T.tariff(T.element(T.component(.time, "6.00", step: 900)))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: start, [{ T.charging($0, minutes: 20, kWh: "3") }, { T.parking($0, minutes: 30) }])))
        // 20 -> 30 min x 6/h = 3.00
        assertMoney(priced.costs.total, "3.00", "3.00")
    }

    func testChargingAfterParkingIsTheLastTimeBasedStretch() throws {
        // charging 10, parking 10, charging again 10 minutes: the last stretch is TIME, so the
        // TIME total (20 min) is rounded with its step and parking is billed as measured
        let tariff = T.tariff(T.element(T.component(.time, "6.00", step: 900), T.component(.parkingTime, "3.00", step: 900)))
        let priced = try XCTUnwrap(
            T.session(
                tariff,
                T.intervals(from: start, [
                    { T.charging($0, minutes: 10, kWh: "1") }, { T.parking($0, minutes: 10) }, { T.charging($0, minutes: 10, kWh: "1") },
                ])))
        // TIME 20 -> 30 min x 6/h = 3.00; parking 10 min x 3/h = 0.50
        assertMoney(priced.costs.time, "3.00", "3.00")
        assertMoney(priced.costs.parking, "0.50", "0.50")
    }

    func testStepBelowOneCountsAsOne() {
        XCTAssertEqual(StepSize.roundUp(T.decimal("10.2"), step: 0), 11)
        XCTAssertEqual(StepSize.roundUp(T.decimal("-3.5"), step: 10), T.decimal("-3.5"), "negative energy is not rounded")
    }
}
