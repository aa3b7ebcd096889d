import Foundation
import OCPI221
import OCPIRuntime
import OCPITestSupport
import Testing

/// `ocpi-cpo price` as an eMSP runs it on a CPO's CDR: the output and exit status are a contract.
@Suite struct PriceCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("OCPITariffsTests/Fixtures")

    @Test func aCDRIsPrintedWithItsCostsComputed() async throws {
        let outcome = try await BuiltExecutable.run("ocpi-cpo", ["price", "--cdr", Self.fixtures.appendingPathComponent("cdr-start-energy-parking.json").path])
        #expect(outcome.status == 0, "\(outcome.error)")
        let cdr = try #require(try CDR.decodeAndValidate(Array(outcome.output.utf8)).value)
        // 0.50 start fee + 20 kWh x 0.25 + 45 min (15-minute steps) x 2.00/h parking.
        #expect(cdr.totalCost == Price(exclVAT: Decimal(string: "7.00") ?? 0, inclVAT: Decimal(string: "7.90")))
        #expect(cdr.totalParkingCost == Price(exclVAT: Decimal(string: "1.50") ?? 0, inclVAT: Decimal(string: "1.80")))
    }

    @Test func theTariffAndTimeZoneOptionsDecideThePriceAndStandardInputWorks() async throws {
        let cdr = try String(contentsOf: Self.fixtures.appendingPathComponent("cdr-evening-time.json"), encoding: .utf8)
        let tariff = Self.fixtures.appendingPathComponent("tariff-evening-time.json").path
        let amsterdam = try await BuiltExecutable.run("ocpi-cpo", ["price", "--cdr", "-", "--tariff", tariff, "--time-zone", "Europe/Amsterdam"], input: cdr)
        #expect(amsterdam.status == 0, "\(amsterdam.error)")
        #expect(try CDR.decodeAndValidate(Array(amsterdam.output.utf8)).value?.totalCost == Price(exclVAT: Decimal(string: "1.30") ?? 0, inclVAT: Decimal(string: "1.30")))
    }

    @Test func whatCannotBePricedExitsWith1AndAMessage() async throws {
        let notJSON = try await BuiltExecutable.run("ocpi-cpo", ["price", "--cdr", "-"], input: "{")
        #expect(notJSON.status == 1)
        #expect(notJSON.error.hasPrefix("error: "))
        #expect(notJSON.output.isEmpty)
        let zone = try await BuiltExecutable.run("ocpi-cpo", ["price", "--cdr", Self.fixtures.appendingPathComponent("cdr-start-energy-parking.json").path, "--time-zone", "Mars/Olympus"])
        #expect(zone.status == 1)
        #expect(zone.error.contains("Mars/Olympus"), "\(zone.error)")
        let missing = try await BuiltExecutable.run("ocpi-cpo", ["price", "--cdr", "/nonexistent/cdr.json"])
        #expect(missing.status == 1)
        #expect(missing.error.contains("cannot read"))
    }
}
