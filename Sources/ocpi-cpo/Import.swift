import ArgumentParser
import Foundation
import Logging
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore

/// `ocpi-cpo import FILE...`: Locations and Tariffs from JSON files into the database.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Imports Locations and Tariffs from JSON files (an object, a list, or an OCPI response envelope each).",
        discussion: """
            Every object is validated as strictly as the admin API validates it, and must carry this CPO's
            country code and party id. A file with any invalid object is not imported at all; the others are.
            Exit status: 0 when every file was imported, 1 when any was not.
            """
    )

    @Argument(help: "JSON files of Locations and Tariffs.") var files: [String]
    @OptionGroup var database: DatabaseOption
    @Option(name: .customLong("country-code"), help: "This CPO's country code (as `serve` runs with; default NL).") var countryCode: String?
    @Option(name: .customLong("party-id"), help: "This CPO's party id (as `serve` runs with; default SOC).") var partyID: String?

    func run() async throws {
        var logger = Logger(label: "ocpi-cpo")
        logger.logLevel = .warning
        let store = try await SQLStore.open(try database.location(), logger: logger)
        let party = PartyIdentity(
            countryCode: (countryCode ?? Environment.value("country-code") ?? "NL").uppercased(),
            partyID: (partyID ?? Environment.value("party-id") ?? "SOC").uppercased()
        )
        // Each object is written with its change in the outbox: a running server's pusher sends
        // it to partners at its next look, not this process.
        let importer = CPOImport(store: store, party: party)
        var failed = false
        for file in files {
            do {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
                let outcome = try await importer.write(try importer.read(bytes))
                print("\(file): \(outcome.locations) location\(outcome.locations == 1 ? "" : "s"), \(outcome.tariffs) tariff\(outcome.tariffs == 1 ? "" : "s") (\(outcome.created) new, \(outcome.updated) replaced)")
            } catch let failure as CPOImport.Failure {
                failed = true
                let lines = "\(failure)".split(separator: "\n").map { "\(file): \($0)" }
                FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n\(file): not imported\n").utf8))
            } catch {
                failed = true
                FileHandle.standardError.write(Data("\(file): cannot be imported: \(error.localizedDescription)\n".utf8))
            }
        }
        try await store.shutdown()
        if failed { throw ExitCode.failure }
    }
}
