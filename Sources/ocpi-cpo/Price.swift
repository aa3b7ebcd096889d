import ArgumentParser
import Foundation
import OCPITariffs

/// `ocpi-cpo price --cdr CDR.json`: recomputes a CDR's costs from its charging periods, so that
/// an eMSP can check a CPO's bill.
struct Price: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Computes the costs of a CDR from its charging periods and a tariff.",
        discussion: """
            Prints the CDR as JSON with total_cost, total_fixed_cost, total_energy_cost, total_time_cost and total_parking_cost (and total_reservation_cost when a reservation was priced) computed, each to four decimals.

            The tariff is --tariff, or else the one of the CDR's tariffs that each period names by tariff_id.

            Prices OCPI 2.2.1 CDRs and tariffs. OCPI 2.3.0 ones (--version 2.3.0) are refused for now: their taxes (a list of TaxAmount per cost, tax_included, PriceLimit bounds) are not priced yet.

            Exit status: 0 priced; 1 the input cannot be read, is not JSON of the right shape, or cannot be priced (the reason is on standard error).
            """
    )

    @Option(help: "The CDR, a JSON file, or - for standard input.")
    var cdr: String

    @Option(help: "A Tariff JSON file that prices every period, instead of the CDR's own tariffs.")
    var tariff: String?

    @Option(help: "The location's IANA time zone, for time-of-day, date and weekday restrictions.")
    var timeZone: String = "UTC"

    @Option(help: "The OCPI version of the CDR and tariff: 2.2.1 (2.3.0 is not priced yet).")
    var version: String = "2.2.1"

    func run() throws {
        guard version == "2.2.1" else {
            if version == "2.3.0" {
                fail("pricing OCPI 2.3.0 is not supported yet: its taxes (TaxAmount lists, tax_included, PriceLimit bounds) are not priced; only 2.2.1 CDRs and tariffs are")
            }
            fail("unknown version '\(version)'; price works with 2.2.1")
        }
        let cdrBytes = read(cdr)
        let tariffBytes = tariff.map(read)
        do {
            let output = try CDRPricing.price(cdrJSON: cdrBytes, tariffJSON: tariffBytes, timeZoneIdentifier: timeZone)
            FileHandle.standardOutput.write(Data(output + Array("\n".utf8)))
        } catch {
            fail("\(error)")
        }
    }

    private func read(_ path: String) -> [UInt8] {
        do {
            let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
            return [UInt8](data)
        } catch {
            fail("cannot read \(path): \(error.localizedDescription)")
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
