import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import OCPIRuntime
import Synchronization

/// Sends OCPI requests straight over SwiftNIO's HTTP/1.1 codec, keeping a few connections open
/// to each origin: the transport of the CPO's pushes.
///
/// Why not AsyncHTTPClient, which `OCPIAsyncHTTPClient` wraps for every other call: a push is a
/// small PUT or PATCH to a partner that answers a few hundred bytes, and a change goes out once
/// per partner, so a CPO with a hundred eMSPs makes a hundred of them for every status change.
/// Measured on the pushes' thread (docs/PERFORMANCE.md, "The operator's write with fifty
/// partners"), AsyncHTTPClient's connection pool, request state machines and async body streams
/// cost about 0.4 ms of CPU per push; the same exchange on NIO's own encoder and decoder, one
/// request at a time on a kept connection, costs a fraction of it. What this transport leaves
/// out is what pushes do not need: redirects (a write is never redirected), proxies, HTTP/2 and
/// compressed answers (none is asked for).
///
/// Every exchange has a deadline (connecting included) after which the connection is closed, a
/// limit on the answer's size, and a connection that sits idle is closed after `idleTimeout`.
/// A request on a kept connection that the partner closed meanwhile (before answering anything)
/// is sent once more on a new one: it never reached the partner.
public final class NIOClientTransport: OCPIClientTransport {
    public struct Configuration: Sendable {
        /// Certificate checks for `https` partners (the system's authorities by default).
        public var tls: TLSConfiguration
        /// The longest an exchange may take, connecting and reading the whole answer included.
        public var timeout: TimeAmount
        /// The longest connecting may take (within `timeout`).
        public var connectTimeout: TimeAmount
        /// Larger answers are refused, and their connection closed.
        public var maximumResponseSize: Int
        /// A kept connection unused this long is closed.
        public var idleTimeout: TimeAmount
        /// How many unused connections are kept per origin. Many partners may share one (a hub,
        /// or eMSPs on one platform), so this is as many as calls go out at the same time.
        public var maximumIdlePerOrigin: Int

        public init(
            tls: TLSConfiguration = .makeClientConfiguration(), timeout: TimeAmount = .seconds(30), connectTimeout: TimeAmount = .seconds(5),
            maximumResponseSize: Int = 64 << 20, idleTimeout: TimeAmount = .seconds(60), maximumIdlePerOrigin: Int = 16
        ) {
            self.tls = tls
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.maximumResponseSize = maximumResponseSize
            self.idleTimeout = idleTimeout
            self.maximumIdlePerOrigin = maximumIdlePerOrigin
        }
    }

    /// Why an exchange failed before an answer could be handed over.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The URL is not `http` or `https` with a host.
        case unsupportedURL(String)
        /// The deadline passed.
        case timedOut
        /// The answer was larger than the limit.
        case responseTooLarge(limit: Int)
        /// The partner closed the connection before answering (`answered`: after part of it).
        case closed(answered: Bool)
        /// The transport was shut down.
        case shutDown

        public var description: String {
            switch self {
            case .unsupportedURL(let url): "cannot call '\(url)': only http and https URLs with a host are called"
            case .timedOut: "the partner did not answer in time"
            case .responseTooLarge(let limit): "the answer is larger than \(limit) bytes"
            case .closed(let answered): answered ? "the partner closed the connection in the middle of its answer" : "the partner closed the connection without answering"
            case .shutDown: "the transport is shut down"
            }
        }
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext
    private let idle = Mutex<Idle>(Idle())

    private struct Idle {
        var connections: [Origin: [Connection]] = [:]
        var shutDown = false
    }

    /// A transport whose connections run on `group` (which the caller shuts down after
    /// `shutdown()`).
    public init(group: any EventLoopGroup, configuration: Configuration = Configuration()) throws {
        self.group = group
        self.configuration = configuration
        tlsContext = try NIOSSLContext(configuration: configuration.tls)
    }

    /// Closes the kept connections; later requests fail with `Failure.shutDown`.
    public func shutdown() async {
        let connections = idle.withLock { idle in
            idle.shutDown = true
            defer { idle.connections = [:] }
            return idle.connections.values.flatMap { $0 }
        }
        for connection in connections { try? await connection.channel.close() }
    }

