import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import OCPINIOClient
import OCPINIOExecutor
import OCPINIOServer
import OCPIRuntime
import OCPITestSupport
import Synchronization
import Testing

/// The pushes' transport against a server that answers as scripted, byte for byte: kept
/// connections, a partner that closes them, answers too slow, too large or never, and the
/// request as it goes on the wire.
@Suite(.holdsResources) struct NIOClientTransportTests {
    /// A thread of the suite's own for the scripted servers, the transports and the tasks that
    /// run them (`ScriptedServer.run` prefers it): the shared loops and the cooperative pool are
    /// busy with the rest of the test suite, which held a scripted answer past a 20-s deadline.
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// What the scripted server does with a request: writes bytes, waits, or closes.
    enum Step: Sendable {
        case write(String)
        case pause(Duration)
        case close
    }

    /// A TCP server on loopback that reads each request (head and `Content-Length` body) and
    /// plays the steps `script` gives for it (`connection` and `request` count from 0).
    final class ScriptedServer: Sendable {
        let port: Int
        private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        private let requests = Mutex<[String]>([])
        private let connections = Atomic(0)

        var accepted: Int { connections.load(ordering: .relaxed) }
        var received: [String] { requests.withLock { $0 } }

        init() async throws {
            channel = try await ServerBootstrap(group: NIOClientTransportTests.loops)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: "127.0.0.1", port: 0) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            port = try #require(channel.channel.localAddress?.port)
        }

        /// Serves until `body` returns.
        func run(script: @escaping @Sendable (_ connection: Int, _ request: Int) -> [Step], _ body: () async throws -> Void) async throws {
            try await withTaskExecutorPreference(EventLoopTaskExecutor(NIOClientTransportTests.loops.next())) {
                try await serve(script: script, body)
            }
        }

