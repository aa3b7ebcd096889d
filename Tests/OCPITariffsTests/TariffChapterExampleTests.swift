import Foundation
import OCPI221
import XCTest

@testable import OCPITariffs

/// The worked examples of the tariff chapter, rebuilt from their descriptions (the chapter's
/// JSON files are not part of the text we have). Every expected amount is computed by hand in
/// the comment beside it. The chapter rounds some results to cents for display; the engine
/// does not round, so the exact amount is expected and the chapter's figure named.
final class TariffChapterExampleTests: XCTestCase {
    let amsterdam = T.zone("Europe/Amsterdam")
    /// Monday 3 June 2024, 10:00 UTC.
    let monday = T.instant("2024-06-03T10:00:00Z")

    func testSimplePerKWh() throws {
        let tariff = T.tariff(T.element(T.component(.energy, "0.25", vat: "10")))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(monday, minutes: 120, kWh: "20")]))
        // 20 kWh x 0.25 = 5.00; +10% = 5.50
        assertMoney(priced.costs.total, "5.00", "5.50")
        assertMoney(priced.costs.energy, "5.00", "5.50")
    }

    func testPerKWhWithStartFee() throws {
        let tariff = T.tariff(T.element(T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10")))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(monday, minutes: 120, kWh: "20")]))
        // 0.50 (0.60) + 5.00 (5.50) = 5.50 (6.10)
        assertMoney(priced.costs.total, "5.50", "6.10")
        assertMoney(priced.costs.fixed, "0.50", "0.60")
    }

    func testMinimumPrice() throws {
        let tariff = T.tariff(T.element(T.component(.energy, "0.25", vat: "10")), min: T.price("0.50", "0.55"))
        let full = try XCTUnwrap(T.session(tariff, [T.charging(monday, minutes: 120, kWh: "20")]))
        assertMoney(full.costs.total, "5.00", "5.50")
        let little = try XCTUnwrap(T.session(tariff, [T.charging(monday, minutes: 10, kWh: "1.5")]))
        // 1.5 x 0.25 = 0.375 (0.4125), below the minimum: 0.50 (0.55)
        assertMoney(little.costs.total, "0.50", "0.55")
        assertMoney(little.result.componentsTotal, "0.375", "0.4125")
    }

    func testParkingFeeAndStartFee() throws {
        let tariff = T.tariff(
            T.element(
                T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10"),
                T.component(.parkingTime, "2.00", vat: "20", step: 900)))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: monday, [{ T.charging($0, minutes: 60, kWh: "20") }, { T.parking($0, minutes: 40) }])))
        // 0.50 + 5.00 + 45 min (40 rounded up to 15-minute blocks) x 2.00/h = 1.50 -> 7.00
        // incl. VAT: 0.60 + 5.50 + 1.80 = 7.90
        assertMoney(priced.costs.total, "7.00", "7.90")
        assertMoney(priced.costs.parking, "1.50", "1.80")
    }

    func testMaximumPrice() throws {
        let tariff = T.tariff(
            T.element(T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10")), max: T.price("10.00", "11.00"))
        let fifty = try XCTUnwrap(T.session(tariff, [T.charging(monday, minutes: 300, kWh: "50")]))
        // 0.50 + 12.50 = 13.00 (0.60 + 13.75 = 14.35), capped at 10.00 (11.00)
        assertMoney(fifty.costs.total, "10.00", "11.00")
        let thirty = try XCTUnwrap(T.session(tariff, [T.charging(monday, minutes: 180, kWh: "30")]))
        // 0.50 + 7.50 = 8.00; 0.60 + 8.25 = 8.85
        assertMoney(thirty.costs.total, "8.00", "8.85")
    }

    func testTwoEurosPerHourChargingOnly() throws {
        let tariff = T.tariff(T.element(T.component(.time, "2.00", vat: "10", step: 60)))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: monday, [{ T.charging($0, minutes: 150, kWh: "20") }, { T.parking($0, minutes: 30) }])))
        // 2.5 h x 2.00 = 5.00 (5.50); the 30 minutes of parking have no price component
        assertMoney(priced.costs.total, "5.00", "5.50")
        assertMoney(priced.costs.parking, "0", "0")
    }

    func testThreeEurosPerHourAndFiveEurosPerHourParking() throws {
        let tariff = T.tariff(
            T.element(T.component(.time, "3.00", vat: "10", step: 60)),
            T.element(T.component(.parkingTime, "5.00", vat: "20", step: 300)))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: monday, [{ T.charging($0, minutes: 150, kWh: "30") }, { T.parking($0, minutes: 42) }])))
        // 2.5 h x 3.00 = 7.50 (8.25); 42 min -> 45 min x 5.00/h = 3.75 (4.50); 11.25 (12.75)
        assertMoney(priced.costs.time, "7.50", "8.25")
        assertMoney(priced.costs.parking, "3.75", "4.50")
        assertMoney(priced.costs.total, "11.25", "12.75")
    }

    func testAdHocPerHourWithFiveMinuteSteps() throws {
        let tariff = T.tariff(T.element(T.component(.time, "1.90", vat: "5.2", step: 300)))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(monday, minutes: 150, kWh: "15")]))
        // 2.5 h x 1.90 = 4.75; x 1.052 = 4.997 (the chapter shows it rounded: 5.00)
        assertMoney(priced.costs.total, "4.75", "4.997")
    }

    func testEnergyBilledPerHundredWattHours() throws {
        let tariff = T.tariff(T.element(T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10", step: 100)))
        let priced = try XCTUnwrap(T.session(tariff, [T.charging(monday, minutes: 120, kWh: "20.45")]))
        // 20.45 kWh billed as 20.5 kWh: 5.125 (5.6375; the chapter shows 5.13 and 5.64);
        // with the start fee 5.625 (6.2375; the chapter: 5.63 and 6.24)
        assertMoney(priced.costs.energy, "5.125", "5.6375")
        assertMoney(priced.costs.total, "5.625", "6.2375")
    }

    /// The complex example's tariff, as its description lists it.
    var complexTariff: Tariff {
        let weekdays: [DayOfWeek] = [.monday, .tuesday, .wednesday, .thursday, .friday]
        return T.tariff(
            T.element(T.component(.flat, "2.50", vat: "15")),
            T.element(T.component(.time, "1.00", vat: "20", step: 900), restrictions: TariffRestrictions(maxCurrent: 32)),
            T.element(T.component(.time, "2.00", vat: "20", step: 600), restrictions: TariffRestrictions(minCurrent: 32, dayOfWeek: weekdays)),
            T.element(T.component(.time, "1.25", vat: "20", step: 600), restrictions: TariffRestrictions(minCurrent: 32, dayOfWeek: [.saturday, .sunday])),
            T.element(
                T.component(.parkingTime, "5.00", vat: "10", step: 300),
                restrictions: TariffRestrictions(startTime: "09:00", endTime: "18:00", dayOfWeek: weekdays)),
            T.element(
                T.component(.parkingTime, "6.00", vat: "10", step: 300),
                restrictions: TariffRestrictions(startTime: "10:00", endTime: "17:00", dayOfWeek: [.saturday])))
    }

    func testComplexTariffOnMondayMorning() throws {
        // Monday 4 March 2024, 09:30 in Amsterdam (CET) is 08:30 UTC.
        let start = T.instant("2024-03-04T08:30:00Z")
        let priced = try XCTUnwrap(
            T.session(
                complexTariff, zone: amsterdam,
                T.intervals(from: start, [{ T.charging($0, minutes: 165, kWh: "30", current: "16") }, { T.parking($0, minutes: 42) }])))
        // FLAT 2.50 (2.875); 165 min x 1.00/h = 2.75 (3.30), not rounded as parking follows;
        // parking 42 -> 45 min x 5.00/h = 3.75 (4.125); total 9.00 (10.30)
        assertMoney(priced.costs.fixed, "2.50", "2.875")
        assertMoney(priced.costs.time, "2.75", "3.30")
        assertMoney(priced.costs.parking, "3.75", "4.125")
        assertMoney(priced.costs.total, "9.00", "10.30")
    }

    func testComplexTariffOnSaturdayAfternoon() throws {
        // Saturday 9 March 2024, 13:30 in Amsterdam is 12:30 UTC.
        let start = T.instant("2024-03-09T12:30:00Z")
        let priced = try XCTUnwrap(
            T.session(
                complexTariff, zone: amsterdam,
                T.intervals(from: start, [{ T.charging($0, minutes: 114, kWh: "40", current: "43") }, { T.parking($0, minutes: 71) }])))
        // The chapter's table bills the 114 minutes at 2.28, which is 1.20/h; the element it
        // describes for weekends above 32 A costs 1.25/h. The rules win:
        // 114 min x 1.25/h = 2.375 (x 1.2 = 2.85), parking 71 -> 75 min x 6.00/h = 7.50 (8.25),
        // total 2.50 + 2.375 + 7.50 = 12.375 (2.875 + 2.85 + 8.25 = 13.975), not 12.28 (13.861).
        assertMoney(priced.costs.time, "2.375", "2.85")
        assertMoney(priced.costs.parking, "7.50", "8.25")
        assertMoney(priced.costs.total, "12.375", "13.975")
    }

    func testFreeOfCharge() throws {
        let tariff = T.tariff(T.element(T.component(.flat, "0.00")))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: monday, [{ T.charging($0, minutes: 90, kWh: "12") }, { T.parking($0, minutes: 20) }])))
        assertMoney(priced.costs.total, "0", "0")
        assertMoney(priced.costs.fixed, "0", "0")
    }

    // MARK: Reservations

    func testReservationPrice() throws {
        let tariff = T.tariff(
            T.element(T.component(.time, "5.00", vat: "20", step: 60), restrictions: TariffRestrictions(reservation: .reservation)),
            T.element(T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10")))
        let start = monday.addingTimeInterval(15 * 60)
        let priced = try XCTUnwrap(
            T.session(tariff, reservation: ReservationFacts(start: monday, end: start), [T.charging(start, minutes: 120, kWh: "20")]))
        // reservation 15 min x 5.00/h = 1.25 (1.50); 0.50 (0.60); 5.00 (5.50); 6.75 (7.60)
        assertMoney(priced.costs.reservation, "1.25", "1.50")
        assertMoney(priced.costs.total, "6.75", "7.60")
        XCTAssertEqual(priced.chargingPeriods.first?.dimensions, [CdrDimension(type: .reservationTime, volume: T.decimal("0.25"))])
    }

    func testReservationPriceAndFee() throws {
        let tariff = T.tariff(
            T.element(
                T.component(.flat, "2.00", vat: "20"), T.component(.time, "5.00", vat: "20", step: 300),
                restrictions: TariffRestrictions(reservation: .reservation)),
            T.element(T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10")))
        let start = monday.addingTimeInterval(13 * 60)
        let priced = try XCTUnwrap(
            T.session(tariff, reservation: ReservationFacts(start: monday, end: start), [T.charging(start, minutes: 120, kWh: "20")]))
        // (the chapter's table calls the reservation time "Parking time"; it is the TIME of the
        // reservation element) 2.00 + 13 -> 15 min x 5.00/h = 1.25, so 3.25 (3.90);
        // with 0.50 + 5.00: 8.75 (2.40 + 1.50 + 0.60 + 5.50 = 10.00)
        assertMoney(priced.costs.reservation, "3.25", "3.90")
        assertMoney(priced.costs.fixed, "0.50", "0.60")
        assertMoney(priced.costs.total, "8.75", "10.00")
    }

    var expireFeeTariff: Tariff {
        T.tariff(
            T.element(T.component(.flat, "4.00", vat: "20"), restrictions: TariffRestrictions(reservation: .reservationExpires)),
            T.element(T.component(.time, "2.00", vat: "20", step: 600), restrictions: TariffRestrictions(reservation: .reservation)),
            T.element(T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10")))
    }

    func testReservationWithExpireFeeFollowedBySession() throws {
        let start = monday.addingTimeInterval(22 * 60)
        let priced = try XCTUnwrap(
            T.session(expireFeeTariff, reservation: ReservationFacts(start: monday, end: start), [T.charging(start, minutes: 120, kWh: "20")]))
        // 22 -> 30 min x 2.00/h = 1.00 (1.20); 0.50 (0.60); 5.00 (5.50); 6.50 (7.30); no expiry fee
        assertMoney(priced.costs.reservation, "1.00", "1.20")
        assertMoney(priced.costs.total, "6.50", "7.30")
    }

    func testReservationWithExpireFeeExpired() throws {
        let priced = try XCTUnwrap(
            T.session(expireFeeTariff, reservation: ReservationFacts(start: monday, end: monday.addingTimeInterval(3600), expired: true), []))
        // 4.00 (4.80) + 60 min x 2.00/h = 2.00 (2.40): 6.00 (7.20)
        assertMoney(priced.costs.reservation, "6.00", "7.20")
        assertMoney(priced.costs.total, "6.00", "7.20")
        assertMoney(priced.costs.fixed, "0", "0")
    }

    var expireTimeTariff: Tariff {
        // The RESERVATION element first, so that only the precedence rule picks the other.
        T.tariff(
            T.element(T.component(.time, "3.00", vat: "20", step: 600), restrictions: TariffRestrictions(reservation: .reservation)),
            T.element(T.component(.time, "6.00", vat: "20", step: 600), restrictions: TariffRestrictions(reservation: .reservationExpires)),
            T.element(T.component(.flat, "0.50", vat: "20"), T.component(.energy, "0.25", vat: "10")))
    }

    func testReservationWithExpireTimeFollowedBySession() throws {
        let start = monday.addingTimeInterval(22 * 60)
        let priced = try XCTUnwrap(
            T.session(expireTimeTariff, reservation: ReservationFacts(start: monday, end: start), [T.charging(start, minutes: 120, kWh: "20")]))
        // 22 -> 30 min x 3.00/h = 1.50 (1.80); + 0.50 (0.60) + 5.00 (5.50) = 7.00 (7.90)
        assertMoney(priced.costs.total, "7.00", "7.90")
    }

    func testReservationWithExpireTimeExpired() throws {
        let priced = try XCTUnwrap(
            T.session(expireTimeTariff, reservation: ReservationFacts(start: monday, end: monday.addingTimeInterval(5400), expired: true), []))
        // 90 min x 6.00/h = 9.00 (10.80): RESERVATION_EXPIRES has precedence for TIME
        assertMoney(priced.costs.total, "9.00", "10.80")
    }

    // MARK: Restriction examples

    func testMaxPowerExample() throws {
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.20"), restrictions: TariffRestrictions(maxPower: 16)),
            T.element(T.component(.energy, "0.35"), restrictions: TariffRestrictions(minPower: 16, maxPower: 32)),
            T.element(T.component(.energy, "0.50")))
        let priced = try XCTUnwrap(
            T.session(
                tariff,
                T.intervals(from: monday, [
                    { T.charging($0, minutes: 10, kWh: "1", power: "6") },
                    { T.charging($0, minutes: 50, kWh: "40", power: "48") },
                    { T.charging($0, minutes: 7.5, kWh: "0.5", power: "4") },
                ])))
        // 1 x 0.20 + 40 x 0.50 + 0.5 x 0.20 = 0.20 + 20.00 + 0.10 = 20.30
        assertMoney(priced.costs.total, "20.30", "20.30")
        XCTAssertEqual(priced.chargingPeriods.count, 3)
    }

    func testMaxDurationExample() throws {
        let tariff = T.tariff(
            T.element(T.component(.energy, "0.00"), restrictions: TariffRestrictions(maxDuration: 1800)),
            T.element(T.component(.energy, "0.25"), restrictions: TariffRestrictions(maxDuration: 3600)),
            T.element(T.component(.energy, "0.40")))
        let priced = try XCTUnwrap(
            T.session(tariff, T.intervals(from: monday, [{ T.charging($0, minutes: 30, kWh: "5") }, { T.charging($0, minutes: 10, kWh: "1.2") }])))
        // 5 kWh free, 1.2 x 0.25 = 0.30
        assertMoney(priced.costs.total, "0.30", "0.30")
    }

    // MARK: step_size when switching elements

    /// Before 17:00 charging costs 1.20/h in 30-minute steps, from 17:00 2.40/h in 15-minute
    /// steps; parking costs 1.00/h in 15-minute steps until 20:00 and is free after.
    var stepSizeTariff: Tariff {
        T.tariff(
            T.element(T.component(.time, "1.20", step: 1800), restrictions: TariffRestrictions(endTime: "17:00")),
            T.element(T.component(.time, "2.40", step: 900), restrictions: TariffRestrictions(startTime: "17:00")),
            T.element(T.component(.parkingTime, "1.00", step: 900), restrictions: TariffRestrictions(endTime: "20:00")))
    }

    func testSwitchingElementsWithParkingLast() throws {
        // 16:55 local (summer, UTC+2): 10 min charging, 2 min parking
        let start = T.instant("2024-06-03T14:55:00Z")
        let priced = try XCTUnwrap(
            T.session(
                stepSizeTariff, zone: amsterdam,
                T.intervals(from: start, [{ T.charging($0, minutes: 10, kWh: "2") }, { T.parking($0, minutes: 2) }])))
        // 5 min x 1.20/h = 0.10; 5 min x 2.40/h = 0.20; parking 2 -> 15 min x 1.00/h = 0.25; 0.55
        XCTAssertEqual(priced.result.periods.map { $0.cost.exclVAT }, [T.decimal("0.10"), T.decimal("0.20"), T.decimal("0.25")])
        assertMoney(priced.costs.total, "0.55", "0.55")
    }

    func testSwitchingElementsRoundsTheTotalWithTheLastStep() throws {
        // 16:35 local: 35 min charging, no parking
        let start = T.instant("2024-06-03T14:35:00Z")
        let priced = try XCTUnwrap(T.session(stepSizeTariff, zone: amsterdam, [T.charging(start, minutes: 35, kWh: "6")]))
        // 35 -> 45 min with the last step (15 min): 25 min x 1.20/h = 0.50, 20 min x 2.40/h = 0.80
        assertMoney(priced.result.periods.last?.charge(.time)?.cost, "0.80", "0.80")
        assertMoney(priced.costs.total, "1.30", "1.30")
    }

    func testSwitchingToAFreeElement() throws {
        // 19:40 local: 12 min charging, 20 min parking, parking free from 20:00.
        let start = T.instant("2024-06-03T17:40:00Z")
        let priced = try XCTUnwrap(
            T.session(
                stepSizeTariff, zone: amsterdam,
                T.intervals(from: start, [{ T.charging($0, minutes: 12, kWh: "2") }, { T.parking($0, minutes: 20) }])))
        // As corrected after d2: 12 min x 2.40/h = 0.48; billable parking 8 min -> 15 min x
        // 1.00/h = 0.25, all in the 19:52-20:00 period; 0.73 (d2 said 0.80).
        assertMoney(priced.costs.time, "0.48", "0.48")
        assertMoney(priced.costs.parking, "0.25", "0.25")
        assertMoney(priced.costs.total, "0.73", "0.73")
        XCTAssertEqual(priced.chargingPeriods.count, 3, "charging, parking until 20:00, free parking")
    }
}
