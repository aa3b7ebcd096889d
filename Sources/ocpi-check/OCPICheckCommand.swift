import ArgumentParser
import Foundation
import OCPI221
import OCPIAsyncHTTPClient
import OCPICheck
import OCPIRuntime
import OCPIServer

/// `ocpi-check VERSIONS_URL --token TOKEN`: checks a partner's OCPI endpoints against the spec.
/// Argument parsing and wiring only; the checks are `OCPICheck`'s.
@main
struct OCPICheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpi-check",
        abstract: "Checks a partner's OCPI endpoints against the spec, over HTTP.",
        discussion: """
            Reads the partner's versions and version details, picks the highest release both speak (or --version), and \
            checks every interface the partner lists: its lists page by page, every object by the release's validators, \
            pagination, filters, objects by id, unknown ids, the token rule and the envelope of every answer. With --write it \
            also writes test objects under your own party to the partner's receiver interfaces, and removes them again.

            Exit status: 0 every check passed; 1 a check failed; 2 the run could not be completed (or bad arguments).
            """
    )

    @Argument(help: "The partner's versions URL (https://partner.example.com/ocpi/versions).")
    var versionsURL: String

    @Option(help: "The credentials token the partner gave you (token C).")
    var token: String

    @Option(help: "The partner's role: cpo or emsp (default: what its credentials say).")
    var role: String?

    @Option(help: "The release to check: 2.1.1, 2.2.1 or 2.3.0 (default: the highest both speak).")
    var version: String?

    @Flag(help: "Also check the partner's receiver interfaces: this writes test objects to the partner (and removes them where the module can).")
    var write = false

    @Option(help: "The most objects read from one list.")
    var maxObjects = 1000

    @Option(help: "Your own country code, under which test objects are written (the one the partner registered you with).")
    var countryCode: String?

    @Option(name: .customLong("party-id"), help: "Your own party id, under which test objects are written.")
    var partyID: String?

    @Flag(
        help:
            "--token is a registration token (token A): register with the partner first (OCPI 2.2.1), check with the token C it answers, unregister at the end."
    )
    var register = false

    @Option(help: "With --register: where to serve the checker's versions and credentials during the handshake (HOST:PORT).")
    var listen = "127.0.0.1:9100"

    @Option(help: "With --register: the URL under which the partner reaches --listen (default http://HOST:PORT).")
    var publicURL: String?

    @Option(help: "How the report is written: text, json, junit or html.")
    var format: String = "text"

    @Option(help: "Write the report to this file instead of standard output (a text summary still goes to standard output).")
    var output: String?

    @Option(help: "Seconds one request may take.")
    var timeout = 30

    @Option(name: .customLong("tls-ca-bundle"), help: "PEM file of certificate authorities to trust besides the system's (a partner's private CA).")
    var tlsCABundle: String?

    @Option(help: "Seconds the whole run may take.")
    var timeLimit = 600

    func validate() throws {
        guard ReportFormat(rawValue: format) != nil else { throw ValidationError("--format must be text, json, junit or html") }
        if let role, !["cpo", "emsp"].contains(role.lowercased()) { throw ValidationError("--role must be cpo or emsp") }
        if let version, CheckedRelease.named(version) == nil {
            throw ValidationError("--version must be one of \(CheckedRelease.all.map(\.version).joined(separator: ", "))")
        }
        guard maxObjects >= 1 else { throw ValidationError("--max-objects must be at least 1") }
        guard timeout >= 1, timeLimit >= 1 else { throw ValidationError("--timeout and --time-limit must be at least 1 second") }
        if let countryCode, countryCode.count != 2 { throw ValidationError("--country-code must be two letters") }
        if let partyID, partyID.count != 3 { throw ValidationError("--party-id must be three characters") }
        if write, countryCode == nil || partyID == nil {
            throw ValidationError("--write needs --country-code and --party-id: the party the partner knows you as, under which test objects are written")
        }
        if register {
            guard countryCode != nil, partyID != nil else {
                throw ValidationError("--register needs --country-code and --party-id: the party the checker registers as")
            }
            guard listenAddress != nil else { throw ValidationError("--listen must be HOST:PORT") }
        }
        guard URLComponents(string: versionsURL)?.host != nil else { throw ValidationError("\(versionsURL) is not a URL") }
    }

    /// `--listen` as a host and a port.
    var listenAddress: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        return (String(listen[..<colon]), port)
    }

    func run() async throws {
        var registration: Registration?
        if register, let (host, port) = listenAddress, let countryCode, let partyID {
            // Checking a CPO, the checker is an eMSP; checking an eMSP, a CPO.
            registration = Registration(
                host: host, port: port, publicURL: publicURL, party: PartyIdentity(countryCode: countryCode.uppercased(), partyID: partyID.uppercased()),
                role: role?.lowercased() == "emsp" ? .cpo : .emsp
            )
        }
        let options = CheckOptions(
            versionsURL: versionsURL, token: token, role: role, version: version, write: write, maxObjects: maxObjects,
            countryCode: countryCode, partyID: partyID, registration: registration
        )
        let http: HTTPClientTransport
        if let tlsCABundle {
            do {
                http = try HTTPClientTransport(trustingAlso: tlsCABundle, timeout: .seconds(Int64(timeout)), maximumResponseSize: 16 << 20)
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(2)
            }
        } else {
            http = HTTPClientTransport(timeout: .seconds(Int64(timeout)), maximumResponseSize: 16 << 20)
        }
        let transport = RecordingTransport(http, timeLimit: .seconds(timeLimit))
        let report = await Checker(options: options, transport: transport).run()
        let reportFormat = ReportFormat(rawValue: format) ?? .text
        let rendered = reportFormat.render(report)
        if let output {
            do {
                try Data(rendered.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                FileHandle.standardError.write(Data("error: cannot write \(output): \(error.localizedDescription)\n".utf8))
                throw ExitCode(2)
            }
            print(TextReport.render(report), terminator: "")
        } else {
            print(rendered, terminator: "")
        }
        throw ExitCode(report.exitStatus)
    }

    /// Bad arguments exit with 2, like a run that could not be completed (ArgumentParser's own
    /// code for them is 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
