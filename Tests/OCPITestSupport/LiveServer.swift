import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Real HTTP servers on loopback for tests: a free port, and an application that runs exactly as
/// long as the test body.
public enum LiveServer {
    /// A port nobody listens on now.
    public static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Serves `router` on `port` while `body` runs.
    public static func run(
        _ router: Router<BasicRequestContext>, port: Int, logger: Logger = serverLogger, _ body: () async throws -> Void
    ) async throws {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in signal.yield() }, logger: logger
        )
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
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
        let (stopped, stop) = AsyncStream<Void>.makeStream()
        Task {
            _ = try? await server.value
            stop.finish()
        }
        Task {
            try? await Task.sleep(for: .seconds(5))
            stop.finish()
        }
        for await _ in stopped {}
        server.cancel()
        try outcome.get()
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
