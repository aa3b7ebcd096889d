import Foundation
import Logging
import OCPI221
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Synchronization
import Testing

/// What an operator watches: `/metrics` in Prometheus's format and one structured log line per
/// request, from a live server over real HTTP.
@Suite(.holdsResources) struct ObservabilityTests {
    /// A sample line of the text format: `name{label="value",...} number`.
    static var sample: Regex<(Substring, Substring, Substring?, Substring?, Substring?, Substring)> { #/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/# }

    /// The value of the sample named `name` with exactly these labels (in the order written).
    static func value(_ exposition: String, _ name: String, _ labels: [(String, String)] = []) -> Double? {
        let prefix = name + (labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}") + " "
        return exposition.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }

    @Test func metricsCountRequestsPushesAndStoreCalls() async throws {
        let cpo = try await CPOPeer.open()
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                let partner = try await PushTests.register(emsp, with: cpo)
                let token = try await PushTests.tokenC(emsp)
                let locations = cpo.baseURL + "/ocpi/cpo/2.2.1/locations"
                for _ in 0..<3 {
                    #expect(try await send("GET", locations, authorization: CredentialsToken.header(for: token)).status == 200)
                }
                #expect(try await send("GET", locations, authorization: nil).status == 401)
                #expect(try await send("GET", locations + "/NOPE", authorization: CredentialsToken.header(for: token)).status == 404)
                #expect(try await send("GET", cpo.baseURL + "/no/such/path", authorization: nil).status == 404)
                var location = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: .now())[0]
                location.id = "METERED"
                #expect(try await PushTests.admin(cpo, "PUT", "/locations/METERED", ModuleTests.json(location)).status == 201)
                await cpo.server.pusher.drain()

                let response = try await send("GET", cpo.baseURL + "/metrics", authorization: nil)
                #expect(response.status == 200)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(decoding: response.body, as: UTF8.self)
                for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                    #expect(line.wholeMatch(of: Self.sample) != nil, "not a Prometheus sample: \(line)")
                }
                let getLocations = [("module", "locations"), ("operation", "get_locations")]
                #expect(Self.value(text, "ocpi_requests_total", getLocations + [("status", "200"), ("ocpi_status", "1000")]) == 3, "\(text)")
                #expect(Self.value(text, "ocpi_requests_total", getLocations + [("status", "401"), ("ocpi_status", "2000")]) == 1)
                #expect(Self.value(text, "ocpi_requests_total", [("module", "locations"), ("operation", "get_location"), ("status", "404"), ("ocpi_status", "2003")]) == 1)
                #expect(Self.value(text, "ocpi_requests_total", [("module", "-"), ("operation", "-"), ("status", "404"), ("ocpi_status", "2000")]) == 1)
                #expect(Self.value(text, "ocpi_request_duration_seconds_count", getLocations) == 4)
                #expect(Self.value(text, "ocpi_request_duration_seconds_bucket", getLocations + [("le", "+Inf")]) == 4)
                #expect(text.contains("# TYPE ocpi_request_duration_seconds histogram"))
                #expect(Self.value(text, "ocpi_pushes_total", [("partner", partner.id), ("module", "locations"), ("outcome", "delivered")]) == 1)
                #expect(Self.value(text, "ocpi_push_duration_seconds_count", [("partner", partner.id), ("module", "locations")]) == 1)
                // Each of the three pages: one statement, its rows with the list's size.
                #expect(Self.value(text, "ocpi_store_duration_seconds_count", [("operation", "listJSON(_:offset:limit:)")]) == 3)
                #expect((Self.value(text, "process_resident_memory_bytes") ?? 0) > 1_000_000)
                #expect(!text.contains(token), "no token in the metrics")
            }
        }
    }

    /// Lines a `StructuredLogHandler` wrote, as JSON objects.
    final class Lines: Sendable {
        let lines = Mutex<[[UInt8]]>([])

        var objects: [[String: Any]] {
            lines.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        }
        var count: Int { lines.withLock { $0.count } }

        func append(_ line: [UInt8]) {
            lines.withLock { $0.append(line) }
        }
    }

    @Test func everyRequestIsOneStructuredLine() async throws {
        let lines = Lines()
        let logger = Logger(label: "ocpi-cpo") { label -> any LogHandler in
            StructuredLogHandler(label: label, level: .info) { line in lines.append(line) }
        }
        let cpo = try await CPOPeer.open(demoData: false)
        let token = try await cpo.closedIfThrows { try await ModuleTests.registerEMSP(cpo, countryCode: "DE", partyID: "MSP") }
        try await cpo.run(logger: logger) {
            let locations = cpo.baseURL + "/ocpi/cpo/2.2.1/locations"
            let answered = try await send("GET", locations, authorization: CredentialsToken.header(for: token))
            let refused = try await send("GET", locations, authorization: "Token bm9wZQ==")
            let unrouted = try await send("GET", cpo.baseURL + "/no/such/path", authorization: nil)
            #expect(answered.status == 200)
            #expect(refused.status == 401)
            #expect(unrouted.status == 404)
        }
        #expect(lines.objects.count == lines.count, "every line is one JSON object")
        let logged = lines.objects.filter { $0["message"] as? String == "request" }
        #expect(logged.count == 3)
        let first = try #require(logged.first)
        #expect(first["level"] as? String == "info")
        #expect(first["logger"] as? String == "ocpi-cpo")
        #expect(first["method"] as? String == "GET")
        #expect(first["path"] as? String == "/ocpi/cpo/2.2.1/locations")
        #expect(first["status"] as? Int == 200)
        #expect(first["ocpi_status"] as? Int == 1000)
        #expect(first["module"] as? String == "locations")
        #expect(first["operation"] as? String == "get_locations")
        #expect((first["party"] as? String)?.isEmpty == false)
        #expect(first["duration_ms"] is Double)
        #expect((first["request_id"] as? String)?.count == 36)
        #expect(first["correlation_id"] as? String == first["request_id"] as? String)
        #expect(logged[1]["status"] as? Int == 401)
        #expect(logged[1]["party"] as? String == "-")
        #expect(logged[2]["module"] as? String == "-")
        let everything = String(decoding: lines.lines.withLock { $0 }.joined(), as: UTF8.self)
        #expect(!everything.contains(token) && !everything.contains(CredentialsToken.header(for: token)), "no token in the log")
    }
}
