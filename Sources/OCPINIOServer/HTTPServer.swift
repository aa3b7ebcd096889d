import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL
import OCPINIOExecutor
import OCPIRuntime
import OCPIServer
import ServiceLifecycle
import Synchronization

/// An HTTP/1.1 server for an `HTTPRouter`, straight on SwiftNIO: one channel handler per
/// connection reads a request, runs its route as a task whose executor is the connection's own
/// event loop (`EventLoopTaskExecutor`), and writes the answer.
///
/// It keeps connections alive, answers pipelined requests in order, refuses bodies over the
/// router's limit with 413 before reading them, answers a request it cannot parse with a 400
/// envelope, and on graceful shutdown (ServiceLifecycle) stops accepting, finishes the answers
/// under way and closes every connection.
///
/// Every connection is bounded, since it faces the internet: a request must arrive whole within
/// `readTimeout` (408 otherwise), a connection with nothing to do, or whose client reads none of
/// its answers, is closed after `idleTimeout`, the answers waiting for a client that does not
/// read stop the reading of its requests, and no more than `maximumConnections` are open at once.
///
/// Hummingbird's pipeline (an async sequence of requests per connection) cost about half of
/// what a request of one location took; see docs/PERFORMANCE.md.
public struct OCPIHTTPServer: Service {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The `Server` header.
        public var serverName: String
        /// A connection without a request under way for this long is closed, and so is one whose
        /// client has read none of the answers waiting for it for this long.
        public var idleTimeout: TimeAmount
        /// A request's head and body must have come within this time of its first bytes; a
        /// request that has not is answered 408 and the connection closed.
        public var readTimeout: TimeAmount
        /// Connections open at once; one more is closed as soon as it is accepted.
        public var maximumConnections: Int
        /// HTTPS with this certificate; `nil`: plain HTTP (behind a proxy that ends TLS).
        public var tls: ServerTLS?

        public init(
            host: String = "127.0.0.1", port: Int = 8080, serverName: String = "ocpi-cpo", idleTimeout: TimeAmount = .seconds(60),
            readTimeout: TimeAmount = .seconds(30), maximumConnections: Int = 4096, tls: ServerTLS? = nil
        ) {
            self.host = host
            self.port = port
            self.serverName = serverName
            self.idleTimeout = idleTimeout
            self.readTimeout = readTimeout
            self.maximumConnections = maximumConnections
            self.tls = tls
        }
    }

    let router: HTTPRouter
    let configuration: Configuration
    let onServerRunning: @Sendable (any Channel) async -> Void
    let logger: Logger
    let group: any EventLoopGroup

    public init(
        router: HTTPRouter, configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "ocpi.http"), onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) {
        self.router = router
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    /// Listens until a graceful shutdown has closed every connection, or until cancelled (which
    /// stops listening at once and leaves open connections to end by themselves).
    public func run() async throws {
        let quiesce = ServerQuiescingHelper(group: group)
        let router = router
        let configuration = configuration
        let limits = HTTPConnectionHandler.Limits(
            idleTimeout: configuration.idleTimeout, readTimeout: configuration.readTimeout, maximumBodySize: router.maximumBodySize
        )
        let logger = logger
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // Out of file descriptors (EMFILE) or memory, accepting pauses a second instead
                    // of failing again at once in a loop. NIO adds it only to its async bootstraps.
                    try pipeline.addHandler(AcceptBackoffHandler())
                    try pipeline.addHandler(ConnectionLimitHandler(maximum: configuration.maximumConnections, logger: logger))
                    try pipeline.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // A client that has sent its requests may shut down its sending side and still wait
            // for the answers (`nc -N`, some proxies): the input's end is not the connection's.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    let connection = HTTPConnectionHandler(
                        router: router, serverName: configuration.serverName, limits: limits, eventLoop: channel.eventLoop
                    )
                    if let tls = configuration.tls {
                        // The handshake counts as the connection's first idle time: a client
                        // that never finishes it is closed after `idleTimeout`.
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls.context))
                    }
                    try pipeline.addHandler(RequestArrivalHandler(connection: connection))
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(connection)
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        logger.info("listening", metadata: ["address": "\(configuration.host):\(configuration.port)", "tls": "\(configuration.tls != nil)"])
        await onServerRunning(channel)

        let stopped = channel.eventLoop.makePromise(of: Void.self)
        let once = Mutex(false)
        let stop: @Sendable () -> Void = {
            if once.withLock({ done in defer { done = true }; return !done }) { stopped.succeed() }
        }
        let quiesced = channel.eventLoop.makePromise(of: Void.self)
        quiesced.futureResult.whenComplete { _ in stop() }
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await stopped.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
                stop()
            }
        } onGracefulShutdown: {
            quiesce.initiateShutdown(promise: quiesced)
        }
    }
}

