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

/// `OCPIHTTPServer` against clients that attack it over raw TCP: each test is one way a client
/// made the server hold memory, a connection or an answer without bound, or answer wrongly.
@Suite(.holdsResources) struct HTTPHardeningTests {
    typealias Connection = HTTPServerTests.Connection

    /// How many times `/big` has been answered (its route runs once per answer).
    static let bigAnswers = Atomic(0)
    static let bigBody = [UInt8](repeating: UInt8(ascii: "b"), count: 256 * 1024)

    static func router() -> HTTPRouter {
        var router = HTTPServerTests.router()
        router.get("/big") { _, _ in
            bigAnswers.add(1, ordering: .sequentiallyConsistent)
            return HTTPServerResponse(status: 200, contentType: "text/plain", body: bigBody)
        }
        return router
    }

    /// A client that sends many requests for a large answer and reads none of the answers: the
    /// server stops answering (and reading) once the socket's buffers are full, instead of
    /// holding every answer in memory (2,000 x 256 KiB here). It answers at most
    /// `maximumQueued` of what was pipelined, and the client that never reads is closed after
    /// the idle timeout.
    @Test func aClientThatReadsNothingIsNotAnsweredWithoutBound() async throws {
        try await HTTPServerTests.withServer(idleTimeout: .seconds(2), router: Self.router()) { port in
            let before = Self.bigAnswers.load(ordering: .sequentiallyConsistent)
            let connection = try Connection(port: port, receiveBuffer: 4096)
            connection.send(String(repeating: "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", count: 2_000))
            try await Task.sleep(for: .seconds(1))
            let answered = Self.bigAnswers.load(ordering: .sequentiallyConsistent) - before
            // The kernel's buffers on both sides take a few MiB of answers; the rest must wait.
            #expect(answered < 64, "\(answered) answers of 256 KiB were made for a client that read none")
            // Once the client has read nothing for the idle timeout, the server closes: what was
            // in the socket arrives, then the end.
            try await Task.sleep(for: .seconds(3))
            let responses = await connection.responsesUntilClosed()
            #expect(connection.closedByServer)
            #expect(responses.count < HTTPConnectionHandler.maximumQueued)
            #expect(responses.allSatisfy { $0.status == 200 && $0.body.utf8.count == Self.bigBody.count })
        }
    }

    /// A client that reads may pipeline up to `maximumQueued` requests: those are answered, the
    /// last saying `Connection: close`, and it sends the rest again on a new connection.
    @Test func moreThanMaximumQueuedPipelinedRequestsAreAnsweredUpToItThenClosed() async throws {
        try await HTTPServerTests.withServer { port in
            let connection = try Connection(port: port)
            connection.send(String(repeating: "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n", count: 200))
            let responses = await connection.responsesUntilClosed()
            #expect(responses.count == HTTPConnectionHandler.maximumQueued)
            #expect(responses.allSatisfy { $0.body == "fast" })
            #expect(responses.last?.header("Connection") == "close")
            #expect(responses.dropLast().allSatisfy { $0.header("Connection") == nil })
            #expect(connection.closedByServer)
        }
    }

    /// A head that promises a body that never comes: 408 in the envelope after the read
    /// timeout, then the close (it used to stay open for ever, idle or not).
    @Test func aBodyThatNeverComesIsAnswered408() async throws {
        try await HTTPServerTests.withServer(readTimeout: .seconds(1)) { port in
            let connection = try Connection(port: port)
            let started = ContinuousClock.now
            connection.send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part")
            let response = try #require(await connection.responses(1).first)
            #expect(response.status == 408 && response.statusCode == 2000)
            #expect(response.header("Connection") == "close")
            #expect(await connection.waitForClose())
            #expect(ContinuousClock.now - started >= .seconds(1))
        }
    }

    /// A head sent a few bytes at a time is timed from its first byte, not from its last.
    @Test func aHeadSentByteByByteIsAnswered408() async throws {
        try await HTTPServerTests.withServer(readTimeout: .seconds(1)) { port in
            let connection = try Connection(port: port)
            // Two seconds of a byte every 200 ms: the head began well over a second ago.
            for byte in "GET /fast HTTP/1.1\r\n".map(String.init).prefix(10) {
                connection.send(byte)
                try await Task.sleep(for: .milliseconds(200))
            }
            let response = try #require(await connection.responses(1).first)
            #expect(response.status == 408 && response.statusCode == 2000)
            #expect(await connection.waitForClose())
        }
    }

    /// A declared body of 2 GB is refused at once, before any of it is read.
    @Test func aDeclaredBodyOverTheLimitIsRefusedBeforeItIsSent() async throws {
        try await HTTPServerTests.withServer { port in
            let connection = try Connection(port: port)
            connection.send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000000\r\n\r\nsome")
            let response = try #require(await connection.responses(1).first)
            #expect(response.status == 413 && response.statusCode == 2000)
            #expect(await connection.waitForClose())
        }
    }

