import Foundation

/// A request as generated clients build it: its head (method, URL, header fields) and its body.
public struct OCPIClientRequest: Sendable {
    public var head: HTTPRequest
    public var body: [UInt8]?

    public init(head: HTTPRequest, body: [UInt8]?) {
        self.head = head
        self.body = body
    }

    /// A request to `url` as OCPI hands URLs over (`https://host/ocpi/cpo/2.2.1/locations?limit=10`):
    /// its scheme, authority, and path with the query, kept as they are written.
    public init(method: HTTPRequest.Method, url: String, headerFields: HTTPFields = HTTPFields(), body: [UInt8]? = nil) {
        let (scheme, authority, path) = Self.split(url)
        self.init(head: HTTPRequest(method: method, scheme: scheme, authority: authority, path: path, headerFields: headerFields), body: body)
    }

    public var method: HTTPRequest.Method { head.method }

    public var headers: HTTPFields {
        get { head.headerFields }
        set { head.headerFields = newValue }
    }

    /// The URL the head names: `scheme://authority` and the path with its query. Setting it
    /// points the request elsewhere (a redirect followed).
    public var url: String {
        get {
            guard let scheme = head.scheme, let authority = head.authority else { return head.path ?? "" }
            return scheme + "://" + authority + (head.path ?? "")
        }
        set {
            (head.scheme, head.authority, head.path) = Self.split(newValue)
        }
    }

    /// A URL's scheme, authority and path (`/` when it has none, the query kept); a text with no
    /// `scheme://` is all path, for the transport to refuse as it would the URL.
    static func split(_ url: String) -> (scheme: String?, authority: String?, path: String) {
        let bytes = url.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: "://".utf8) else { return (nil, nil, url) }
        let authorityStart = bytes.index(colon, offsetBy: 3)
        let end = bytes[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? bytes.endIndex
        let rest = url[end...]
        let path = rest.utf8.first == UInt8(ascii: "/") ? String(rest) : "/" + rest
        return (String(url[..<colon]), String(url[authorityStart..<end]), path)
    }
}

/// A partner's answer: its head (status, header fields) and the whole body.
public struct OCPIClientResponse: Sendable {
    public var head: HTTPResponse
    public var body: [UInt8]

    public init(head: HTTPResponse, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    public init(status: HTTPResponse.Status, headerFields: HTTPFields = HTTPFields(), body: [UInt8]) {
        self.init(head: HTTPResponse(status: status, headerFields: headerFields), body: body)
    }

    public var status: HTTPResponse.Status {
        get { head.status }
        set { head.status = newValue }
    }

    public var headers: HTTPFields {
        get { head.headerFields }
        set { head.headerFields = newValue }
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
    public var headers: HTTPFields
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
        requestIDs: @escaping @Sendable () -> String = { RequestID.next() }
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

    /// A method that is not an HTTP token (`"GE T"`), refused before anything is sent.
    public struct InvalidMethod: Error, CustomStringConvertible {
        public var method: String
        public var description: String { "'\(method)' is not an HTTP method" }
    }

    /// Sends one request as the generated clients spell it (`send("GET", ...)`).
    public func send<Data: JSONDecodable & Sendable>(
        _ method: String, url: String, body: [UInt8]?, functional: Bool, as type: Data.Type
    ) async throws -> OCPIClientResult<Data> {
        guard let parsed = HTTPRequest.Method(method) else { throw InvalidMethod(method: method) }
        return try await send(parsed, url: url, body: body, functional: functional, as: type)
    }

    /// Sends one request and reads the envelope, decoding `data` as `Data`.
    public func send<Data: JSONDecodable & Sendable>(
        _ method: HTTPRequest.Method, url: String, body: [UInt8]?, functional: Bool, as _: Data.Type
    ) async throws -> OCPIClientResult<Data> {
        var headers: HTTPFields = [
            .authorization: CredentialsToken.header(for: token, encoding: tokenEncoding),
            .ocpiRequestID: requestIDs(),
            .ocpiCorrelationID: correlationID ?? requestIDs(),
        ]
        if functional { headers.append(contentsOf: routing.fields) }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await transport.send(OCPIClientRequest(method: method, url: url, headerFields: headers, body: body))
        let status = response.head.status.code
        let envelope: Envelope.Read<Data>
        do {
            envelope = try Envelope.read(response.body, as: Data.self)
        } catch {
            if !(200..<300).contains(status) {
                throw OCPIClientError.refused(httpStatus: status, statusCode: nil, message: nil, violations: [])
            }
            throw OCPIClientError.invalidResponse(httpStatus: status, reason: "the body is not JSON (\(error))", violations: [])
        }
        guard (200..<300).contains(status), let code = envelope.statusCode, (1000..<2000).contains(code) else {
            throw OCPIClientError.refused(httpStatus: status, statusCode: envelope.statusCode, message: envelope.statusMessage, violations: [])
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
            throw OCPIClientError.invalidResponse(httpStatus: status, reason: "the data cannot be read:", violations: violations)
        }
        return OCPIClientResult(
            httpStatus: status, statusCode: code, statusMessage: envelope.statusMessage, headers: response.head.headerFields, data: envelope.data,
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