/// Closes a newly accepted connection at once when `maximum` are already open, so that a flood
/// of connections costs their sockets, not the memory and descriptors of live ones. NIO keeps
/// no such handler; the count is an atomic since connections close on their own event loops.
final class ConnectionLimitHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let maximum: Int
    private let open = OpenConnections()
    private let logger: Logger
    /// When a refusal was last logged: one line per ten seconds at most.
    private var lastLogged: NIODeadline?
    private var refusedSinceLog = 0

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        let open = open
        guard open.count.load(ordering: .relaxed) < maximum else {
            child.close(promise: nil)
            refusedSinceLog += 1
            let now = NIODeadline.now()
            if lastLogged.map({ now - $0 >= .seconds(10) }) ?? true {
                logger.warning("connections refused: the maximum are open", metadata: ["maximum": "\(maximum)", "refused": "\(refusedSinceLog)"])
                lastLogged = now
                refusedSinceLog = 0
            }
            return
        }
        open.count.add(1, ordering: .relaxed)
        child.closeFuture.whenComplete { _ in open.count.subtract(1, ordering: .relaxed) }
        context.fireChannelRead(data)
    }
}

/// The number of open connections, shared with the closures that count them down.
private final class OpenConnections: Sendable {
    let count = Atomic<Int>(0)
}

/// Tells the connection when bytes come, before NIO's decoder turns them into requests: the
/// connection sees a request only once its head is whole, and a head sent a byte at a time must
/// be timed from its first byte.
final class RequestArrivalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connection: HTTPConnectionHandler

    init(connection: HTTPConnectionHandler) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.bytesArrived()
        context.fireChannelRead(data)
    }
}

