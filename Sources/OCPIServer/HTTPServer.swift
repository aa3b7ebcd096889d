import Foundation
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import OCPIRuntime
import ServiceLifecycle
import Synchronization

/// An HTTP/1.1 server for an `HTTPRouter`, straight on SwiftNIO: one channel handler per
/// connection reads a request, runs its route as a task whose executor is the connection's own
/// event loop (`EventLoopTaskExecutor`), and writes the answer.
///
/// It keeps connections alive, answers pipelined requests in order, refuses bodies over the
/// router's limit with 413 before routing, closes connections idle for `idleTimeout`, answers
/// a request it cannot parse with a 400 envelope, and on graceful shutdown (ServiceLifecycle)
/// stops accepting, finishes the requests under way and closes every connection.
///
/// Hummingbird's pipeline (an async sequence of requests per connection) cost about half of
/// what a request of one location took; see docs/PERFORMANCE.md.
public struct OCPIHTTPServer: Service {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The `Server` header.
        public var serverName: String
        /// A connection without a request for this long is closed.
        public var idleTimeout: TimeAmount

        public init(host: String = "127.0.0.1", port: Int = 8080, serverName: String = "ocpi-cpo", idleTimeout: TimeAmount = .seconds(60)) {
            self.host = host
            self.port = port
            self.serverName = serverName
            self.idleTimeout = idleTimeout
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
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(
                        HTTPConnectionHandler(
                            router: router, serverName: configuration.serverName, idleTimeout: configuration.idleTimeout,
                            eventLoop: channel.eventLoop
                        )
                    )
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        logger.info("listening", metadata: ["address": "\(configuration.host):\(configuration.port)"])
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

/// One connection: requests parsed by NIO's decoder, answered one at a time in the order they
/// came (HTTP/1.1 pipelining), each response written as one buffer.
///
/// The response is serialised here rather than by NIO's encoder, header validator and pipeline
/// handler: those cost three writes through four handlers per response, and the pipeline
/// handler stops and restarts reading around every request (two `epoll_ctl` calls each).
/// Reading is held back only while `maximumQueued` requests wait.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Requests read ahead of their answers before the connection stops reading.
    static let maximumQueued = 16

    private struct Pending {
        let head: HTTPRequestHead
        let request: HTTPServerRequest
        let tooLarge: Bool
        /// The answer closes the connection whatever the request asked for.
        var closes = false
    }

    private let router: HTTPRouter
    private let serverName: String
    private let idleTimeout: TimeAmount
    /// The request being read.
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// The body went over the limit: the rest of it is read and dropped, the answer is 413.
    private var tooLarge = false
    /// Read, not yet answered.
    private var queue = CircularBuffer<Pending>(initialCapacity: 2)
    /// A request's route is running.
    private var answering = false
    /// The server is shutting down: the connection closes after what it has read is answered.
    private var quiescing = false
    /// A response saying `Connection: close` is written: nothing more is answered, and the
    /// connection closes once it is out.
    private var closing = false
    private var readHeld = false
    /// The decoder met bytes that are not HTTP: a 400 is owed after the queue, then the close.
    private var parseFailed = false
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?

    /// Where the routes' tasks run: this connection's event loop.
    private let executor: EventLoopTaskExecutor

    init(router: HTTPRouter, serverName: String, idleTimeout: TimeAmount, eventLoop: any EventLoop) {
        self.router = router
        self.serverName = serverName
        self.idleTimeout = idleTimeout
        executor = EventLoopTaskExecutor(eventLoop)
    }

    func channelActive(context: ChannelHandlerContext) {
        scheduleIdleCheck(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            let declared = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            tooLarge = declared > router.maximumBodySize
            let expectsContinue = head.version.minor >= 1 && head.headers.first(name: "expect")?.lowercased() == "100-continue"
            if expectsContinue, tooLarge {
                // RFC 9110 §10.1.1: the final answer instead of the 100, in its turn, so that the
                // client need not send the body at all. Whatever body it sends anyway is not
                // read as a next request: the answer closes the connection.
                let request = HTTPServerRequest(
                    method: head.method.rawValue, target: head.uri,
                    headers: HeaderFields(pairs: head.headers), body: []
                )
                self.head = nil
                queue.append(Pending(head: head, request: request, tooLarge: true, closes: true))
                if !answering { answerNext(context) }
            } else if expectsContinue {
                var buffer = context.channel.allocator.buffer(capacity: 32)
                buffer.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            }
        case .body(var chunk):
            guard !tooLarge else { return }
            if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
            if (body?.readableBytes ?? 0) > router.maximumBodySize {
                tooLarge = true
                body = nil
            }
        case .end:
            guard let head, !closing, !parseFailed else { return }
            self.head = nil
            let request = HTTPServerRequest(
                method: head.method.rawValue, target: head.uri,
                headers: HeaderFields(pairs: head.headers),
                body: body.map { Array($0.readableBytesView) } ?? []
            )
            body = nil
            queue.append(Pending(head: head, request: request, tooLarge: tooLarge))
            tooLarge = false
            if !answering { answerNext(context) }
        }
    }

    /// Reads are passed on unless enough requests already wait.
    func read(context: ChannelHandlerContext) {
        if queue.count >= Self.maximumQueued {
            readHeld = true
        } else {
            context.read()
        }
    }

    private func answerNext(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        guard let next = queue.popFirst() else {
            if parseFailed {
                // Logged and counted as any request no route took, under the path `-`.
                let error = OCPIError(.invalidParameter, "The request is not valid HTTP/1.1")
                write(router.refuse(HTTPServerRequest(method: "-", path: "-"), error), version: .http1_1, keepAlive: false, context: context)
            } else if quiescing, head == nil {
                context.close(promise: nil)
            }
            return
        }
        if readHeld, queue.count < Self.maximumQueued {
            readHeld = false
            context.read()
        }
        if next.tooLarge {
            let error = OCPIError(.payloadTooLarge, "The body is larger than \(router.maximumBodySize) bytes")
            write(router.refuse(next.request, error), version: next.head.version, keepAlive: next.head.isKeepAlive && !next.closes, context: context)
            return
        }
        answering = true
        let router = router
        let request = next.request
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let answer: @Sendable () async -> Void = {
            let response = await router.respond(to: request)
            let reply: @Sendable () -> Void = {
                let (handler, context) = bound.value
                handler.answering = false
                handler.write(response, version: next.head.version, keepAlive: next.head.isKeepAlive, context: context)
            }
            // The task ends on the loop itself (its executor), where the answer is written at once.
            if bound.eventLoop.inEventLoop { reply() } else { bound.eventLoop.execute(reply) }
        }
        Task(executorPreference: executor, operation: answer)
    }

    /// Writes one answer (`keepAlive`: what the request asked for), then answers the next.
    private func write(_ response: HTTPServerResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        lastActivity = .now()
        // The last answer of a connection that is shutting down says so.
        let close = !keepAlive || (quiescing && queue.isEmpty && head == nil && !parseFailed)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count + 256)
        HTTPResponseWriter.write(response, version: version, close: close, date: HTTPDate.now(), server: serverName, into: &buffer)
        let written = context.writeAndFlush(wrapOutboundOut(buffer))
        if close {
            closing = true
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.assumeIsolated().whenComplete { _ in bound.value.close(promise: nil) }
        } else {
            answerNext(context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            if !answering, queue.isEmpty, head == nil { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Closes a connection that has had nothing to do for `idleTimeout`; a slow route is not
    /// idleness.
    private func scheduleIdleCheck(_ context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(idleTimeout.nanoseconds / 2)) {
            let context = bound.value
            let idle = !self.answering && self.queue.isEmpty && self.head == nil
            if idle, NIODeadline.now() - self.lastActivity >= self.idleTimeout {
                context.close(promise: nil)
            } else {
                self.scheduleIdleCheck(context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request that cannot be parsed is answered with an envelope, after the answers owed
        // before it, and then the connection is closed: the stream cannot be trusted past it.
        guard error is HTTPParserError, !closing, !parseFailed else {
            context.close(promise: nil)
            return
        }
        parseFailed = true
        head = nil
        if !answering, queue.isEmpty { answerNext(context) }
    }
}

/// Swift's task executor over one NIO event loop: a route's task, and every nonisolated async
/// function it calls, runs on the connection's own thread.
///
/// Without it, a task started from the handler runs on the global executor; in `ocpi-cpo` that
/// is NIO's event loops too (`unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`),
/// but NIO runs those jobs as the loop's serial executor, so each call into a nonisolated async
/// function (SQLKit's, ours) went back through the loop's queue to reach the generic executor:
/// a loop tick per call, about 7% of a request for one location.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}

/// An HTTP/1.1 response as bytes: status line, the route's headers, then `Content-Length`,
/// `Date`, `Server` and `Connection`, then the body.
enum HTTPResponseWriter {
    static func write(
        _ response: HTTPServerResponse, version: HTTPVersion, close: Bool, date: String, server: String, into buffer: inout ByteBuffer
    ) {
        buffer.writeString(version.major == 1 && version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(response.status))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(HTTPResponseStatus(statusCode: response.status).reasonPhrase)
        buffer.writeStaticString("\r\n")
        for (name, value) in response.headers where isToken(name) && isFieldValue(value) {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
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
        buffer.writeBytes(response.body)
    }

    /// A header name of RFC 9110's token characters; anything else is not written.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// A header value without CR, LF or NUL (which would end or split the header); one that has
    /// them is not written rather than let a value inject headers of its own.
    static func isFieldValue(_ value: String) -> Bool {
        !value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
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
