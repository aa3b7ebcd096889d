import Foundation
import OCPI221
import OCPIAsyncHTTPClient
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing
@testable import ocpi_cpo

/// `ocpi-cpo serve`, `parties` and `import` as an operator runs them: real processes on one
/// database, an eMSP registering over real HTTP.
@Suite(.holdsResources) struct ServeCommandTests {
    /// A value of the banner line that starts with `label`.
    static func banner(_ output: String, _ label: String) throws -> String {
        let line = try #require(output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
        let range = try #require(line.range(of: label))
        return String(try #require(line[range.upperBound...].split(separator: " ").first))
    }

    static func writeTemporary(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-import-\(UUID().uuidString).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: TestDatabase.all)
    func theServerRunsOutOfTheBoxAndSurvivesARestart(_ database: TestDatabase) async throws {
        let databaseArgument = try database.makeDatabaseArgument()
        let location = try StoreLocation(parsing: databaseArgument)
        defer { database.remove(location) }
        let port = try LiveServer.freePort()
        // Flags and their environment variables, mixed.
        let environment = ["OCPI_CPO_ADMIN_TOKEN": "admin-from-env", "OCPI_CPO_PORT": "\(port)"]
        let server = try RunningCommand("ocpi-cpo", ["serve", "--database", databaseArgument], environment: environment)
        try await server.waitForOutput(containing: "admin token")
        let versionsURL = try Self.banner(server.standardOutput, "versions URL")
        let tokenA = try Self.banner(server.standardOutput, "token A")
        #expect(versionsURL == "http://127.0.0.1:\(port)/ocpi/versions")
        #expect(try Self.banner(server.standardOutput, "admin token") == "admin-from-env")
        #expect(try Self.banner(server.standardOutput, "console") == "http://127.0.0.1:\(port)/admin")
        #expect(!server.standardOutput.contains("postgres://"), "no database URL (with its password) in the banner")

        let health = try await send("GET", "http://127.0.0.1:\(port)/health", authorization: nil)
        #expect(health.status == 200)

        // An eMSP registers with token A and pulls the demo data.
        let emsp = try EMSPPeer()
        var tokenC = ""
        try await emsp.run {
            let partner = try await emsp.credentials.register(versionsURL: versionsURL, tokenA: tokenA)
            tokenC = try #require(partner.outgoingToken)
        }
        let locations = LocationsSenderClient(connection: OCPIConnection(
            transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: "http://127.0.0.1:\(port)/ocpi/cpo/2.2.1/locations", token: tokenC
        ))
        #expect(try await locations.getLocations(limit: 2).collect().count == 3)

        // A token minted by another process on the same database works at once.
        let invite = try await BuiltExecutable.run("ocpi-cpo", ["parties", "invite", "--json", "--database", databaseArgument])
        #expect(invite.status == 0, "\(invite.error)")
        #expect(invite.output.hasSuffix("\n") && invite.output.dropLast().contains("\n") == false, "exactly one line")
        let invitation = try #require(try JSONValue.decodeJSON(Array(invite.output.utf8)).value)
        #expect(invitation["versions_url"] == .string(versionsURL))
        guard case .string(let newTokenA)? = invitation["token"] else { Issue.record("no token in \(invite.output)"); return }
        #expect(try await send("GET", versionsURL, authorization: CredentialsToken.header(for: newTokenA)).status == 200)

        let list = try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", databaseArgument])
        #expect(list.status == 0)
        #expect(list.output.contains("registered  DE/MSP EMSP"), "\(list.output)")
        #expect(list.output.contains("catch-up"))
        let partnerID = try #require(list.output.split(separator: "\n").first { $0.contains("registered") }?.split(separator: " ").first.map(String.init))
        let off = try await BuiltExecutable.run("ocpi-cpo", ["parties", "catch-up", partnerID, "--off", "--database", databaseArgument])
        #expect(off.status == 0, "\(off.error)")
        #expect(try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", databaseArgument]).output.contains("no-catch-up"))
        #expect(try await BuiltExecutable.run("ocpi-cpo", ["parties", "catch-up", "nobody", "--on", "--database", databaseArgument]).status != 0)

        // Import, while the server runs: one good file, one with a foreign object (not imported at all).
        var imported = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[0]
        imported.id = "IMPORTED-1"
        let tariff = DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[0]
        let good = try Self.writeTemporary("[\(String(decoding: imported.jsonBytes(), as: UTF8.self)), \(String(decoding: tariff.jsonBytes(), as: UTF8.self))]")
        var foreign = imported
        foreign.id = "FOREIGN-1"
        foreign.partyID = "XXX"
        var second = imported
        second.id = "NOT-IMPORTED"
        let bad = try Self.writeTemporary("[\(String(decoding: second.jsonBytes(), as: UTF8.self)), \(String(decoding: foreign.jsonBytes(), as: UTF8.self))]")
        defer {
            try? FileManager.default.removeItem(atPath: good)
            try? FileManager.default.removeItem(atPath: bad)
        }
        let importOutcome = try await BuiltExecutable.run("ocpi-cpo", ["import", good, bad, "--database", databaseArgument])
        #expect(importOutcome.status == 1)
        #expect(importOutcome.output == "\(good): 1 location, 1 tariff (1 new, 1 replaced)\n")
        #expect(importOutcome.error.contains("\(bad): /1/party_id: must be this CPO's party id SOC, not 'XXX'"), "\(importOutcome.error)")
        #expect(importOutcome.error.contains("\(bad): not imported"))
        #expect(try await locations.getLocation(locationID: "IMPORTED-1").id == "IMPORTED-1")
        await #expect(throws: OCPIClientError.self) { try await locations.getLocation(locationID: "NOT-IMPORTED") }

        // SIGTERM ends it gracefully.
        #expect(try await server.stop(signal: SIGTERM) == 0, "\(server.standardError)")

        // Started again on the same database: the partner, its token and the data are still there.
        let restarted = try RunningCommand("ocpi-cpo", ["serve", "--database", databaseArgument, "--port", "\(port)", "--no-demo-data"])
        try await restarted.waitForOutput(containing: "admin token")
        #expect(try await locations.getLocations().collect().map(\.id).contains("IMPORTED-1"))

        // Unregistered from our side by another process (the eMSP is away, so it is not told):
        // its token stops working within the second the server remembers it.
        let unregistered = try await BuiltExecutable.run("ocpi-cpo", ["parties", "unregister", partnerID, "--database", databaseArgument])
        #expect(unregistered.status == 0, "\(unregistered.error)")
        #expect(unregistered.output.contains("\(partnerID) unregistered; telling the partner failed"), "\(unregistered.output)")
        #expect(try await BuiltExecutable.run("ocpi-cpo", ["parties", "unregister", partnerID, "--database", databaseArgument]).status != 0)
        try await Task.sleep(for: .milliseconds(1100))
        await #expect(throws: OCPIClientError.self) { try await locations.getLocations().collect() }
        #expect(try await restarted.stop(signal: SIGINT) == 0)
    }

    @Test func badFlagsAreRefusedWithAMessage() async throws {
        let port = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--port", "70000", "--database", ":memory:"])
        #expect(port.status != 0)
        #expect(port.error.contains("--port must be between 1 and 65535"))
        let country = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--country-code", "NLD", "--database", ":memory:"])
        #expect(country.error.contains("--country-code must be two letters"))
        let url = try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", "postgres://user:secret@/nowhere"])
        #expect(url.status != 0)
        #expect(url.error.contains("not a PostgreSQL URL"))
        #expect(!url.error.contains("secret"), "no password in messages")
        let unreachable = try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", "postgres://user:secret@127.0.0.1:1/ocpi"])
        #expect(unreachable.status != 0)
        #expect(unreachable.error.contains("cannot use PostgreSQL user@127.0.0.1:1/ocpi"), "\(unreachable.error)")
        #expect(!unreachable.error.contains("secret"), "no password in messages")
    }

    /// An operator's view of a running server: JSON log lines on standard error (one per
    /// request) and Prometheus metrics at `/metrics`.
    @Test func theServerLogsJSONLinesAndServesMetrics() async throws {
        let database = TestDatabase.sqlite
        let databaseArgument = try database.makeDatabaseArgument()
        let location = try StoreLocation(parsing: databaseArgument)
        defer { database.remove(location) }
        let port = try LiveServer.freePort()
        let server = try RunningCommand("ocpi-cpo", ["serve", "--port", "\(port)", "--database", databaseArgument, "--no-demo-data"])
        try await server.waitForOutput(containing: "admin token")
        #expect(try await send("GET", "http://127.0.0.1:\(port)/ocpi/versions", authorization: nil).status == 401)
        let metrics = try await send("GET", "http://127.0.0.1:\(port)/metrics", authorization: nil)
        #expect(metrics.status == 200)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains(#"ocpi_requests_total{module="versions",operation="get_versions",status="401",ocpi_status="2000"} 1"#), "\(text)")
        #expect(try await server.stop(signal: SIGTERM) == 0, "\(server.standardError)")
        let lines = server.standardError.split(separator: "\n")
        #expect(!lines.isEmpty)
        var requests = 0
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON line: \(line)")
            if object?["message"] as? String == "request" {
                requests += 1
                #expect(object?["status"] as? Int == 401)
                #expect(object?["operation"] as? String == "get_versions")
            }
        }
        #expect(requests == 1, "one line for the one OCPI request (/metrics is not logged)")
    }

