import Foundation
import OCPIRuntime
import Synchronization

/// One request the checker sent and what came back: the evidence a failed check points at.
public struct Exchange: Sendable {
    public var method: String
    public var url: String
    /// What the request was for, as the report names it (`locations SENDER`).
    public var purpose: String
    public var requestBody: [UInt8]?
    /// `nil` when no answer came (refused connection, timeout).
    public var status: Int?
    public var headers: HTTPFields
    public var body: [UInt8]
    public var error: String?
    public var duration: Duration

    /// The envelope's `status_code`, when the body is an envelope.
    public var statusCode: Int? { envelope?["status_code"]?.int }

    /// The body as JSON, when it is JSON.
    public var json: JSONValue? { try? JSONValue.decodeJSON(body).value }

    /// The body as an object with the envelope's two required members.
    public var envelope: JSONValue? {
        guard let json, json["status_code"]?.int != nil, json["timestamp"] != nil else { return nil }
        return json
    }

    /// `data` of the envelope.
    public var data: JSONValue? { envelope?["data"] }

    /// `GET http://.../locations?limit=2 -> HTTP 200, status 1000`: what a person reruns.
    public var summary: String {
        let answer: String
        if let status {
            answer = "HTTP \(status)" + (statusCode.map { ", status \($0)" } ?? (body.isEmpty ? ", no body" : ", no envelope"))
        } else {
            answer = "no answer (\(error ?? "unknown error"))"
        }
        return "\(method) \(url) -> \(answer)"
    }
}

/// Sends the checker's requests and keeps each exchange: one at a time (never a load test),
/// each within the per-request timeout of the transport below, none after the total time limit.
public final class RecordingTransport: OCPIClientTransport, Sendable {
    private let inner: any OCPIClientTransport
    private let deadline: ContinuousClock.Instant
    private let state = Mutex<State>(State())
    /// One request in flight: the gate is taken for each request.
    private let gate = AsyncGate()

    private struct State {
        var exchanges: [Exchange] = []
        var purpose = ""
    }

    public struct TimeLimitReached: Error, CustomStringConvertible {
        public var description: String { "the total time limit was reached" }
    }

    public init(_ inner: any OCPIClientTransport, timeLimit: Duration) {
        self.inner = inner
        deadline = ContinuousClock.now + timeLimit
    }

    /// What the following requests are for.
    public var purpose: String {
        get { state.withLock { $0.purpose } }
        set { state.withLock { $0.purpose = newValue } }
    }

    public var exchanges: [Exchange] { state.withLock { $0.exchanges } }

    public var count: Int { state.withLock { $0.exchanges.count } }

    public func exchanges(since index: Int) -> [Exchange] {
        state.withLock { Array($0.exchanges.dropFirst(index)) }
    }

    public func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        let (exchange, thrown) = await perform(request)
        if let thrown { throw thrown }
        return OCPIClientResponse(head: HTTPResponse(status: .init(code: exchange.status ?? 0), headerFields: exchange.headers), body: exchange.body)
    }

    /// Sends `request` and hands back the exchange, answered or not.
    public func exchange(_ request: OCPIClientRequest) async -> Exchange {
        await perform(request).exchange
    }

    /// Whether the total time limit has passed: no request goes out any more.
    public var timeIsUp: Bool { ContinuousClock.now >= deadline }

    private func perform(_ request: OCPIClientRequest) async -> (exchange: Exchange, thrown: (any Error)?) {
        var exchange = Exchange(
            method: request.head.method.rawValue, url: request.url, purpose: purpose, requestBody: request.body, status: nil, headers: HTTPFields(),
            body: [], error: nil, duration: .zero
        )
        guard !timeIsUp else {
            exchange.error = TimeLimitReached().description
            return (exchange, TimeLimitReached())
        }
        await gate.enter()
        defer { gate.leave() }
        let start = ContinuousClock.now
        var thrown: (any Error)?
        do {
            let response = try await inner.send(request)
            exchange.status = response.head.status.code
            exchange.headers = response.head.headerFields
            exchange.body = response.body
        } catch {
            exchange.error = "\(error)"
            thrown = error
        }
        exchange.duration = ContinuousClock.now - start
        record(exchange)
        return (exchange, thrown)
    }

    private func record(_ exchange: Exchange) {
        state.withLock { $0.exchanges.append(exchange) }
    }
}
