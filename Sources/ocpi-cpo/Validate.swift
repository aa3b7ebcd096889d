import ArgumentParser
import Foundation
import OCPI221
import OCPIRuntime

/// `ocpi-cpo validate TYPE FILE`: judges a partner's payload as the spec would.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checks a JSON payload against an OCPI 2.2.1 type.",
        discussion: """
            FILE holds one object, a JSON list of them, or a whole OCPI response envelope. Prints OK, or
            one line per violation: its JSON pointer and what is wrong.
            Exit status: 0 valid; 1 invalid; 2 the file cannot be read, is not JSON, or TYPE is unknown.
            """
    )

    @Argument(help: "The OCPI type exactly as the spec names it (Location, EVSE, Tariff, CDR, Session, Token, ...).")
    var type: String

    @Argument(help: "The JSON file, or - for standard input.")
    var file: String

    @Flag(help: "Check a PATCH body (Location, EVSE, Connector, Session or Token): any fields, last_updated required.")
    var patch = false

    func run() throws {
        let types = patch ? OCPITypes.patches : OCPITypes.models
        guard let model = types[type] else {
            if patch, OCPITypes.models[type] != nil {
                fail("\(type) is never sent by PATCH; --patch works with \(OCPITypes.patches.keys.sorted().joined(separator: ", "))")
            }
            fail("unknown type '\(type)'; known types: \(OCPITypes.models.keys.sorted().joined(separator: ", "))")
        }
        let bytes: Data
        do {
            bytes = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            fail("cannot read \(file): \(error.localizedDescription)")
        }
        let report: DocumentValidation.Report
        do {
            report = try DocumentValidation.validate(bytes, as: model, envelope: OCPIResponse.self)
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
