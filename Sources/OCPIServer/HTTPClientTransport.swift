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
        let response = try await client.execute(outgoing, timeout: timeout)
        let body = try await response.body.collect(upTo: maximumResponseSize)
        return OCPIClientResponse(
            status: Int(response.status.code),
            headers: HeaderFields(response.headers.map { ($0.name, $0.value) }),
            body: Array(body.readableBytesView)
        )
    }
}