        private func serve(script: @escaping @Sendable (_ connection: Int, _ request: Int) -> [Step], _ body: () async throws -> Void) async throws {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    // Ends with a cancellation when the body is done.
                    try? await self.channel.executeThenClose { inbound in
                        try await withThrowingDiscardingTaskGroup { connections in
                            for try await connection in inbound {
                                let number = self.connections.add(1, ordering: .relaxed).oldValue
                                connections.addTask { try? await self.serve(connection, number: number, script: script) }
                            }
                        }
                    }
                }
                try await body()
                group.cancelAll()
            }
        }

        private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, number: Int, script: @Sendable (Int, Int) -> [Step]) async throws {
            try await connection.executeThenClose { inbound, outbound in
                var pending = ""
                var index = 0
                for try await buffer in inbound {
                    pending += String(buffer: buffer)
                    while let request = Self.takeRequest(&pending) {
                        requests.withLock { $0.append(request) }
                        for step in script(number, index) {
                            switch step {
                            case .write(let text): try await outbound.write(ByteBuffer(string: text))
                            case .pause(let duration): try await Task.sleep(for: duration)
                            case .close: return
                            }
                        }
                        index += 1
                    }
                }
            }
        }

        /// One whole request off the front of `pending`.
        static func takeRequest(_ pending: inout String) -> String? {
            guard let end = pending.range(of: "\r\n\r\n") else { return nil }
            let head = pending[..<end.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            guard pending.utf8.distance(from: end.upperBound.samePosition(in: pending.utf8) ?? pending.utf8.endIndex, to: pending.utf8.endIndex) >= length else { return nil }
            let requestEnd = pending.utf8.index(end.upperBound, offsetBy: length)
            let request = String(pending[..<requestEnd])
            pending.removeSubrange(..<requestEnd)
            return request
        }
    }

    static let ok = #"{"status_code":1000,"timestamp":"2026-12-01T00:00:00Z"}"#
    static func answer(_ body: String = ok, headers: String = "") -> Step {
        .write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n\(headers)\r\n\(body)")
    }

    static func transport(_ configure: (inout NIOClientTransport.Configuration) -> Void = { _ in }) throws -> NIOClientTransport {
        var configuration = NIOClientTransport.Configuration(timeout: .seconds(20))
        configure(&configuration)
        return try NIOClientTransport(group: loops, configuration: configuration)
    }

    /// `body`, then `transports` shut down, also when `body` throws (`defer` cannot await):
    /// a transport left open keeps its connections for the rest of the run.
    static func shuttingDown(_ transports: NIOClientTransport..., after body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            for transport in transports { await transport.shutdown() }
            throw error
        }
        for transport in transports { await transport.shutdown() }
    }

    static func put(_ transport: NIOClientTransport, port: Int, body: String = #"{"status":"AVAILABLE"}"#) async throws -> OCPIClientResponse {
        try await transport.send(OCPIClientRequest(
            method: .put, url: "http://127.0.0.1:\(port)/ocpi/emsp/2.2.1/locations/NL/CPO/L1",
            headerFields: [.authorization: "Token abc", .contentType: "application/json"], body: Array(body.utf8)
        ))
    }

    @Test func requestsShareOneKeptConnectionAndGoOutWithHostAndLength() async throws {
        let server = try await ScriptedServer()
        let transport = try Self.transport()
        try await Self.shuttingDown(transport) { () async throws in
            try await server.run(script: { _, _ in [Self.answer()] }) {
                for _ in 0..<5 {
                    let response = try await Self.put(transport, port: server.port)
                    #expect(response.status.code == 200)
                    #expect(String(decoding: response.body, as: UTF8.self) == Self.ok)
                    #expect(response.headers[.contentType] == "application/json")
                }
                #expect(server.accepted == 1, "five requests, one connection")
                let first = try #require(server.received.first)
                #expect(first.hasPrefix("PUT /ocpi/emsp/2.2.1/locations/NL/CPO/L1 HTTP/1.1\r\n"))
                #expect(first.lowercased().contains("host: 127.0.0.1:\(server.port)\r\n"))
                #expect(first.lowercased().contains("content-length: 22\r\n"))
                #expect(first.lowercased().contains("authorization: token abc\r\n"))
                #expect(first.hasSuffix(#"{"status":"AVAILABLE"}"#))
            }
        }
    }

    @Test func aConnectionThePartnerClosesIsNotUsedAgain() async throws {
        let server = try await ScriptedServer()
        let transport = try Self.transport()
        try await Self.shuttingDown(transport) { () async throws in
            // Says it closes; closes without saying; closes while the request is on its way.
            try await server.run(script: { connection, _ in
                switch connection {
                case 0: [Self.answer(headers: "connection: close\r\n"), .close]
                case 1: [Self.answer(), .pause(.milliseconds(50)), .close]
                default: [Self.answer()]
                }
            }) {
                _ = try await Self.put(transport, port: server.port)
                _ = try await Self.put(transport, port: server.port)
                try await Task.sleep(for: .milliseconds(300))
                let third = try await Self.put(transport, port: server.port)
                #expect(third.status.code == 200)
                #expect(server.accepted == 3)
                #expect(server.received.count == 3, "no request was sent twice")
            }
        }
    }

    @Test func aKeptConnectionClosedUnansweredIsTriedOnceMoreOnANewOne() async throws {
        let server = try await ScriptedServer()
        let transport = try Self.transport()
        try await Self.shuttingDown(transport) { () async throws in
            // The first connection answers once, then takes the next request and closes without a
            // word (a partner whose keep-alive ran out as the request arrived).
            try await server.run(script: { connection, request in
                connection == 0 && request == 1 ? [.close] : [Self.answer()]
            }) {
                _ = try await Self.put(transport, port: server.port)
                let second = try await Self.put(transport, port: server.port)
                #expect(second.status.code == 200)
                #expect(server.accepted == 2)
            }
        }
    }

    @Test func aNewConnectionClosedUnansweredFails() async throws {
        let server = try await ScriptedServer()
        let transport = try Self.transport()
        try await Self.shuttingDown(transport) { () async throws in
            try await server.run(script: { _, _ in [.close] }) {
                await #expect(throws: NIOClientTransport.Failure.closed(answered: false)) {
                    _ = try await Self.put(transport, port: server.port)
                }
                #expect(server.accepted == 1, "a request on a new connection is not sent again")
            }
        }
    }

    @Test func slowSilentAndHugeAnswersEndAtTheirLimits() async throws {
        let server = try await ScriptedServer()
        let transport = try Self.transport { $0.timeout = .milliseconds(800) }
        let limited = try Self.transport { $0.maximumResponseSize = 1 << 10 }
        try await Self.shuttingDown(transport, limited) { () async throws in
            try await server.run(script: { connection, _ in
                switch connection {
                case 0:  // a partner dribbling its answer, a byte at a time, for ever
                    [.write("HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n")] + Array(repeating: [.write(" "), .pause(.milliseconds(100))], count: 600).flatMap { $0 }
                case 1: [.pause(.seconds(60))]  // a partner that takes the request and never answers
                default: [Self.answer(String(repeating: " ", count: 4 << 10))]  // too large
                }
            }) {
                // Each on a connection of its own: the transport closes a connection it gave up on.
                // `timedOut` comes from the transport's deadline only: a dribble that ran its course
                // would end short of its length (`closed`), silence would outlast the test.
                for _ in 0..<2 {
                    await #expect(throws: NIOClientTransport.Failure.timedOut) { _ = try await Self.put(transport, port: server.port) }
                }
                await #expect(throws: NIOClientTransport.Failure.responseTooLarge(limit: 1 << 10)) { _ = try await Self.put(limited, port: server.port) }
            }
        }
    }

    @Test func chunkedAnswersAreReadWhole() async throws {
        let server = try await ScriptedServer()
        let transport = try Self.transport()
        try await Self.shuttingDown(transport) { () async throws in
            try await server.run(script: { _, _ in
                [.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"sta\r\n"), .pause(.milliseconds(20)), .write("e\r\ntus_code\":1000\r\n1\r\n}\r\n0\r\n\r\n")]
            }) {
                let response = try await Self.put(transport, port: server.port)
                #expect(String(decoding: response.body, as: UTF8.self) == #"{"status_code":1000}"#)
                _ = try await Self.put(transport, port: server.port)
                #expect(server.accepted == 1)
            }
        }
    }

    @Test func aCancelledCallerEndsTheExchangeAtOnce() async throws {
        let server = try await ScriptedServer()
        let transport = try Self.transport { $0.timeout = .seconds(30) }
        try await Self.shuttingDown(transport) { () async throws in
            try await server.run(script: { _, _ in [.pause(.seconds(60))] }) {
                let call = Task { try await Self.put(transport, port: server.port) }
                try await Task.sleep(for: .milliseconds(200))
                call.cancel()
                // Not the deadline's error: the exchange ended when its caller went away.
                let result = await call.result
                #expect(throws: NIOClientTransport.Failure.closed(answered: false)) { try result.get() }
            }
        }
    }

    @Test func urlsOtherThanHTTPAndNobodyListeningAreErrors() async throws {
        let transport = try Self.transport()
        for url in ["ftp://127.0.0.1/x", "http:///x", "http://user@127.0.0.1/x", "http://127.0.0.1:99999/x"] {
            await #expect(throws: NIOClientTransport.Failure.self, "\(url)") {
                _ = try await transport.send(OCPIClientRequest(method: .get, url: url))
            }
        }
        // A port nobody listens on: refused at once, not at the deadline. (Below the kernel's
        // ephemeral range: a connection to a closed port within it may be given that very port
        // as its own and connect to itself.)
        let port = try LiveServer.freePort()
        do {
            _ = try await Self.put(transport, port: port)
            Issue.record("a port nobody listens on answered")
        } catch {
            #expect(error as? NIOClientTransport.Failure != .timedOut, "refused, not waited out: \(error)")
            #expect(error as? NIOClientTransport.Failure == nil, "the connection's own error: \(error)")
        }
        await transport.shutdown()
        await #expect(throws: NIOClientTransport.Failure.shutDown) { _ = try await Self.put(transport, port: port) }
    }

    /// HTTPS is checked against the authorities the transport trusts: the system's refuse a
    /// private authority's certificate, the bundle's accept it (TLSTests push over it too).
    @Test func certificatesAreChecked() async throws {
        let authority = try await TestCertificates.authority("nio-client")
        defer { authority.remove() }
        let issued = try await authority.issue("partner")
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox, tls: TLSTests.serverTLS(issued))
        try await emsp.run {
            let url = emsp.profile.versionsURL
            let untrusting = try Self.transport()
            await #expect(throws: (any Error).self) { _ = try await untrusting.send(OCPIClientRequest(method: .get, url: url)) }
            await untrusting.shutdown()
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(authority.authority)]
            let trusting = try Self.transport { $0.tls = tls }
            try await Self.shuttingDown(trusting) { () async throws in
                let answer = try await trusting.send(OCPIClientRequest(method: .get, url: url))
                #expect(answer.status.code == 401, "reached the eMSP over HTTPS (which wants a token)")
            }
        }
    }
}