    public func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        guard let origin = Origin(request.head) else {
            throw Failure.unsupportedURL("\(request.head.scheme ?? "")://\(request.head.authority ?? "")\(request.head.path ?? "")")
        }
        let deadline = NIODeadline.now() + configuration.timeout
        let (head, body) = Self.encode(request, origin: origin)
        if let kept = take(origin) {
            do {
                return try await exchange(kept, origin: origin, head: head, body: body, deadline: deadline)
            } catch Failure.closed(answered: false) {
                // The partner closed the kept connection while it was unused; the request did
                // not reach it. Once more, on a new connection.
            }
        }
        return try await exchange(try await connect(origin, deadline: deadline), origin: origin, head: head, body: body, deadline: deadline)
    }

    // MARK: - Connections

    /// Where a connection goes: a partner's scheme, host and port.
    struct Origin: Hashable, Sendable {
        var secure: Bool
        var host: String
        var port: Int

        init?(_ request: HTTPRequest) {
            switch request.scheme?.lowercased() {
            case "https": secure = true
            case "http": secure = false
            default: return nil
            }
            guard let authority = request.authority, !authority.isEmpty, !authority.contains("@") else { return nil }
            let defaultPort = secure ? 443 : 80
            if authority.hasPrefix("[") {
                // An IPv6 address, with a port after the bracket or none.
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let rest = authority[authority.index(after: close)...]
                if rest.isEmpty {
                    port = defaultPort
                } else {
                    guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()), (1...65535).contains(number) else { return nil }
                    port = number
                }
            } else if let colon = authority.lastIndex(of: ":") {
                guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else { return nil }
                host = String(authority[..<colon])
                port = number
            } else {
                host = authority
                port = defaultPort
            }
            guard !host.isEmpty else { return nil }
        }

        /// The socket address when the host is an IP address (which is not sent as the TLS
        /// server name: the certificate is checked against the address).
        var address: SocketAddress? { try? SocketAddress(ipAddress: host, port: port) }
    }

    /// A kept connection and the handler that reads its answers.
    final class Connection: Sendable {
        let channel: any Channel
        let reader: NIOLoopBound<ResponseReader>

        init(channel: any Channel, reader: NIOLoopBound<ResponseReader>) {
            self.channel = channel
            self.reader = reader
        }
    }

    private func take(_ origin: Origin) -> Connection? {
        idle.withLock { idle in
            while let connection = idle.connections[origin]?.popLast() {
                if connection.channel.isActive { return connection }
            }
            return nil
        }
    }

    /// Puts the connection back for the next request to its origin, or closes it.
    private func keep(_ connection: Connection, origin: Origin) {
        let kept = idle.withLock { idle in
            guard !idle.shutDown, connection.channel.isActive, idle.connections[origin, default: []].count < configuration.maximumIdlePerOrigin else { return false }
            idle.connections[origin, default: []].append(connection)
            return true
        }
        if !kept { connection.channel.close(promise: nil) }
    }

    private func forget(_ channel: any Channel, origin: Origin) {
        idle.withLock { idle in idle.connections[origin]?.removeAll { $0.channel === channel } }
    }

    private func connect(_ origin: Origin, deadline: NIODeadline) async throws -> Connection {
        guard !idle.withLock({ $0.shutDown }) else { throw Failure.shutDown }
        let remaining = deadline - .now()
        guard remaining > .zero else { throw Failure.timedOut }
        let tlsContext = origin.secure ? tlsContext : nil
        let serverName = origin.address == nil ? origin.host : nil
        let idleTimeout = configuration.idleTimeout
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(min(configuration.connectTimeout, remaining))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try pipeline.addHandler(ResponseReader())
                }
            }
        // An address is connected to as it is; only a name goes through the resolver (which
        // runs getaddrinfo on Dispatch's threads, and waits behind whatever else they do).
        let connecting = if let address = origin.address { bootstrap.connect(to: address) } else { bootstrap.connect(host: origin.host, port: origin.port) }
        let channel = try await connecting.get()
        channel.closeFuture.whenComplete { [weak self] _ in self?.forget(channel, origin: origin) }
        let reader = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ResponseReader.self), eventLoop: channel.eventLoop)
        }.get()
        return Connection(channel: channel, reader: reader)
    }

    /// One request and its answer on `connection`, which is kept afterwards when both sides
    /// allow it. A cancelled caller closes the connection.
    private func exchange(
        _ connection: Connection, origin: Origin, head: HTTPRequestHead, body: ByteBuffer?, deadline: NIODeadline
    ) async throws -> OCPIClientResponse {
        let channel = connection.channel
        let promise = channel.eventLoop.makePromise(of: ResponseReader.Answer.self)
        let limit = configuration.maximumResponseSize
        channel.eventLoop.execute {
            connection.reader.value.send(head: head, body: body, limit: limit, deadline: deadline, promise: promise)
        }
        let answer = try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        if answer.reusable {
            keep(connection, origin: origin)
        } else {
            channel.close(promise: nil)
        }
        return answer.response
    }

    /// The request as NIO's encoder takes it: the origin-form target, `Host`, and the body's length.
    static func encode(_ request: OCPIClientRequest, origin: Origin) -> (HTTPRequestHead, ByteBuffer?) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.head.headerFields.count + 2)
        headers.add(name: "host", value: request.head.authority ?? origin.host)
        for field in request.head.headerFields where field.name.canonicalName != "host" && field.name != .contentLength {
            headers.add(name: field.name.rawName, value: field.value)
        }
        let method = HTTPMethod(rawValue: request.head.method.rawValue)
        var body: ByteBuffer?
        if let bytes = request.body {
            headers.add(name: "content-length", value: String(bytes.count))
            body = ByteBuffer(bytes: bytes)
        } else if [.POST, .PUT, .PATCH].contains(method) {
            headers.add(name: "content-length", value: "0")
        }
        let path = request.head.path.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        return (HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers), body)
    }
}