    /// Past the maximum, a new connection is closed as soon as it is accepted; once one closes,
    /// a new one is served again.
    @Test func connectionsOverTheMaximumAreClosedAtOnce() async throws {
        try await HTTPServerTests.withServer(maximumConnections: 3) { port in
            var held = try (0..<3).map { _ in try Connection(port: port) }
            // Each is known to be open once it is answered.
            for connection in held {
                connection.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await connection.responses(1).first?.body == "fast")
            }
            let refused = try Connection(port: port)
            refused.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await refused.responses(1).isEmpty)
            #expect(refused.closedByServer)

            held.removeLast()
            var answered = false
            // Until the server has seen the close (within seconds on a loaded machine: a
            // count of tries ran out under CI's full suite).
            let deadline = ContinuousClock.now + .seconds(30)
            while !answered, ContinuousClock.now < deadline {
                let next = try Connection(port: port)
                next.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
                answered = await next.responses(1).first?.body == "fast"
                if !answered { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(answered, "a freed place is taken again")
            _ = held
        }
    }

    /// A client that sends its whole request and then shuts down its sending side still gets
    /// the answer (it used to get nothing while the request ran all the same).
    @Test func aRequestBeforeTheClientsHalfCloseIsAnswered() async throws {
        try await HTTPServerTests.withServer { port in
            let connection = try Connection(port: port)
            connection.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\nPUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nsaved")
            connection.shutdownWrite()
            let responses = await connection.responsesUntilClosed()
            #expect(responses.map(\.body) == ["fast", "saved"])
            #expect(responses.last?.header("Connection") == "close")
            #expect(connection.closedByServer)
        }
    }

    /// HEAD answers carry the GET's head and no body, so that the next answer on the connection
    /// is read as what it is (RFC 9110 §9.3.2); errors too.
    @Test func headAnswersHaveNoBody() async throws {
        try await HTTPServerTests.withServer { port in
            let connection = try Connection(port: port)
            connection.send(
                "HEAD /fast HTTP/1.1\r\nHost: x\r\n\r\nHEAD /nothing HTTP/1.1\r\nHost: x\r\n\r\nHEAD /echo?a=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            // Read as plain bytes: a parser by Content-Length would read the HEAD answers' bodies.
            var text = ""
            while !text.hasSuffix("\r\n\r\nfast") {
                guard let more = await connection.rawChunk() else { break }
                text += more
            }
            let heads = text.components(separatedBy: "HTTP/1.1 ").dropFirst()
            try #require(heads.count == 4, "\(text)")
            let parts = Array(heads)
            #expect(parts[0].hasPrefix("200") && parts[0].contains("Content-Length: 4\r\n") && parts[0].hasSuffix("\r\n\r\n"))
            #expect(parts[1].hasPrefix("404") && parts[1].hasSuffix("\r\n\r\n"))
            #expect(parts[2].hasPrefix("200") && parts[2].contains("Content-Length: 3\r\n") && parts[2].hasSuffix("\r\n\r\n"))
            #expect(parts[3].hasPrefix("200") && parts[3].hasSuffix("\r\n\r\nfast"))
        }
    }

    /// RFC 9112 §3.2: an HTTP/1.1 request without a Host, or with two, is answered 400.
    @Test func http11WithoutExactlyOneHostIs400() async throws {
        try await HTTPServerTests.withServer { port in
            for request in ["GET /fast HTTP/1.1\r\n\r\n", "GET /fast HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"] {
                let connection = try Connection(port: port)
                connection.send(request)
                let response = try #require(await connection.responses(1).first)
                #expect(response.status == 400 && response.statusCode == 2001)
                #expect(await connection.waitForClose())
            }
            // HTTP/1.0 has no Host requirement.
            let old = try Connection(port: port)
            old.send("GET /fast HTTP/1.0\r\n\r\n")
            #expect(await old.responses(1).first?.body == "fast")
        }
    }

    /// RFC 9112 §3.2.2: a server accepts the absolute form of a target and routes it by its path.
    @Test func absoluteFormTargetsAreRoutedByTheirPath() async throws {
        try await HTTPServerTests.withServer { port in
            let connection = try Connection(port: port)
            connection.send(
                "GET http://example.com/fast HTTP/1.1\r\nHost: example.com\r\n\r\nGET HTTPS://example.com:8443/echo?a=1 HTTP/1.1\r\nHost: example.com\r\n\r\nGET http://example.com?b=2 HTTP/1.1\r\nHost: example.com\r\n\r\n"
            )
            let responses = await connection.responses(3)
            try #require(responses.count == 3)
            #expect(responses[0].body == "fast")
            #expect(responses[1].body == "a=1")
            #expect(responses[2].status == 404 && responses[2].body.contains("No such OCPI endpoint: /"))
        }
    }

    @Test func theOriginFormOfTargets() {
        #expect(HTTPServerRequest.originForm(of: "/ocpi/versions?x=1") == "/ocpi/versions?x=1")
        #expect(HTTPServerRequest.originForm(of: "http://h/ocpi/versions?x=1") == "/ocpi/versions?x=1")
        #expect(HTTPServerRequest.originForm(of: "http://h:80") == "/")
        #expect(HTTPServerRequest.originForm(of: "http://h?q") == "/?q")
        #expect(HTTPServerRequest.originForm(of: "*") == "*")
        #expect(HTTPServerRequest.originForm(of: "a b://h/x") == "a b://h/x", "not a scheme")
    }
}
