import Foundation
import OCPI221
import OCPIRuntime
import XCTest

@testable import OCPITariffs

/// The logic of `ocpi-cpo price`: CDR JSON in, priced CDR JSON out, or a clear error.
final class CDRPricingTests: XCTestCase {
    static let fixtures: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    func decodeCDR(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> CDR {
        let decoded = try CDR.decodeAndValidate(bytes)
        XCTAssert(decoded.isValid, "the priced CDR is not valid: \(decoded)", file: file, line: line)
        return try XCTUnwrap(decoded.value, file: file, line: line)
    }

    func testPricesTheCDRWithTheTariffItsPeriodsName() throws {
        let output = try CDRPricing.price(cdrJSON: try fixture("cdr-start-energy-parking.json"))
        let cdr = try decodeCDR(output)
        // start fee 0.50 (20%: 0.60); 20 kWh x 0.25 = 5.00 (10%: 5.50); parking 0.666667 h read as
        // 2400 s, rounded up to 2700 s (15-minute steps) x 2.00/h = 1.50 (20%: 1.80); the decoy
        // tariff at 9.99/kWh is not named by any period.
        XCTAssertEqual(cdr.totalCost, T.price("7.00", "7.90"))
        XCTAssertEqual(cdr.totalFixedCost, T.price("0.50", "0.60"))
        XCTAssertEqual(cdr.totalEnergyCost, T.price("5.00", "5.50"))
        XCTAssertEqual(cdr.totalTimeCost, T.price("0", "0"))
        XCTAssertEqual(cdr.totalParkingCost, T.price("1.50", "1.80"))
        XCTAssertNil(cdr.totalReservationCost, "no reservation, so no reservation cost")
        // everything else is the CDR as it came
        let input = try XCTUnwrap(CDR.decodeAndValidate(try fixture("cdr-start-energy-parking.json")).value)
        XCTAssertEqual(cdr.chargingPeriods, input.chargingPeriods)
        XCTAssertEqual(cdr.id, input.id)
        XCTAssertEqual(cdr.totalEnergy, input.totalEnergy)
    }

    func testTariffOptionAndTimeZoneDecideThePrice() throws {
        let cdrJSON = try fixture("cdr-evening-time.json")
        let tariffJSON = try fixture("tariff-evening-time.json")
        // 14:35 UTC is 16:35 in Amsterdam (summer): 25 min at 1.20/h, then from 17:00 local 10 min
        // at 2.40/h; 35 min rounded to 45 with the last step (15 min): 0.50 + 0.80 = 1.30
        let amsterdam = try decodeCDR(try CDRPricing.price(cdrJSON: cdrJSON, tariffJSON: tariffJSON, timeZoneIdentifier: "Europe/Amsterdam"))
        XCTAssertEqual(amsterdam.totalCost, T.price("1.30", "1.30"))
        XCTAssertEqual(amsterdam.totalTimeCost, T.price("1.30", "1.30"))
        // In UTC both periods are before 17:00: 35 min rounded to 60 (30-minute steps) x 1.20/h = 1.20
        let utc = try decodeCDR(try CDRPricing.price(cdrJSON: cdrJSON, tariffJSON: tariffJSON))
        XCTAssertEqual(utc.totalCost, T.price("1.20", "1.20"))
    }

    func testReservationCostIsWrittenWhereItApplies() throws {
        let tariff = T.tariff(
            id: "R",
            T.element(T.component(.time, "5.00", vat: "20", step: 60), restrictions: TariffRestrictions(reservation: .reservation)),
            T.element(T.component(.energy, "0.25", vat: "10")))
        var cdr = try XCTUnwrap(CDR.decodeAndValidate(try fixture("cdr-start-energy-parking.json")).value)
        cdr.tariffs = [tariff]
        cdr.chargingPeriods = [
            ChargingPeriod(startDateTime: OCPIDateTime(T.instant("2024-06-03T09:45:00Z")), dimensions: [CdrDimension(type: .reservationTime, volume: T.decimal("0.25"))]),
            ChargingPeriod(startDateTime: OCPIDateTime(T.instant("2024-06-03T10:00:00Z")), dimensions: [CdrDimension(type: .energy, volume: 20)]),
        ]
        let priced = try CDRPricing.price(cdr, timeZone: T.utc).cdr
        // 15 min x 5.00/h = 1.25 (1.50); 20 x 0.25 = 5.00 (5.50)
        XCTAssertEqual(priced.totalReservationCost, T.price("1.25", "1.50"))
        XCTAssertEqual(priced.totalCost, T.price("6.25", "7.00"))
    }

    func testAReservationCostTheCPOGaveIsRecomputed() throws {
        var cdr = try XCTUnwrap(CDR.decodeAndValidate(try fixture("cdr-start-energy-parking.json")).value)
        cdr.totalReservationCost = T.price("2.00", "2.40")
        // there is no reservation time in the CDR, so nothing is owed for one
        XCTAssertEqual(try CDRPricing.price(cdr, timeZone: T.utc).cdr.totalReservationCost, T.price("0", "0"))
    }

    func testAmountsAreWrittenToFourDecimals() throws {
        var cdr = try XCTUnwrap(CDR.decodeAndValidate(try fixture("cdr-start-energy-parking.json")).value)
        cdr.tariffs = [T.tariff(id: "START-ENERGY-PARKING", T.element(T.component(.parkingTime, "1.00")))]
        // 0.666667 h read as 2400 s: 2400 x 1.00 / 3600 = 0.6666...; written 0.6667
        let priced = try CDRPricing.price(cdr, timeZone: T.utc)
        XCTAssertEqual(priced.cdr.totalParkingCost, T.price("0.6667", "0.6667"))
        assertAmount(priced.result.costs.parking.exclVAT, "0.6666666667")
    }

    func testNotJSON() throws {
        XCTAssertThrowsError(try CDRPricing.price(cdrJSON: Array("{\"id\": ".utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("the CDR is not JSON"), "\(error)")
        }
    }

    func testJSONOfTheWrongShape() throws {
        XCTAssertThrowsError(try CDRPricing.price(cdrJSON: Array("{\"id\": 5}".utf8))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("the CDR is not a valid CDR:"), message)
            XCTAssertTrue(message.contains("/charging_periods"), message)
        }
        XCTAssertThrowsError(try CDRPricing.price(cdrJSON: Array("[]".utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("the CDR is not a valid CDR:"), "\(error)")
        }
        XCTAssertThrowsError(try CDRPricing.price(cdrJSON: try fixture("cdr-evening-time.json"), tariffJSON: Array("{}".utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("the tariff is not a valid Tariff:"), "\(error)")
        }
    }

    func testUnknownTariffIDAndMissingTariff() throws {
        var cdr = try XCTUnwrap(CDR.decodeAndValidate(try fixture("cdr-start-energy-parking.json")).value)
        cdr.chargingPeriods[1].tariffID = "GONE"
        XCTAssertThrowsError(try CDRPricing.price(cdr, timeZone: T.utc)) { error in
            XCTAssertEqual("\(error)", "charging period 1 names tariff 'GONE', which is not in the CDR's tariffs; give it with --tariff")
        }
        XCTAssertThrowsError(try CDRPricing.price(cdrJSON: try fixture("cdr-evening-time.json"))) { error in
            XCTAssertEqual("\(error)", "the CDR has no tariffs; give the tariff with --tariff")
        }
    }

    func testTariffInAnotherCurrency() throws {
        var cdr = try XCTUnwrap(CDR.decodeAndValidate(try fixture("cdr-start-energy-parking.json")).value)
        cdr.currency = "CHF"
        XCTAssertThrowsError(try CDRPricing.price(cdr, timeZone: T.utc)) { error in
            XCTAssertEqual("\(error)", "tariff 'START-ENERGY-PARKING' is in EUR but the CDR is in CHF")
        }
    }

    func testUnknownTimeZone() throws {
        XCTAssertThrowsError(try CDRPricing.price(cdrJSON: try fixture("cdr-evening-time.json"), timeZoneIdentifier: "Mars/Olympus")) { error in
            XCTAssertTrue("\(error)".hasPrefix("unknown time zone 'Mars/Olympus'"), "\(error)")
        }
    }

    func testPeriodsOutOfOrder() throws {
        var cdr = try XCTUnwrap(CDR.decodeAndValidate(try fixture("cdr-start-energy-parking.json")).value)
        cdr.chargingPeriods.reverse()
        XCTAssertThrowsError(try CDRPricing.price(cdr, timeZone: T.utc)) { error in
            XCTAssertEqual("\(error)", "charging period 0 starts after the next one")
        }
    }

    func testHoursAreReadToTheNearestSecond() {
        // 10 minutes written as 0.166667 h would be 600.0012 s
        XCTAssertEqual(CDRPricing.seconds(hours: T.decimal("0.166667")), 600)
    }
}
