import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCPIRuntime

/// Sends OCPI requests over AsyncHTTPClient, with a deadline on every request.
public struct HTTPClientTransport: OCPIClientTransport {
    public let client: HTTPClient
    /// The longest a request may take, connecting included.
    public var timeout: TimeAmount
    /// Larger responses are refused.
    public var maximumResponseSize: Int

    /// The process-wide client for OCPI calls: a refused connection fails at once instead of
    /// being retried until the deadline (a partner that is down must not hold a handshake or a
    /// push for the whole timeout), connecting is bounded, and redirects are not followed
    /// (OCPI endpoints are exact URLs, and a redirected POST is not the same request).
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(30)),
            decompression: .enabled(limit: .ratio(25))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(client: HTTPClient = HTTPClientTransport.sharedClient, timeout: TimeAmount = .seconds(30), maximumResponseSize: Int = 64 << 20) {
        self.client = client
        self.timeout = timeout
        self.maximumResponseSize = maximumResponseSize
    }

    public func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for field in request.headers {
            outgoing.headers.add(name: field.name, value: field.value)
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        // The client's deadline ends with the response head; the body is read under the same
        // deadline here, so that a partner dribbling bytes cannot hold a call for ever.
        let deadline = NIODeadline.now() + timeout
        let response = try await client.execute(outgoing, deadline: deadline)
        let body = try await Self.collect(response.body, upTo: maximumResponseSize, before: deadline)
        return OCPIClientResponse(
            status: Int(response.status.code),
            headers: HeaderFields(pairs: response.headers),
            body: Array(body.readableBytesView)
        )
    }

    /// The whole body, or an error once `deadline` passes (the read is cancelled, which closes
    /// the connection).
    private static func collect(_ body: HTTPClientResponse.Body, upTo limit: Int, before deadline: NIODeadline) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: limit) }
            group.addTask {
                let remaining = deadline - NIODeadline.now()
                try await Task.sleep(nanoseconds: UInt64(max(0, remaining.nanoseconds)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw HTTPClientError.deadlineExceeded
            }
            return buffer
        }
    }
}
