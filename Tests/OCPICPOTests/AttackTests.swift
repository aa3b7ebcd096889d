import Foundation
import OCPIStore
import OCPITestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ocpi-cpo serve` as a process, attacked as the hardening issue found it attackable: what it
/// holds and spends is read from /proc while it is under attack.
@Suite(.holdsResources) struct AttackTests {
    /// A running `ocpi-cpo serve` (in memory, no demo data), started by `/bin/sh` so that it runs
    /// under `limits` (shell commands such as `ulimit -n 128`).
    static func serve(_ port: Int, _ flags: [String] = [], limits: String = "true") throws -> RunningCommand {
        let executable = try #require(BuiltExecutable.url("ocpi-cpo"))
        let command = "\(limits) && exec \"$0\" serve --port \(port) --database :memory: --no-demo-data \(flags.joined(separator: " "))"
        return try RunningCommand(executable: URL(fileURLWithPath: "/bin/sh"), ["-c", command, executable.path])
    }

    /// Resident memory in bytes (`VmRSS`).
    static func residentBytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kilobytes = try #require(line.split(separator: " ").dropFirst().first.flatMap { Int($0) })
        return kilobytes * 1024
    }

    /// CPU time used so far (user and system), in seconds.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The fields after the command name in parentheses: utime and stime are the 12th and 13th.
        let fields = try #require(stat.split(separator: ")").last).split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (Double(fields[11]) ?? 0) / ticks + (Double(fields[12]) ?? 0) / ticks
    }

    /// About 80 KB of pipelined requests for the OpenAPI document (250 KB each) from a client
    /// that reads none of the answers made the server hold about 500 MB; now it holds what the
    /// socket's buffers take, and stays within 100 MB of its resident memory before.
    @Test func pipelinedRequestsFromAClientThatDoesNotReadHoldLittleMemory() async throws {
        let port = try LiveServer.freePort()
        let server = try Self.serve(port)
        try await server.waitForOutput(containing: "admin token")
        // Once, so that the document and its buffers are counted in the memory before.
        let warm = try RawHTTPConnection(port: port)
        warm.send("GET /docs/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await warm.responses(1).first?.status == 200)
        let before = try Self.residentBytes(server.processIdentifier)

        let attacker = try RawHTTPConnection(port: port, receiveBuffer: 4096)
        attacker.send(String(repeating: "GET /docs/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n", count: 2_000))
        var peak = before
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(100))
            peak = max(peak, try Self.residentBytes(server.processIdentifier))
        }
        #expect(peak - before < 100 << 20, "resident memory grew by \((peak - before) >> 20) MB")
        // And it still answers others.
        let other = try RawHTTPConnection(port: port)
        other.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await other.responses(1).first?.status == 200)
        _ = attacker
        #expect(try await server.stop() == 0, "\(server.standardError)")
    }

    /// Under an open-file limit of 128, 300 connections that send a head without its end made
    /// `/health` time out for as long as they stayed, with the accept loop spinning a core. Now
    /// connections past the server's limit are closed at once, the others are answered 408
    /// after the read timeout, the server does not spin, and `/health` answers again.
    @Test func aFloodOfUnfinishedRequestsUnderALowFileLimitPassesOver() async throws {
        let port = try LiveServer.freePort()
        let server = try Self.serve(port, ["--read-timeout", "1"], limits: "ulimit -n 128")
        try await server.waitForOutput(containing: "admin token")
        let pid = server.processIdentifier
        let cpuBefore = try Self.cpuSeconds(pid)
        let started = ContinuousClock.now
        var flood: [RawHTTPConnection] = []
        for _ in 0..<300 {
            guard let connection = try? RawHTTPConnection(port: port) else { continue }
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\n")
            flood.append(connection)
        }
        try await Task.sleep(for: .milliseconds(1500))
        let cpu = try Self.cpuSeconds(pid) - cpuBefore
        let elapsed = ContinuousClock.now - started
        #expect(cpu < 0.75, "\(cpu) s of CPU in \(elapsed): the server spins")

        var answered = false
        for _ in 0..<50 where !answered {
            if let connection = try? RawHTTPConnection(port: port) {
                connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                answered = await connection.responses(1).first?.status == 200
            }
            if !answered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answered, "/health answers once the unfinished requests have timed out")
        // Those the server took were told why.
        let told = await flood.prefix(20).asyncMap { await $0.responses(1).first?.status }
        #expect(told.contains(408), "\(told)")
        #expect(try await server.stop() == 0, "\(server.standardError)")
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var result: [T] = []
        for element in self { result.append(await transform(element)) }
        return result
    }
}
