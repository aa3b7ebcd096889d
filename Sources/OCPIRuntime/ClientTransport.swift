import Foundation

/// A request as generated clients build it.
public struct OCPIClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: HeaderFields
    public var body: [UInt8]?

    public init(method: String, url: String, headers: HeaderFields, body: [UInt8]?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct OCPIClientResponse: Sendable {
    public var status: Int
    public var headers: HeaderFields
    public var body: [UInt8]

    public init(status: Int, headers: HeaderFields, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Carries requests to a partner; the server target implements it on AsyncHTTPClient.
public protocol OCPIClientTransport: Sendable {
    func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse
}

/// Why a call to a partner failed.
public enum OCPIClientError: Error, Sendable, CustomStringConvertible {
    /// The partner answered with an OCPI error (a status code outside 1xxx) or an HTTP error.
    case refused(httpStatus: Int, statusCode: Int?, message: String?, violations: [Violation])
    /// The answer could not be read: not JSON, no envelope, or data of the wrong shape.
    case invalidResponse(httpStatus: Int, reason: String, violations: [Violation])

    public var description: String {
        switch self {
        case .refused(let http, let code, let message, _):
            "refused: HTTP \(http)\(code.map { ", OCPI \($0)" } ?? "")\(message.map { ": \($0)" } ?? "")"
        case .invalidResponse(let http, let reason, let violations):
            "invalid response (HTTP \(http)): \(reason)\(violations.isEmpty ? "" : " " + OCPIError.summary(violations))"
        }
    }

    /// The OCPI status code of a refusal.
    public var statusCode: Int? {
        if case .refused(_, let code, _, _) = self { code } else { nil }
    }

    public var httpStatus: Int {
        switch self {
        case .refused(let http, _, _, _), .invalidResponse(let http, _, _): http
        }
    }
}

/// The outcome of a call whose response defines no data (or whose headers matter).
public struct OCPIClientResult<Data: Sendable>: Sendable {
    public var httpStatus: Int
    public var statusCode: Int
    public var statusMessage: String?
    public var headers: HeaderFields
    public var data: Data?
    /// Where `data` breaks the spec, with pointers below `data` (`/3/cdr_location/evse_uid`):
    /// always empty under the strict reading policy, which throws instead.
    public var violations: [Violation] = []
}

/// A partner's module interface as a client sees it: where it is, how to authenticate, and the
/// headers every request carries.
public struct OCPIConnection: Sendable {
    public var transport: any OCPIClientTransport
    /// The module's URL from the partner's version details (`https://.../ocpi/cpo/2.2.1/locations`).
    public var endpointURL: String
    /// The credentials token the partner gave us.
    public var token: String
    public var tokenEncoding: CredentialsToken.Encoding
    /// Sent on functional modules only, as the spec asks.
    public var routing: RoutingHeaders
    /// Makes a new X-Request-ID for each request.
    public var requestIDs: @Sendable () -> String
    /// Copied into X-Correlation-ID; a new one per request when `nil`.
    public var correlationID: String?
    /// How what the partner answers is read. Strict: data that cannot be read as its type (a
    /// required field missing, a value of the wrong kind) throws, the whole page with it.
    /// Lenient: each object is read as far as it can be and handed over with its violations
    /// (`OCPIClientResult.violations`, `OCPIPageSequence.withViolations`), so that one bad
    /// object of a partner does not lose the page.
    public var readingPolicy: ValidationPolicy

    public init(
        transport: any OCPIClientTransport, endpointURL: String, token: String, tokenEncoding: CredentialsToken.Encoding = .base64,
        routing: RoutingHeaders = RoutingHeaders(), correlationID: String? = nil, readingPolicy: ValidationPolicy = .strict,
        requestIDs: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.transport = transport
        self.endpointURL = endpointURL
        self.token = token
        self.tokenEncoding = tokenEncoding
        self.routing = routing
        self.correlationID = correlationID
        self.readingPolicy = readingPolicy
        self.requestIDs = requestIDs
    }

    /// The URL of a route: the endpoint URL exactly as the partner's version details give it
    /// (with its trailing slash, if it has one: frameworks such as FastAPI redirect the other
    /// form, and a redirected write is not sent again), then the spec path without its module
    /// segment, with parameters substituted and escaped, joined by single slashes. A run-time
    /// URL parameter is used as it is.
    public func url(for specPath: String, parameters: [String: String], query: [(String, String)] = []) -> String {
        var url: String
        if specPath.hasPrefix("{"), specPath.hasSuffix("}"), let runtime = parameters[String(specPath.dropFirst().dropLast())] {
            url = runtime
        } else {
            url = endpointURL
            for segment in specPath.split(separator: "/").dropFirst() {
                if !url.hasSuffix("/") { url += "/" }
                if segment.hasPrefix("{"), segment.hasSuffix("}") {
                    url += QueryString.escape(parameters[String(segment.dropFirst().dropLast())] ?? "")
                } else {
                    url += segment
                }
            }
        }
        if !query.isEmpty { url += (url.contains("?") ? "&" : "?") + QueryString.encode(query) }
        return url
    }

    /// Sends one request and reads the envelope, decoding `data` as `Data`.
    public func send<Data: JSONDecodable & Sendable>(
        _ method: String, url: String, body: [UInt8]?, functional: Bool, as _: Data.Type
    ) async throws -> OCPIClientResult<Data> {
        var headers = HeaderFields([
            (OCPIHeader.authorization, CredentialsToken.header(for: token, encoding: tokenEncoding)),
            (OCPIHeader.requestID, requestIDs()),
            (OCPIHeader.correlationID, correlationID ?? requestIDs()),
        ])
        if functional {
            for (name, value) in routing.fields { headers.add(name, value) }
        }
        if body != nil { headers.add("Content-Type", "application/json") }
        let response = try await transport.send(OCPIClientRequest(method: method, url: url, headers: headers, body: body))
        let envelope: Envelope.Read<Data>
        do {
            envelope = try Envelope.read(response.body, as: Data.self)
        } catch {
            if !(200..<300).contains(response.status) {
                throw OCPIClientError.refused(httpStatus: response.status, statusCode: nil, message: nil, violations: [])
            }
            throw OCPIClientError.invalidResponse(httpStatus: response.status, reason: "the body is not JSON (\(error))", violations: [])
        }
        guard (200..<300).contains(response.status), let code = envelope.statusCode, (1000..<2000).contains(code) else {
            throw OCPIClientError.refused(httpStatus: response.status, statusCode: envelope.statusCode, message: envelope.statusMessage, violations: [])
        }
        // Strictly, data of the wrong shape cannot be used; data that only breaks a rule (a
        // string one character too long) is still handed over, as a pull must never lose a
        // partner's objects. Leniently, whatever could be read is handed over with what it
        // breaks, rules included.
        var violations = envelope.violations
        if readingPolicy == .lenient, let data = envelope.data {
            violations += Self.ruleViolations(of: data).map { $0.prefixed(by: JSONPath([.key("data")])) }
        }
        if !violations.isEmpty, readingPolicy == .strict || envelope.data == nil {
            throw OCPIClientError.invalidResponse(httpStatus: response.status, reason: "the data cannot be read:", violations: violations)
        }
        return OCPIClientResult(
            httpStatus: response.status, statusCode: code, statusMessage: envelope.statusMessage, headers: response.headers, data: envelope.data,
            violations: violations.compactMap { $0.relative(to: JSONPath([.key("data")])) }
        )
    }

    /// The rules `data` breaks: an object's, or each object's of a list (at its index).
    static func ruleViolations(of data: some Sendable) -> [Violation] {
        if let list = data as? [any OCPIValidatable] {
            return list.enumerated().flatMap { index, element in element.validate().map { $0.prefixed(by: JSONPath([.index(index)])) } }
        }
        return (data as? any OCPIValidatable)?.validate() ?? []
    }

    /// The data of a response that must have some.
    public func require<Data>(_ result: OCPIClientResult<Data>) throws -> Data {
        guard let data = result.data else {
            throw OCPIClientError.invalidResponse(httpStatus: result.httpStatus, reason: "the response has no data", violations: [])
        }
        return data
    }
}
