import Foundation
import OCPI221
import OCPIAsyncHTTPClient
import OCPICheck
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

/// `ocpi-check` as a process against `ocpi-cpo serve` as a process, in every release the server
/// serves (2.2.1 today): a test eMSP registers with token A, then the checker runs with the
/// token C it got, read-only and with `--write`; and once with `--register` doing both itself.
@Suite(.serialized, .holdsResources) struct ServeCheckTests {
    /// A value of the banner line that starts with `label`.
    static func banner(_ output: String, _ label: String) throws -> String {
        let line = try #require(output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
        let range = try #require(line.range(of: label))
        return String(try #require(line[range.upperBound...].split(separator: " ").first))
    }

    /// The text report's line for one check: `PASS  locations SENDER  objects  3 Location ...`.
    static func line(_ output: String, _ mark: String, _ subject: String, _ check: String) -> String? {
        output.split(separator: "\n").map(String.init).first { line in
            let words = line.split(separator: " ").map(String.init)
            return line.hasPrefix(mark + "  " + subject + " ") && words.dropFirst(1 + subject.split(separator: " ").count).first == check
        }
    }

    /// The versions a server's versions list offers.
    static func releases(at versionsURL: String, token: String) async throws -> [String] {
        let response = try await HTTPClientTransport(timeout: .seconds(10)).send(
            OCPIClientRequest(method: .get, url: versionsURL, headerFields: [.authorization: CredentialsToken.header(for: token)])
        )
        guard case .array(let versions)? = try JSONValue.decodeJSON(response.body).value?["data"] else { return [] }
        return versions.compactMap { version in
            if case .string(let number)? = version["version"] { number } else { nil }
        }
    }

    /// Runs `ocpi-cpo serve` on a new database while `body` runs, handing it the versions URL,
    /// token A and the database argument.
    static func withServer(_ body: (_ versionsURL: String, _ tokenA: String, _ database: String) async throws -> Void) async throws {
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-check-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        }
        let port = try LiveServer.freePort()
        let server = try RunningCommand("ocpi-cpo", ["serve", "--port", "\(port)", "--database", database, "--log-level", "warning"])
        try await server.waitForOutput(containing: "admin token")
        do {
            try await body(try banner(server.standardOutput, "versions URL"), try banner(server.standardOutput, "token A"), database)
        } catch {
            _ = try? await server.stop()
            throw error
        }
        #expect(try await server.stop() == 0, "\(server.standardError)")
    }

    @Test func everyCheckPassesAgainstOCPICPOServeReadOnlyAndWithWrite() async throws {
        try await Self.withServer { versionsURL, tokenA, _ in
            // A test eMSP registers as DE/CHK and keeps token C.
            let registration = Registration(
                host: "127.0.0.1", port: try LiveServer.freePort(), party: PartyIdentity(countryCode: "DE", partyID: "CHK"), role: .emsp)
            let registered = try await registration.register(versionsURL: versionsURL, tokenA: tokenA, transport: HTTPClientTransport(timeout: .seconds(10)))

            // Every release the server offers (all three by default), as its versions list says.
            let offered = try await Self.releases(at: versionsURL, token: registered.tokenC)
            #expect(offered == ["2.1.1", OCPI221.OCPIRelease.version, "2.3.0"], "\(offered)")
            for version in offered {
                // 2.1.1's credentials name no role: the checker is told the partner is a CPO.
                let role = version == "2.1.1" ? ["--role", "cpo"] : []
                let readOnly = try await BuiltExecutable.run("ocpi-check", [versionsURL, "--token", registered.tokenC, "--version", version] + role)
                #expect(readOnly.status == 0, "\(readOnly.output)\(readOnly.error)")
                #expect(readOnly.output.contains(": OCPI \(version), partner role CPO, read-only"), "\(readOnly.output)")
                #expect(readOnly.output.contains(" 0 failed, "), "\(readOnly.output)")
                #expect(readOnly.output.contains("SKIP  tokens RECEIVER"), "\(readOnly.output)")
                #expect(Self.line(readOnly.output, "PASS", "locations SENDER", "objects")?.contains("3 Location objects valid") == true, "\(readOnly.output)")
                #expect(Self.line(readOnly.output, "PASS", "tariffs SENDER", "objects") != nil, "\(readOnly.output)")

                let write = try await BuiltExecutable.run(
                    "ocpi-check", [versionsURL, "--token", registered.tokenC, "--version", version, "--write", "--country-code", "DE", "--party-id", "CHK"] + role
                )
                #expect(write.status == 0, "\(write.output)\(write.error)")
                for check in ["write.put", "write.get", "write.patch", "write.malformed-json", "write.invalid-object"] {
                    #expect(Self.line(write.output, "PASS", "tokens RECEIVER", check) != nil, "\(check): \(write.output)")
                }
            }
        }
    }

    /// `--register` with token A: the handshake, the checks with token C, and the
    /// unregistration, in one run; each report format says the same.
    @Test func registerRunsTheHandshakeAndEveryFormatReportsIt() async throws {
        try await Self.withServer { versionsURL, tokenA, _ in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-check-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let json = folder.appendingPathComponent("report.json").path
            let run = try await BuiltExecutable.run(
                "ocpi-check",
                [
                    versionsURL, "--token", tokenA, "--register", "--listen", "127.0.0.1:\(try LiveServer.freePort())", "--country-code", "DE",
                    "--party-id", "REG", "--write", "--format", "json", "--output", json,
                ])
            #expect(run.status == 0, "\(run.output)\(run.error)")
            #expect(run.output.contains("PASS  credentials"), "the text summary still comes on standard output")
            let report = try #require(try JSONValue.decodeJSON(Data(contentsOf: URL(fileURLWithPath: json))).value)
            #expect(report["exit_status"] == .number(0))
            #expect(report["failed"] == .number(0))
            guard case .array(let results)? = report["report"]?["results"] else {
                Issue.record("no results in \(report)")
                return
            }
            let checks = results.compactMap { result -> String? in
                guard case .string(let check)? = result["check"], case .string(let outcome)? = result["outcome"] else { return nil }
                return "\(check) \(outcome)"
            }
            #expect(checks.contains("credentials.register passed"))
            #expect(checks.contains("credentials.unregister passed"))
            #expect(checks.contains("write.put passed"))
            // Token A is spent and token C was given back: nothing opens the server now.
            let again = try await BuiltExecutable.run("ocpi-check", [versionsURL, "--token", tokenA])
            #expect(again.status == 2, "\(again.output)")
        }
    }

    @Test func badArgumentsExitWith2() async throws {
        let missing = try await BuiltExecutable.run("ocpi-check", ["http://127.0.0.1:1/ocpi/versions"])
        #expect(missing.status == 2, "\(missing.error)")
        #expect(missing.error.contains("--token"), "\(missing.error)")
        let write = try await BuiltExecutable.run("ocpi-check", ["http://127.0.0.1:1/ocpi/versions", "--token", "t", "--write"])
        #expect(write.status == 2)
        #expect(write.error.contains("--write needs --country-code and --party-id"), "\(write.error)")
        let format = try await BuiltExecutable.run("ocpi-check", ["http://127.0.0.1:1/ocpi/versions", "--token", "t", "--format", "pdf"])
        #expect(format.status == 2)
        let help = try await BuiltExecutable.run("ocpi-check", ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("--max-objects"))
    }
}
