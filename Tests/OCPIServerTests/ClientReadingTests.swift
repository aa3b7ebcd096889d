import Foundation
import OCPI221
@testable import OCPIAsyncHTTPClient
import OCPINIOServer
import OCPIRuntime
@testable import OCPIServer
import OCPITestSupport
import Testing

/// The client side against partners that are not perfect: redirects (followed for a GET to the
/// same origin, never for a write or elsewhere) and data that breaks the spec (thrown under the
/// strict reading policy, handed over with its violations under the lenient one).
@Suite(.holdsResources) struct ClientReadingTests {
    /// A page of three CDRs, the second without `cdr_location.evse_uid` (as extrawest-ocpi sends
    /// its CDRs).
    static func cdrPage() -> [UInt8] {
        func cdr(_ id: String, evseUID: Bool) -> JSONValue {
            var copy = Fixtures.cdr
            copy.id = id
            guard var value = try? JSONValue.decodeJSON(copy.jsonBytes()).value, case .object(var members) = value else { return .null }
            if !evseUID, let index = members.firstIndex(where: { $0.key == "cdr_location" }), case .object(let location) = members[index].value {
                members[index].value = .object(location.filter { $0.key != "evse_uid" })
            }
            value = .object(members)
            return value
        }
        let envelope = JSONValue.object([
            .init(key: "data", value: .array([cdr("C1", evseUID: true), cdr("C2", evseUID: false), cdr("C3", evseUID: true)])),
            .init(key: "status_code", value: .number(1000)),
            .init(key: "timestamp", value: .string("2026-12-04T00:00:00Z")),
        ])
        return envelope.jsonBytes()
    }

    static let versions = Array(#"{"data": [{"version": "2.2.1", "url": "http://x/2.2.1"}], "status_code": 1000, "timestamp": "2026-12-04T00:00:00Z"}"#.utf8)

    static func withPartner(_ body: (_ base: String, _ elsewhere: String) async throws -> Void) async throws {
        let port = try LiveServer.freePort()
        let otherPort = try LiveServer.freePort()
        var router = HTTPRouter(logger: LiveServer.quietLogger)
        let json = "application/json"
        router.get("/target") { _, _ in HTTPServerResponse(status: 200, contentType: json, body: versions) }
        router.get("/moved") { _, _ in HTTPServerResponse(status: 307, headerFields: [.location: "/target"]) }
        router.on(.post, "/moved") { _, _ in HTTPServerResponse(status: 307, headerFields: [.location: "/target"]) }
        router.get("/absolute") { _, _ in HTTPServerResponse(status: 301, headerFields: [.location: "http://127.0.0.1:\(port)/target"]) }
        router.get("/away") { _, _ in HTTPServerResponse(status: 302, headerFields: [.location: "http://127.0.0.1:\(otherPort)/target"]) }
        router.get("/loop") { _, _ in HTTPServerResponse(status: 307, headerFields: [.location: "/loop"]) }
        router.get("/cdrs") { _, _ in HTTPServerResponse(status: 200, contentType: json, body: cdrPage()) }
        let server = router
        try await LiveServer.run(serving: { running in
            OCPIHTTPServer(router: server, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
        }, port: port) {
            try await body("http://127.0.0.1:\(port)", "http://127.0.0.1:\(otherPort)")
        }
    }

    static func connection(_ url: String, reading: ValidationPolicy = .strict) -> OCPIConnection {
        OCPIConnection(transport: HTTPClientTransport(timeout: .seconds(10)), endpointURL: url, token: "t", readingPolicy: reading)
    }

    @Test func aGETIsFollowedToTheSameOriginAndNothingElseIs() async throws {
        try await Self.withPartner { base, _ in
            for path in ["/moved", "/absolute"] {
                let versions = try await VersionsSenderClient(connection: Self.connection(base + path)).getVersions()
                #expect(versions.map(\.version) == [.v2_2_1], "\(path)")
            }
            // A write is never sent again; a redirect elsewhere or round in a loop is the answer.
            let transport = HTTPClientTransport(timeout: .seconds(10))
            let post = try await transport.send(OCPIClientRequest(method: .post, url: base + "/moved", body: Array("{}".utf8)))
            #expect(post.head.status == 307)
            for path in ["/away", "/loop"] {
                await #expect(throws: OCPIClientError.self, "\(path)") {
                    _ = try await VersionsSenderClient(connection: Self.connection(base + path)).getVersions()
                }
            }
        }
    }

    @Test func sameOriginIsSchemeHostAndPort() {
        #expect(HTTPClientTransport.sameOrigin("/b", as: "http://h:80/a") == "http://h:80/b")
        #expect(HTTPClientTransport.sameOrigin("http://H/b?x=1", as: "http://h/a") == "http://H/b?x=1")
        #expect(HTTPClientTransport.sameOrigin("http://h:80/b", as: "http://h/a") != nil, "the default port")
        #expect(HTTPClientTransport.sameOrigin("https://h/b", as: "http://h/a") == nil)
        #expect(HTTPClientTransport.sameOrigin("http://h:81/b", as: "http://h/a") == nil)
        #expect(HTTPClientTransport.sameOrigin("http://evil.example/b", as: "http://h/a") == nil)
    }

    /// One CDR without its EVSE: strictly the page is refused; leniently every CDR comes, the
    /// broken one with its violation (pointer within the CDR), the others with none.
    @Test func aPageWithABrokenObjectIsReadWholeUnderTheLenientPolicy() async throws {
        try await Self.withPartner { base, _ in
            await #expect(throws: OCPIClientError.self) {
                _ = try await CDRsSenderClient(connection: Self.connection(base + "/cdrs")).getCDRs().collect()
            }
            let reads = try await CDRsSenderClient(connection: Self.connection(base + "/cdrs", reading: .lenient)).getCDRs().withViolations.collect()
            #expect(reads.map(\.value.id) == ["C1", "C2", "C3"])
            #expect(reads[0].isValid && reads[2].isValid)
            #expect(reads[1].violations.map(\.description) == ["/cdr_location/evse_uid: is required but missing"])
            // Without asking for them, the objects alone.
            let cdrs = try await CDRsSenderClient(connection: Self.connection(base + "/cdrs", reading: .lenient)).getCDRs().collect()
            #expect(cdrs.count == 3)
        }
    }
}
