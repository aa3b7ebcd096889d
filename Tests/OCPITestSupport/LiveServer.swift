import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Real HTTP servers on loopback for tests: a free port, and an application that runs exactly as
/// long as the test body.
public enum LiveServer {
    /// Ports are handed out below Linux's ephemeral range (32768-60999), from which the kernel
    /// picks both `bind(0)` ports and the local ports of outgoing connections: a port taken that
    /// way could be in use by a test's own HTTP or PostgreSQL connection by the time its server
    /// binds it ("Address already in use"). A counter keeps two tests of one process apart.
    private static let nextPort = Mutex(20_000 + Int.random(in: 0..<10_000))

    public struct NoFreePort: Error {}

    /// A port nobody listens on now, and that no other test of this process was given.
    public static func freePort() throws -> Int {
        for _ in 0..<12_000 {
            let port = nextPort.withLock { next in
                defer { next = next >= 32_000 ? 20_000 : next + 1 }
                return next
            }
            if canBind(port) { return port }
        }
        throw NoFreePort()
    }

    private static func canBind(_ port: Int) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { return false }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) } } == 0
    }

    /// Serves `router` with Hummingbird on `port` while `body` runs.
    public static func run(
        _ router: Router<BasicRequestContext>, port: Int, logger: Logger = serverLogger, _ body: () async throws -> Void
    ) async throws {
        try await run(serving: { running in
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                onServerRunning: { _ in running() }, logger: logger
            )
        }, port: port, logger: logger, body)
    }

    /// Runs the server `make` builds while `body` runs; the server calls the function it is
    /// given once it listens on `port`.
    public static func run(
        serving make: (_ running: @escaping @Sendable () -> Void) -> some Service, port: Int, logger: Logger = serverLogger,
        _ body: () async throws -> Void
    ) async throws {
        try await run(servingAll: { running in [make(running)] }, port: port, logger: logger, body)
    }

    /// Runs the services `make` builds (a server and those beside it, such as a pusher) while
    /// `body` runs; one of them calls the function it is given once it listens on `port`.
    public static func run(
        servingAll make: (_ running: @escaping @Sendable () -> Void) -> [any Service], port: Int, logger: Logger = serverLogger,
        _ body: () async throws -> Void
    ) async throws {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let made = make { signal.yield() }
        let services = ServiceGroup(configuration: .init(services: made, logger: logger))
        // Not a child task: a server that will not stop must not hold the test for ever (a task
        // group waits for its children, cancelled or not).
        let server = Task {
            defer { signal.finish() }
            try await services.run()
        }
        var running = false
        for await _ in started {
            running = true
            break
        }
        guard running else {
            // It ended before it listened: the port was taken, say.
            try await server.value
            throw NotStarted(port: port)
        }
        let outcome: Result<Void, any Error>
        do {
            try await body()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // Gracefully: a response being written when the server is cancelled outright trips an
        // assertion in NIO. A server that has not stopped after a few seconds (a test's hanging
        // partner) is cancelled and left behind.
        await services.triggerGracefulShutdown()
        await waitForEnd(of: server, atMost: .seconds(5))
        server.cancel()
        // Cancelled, it lets go of its port and connections soon: that is waited for too (as
        // long again at most), or the next test, or a restart on the same port, finds them
        // still open (a restart's bind failed with "Address already in use" on a loaded machine).
        await waitForEnd(of: server, atMost: .seconds(5))
        try outcome.get()
    }

    /// Returns when `task` has ended, or after `limit`, whichever comes first.
    private static func waitForEnd(of task: Task<Void, any Error>, atMost limit: Duration) async {
        let (stopped, stop) = AsyncStream<Void>.makeStream()
        Task {
            _ = try? await task.value
            stop.finish()
        }
        Task {
            try? await Task.sleep(for: limit)
            stop.finish()
        }
        for await _ in stopped {}
    }

    public struct NotStarted: Error, CustomStringConvertible {
        public var port: Int
        public var description: String { "the test server did not start on port \(port)" }
    }

    /// The HTTP server's own logger: cancelling the server at the end of a test makes it log an
    /// error about its child channels, which says nothing about the test.
    public static var serverLogger: Logger {
        var logger = Logger(label: "test.http")
        logger.logLevel = .critical
        return logger
    }

    public static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }
}
