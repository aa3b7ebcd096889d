import Foundation
import OCPIRuntime

#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to loopback: bytes out as given, bytes in as they come, for the tests of
/// what an HTTP client library hides (pipelining, bytes that are not HTTP, half-closes, clients
/// that read nothing).
public final class RawHTTPConnection {
    public let socketFD: Int32
    private var received: [UInt8] = []
    public private(set) var closedByServer = false

    /// `receiveBuffer`: the socket's receive buffer in bytes, set before it connects (a small
    /// one makes a client that does not read fill up at once).
    public init(port: Int, receiveBuffer: Int32? = nil) throws {
        socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(socketFD, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard socketFD >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        // No read waits longer than this: a server that does not answer fails the test.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(socketFD) }

    /// Shuts down the sending side, as `nc -N` does once its input ends.
    public func shutdownWrite() {
        shutdown(socketFD, Int32(SHUT_WR))
    }

    /// Every byte until the server closes or a read times out, parsed once at the end (for
    /// answers too large to parse again at every read).
    public func responsesUntilClosed() async -> [RawHTTPResponse] {
        while !closedByServer, let chunk = await receive() {
            received += chunk
        }
        return RawHTTPResponse.parse(received)
    }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(socketFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `count` whole responses have come, the server closes, or a read times out.
    public func responses(_ count: Int) async -> [RawHTTPResponse] {
        while true {
            let parsed = RawHTTPResponse.parse(received)
            if parsed.count >= count || closedByServer { return parsed }
            guard let chunk = await receive() else { return RawHTTPResponse.parse(received) }
            received += chunk
        }
    }

    /// Whether the server closes the connection (rather than the read timing out).
    public func waitForClose() async -> Bool {
        _ = await responses(Int.max)
        return closedByServer
    }

    /// The next bytes as they come, as text; `nil` once the server closes or a read times out.
    public func rawChunk() async -> String? {
        await receive().map { String(decoding: $0, as: UTF8.self) }
    }

    /// One `recv`, on a thread of its own: a blocking read on one of Swift's few pool threads
    /// would hold back the tasks that answer it.
    private func receive() async -> [UInt8]? {
        let socketFD = socketFD
        let (bytes, read, error) = await withCheckedContinuation { (done: CheckedContinuation<([UInt8], Int, Int32), Never>) in
            Thread {
                var chunk = [UInt8](repeating: 0, count: 65_536)
                let read = chunk.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
                done.resume(returning: (chunk, read, errno))
            }.start()
        }
        if read <= 0 {
            // A close with bytes it did not read makes the server's kernel reset the
            // connection: closed all the same (a read that times out is not).
            closedByServer = read == 0 || error == ECONNRESET
            return nil
        }
        return Array(bytes[..<read])
    }
}

public struct RawHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: String

    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    public var statusCode: Int? {
        guard case .number(let value)? = (try? JSONValue.decodeJSON(Array(body.utf8)).value)?["status_code"] else { return nil }
        return NSDecimalNumber(decimal: value).intValue
    }

    /// The whole responses at the start of `bytes` (bodies by Content-Length).
    public static func parse(_ bytes: [UInt8]) -> [RawHTTPResponse] {
        var responses: [RawHTTPResponse] = []
        var rest = bytes[...]
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while let end = rest.firstRange(of: separator) {
            let lines = String(decoding: rest[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            let status = lines[0].split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            let headers = lines.dropFirst().compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
            guard rest[end.upperBound...].count >= length else { break }
            let body = rest[end.upperBound...].prefix(length)
            responses.append(RawHTTPResponse(status: status, headers: headers, body: String(decoding: body, as: UTF8.self)))
            rest = rest[(end.upperBound + length)...]
        }
        return responses
    }
}