    @Test func thePushQueueLimitComesFromItsFlagOrVariable() async throws {
        #expect(try Serve.parse([]).resolvedConfiguration().push.maximumQueuedPerPartner == 1000)
        #expect(try Serve.parse(["--push-queue-limit", "50"]).resolvedConfiguration().push.maximumQueuedPerPartner == 50)
        let zero = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--push-queue-limit", "0", "--database", ":memory:"])
        #expect(zero.status == 64)
        #expect(zero.error.contains("--push-queue-limit must be at least 1"), "\(zero.error)")
        let word = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--database", ":memory:"], environment: ["OCPI_CPO_PUSH_QUEUE_LIMIT": "many"])
        #expect(word.status == 64)
        #expect(word.error.contains("OCPI_CPO_PUSH_QUEUE_LIMIT must be a number"), "\(word.error)")
    }

    @Test func theConnectionLimitsComeFromTheirFlagsOrVariables() async throws {
        let defaults = try Serve.parse([]).resolvedConfiguration().connections
        #expect(defaults == CPOConfiguration.ConnectionLimits(readTimeout: .seconds(30), idleTimeout: .seconds(60), maximumConnections: 4096, maximumBodySize: 1 << 20))
        let set = try Serve.parse(["--read-timeout", "5", "--idle-timeout", "9", "--max-connections", "10", "--max-body-size", "2048"]).resolvedConfiguration().connections
        #expect(set == CPOConfiguration.ConnectionLimits(readTimeout: .seconds(5), idleTimeout: .seconds(9), maximumConnections: 10, maximumBodySize: 2048))
        let zero = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--read-timeout", "0", "--database", ":memory:"])
        #expect(zero.status == 64 && zero.error.contains("--read-timeout must be at least 1"), "\(zero.error)")
        let word = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--database", ":memory:"], environment: ["OCPI_CPO_MAX_CONNECTIONS": "lots"])
        #expect(word.status == 64 && word.error.contains("OCPI_CPO_MAX_CONNECTIONS must be a number"), "\(word.error)")
    }

