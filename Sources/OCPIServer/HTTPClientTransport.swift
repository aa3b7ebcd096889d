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

    public init(client: HTTPClient = .shared, timeout: TimeAmount = .seconds(30), maximumResponseSize: Int = 64 << 20) {
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
