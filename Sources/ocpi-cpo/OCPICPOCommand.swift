import ArgumentParser
import Foundation

@main
struct OCPICPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpi-cpo",
        abstract: "An OCPI 2.2.1 Charge Point Operator and its tools.",
        subcommands: [Validate.self]
    )
}
