import Foundation
import NIOCore
@testable import OCPINIOServer
import OCPIRuntime
@testable import OCPIServer
import OCPITestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `OCPIHTTPServer` over raw TCP: what an HTTP client library hides (pipelining, bytes that are
/// not HTTP, closes, shutdown with a request under way).
@Suite(.holdsResources) struct HTTPServerTests {
    typealias Connection = RawHTTPConnection
    typealias Response = RawHTTPResponse

    static let shutdownRequestStarted = Atomic(false)
    /// The port of the server that `/slow-started` waits to see stop listening.
    static let shutdownPort = Atomic(0)

    static func router() -> HTTPRouter {
        var router = HTTPRouter(maximumBodySize: 1_000, logger: LiveServer.quietLogger)
        router.get("/fast") { _, _ in HTTPServerResponse(status: 200, contentType: "text/plain", body: Array("fast".utf8)) }
        router.get("/slow") { _, _ in
            try? await Task.sleep(for: .milliseconds(300))
            return HTTPServerResponse(status: 200, contentType: "text/plain", body: Array("slow".utf8))
        }
        // The shutdown test's request: it says when its route has started.
        router.get("/slow-started") { _, _ in
            shutdownRequestStarted.store(true, ordering: .sequentiallyConsistent)
            // Answers only once the server has stopped listening (the shutdown under way, on a
            // loaded machine perhaps seconds after the test asked for it), and a moment more
            // for the connections to be told.
            let port = shutdownPort.load(ordering: .sequentiallyConsistent)
            let started = ContinuousClock.now
            while (try? Connection(port: port)) != nil, ContinuousClock.now - started < .seconds(20) {
                try? await Task.sleep(for: .milliseconds(20))
            }
            try? await Task.sleep(for: .milliseconds(200))
            return HTTPServerResponse(status: 200, contentType: "text/plain", body: Array("slow".utf8))
        }
        router.get("/sleep/{milliseconds}") { _, parameters in
            try? await Task.sleep(for: .milliseconds(Int(parameters.first?.value ?? "") ?? 0))
            return HTTPServerResponse(status: 200, contentType: "text/plain", body: Array("slept".utf8))
        }
        router.on(.put, "/echo") { request, _ in HTTPServerResponse(status: 200, contentType: "text/plain", body: request.body) }
        router.get("/echo") { request, _ in HTTPServerResponse(status: 200, contentType: "text/plain", body: Array((request.query ?? "").utf8)) }
        router.get("/docs/{page}") { _, parameters in
            HTTPServerResponse(status: 200, contentType: "text/plain", body: Array("page \(parameters.first?.value ?? "")".utf8))
        }
        router.get("/docs/openapi.yaml") { _, _ in HTTPServerResponse(status: 200, contentType: "text/plain", body: Array("document".utf8)) }
        router.get("/injected") { _, _ in
            HTTPServerResponse(status: 200, headerFields: [HTTPField.Name(token: "X-Fine"): "yes", HTTPField.Name(token: "X-Evil"): "a\r\nSet-Cookie: stolen"])
        }
        return router
    }

    static func withServer(
        idleTimeout: TimeAmount = .seconds(60), readTimeout: TimeAmount = .seconds(30), maximumConnections: Int = 4096,
        router: HTTPRouter = router(), _ body: (Int) async throws -> Void
    ) async throws {
        let port = try LiveServer.freePort()
        try await LiveServer.run(serving: { running in
            OCPIHTTPServer(
                router: router,
                configuration: .init(port: port, idleTimeout: idleTimeout, readTimeout: readTimeout, maximumConnections: maximumConnections),
                logger: LiveServer.serverLogger, onServerRunning: { _ in running() }
            )
        }, port: port) {
            try await body(port)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInTheirOrder() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?a=1 HTTP/1.1\r\nHost: x\r\n\r\n")
            let responses = await connection.responses(3)
            #expect(responses.map(\.body) == ["slow", "fast", "a=1"])
            #expect(responses.allSatisfy { $0.status == 200 && $0.header("Connection") == nil })
            // Still open: a fourth request on the same connection.
            connection.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.responses(4).last?.body == "fast")
        }
    }

    @Test func everyResponseHasLengthDateAndServer() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(await connection.responses(1).first)
            #expect(response.header("Content-Length") == "4")
            #expect(response.header("Content-Type") == "text/plain")
            #expect(response.header("Server") == "ocpi-cpo")
            let date = try #require(response.header("Date"))
            #expect(date.hasSuffix(" GMT") && date.count == 29, "\(date)")
        }
    }

    @Test func theDateHeaderIsRFC9110sIMFFixdate() {
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(1_700_000_000) == "Tue, 14 Nov 2023 22:13:20 GMT")
        #expect(HTTPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() async throws {
        try await Self.withServer { port in
            let keep = try Connection(port: port)
            keep.send("GET /fast HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let kept = try #require(await keep.responses(1).first)
            #expect(kept.header("Connection") == "keep-alive")
            keep.send("GET /fast HTTP/1.0\r\n\r\n")
            let last = await keep.responses(2)
            #expect(last.count == 2 && last[1].header("Connection") == "close")
            #expect(await keep.waitForClose())
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(await connection.responses(1).first?.header("Connection") == "close")
            #expect(await connection.waitForClose())
        }
    }

    @Test func bytesThatAreNotHTTPGetAnEnvelopeAndAClose() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\nthis is not HTTP\r\n\r\n")
            let responses = await connection.responses(2)
            #expect(responses.first?.body == "fast", "the request before the bad bytes is answered")
            let bad = try #require(responses.count == 2 ? responses[1] : nil)
            #expect(bad.status == 400 && bad.statusCode == 2001)
            #expect(bad.header("Content-Type") == "application/json")
            #expect(await connection.waitForClose())
        }
    }

    @Test func unknownPathsAndMethodsAreOCPIErrors() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("GET /nothing/here HTTP/1.1\r\nHost: x\r\nX-Request-ID: r-1\r\n\r\nDELETE /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            let responses = await connection.responses(2)
            try #require(responses.count == 2)
            #expect(responses[0].status == 404 && responses[0].statusCode == 2000)
            #expect(responses[0].header("X-Request-ID") == "r-1")
            #expect(responses[0].body.contains("/nothing/here"))
            #expect(responses[1].status == 405 && responses[1].statusCode == 2000)
            #expect(responses[1].header("Allow") == "GET, HEAD")
        }
    }

    @Test func aFixedSegmentWinsOverAParameter() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("GET /docs/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\nGET /docs/index.html HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.responses(2).map(\.body) == ["document", "page index.html"])
        }
    }

    /// A body over the limit is not read to its end (it could be gigabytes): the 413 comes in
    /// its turn and the connection closes, whether the size was declared or is found in chunks.
    @Test func aBodyOverTheLimitIs413AndTheConnectionCloses() async throws {
        try await Self.withServer { port in
            let large = String(repeating: "x", count: 1_001)
            let declared = try Connection(port: port)
            declared.send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiPUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n\(large)")
            let answers = await declared.responses(2)
            try #require(answers.count == 2)
            #expect(answers[0].body == "hi", "the request before it is answered first")
            #expect(answers[1].status == 413 && answers[1].statusCode == 2000 && answers[1].header("Connection") == "close")
            #expect(await declared.waitForClose())

            let chunked = try Connection(port: port)
            chunked.send("PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n\(large.prefix(1_000))\r\n1\r\nx\r\n0\r\n\r\n")
            #expect(await chunked.responses(1).first?.status == 413)
            #expect(await chunked.waitForClose())

            let exact = try Connection(port: port)
            exact.send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n\(large.prefix(1_000))")
            let answer = try #require(await exact.responses(1).first)
            #expect(answer.status == 200 && answer.body.count == 1_000, "exactly the limit is read")
        }
    }

    @Test func expectContinueIsAnswered() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
            let interim = await connection.responses(1)
            #expect(interim.first?.status == 100)
            connection.send("ok")
            #expect(await connection.responses(2).last?.body == "ok")
        }
    }

    /// A body declared too large is refused before it is sent: the client waiting for its 100
    /// gets the 413 at once, and the connection closes, since the body may follow regardless.
    @Test func expectContinueWithABodyTooLargeGetsThe413AtOnce() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
            connection.send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
            let responses = await connection.responses(2)
            try #require(responses.count == 2)
            #expect(responses[0].status == 200 && responses[0].body == "hi", "the request before it is answered first")
            #expect(responses[1].status == 413 && responses[1].statusCode == 2000)
            #expect(responses[1].header("Connection")?.lowercased() == "close")
            #expect(!responses.contains { $0.status == 100 })
            #expect(await connection.waitForClose())
        }
    }

    /// A value cannot end the head early or add fields: swift-http-types turns CR and LF into
    /// spaces when the field is made (and a name that is not a token cannot be made at all).
    @Test func aValueCannotSplitTheResponse() async throws {
        try await Self.withServer { port in
            let connection = try Connection(port: port)
            connection.send("GET /injected HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(await connection.responses(1).first)
            #expect(response.header("X-Fine") == "yes")
            #expect(response.header("X-Evil") == "a  Set-Cookie: stolen" && response.header("Set-Cookie") == nil)
        }
        #expect(HTTPField.Name("Bad Name") == nil)
    }

    @Test func anIdleConnectionIsClosed() async throws {
        // A timeout long enough for a loaded machine to read the busy connection's request (a
        // connection with nothing read is rightly idle), a route longer than it.
        try await Self.withServer(idleTimeout: .seconds(1)) { port in
            // Nothing is sent: the server closes it (the read would give up after 10 s), while a
            // connection kept busy past the timeout is not closed.
            let idle = try Connection(port: port)
            let busy = try Connection(port: port)
            busy.send("GET /sleep/1500 HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await idle.waitForClose())
            #expect(await busy.responses(2).map(\.body) == ["slept", "fast"])
        }
    }

    @Test func aRequestUnderWayWhenTheServerStopsIsAnsweredThenClosed() async throws {
        var connection: Connection?
        var idle: Connection?
        try await Self.withServer { port in
            Self.shutdownPort.store(port, ordering: .sequentiallyConsistent)
            idle = try Connection(port: port)
            connection = try Connection(port: port)
            connection?.send("GET /slow-started HTTP/1.1\r\nHost: x\r\n\r\n")
            // The server stops only once the route runs: a request it has not read yet is not
            // under way (a loaded machine may take a while to get there).
            while !Self.shutdownRequestStarted.load(ordering: .sequentiallyConsistent) {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        // The server has shut down gracefully: the slow answer was still written, saying close.
        let response = try #require(await connection?.responses(1).first)
        #expect(response.body == "slow" && response.header("Connection") == "close")
        #expect(await connection?.waitForClose() == true)
        #expect(await idle?.waitForClose() == true)
    }
}