    /// `--versions` (or `OCPI_CPO_VERSIONS`): the releases served, all three when not told;
    /// 2.2.1 always is.
    @Test func theServedReleasesComeFromTheirFlagOrVariable() async throws {
        #expect(try Serve.parse([]).resolvedConfiguration().releases == [.v2_1_1, .v2_2_1, .v2_3_0])
        #expect(try Serve.parse(["--versions", "2.2.1"]).resolvedConfiguration().releases == [.v2_2_1])
        #expect(try Serve.parse(["--versions", "2.2.1, 2.1.1"]).resolvedConfiguration().releases == [.v2_1_1, .v2_2_1])
        #expect(try Serve.parse(["--versions", "2.1.1"]).resolvedConfiguration().releases == [.v2_1_1, .v2_2_1], "2.2.1 is always served")
        #expect(try Serve.parse(["--versions", "2.3.0,2.1.1"]).resolvedConfiguration().releases == [.v2_1_1, .v2_2_1, .v2_3_0])
        let unknown = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--versions", "2.1.1,2.0", "--database", ":memory:"])
        #expect(unknown.status == 64 && unknown.error.contains("--versions names '2.0', which this server does not serve"), "\(unknown.error)")
        let twice = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--database", ":memory:"], environment: ["OCPI_CPO_VERSIONS": "2.1.1,2.1.1"])
        #expect(twice.status == 64 && twice.error.contains("--versions names 2.1.1 twice"), "\(twice.error)")
    }

    /// `parties invite --party CC/PID`: the party is checked, held for the invitation, and a
    /// second invitation for it is refused.
    @Test func anInvitationCanBeForOneParty() async throws {
        let databaseArgument = try TestDatabase.sqlite.makeDatabaseArgument()
        defer { TestDatabase.sqlite.remove(.sqlite(path: databaseArgument)) }
        let store = try await SQLStore.open(.sqlite(path: databaseArgument))
        try await store.closing { try await store.setSetting(CPOConfiguration.publicURLSetting, "http://127.0.0.1:1") }
        let bad = try await BuiltExecutable.run("ocpi-cpo", ["parties", "invite", "--party", "DEU/MSP", "--database", databaseArgument])
        #expect(bad.status == 64 && bad.error.contains("--party must be COUNTRY_CODE/PARTY_ID"), "\(bad.error)")
        let first = try await BuiltExecutable.run("ocpi-cpo", ["parties", "invite", "--party", "de/msp", "--database", databaseArgument])
        #expect(first.status == 0 && first.output.contains("party         DE/MSP"), "\(first.output)\(first.error)")
        let second = try await BuiltExecutable.run("ocpi-cpo", ["parties", "invite", "--party", "DE/MSP", "--database", databaseArgument])
        #expect(second.status != 0 && second.error.contains("DE/MSP is held by partner"), "\(second.error)")
        let list = try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", databaseArgument])
        #expect(list.output.contains("invited  for DE/MSP"), "\(list.output)")
    }

    @Test func anUnknownLogFormatOrLevelIsRefused() async throws {
        let format = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--log-format", "xml"])
        #expect(format.status == 64)
        #expect(format.error.contains("log-format"), "\(format.error)")
        let level = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--log-level", "loud"], environment: ["OCPI_CPO_PORT": "1"])
        #expect(level.status == 64)
        #expect(level.error.contains("log level"), "\(level.error)")
    }
}
