import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import OCPIRuntime
import Synchronization

/// Sends OCPI requests over AsyncHTTPClient, with a deadline on every request.
public struct HTTPClientTransport: OCPIClientTransport {
    public private(set) var client: HTTPClient
    /// The longest a request may take, connecting included.
    public var timeout: TimeAmount
    /// Larger responses are refused.
    public var maximumResponseSize: Int
    /// How many redirects of a GET to the same scheme, host and port are followed; writes and
    /// redirects elsewhere are never followed (the redirect is the answer).
    public var maximumRedirects = 3
    /// Where followed redirects are noted.
    public var logger = Logger(label: "ocpi.client")

    /// A certificate-authority bundle that cannot be used, named with the reason.
    public struct CABundleError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The process-wide client for OCPI calls: a refused connection fails at once instead of
    /// being retried until the deadline (a partner that is down must not hold a handshake or a
    /// push for the whole timeout), connecting is bounded, and redirects are not followed by the
    /// client: `send` follows a GET's to the same origin, never a write's (a redirected POST is
    /// not the same request).
    public static let sharedClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)

    /// The settings of `sharedClient`, for a client of one's own (on other event loops).
    public static var clientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(30)),
            decompression: .enabled(limit: .ratio(25))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// The settings of `client` (the pushes' `NIOClientTransport` takes its certificate checks).
    public private(set) var configuration: HTTPClient.Configuration

    public init(client: HTTPClient = HTTPClientTransport.sharedClient, timeout: TimeAmount = .seconds(30), maximumResponseSize: Int = 64 << 20) {
        self.client = client
        configuration = Self.clientConfiguration
        self.timeout = timeout
        self.maximumResponseSize = maximumResponseSize
    }

    /// A transport whose client verifies partners' certificates against the system's
    /// certificate authorities and also those in `caBundle` (PEM: a private CA, or a partner's
    /// self-signed certificate). Like `sharedClient`, the client lives as long as the process
    /// (one per bundle file, made at the first call): AsyncHTTPClient stops the process when a
    /// client that was not shut down goes away, and a command that fails half-way must not.
    public init(trustingAlso caBundle: String, timeout: TimeAmount = .seconds(30), maximumResponseSize: Int = 64 << 20) throws {
        let (client, configuration) = try Self.trustingClients.withLock { clients in
            if let made = clients[caBundle] { return made }
            let made = try Self.makeClient(trustingAlso: caBundle)
            clients[caBundle] = made
            return made
        }
        self.init(client: client, timeout: timeout, maximumResponseSize: maximumResponseSize)
        self.configuration = configuration
    }

    private static let trustingClients = Mutex<[String: (HTTPClient, HTTPClient.Configuration)]>([:])

    private static func makeClient(trustingAlso caBundle: String) throws -> (HTTPClient, HTTPClient.Configuration) {
        let authorities: [NIOSSLCertificate]
        do {
            authorities = try NIOSSLCertificate.fromPEMFile(caBundle)
        } catch {
            throw CABundleError(description: "cannot read the certificate authorities in \(caBundle): \(error)")
        }
        guard !authorities.isEmpty else { throw CABundleError(description: "\(caBundle) holds no certificate") }
        var configuration = clientConfiguration
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.certificates(authorities)]
        tls.minimumTLSVersion = .tlsv12
        configuration.tlsConfiguration = tls
        return (HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration), configuration)
    }

    public func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        var request = request
        for _ in 0..<maximumRedirects {
            let response = try await sendOnce(request)
            let status = response.head.status.code
            guard request.head.method == .get, [301, 302, 303, 307, 308].contains(status),
                let location = response.head.headerFields[.location], let target = Self.sameOrigin(location, as: request.url)
            else { return response }
            logger.notice("following a redirect", metadata: ["status": "\(status)", "from": .string(request.url), "to": .string(target)])
            request.url = target
        }
        return try await sendOnce(request)
    }

    /// `location` resolved against `url`, when it has the same scheme, host and port.
    static func sameOrigin(_ location: String, as url: String) -> String? {
        guard let base = URL(string: url), let target = URL(string: location, relativeTo: base)?.absoluteURL,
            let baseScheme = base.scheme?.lowercased(), target.scheme?.lowercased() == baseScheme,
            let host = base.host?.lowercased(), target.host?.lowercased() == host
        else { return nil }
        let defaultPort = baseScheme == "https" ? 443 : 80
        guard (target.port ?? defaultPort) == (base.port ?? defaultPort) else { return nil }
        return target.absoluteString
    }

    private func sendOnce(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.head.method.rawValue)
        outgoing.headers.reserveCapacity(request.head.headerFields.count)
        for field in request.head.headerFields {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        // The client's deadline ends with the response head; the body is read under the same
        // deadline here, so that a partner dribbling bytes cannot hold a call for ever.
        let deadline = NIODeadline.now() + timeout
        let response = try await client.execute(outgoing, deadline: deadline)
        let body = try await Self.collect(response.body, upTo: maximumResponseSize, before: deadline)
        let code = Int(response.status.code)
        guard (100...999).contains(code) else {
            throw OCPIClientError.invalidResponse(httpStatus: code, reason: "\(code) is not an HTTP status code", violations: [])
        }
        return OCPIClientResponse(
            status: HTTPResponse.Status(code: code, reasonPhrase: response.status.reasonPhrase),
            headerFields: Self.fields(of: response.headers),
            body: Array(body.readableBytesView)
        )
    }

    /// NIO's header fields as swift-http-types has them. AsyncHTTPClient's parser lets through
    /// only valid names; one that swift-http-types would still refuse is left out rather than
    /// guessed at.
    static func fields(of headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count)
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return fields
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
