import ArgumentParser
import Foundation
import OCPI211
import OCPI221
import OCPI230
import OCPIRuntime

/// `ocpi-cpo validate TYPE FILE`: judges a partner's payload as the spec would.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checks a JSON payload against a type of OCPI 2.1.1, 2.2.1 or 2.3.0.",
        discussion: """
            FILE holds one object, a JSON list of them, or a whole OCPI response envelope. Prints OK, or
            one line per violation: its JSON pointer and what is wrong.
            2.3.0 is edition 2 of the core with the Payments package (its types and Tariff.preauthorize_amount).
            Exit status: 0 valid; 1 invalid; 2 the file cannot be read, is not JSON, or TYPE is unknown.
            """
    )

    /// The releases whose generated types the command judges by.
    enum Release: String, CaseIterable, ExpressibleByArgument {
        case v2_1_1 = "2.1.1"
        case v2_2_1 = "2.2.1"
        case v2_3_0 = "2.3.0"

        /// Object and class types, and PATCH body types, by spec name.
        var types: (models: [String: any OCPIModel.Type], patches: [String: any OCPIModel.Type]) {
            switch self {
            case .v2_1_1: (OCPI211.OCPITypes.models, OCPI211.OCPITypes.patches)
            case .v2_2_1: (OCPI221.OCPITypes.models, OCPI221.OCPITypes.patches)
            case .v2_3_0: (OCPI230.OCPITypes.models, OCPI230.OCPITypes.patches)
            }
        }
    }

    @Option(help: "The OCPI version the payload is meant for: 2.1.1, 2.2.1 or 2.3.0.")
    var version: Release = .v2_2_1

    @Argument(help: "The OCPI type exactly as the spec names it (Location, EVSE, Tariff, CDR, Session, Token, ...).")
    var type: String

    @Argument(help: "The JSON file, or - for standard input.")
    var file: String

    @Flag(help: "Check a PATCH body (Location, EVSE, Connector, Session or Token): any fields; last_updated required from 2.2.1 on.")
    var patch = false

    func run() throws {
        let release = version.types
        guard let model = (patch ? release.patches : release.models)[type] else {
            if patch, release.models[type] != nil {
                fail("\(type) is never sent by PATCH in OCPI \(version.rawValue); --patch works with \(release.patches.keys.sorted().joined(separator: ", "))")
            }
            fail("unknown type '\(type)' in OCPI \(version.rawValue); known types: \(release.models.keys.sorted().joined(separator: ", "))")
        }
        // Every release names its response envelope `Response`.
        guard let envelope = release.models["Response"] else { fail("OCPI \(version.rawValue) has no response envelope type") }
        let bytes: Data
        do {
            bytes = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            fail("cannot read \(file): \(error.localizedDescription)")
        }
        let report: DocumentValidation.Report
        do {
            report = try DocumentValidation.validate(bytes, as: model, envelope: envelope)
        } catch {
            fail("\(file == "-" ? "standard input" : file) is not JSON: \(error)")
        }
        guard !report.violations.isEmpty else {
            print("OK")
            return
        }
        for violation in report.violations {
            print(violation)
        }
        throw ExitCode.failure
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
