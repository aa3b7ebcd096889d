import Foundation
import OCPI221
import OCPIRuntime
import XCTest

@testable import OCPITariffs

/// The charging periods a priced session yields, and facts that cannot be priced.
final class SessionSplitterTests: XCTestCase {
    let start = T.instant("2024-06-03T10:00:00Z")

    func testPeriodsCarryTheCDRDimensions() throws {
        let tariff = T.tariff(id: "TX", T.element(T.component(.energy, "0.25"), T.component(.parkingTime, "1.00")))
        let priced = try XCTUnwrap(
            T.session(
                tariff,
                T.intervals(from: start, [{ T.charging($0, minutes: 30, kWh: "5.5", power: "11", current: "48") }, { T.parking($0, minutes: 15) }])))
        XCTAssertEqual(
            priced.chargingPeriods,
            [
                ChargingPeriod(
                    startDateTime: OCPIDateTime(start),
                    dimensions: [
                        CdrDimension(type: .energy, volume: T.decimal("5.5")), CdrDimension(type: .time, volume: T.decimal("0.5")),
                        CdrDimension(type: .maxCurrent, volume: 48), CdrDimension(type: .minCurrent, volume: 48),
                        CdrDimension(type: .maxPower, volume: 11), CdrDimension(type: .minPower, volume: 11),
                    ], tariffID: "TX"),
                ChargingPeriod(
                    startDateTime: OCPIDateTime(start.addingTimeInterval(1800)),
                    dimensions: [CdrDimension(type: .parkingTime, volume: T.decimal("0.25"))], tariffID: "TX"),
            ])
        XCTAssertEqual(priced.totalEnergy, T.decimal("5.5"))
        XCTAssertEqual(priced.totalTime, T.decimal("0.75"))
        XCTAssertEqual(priced.totalParkingTime, T.decimal("0.25"))
    }

    func testNeighboursWithTheSameComponentsAreMerged() throws {
        let tariff = T.tariff(T.element(T.component(.energy, "0.25")))
        let priced = try XCTUnwrap(
            T.session(
                tariff,
                T.intervals(from: start, [{ T.charging($0, minutes: 30, kWh: "5", power: "10") }, { T.charging($0, minutes: 30, kWh: "8", power: "16") }])))
        XCTAssertEqual(priced.chargingPeriods.count, 1)
        XCTAssertEqual(
            priced.chargingPeriods.first?.dimensions,
            [
                CdrDimension(type: .energy, volume: 13), CdrDimension(type: .time, volume: 1),
                CdrDimension(type: .maxPower, volume: 16), CdrDimension(type: .minPower, volume: 10),
            ])
    }

    func testFactsThatCannotBePriced() {
        let tariff = T.tariff(T.element(T.component(.energy, "0.25")))
        let cases: [(SessionFacts, String)] = [
            (SessionFacts(tariff: tariff, timeZone: T.utc, intervals: []), "a session needs at least one meter interval"),
            (
                SessionFacts(tariff: tariff, timeZone: T.utc, intervals: [T.charging(start, minutes: 10), T.charging(start.addingTimeInterval(1200), minutes: 10)]),
                "meter interval 1 does not start where interval 0 ends"
            ),
            (SessionFacts(tariff: tariff, timeZone: T.utc, intervals: [T.charging(start, minutes: 0)]), "meter interval 0 does not end after it starts"),
            (
                SessionFacts(
                    tariff: tariff, timeZone: T.utc, reservation: ReservationFacts(start: start, end: start.addingTimeInterval(600)),
                    intervals: [T.charging(start, minutes: 10)]),
                "the reservation ends after the session starts"
            ),
        ]
        for (facts, message) in cases {
            XCTAssertThrowsError(try TariffEngine.price(session: facts)) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }
}