/// One connection: requests parsed by NIO's decoder, answered one at a time in the order they
/// came (HTTP/1.1 pipelining), each response written as one buffer.
///
/// Hand-written rather than NIO's `HTTPServerPipelineHandler` with its encoder and header
/// validator: those cost three writes through four handlers per response, and the pipeline
/// handler stops and restarts reading around every request (two `epoll_ctl` calls each), which
/// was a fifth of answering one location. What it does in their place, each tested over a socket
/// in HTTPServerTests and HTTPHardeningTests:
/// - reading is held while `readAhead` requests or a body's worth of bytes wait, while answers
///   wait for a client that does not read them (the channel is not writable), and for good once
///   the connection is to close; a client that pipelines more than `maximumQueued` requests gets
///   those answered and the connection closed (RFC 9112 §9.3.2: it retries the rest);
/// - a request not whole within `readTimeout` of its first bytes is answered 408; one whose
///   declared or read body is over the limit 413, one that is not HTTP 400, an HTTP/1.1 request
///   without exactly one `Host` 400: each in its turn, after which the connection closes;
/// - the input's end (half-closure) lets the answers owed go out before the close;
/// - a HEAD request's answer has the head of its GET, without the body.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Requests read ahead of their answers before the connection stops reading.
    static let readAhead = 16
    /// Requests parsed ahead of their answers (one read may hold many) before the connection
    /// takes no more and closes once they are answered.
    static let maximumQueued = 128

    struct Limits: Sendable {
        var idleTimeout: TimeAmount
        var readTimeout: TimeAmount
        var maximumBodySize: Int
    }

    /// A request whose head has come, as the router will see it, and what of NIO's head the
    /// answer needs (the version it is written in, whether the connection stays open).
    private struct Head {
        let request: HTTPRequest
        let version: HTTPVersion
        let keepAlive: Bool
    }

    private struct Pending {
        enum Answer {
            /// By the request's route.
            case route(HTTPServerRequest)
            /// With this error, for a request known by its head or, for bytes that never made
            /// one, by nothing.
            case refusal(OCPIError, HTTPRequest?)
        }

        let version: HTTPVersion
        let keepAlive: Bool
        let answer: Answer
        /// The answer closes the connection whatever the request asked for.
        var closes = false

        init(_ head: Head, body: [UInt8]) {
            version = head.version
            keepAlive = head.keepAlive
            answer = .route(HTTPServerRequest(head: head.request, body: body))
        }

        init(_ head: Head?, refusal: OCPIError) {
            version = head?.version ?? .http1_1
            keepAlive = head?.keepAlive ?? false
            answer = .refusal(refusal, head?.request)
        }

        var bodySize: Int {
            if case .route(let request) = answer { request.body.count } else { 0 }
        }

        var method: HTTPRequest.Method? {
            switch answer {
            case .route(let request): request.head.method
            case .refusal(_, let head): head?.method
            }
        }
    }

    private let router: HTTPRouter
    private let serverName: String
    private let limits: Limits
    /// The request being read.
    private var head: Head?
    private var body: ByteBuffer?
    /// Read, not yet answered, and the bytes of their bodies.
    private var queue = CircularBuffer<Pending>(initialCapacity: 2)
    private var queuedBodyBytes = 0
    /// A request's route is running.
    private var answering = false
    /// The last request the connection takes is queued (its answer closes the connection): what
    /// comes after it is neither read nor parsed.
    private var stopped = false
    /// The peer has shut down its sending side: the connection closes once what it sent is
    /// answered.
    private var inputClosed = false
    /// The server is shutting down: the connection closes after what it has read is answered.
    private var quiescing = false
    /// A response saying `Connection: close` is written: nothing more is answered, and the
    /// connection closes once it is out.
    private var closing = false
    /// Since when the connection, its last answer out, has closed its sending side and reads
    /// (and drops) what the client still sends, so that the client reads the answer before the
    /// close: closing with unread bytes would reset the connection and could lose it.
    private var lingeringSince: NIODeadline?
    /// How long a closing connection drains the client's bytes at most.
    static let lingerTimeout = TimeAmount.seconds(2)
    /// A read was asked for and not passed on.
    private var readHeld = false
    /// The channel is not writable (the client reads slower than it is answered): the next
    /// answer waits, since when.
    private var writeHeldSince: NIODeadline?
    /// When the first bytes of the request being read came; `nil` between requests.
    private var requestStarted: NIODeadline?
    private var lastActivity = NIODeadline.now()
    private var timer: Scheduled<Void>?

    /// Where the routes' tasks run: this connection's event loop.
    private let executor: EventLoopTaskExecutor

    init(router: HTTPRouter, serverName: String, limits: Limits, eventLoop: any EventLoop) {
        self.router = router
        self.serverName = serverName
        self.limits = limits
        executor = EventLoopTaskExecutor(eventLoop)
    }

    func channelActive(context: ChannelHandlerContext) {
        scheduleCheck(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// Called by `RequestArrivalHandler` for every read, before the decoder.
    func bytesArrived() {
        lastActivity = .now()
        if requestStarted == nil { requestStarted = lastActivity }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !stopped else { return }
        switch unwrapInboundIn(data) {
        case .head(let nioHead):
            if requestStarted == nil { requestStarted = lastActivity }
            // NIO's head becomes the request the router sees, here and only here.
            guard let (request, hosts) = Self.request(from: nioHead) else {
                refuseAndStop(Pending(nil, refusal: OCPIError(.invalidParameter, "The request is not valid HTTP/1.1")), context)
                return
            }
            let head = Head(request: request, version: nioHead.version, keepAlive: nioHead.isKeepAlive)
            // RFC 9112 §3.2: exactly one Host on HTTP/1.1.
            if nioHead.version.major == 1, nioHead.version.minor >= 1, hosts != 1 {
                refuseAndStop(Pending(head, refusal: OCPIError(.invalidParameter, "An HTTP/1.1 request must carry exactly one Host header")), context)
                return
            }
            // A declared body over the limit is not read at all: the 413 comes in its turn (for
            // `Expect: 100-continue`, instead of the 100, RFC 9110 §10.1.1), then the close.
            let declared = request.headerFields[.contentLength].flatMap { Int($0) } ?? 0
            if declared > limits.maximumBodySize {
                refuseAndStop(Pending(head, refusal: tooLarge), context)
                return
            }
            self.head = head
            body = nil
            if nioHead.version.minor >= 1, request.headerFields[.expect]?.lowercased() == "100-continue" {
                var buffer = context.channel.allocator.buffer(capacity: 32)
                buffer.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            }
        case .body(var chunk):
            guard let head else { return }
            if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
            if (body?.readableBytes ?? 0) > limits.maximumBodySize {
                body = nil
                refuseAndStop(Pending(head, refusal: tooLarge), context)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            requestStarted = nil
            var pending = Pending(head, body: body.map { Array($0.readableBytesView) } ?? [])
            body = nil
            queuedBodyBytes += pending.bodySize
            // This one, those waiting, and the one being answered.
            if queue.count + 1 + (answering ? 1 : 0) >= Self.maximumQueued {
                pending.closes = true
                stopped = true
            }
            queue.append(pending)
            answerNext(context)
        }
    }

    /// NIO's request head as swift-http-types models it, made once per request: the method, the
    /// target in origin form as the path (an absolute-form target is routed by its path,
    /// RFC 9112 §3.2.2), the first `Host` as the authority and every other field in its order;
    /// and how many `Host` fields came. `nil` for a method that is not a token, which NIO's
    /// parser does not let through.
    static func request(from head: HTTPRequestHead) -> (HTTPRequest, hosts: Int)? {
        let method: HTTPRequest.Method
        switch head.method {
        case .GET: method = .get
        case .PUT: method = .put
        case .POST: method = .post
        case .PATCH: method = .patch
        case .DELETE: method = .delete
        case .HEAD: method = .head
        case .OPTIONS: method = .options
        default:
            guard let other = HTTPRequest.Method(head.method.rawValue) else { return nil }
            method = other
        }
        var fields = HTTPFields()
        fields.reserveCapacity(head.headers.count)
        var authority: String?
        var hosts = 0
        for (name, value) in head.headers {
            // The parser passes only token names: one swift-http-types refuses all the same is
            // left out rather than guessed at.
            guard let name = HTTPField.Name(name) else { continue }
            // (swift-http-types offers no `.host`: the field is `HTTPRequest.authority`.)
            if name.canonicalName == "host" {
                hosts += 1
                if authority == nil {
                    authority = value
                    continue
                }
            }
            fields.append(HTTPField(name: name, value: value))
        }
        let target = head.uri
        let path = target.utf8.first == UInt8(ascii: "/") ? target : String(HTTPServerRequest.originForm(of: target))
        return (HTTPRequest(method: method, scheme: nil, authority: authority, path: path, headerFields: fields), hosts)
    }

    private var tooLarge: OCPIError { .bodyTooLarge(limit: limits.maximumBodySize) }

    /// Queues the connection's last answer: nothing after it is read.
    private func refuseAndStop(_ pending: Pending, _ context: ChannelHandlerContext) {
        var pending = pending
        pending.closes = true
        stopped = true
        head = nil
        body = nil
        requestStarted = nil
        queue.append(pending)
        answerNext(context)
    }

    /// Reads are passed on unless the connection has enough to do.
    func read(context: ChannelHandlerContext) {
        if mayRead || lingeringSince != nil {
            context.read()
        } else {
            readHeld = true
        }
    }

    private var mayRead: Bool {
        !stopped && !closing && writeHeldSince == nil && queue.count < Self.readAhead && queuedBodyBytes <= limits.maximumBodySize
    }

    private func resumeReading(_ context: ChannelHandlerContext) {
        if readHeld, mayRead {
            readHeld = false
            context.read()
        }
    }

    private func answerNext(_ context: ChannelHandlerContext) {
        guard !answering, !closing, writeHeldSince == nil else { return }
        guard let next = queue.popFirst() else {
            if (quiescing || inputClosed), head == nil { context.close(promise: nil) }
            return
        }
        queuedBodyBytes -= next.bodySize
        resumeReading(context)
        let request: HTTPServerRequest
        switch next.answer {
        case .refusal(let error, let head):
            write(router.refuse(head, error), for: next, context: context)
            return
        case .route(let routed):
            request = routed
        }
        answering = true
        let router = router
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let answer: @Sendable () async -> Void = {
            let response = await router.respond(to: request)
            let reply: @Sendable () -> Void = {
                let (handler, context) = bound.value
                handler.answering = false
                handler.write(response, for: next, context: context)
            }
            // The task ends on the loop itself (its executor), where the answer is written at once.
            if bound.eventLoop.inEventLoop { reply() } else { bound.eventLoop.execute(reply) }
        }
        Task(executorPreference: executor, operation: answer)
    }

    /// Writes one answer, then answers the next unless the client must first read this one.
    private func write(_ response: HTTPServerResponse, for pending: Pending, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        lastActivity = .now()
        // The last answer of a connection that is shutting down or whose input ended says so.
        let last = queue.isEmpty && head == nil && requestStarted == nil
        let close = pending.closes || !pending.keepAlive || ((quiescing || inputClosed) && last)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count + 256)
        HTTPResponseWriter.write(
            response, version: pending.version, close: close, omitBody: pending.method == .head, date: HTTPDate.now(), server: serverName,
            into: &buffer
        )
        let written = context.writeAndFlush(wrapOutboundOut(buffer))
        if close {
            closing = true
            stopped = true
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            written.assumeIsolated().whenComplete { result in
                let (handler, context) = bound.value
                if case .success = result { handler.linger(context) } else { context.close(promise: nil) }
            }
        } else if !context.channel.isWritable {
            writeHeldSince = lastActivity
        } else {
            answerNext(context)
        }
    }

    /// Closes the sending side after the last answer, then drains what the client still sends
    /// until it closes too or `lingerTimeout` passes.
    private func linger(_ context: ChannelHandlerContext) {
        guard !inputClosed, context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        lingeringSince = .now()
        let halfClosed = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: halfClosed)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        halfClosed.futureResult.assumeIsolated().whenFailure { _ in bound.value.close(promise: nil) }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, writeHeldSince != nil {
            writeHeldSince = nil
            lastActivity = .now()
            answerNext(context)
            resumeReading(context)
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // The answer under way is finished (saying close); requests read but not begun are
            // not answered (the close tells the client to send them again), nor is a client
            // that reads nothing waited for.
            quiescing = true
            stopped = true
            queue.removeAll()
            queuedBodyBytes = 0
            head = nil
            requestStarted = nil
            if !answering || writeHeldSince != nil { context.close(promise: nil) }
            return
        }
        if case .inputClosed = event as? ChannelEvent {
            // The decoder has handed on everything before the end (or its error for a request
            // the end cut short).
            inputClosed = true
            if lingeringSince != nil {
                context.close(promise: nil)
                return
            }
            stopped = true
            requestStarted = nil
            if isIdle { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Nothing read and not answered, nothing being read.
    private var isIdle: Bool { !answering && queue.isEmpty && head == nil && requestStarted == nil }

    /// Every quarter of the shorter timeout, or every second: a request read for too long is
    /// refused, a connection idle for too long, whose client reads nothing, or that has lingered
    /// long enough is closed.
    private func scheduleCheck(_ context: ChannelHandlerContext) {
        let period = TimeAmount.nanoseconds(max(min(limits.idleTimeout.nanoseconds / 4, limits.readTimeout.nanoseconds / 4, 1_000_000_000), 10_000_000))
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: period) {
            let context = bound.value
            let now = NIODeadline.now()
            if let since = self.lingeringSince {
                if now - since >= Self.lingerTimeout {
                    context.close(promise: nil)
                    return
                }
            } else if let since = self.writeHeldSince ?? (self.closing ? self.lastActivity : nil), now - since >= self.limits.idleTimeout {
                // The client has read nothing of what waits for it.
                context.close(promise: nil)
                return
            }
            if let started = self.requestStarted, !self.stopped {
                if self.readHeld {
                    // Its bytes wait for us, not for the client.
                    self.requestStarted = now
                } else if now - started >= self.limits.readTimeout {
                    let error = OCPIError(.requestTimeout, "The request did not arrive whole within \(self.limits.readTimeout.nanoseconds / 1_000_000_000) seconds")
                    self.refuseAndStop(Pending(self.head, refusal: error), context)
                }
            } else if self.isIdle, !self.closing, now - self.lastActivity >= self.limits.idleTimeout {
                context.close(promise: nil)
                return
            }
            self.scheduleCheck(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        // Bytes after the connection's last request (drained, or cut short by the close) are
        // not requests that matter: the answers owed go out all the same.
        guard !stopped else { return }
        // A request that cannot be parsed is answered with an envelope, after the answers owed
        // before it, and then the connection is closed: the stream cannot be trusted past it.
        // Logged and counted as any request no route took, under the path `-`.
        let error = OCPIError(.invalidParameter, "The request is not valid HTTP/1.1")
        refuseAndStop(Pending(nil, refusal: error), context)
    }
}

/// An HTTP/1.1 response as bytes: status line, the route's header fields, then
/// `Content-Length`, `Date`, `Server` and `Connection`, then the body.
///
/// Field names and values are written as they are: swift-http-types holds only token names,
/// and values with no CR, LF or NUL (it turns those into spaces), so no value can end the head
/// early or add fields of its own.
enum HTTPResponseWriter {
    /// `omitBody`: the answer to a HEAD request, whose `Content-Length` is the body's all the same.
    static func write(
        _ response: HTTPServerResponse, version: HTTPVersion, close: Bool, omitBody: Bool = false, date: String, server: String,
        into buffer: inout ByteBuffer
    ) {
        let code = response.head.status.code
        buffer.writeString(version.major == 1 && version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(HTTPResponseStatus(statusCode: code).reasonPhrase)
        buffer.writeStaticString("\r\n")
        for field in response.head.headerFields {
            buffer.writeString(field.name.rawName)
            buffer.writeStaticString(": ")
            _ = field.withUnsafeBytesOfValue { buffer.writeBytes($0) }
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("Content-Length: ")
        buffer.writeString(String(response.body.count))
        buffer.writeStaticString("\r\nDate: ")
        buffer.writeString(date)
        buffer.writeStaticString("\r\nServer: ")
        buffer.writeString(server)
        if close {
            buffer.writeStaticString("\r\nConnection: close")
        } else if version.major == 1, version.minor == 0 {
            buffer.writeStaticString("\r\nConnection: keep-alive")
        }
        buffer.writeStaticString("\r\n\r\n")
        if !omitBody { buffer.writeBytes(response.body) }
    }
}

/// The `Date` header's text (RFC 9110's IMF-fixdate), made once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func now() -> String {
        let second = Int(Date().timeIntervalSince1970)
        return cache.withLock { cache in
            if cache.second != second { cache = (second, format(second)) }
            return cache.text
        }
    }

    static func format(_ secondsSince1970: Int) -> String {
        var time = time_t(secondsSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = days[Int(parts.tm_wday) % 7]
        let month = months[Int(parts.tm_mon) % 12]
        return "\(day), \(two(parts.tm_mday)) \(month) \(1900 + parts.tm_year) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