/// Reads the answer to the one request in flight on its connection; anything else the partner
/// sends closes the connection. Lives on the connection's event loop.
final class ResponseReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Answer: Sendable {
        var response: OCPIClientResponse
        /// Whether the connection may carry the next request.
        var reusable: Bool
    }

    private struct InFlight {
        var promise: EventLoopPromise<Answer>
        var limit: Int
        var head: HTTPResponseHead?
        var body: ByteBuffer
        var timeout: Scheduled<Void>?
        var keepAlive: Bool
    }

    private var inFlight: InFlight?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(NIOClientTransport.Failure.closed(answered: inFlight?.head != nil)))
        self.context = nil
    }

    /// Writes the request; `promise` gets the answer, or the reason there is none.
    func send(head: HTTPRequestHead, body: ByteBuffer?, limit: Int, deadline: NIODeadline, promise: EventLoopPromise<Answer>) {
        guard let context, context.channel.isActive, inFlight == nil else {
            promise.fail(NIOClientTransport.Failure.closed(answered: false))
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.finish(.failure(NIOClientTransport.Failure.timedOut))
            context.close(promise: nil)
        }
        inFlight = InFlight(promise: promise, limit: limit, body: context.channel.allocator.buffer(capacity: 0), timeout: timeout, keepAlive: head.isKeepAlive)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenFailure { [weak self] error in
            self?.finish(.failure(error))
            context.close(promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let current = inFlight else {
            // An answer nobody asked for: the connection cannot be trusted with the next request.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            inFlight?.head = head
            inFlight?.keepAlive = current.keepAlive && head.isKeepAlive
        case .body(var part):
            guard current.body.readableBytes + part.readableBytes <= current.limit else {
                finish(.failure(NIOClientTransport.Failure.responseTooLarge(limit: current.limit)))
                context.close(promise: nil)
                return
            }
            inFlight?.body.writeBuffer(&part)
        case .end:
            guard let head = current.head else {
                finish(.failure(NIOClientTransport.Failure.closed(answered: true)))
                context.close(promise: nil)
                return
            }
            let response = OCPIClientResponse(
                status: HTTPResponse.Status(code: Int(head.status.code), reasonPhrase: head.status.reasonPhrase),
                headerFields: Self.fields(of: head.headers),
                body: Array(current.body.readableBytesView)
            )
            finish(.success(Answer(response: response, reusable: current.keepAlive)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(NIOClientTransport.Failure.closed(answered: inFlight?.head != nil)))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Unused for the idle timeout: closed. (Within an exchange, its deadline rules.)
        if event is IdleStateHandler.IdleStateEvent, inFlight == nil {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func finish(_ result: Result<Answer, any Error>) {
        guard let current = inFlight else { return }
        inFlight = nil
        current.timeout?.cancel()
        current.promise.completeWith(result)
    }

    /// NIO's header fields as swift-http-types has them; a name swift-http-types refuses is left out.
    static func fields(of headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count)
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return fields
    }
}
