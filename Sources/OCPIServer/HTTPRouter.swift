import Foundation
import HTTPTypes
import Logging
import OCPIRuntime

/// One request as `OCPIHTTPServer` hands it to a route: the head as swift-http-types models it
/// (method, path with the query as sent, header fields; the `Host` header is its authority) and
/// the whole body, within the router's limit.
public struct HTTPServerRequest: Sendable {
    public var head: HTTPRequest
    public var body: [UInt8]

    public init(head: HTTPRequest, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    /// A request for `target` in origin form (`/ocpi/versions?x=1`), as a test or an in-memory
    /// caller makes one.
    public init(method: HTTPRequest.Method, target: String, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        self.init(head: HTTPRequest(method: method, scheme: nil, authority: nil, path: target, headerFields: headerFields), body: body)
    }

    public var method: HTTPRequest.Method { head.method }

    public var headers: HTTPFields {
        get { head.headerFields }
        set { head.headerFields = newValue }
    }

    /// The path as sent (percent-encoded), without the query.
    public var path: Substring { head.targetPath }
    /// The query as sent (percent-encoded), without the `?`.
    public var query: Substring? { head.targetQuery }

    /// The path and query of an absolute-form target (`scheme://authority/path?query`; `/` when
    /// it has no path), or the target itself.
    package static func originForm(of target: String) -> Substring {
        let bytes = target.utf8
        guard bytes.first != UInt8(ascii: "/"), let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            bytes[colon...].starts(with: "://".utf8),
            bytes[..<colon].allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."): true
                default: false
                }
            })
        else { return target[...] }
        let authorityStart = bytes.index(colon, offsetBy: 3)
        guard let end = bytes[authorityStart...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else { return "/" }
        return bytes[end] == UInt8(ascii: "/") ? target[end...] : Substring("/" + target[end...])
    }
}

extension HTTPRequest {
    /// The request target's path without its query, as sent.
    package var targetPath: Substring {
        let target = path ?? ""
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target[...] }
        return target[..<mark]
    }

    /// The request target's query without the `?`, as sent; `nil` when it has none.
    package var targetQuery: Substring? {
        guard let target = path, let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return target[target.index(after: mark)...]
    }
}

/// What a route answers: the head (status and the route's header fields) and the body.
/// `Content-Length` (and `Date`, `Server`, `Connection`) are the server's.
public struct HTTPServerResponse: Sendable {
    public var head: HTTPResponse
    public var body: [UInt8]

    public init(head: HTTPResponse, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        self.init(head: HTTPResponse(status: status, headerFields: headerFields), body: body)
    }

    public init(status: HTTPResponse.Status, contentType: String, body: [UInt8]) {
        self.init(status: status, headerFields: [.contentType: contentType], body: body)
    }

    public var status: HTTPResponse.Status {
        get { head.status }
        set { head.status = newValue }
    }

    public var headers: HTTPFields {
        get { head.headerFields }
        set { head.headerFields = newValue }
    }

    /// An OCPI error's envelope, for a route outside the OCPI pipeline (`/docs/{page}` not found).
    public static func error(_ error: OCPIError) -> HTTPServerResponse {
        let response = OCPIServerResponse.error(error)
        return HTTPServerResponse(status: response.status, contentType: "application/json", body: response.body)
    }
}

/// The route table of an `OCPIHTTPServer`: paths with `{name}` segments, the OCPI routes'
/// pipeline, and the OCPI envelope for requests no route takes.
///
/// A request's path is matched segment by segment; where a fixed segment and a `{name}` both
/// match (`/docs/openapi.yaml`, `/docs/{page}`), the fixed one wins. A path that matches with
/// another method is answered with 405 and `Allow`, one that matches nothing with 404, and both
/// as OCPI errors (status code 2000), logged and counted under the `-` route.
public struct HTTPRouter: Sendable {
    public typealias Handler = @Sendable (HTTPServerRequest, _ parameters: [(name: String, value: String)]) async -> HTTPServerResponse

    private enum Segment: Sendable, Equatable {
        case fixed(String)
        case parameter(String)
    }

    private struct Entry: Sendable {
        let segments: [Segment]
        var handlers: [HTTPRequest.Method: Handler]
    }

    /// By number of segments, the most specific pattern first.
    private var entries: [Int: [Entry]] = [:]
    /// The largest body any request may have: the one body limit of our stacks. The server
    /// refuses a larger body with 413 before reading it (`OCPIHTTPServer`), the in-memory
    /// transport before routing (`RouterTransport`); no route sees one.
    public let maximumBodySize: Int
    private let unrouted: RequestLog

    public init(maximumBodySize: Int = 1 << 20, logger: Logger = Logger(label: "ocpi.server"), metrics: RequestMetrics = RequestMetrics()) {
        self.maximumBodySize = maximumBodySize
        unrouted = RequestLog.unrouted(logger: logger, metrics: metrics)
    }

    /// Answers `method` on `pattern` (`/docs/{page}`) with `handler`; a later route on the same
    /// method and pattern replaces an earlier one.
    public mutating func on(_ method: HTTPRequest.Method, _ pattern: String, _ handler: @escaping Handler) {
        let segments: [Segment] = pattern.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .fixed(String(part))
        }
        var bucket = entries[segments.count] ?? []
        if let index = bucket.firstIndex(where: { $0.segments == segments }) {
            bucket[index].handlers[method] = handler
        } else {
            bucket.append(Entry(segments: segments, handlers: [method: handler]))
            // Fixed before parameter at the first segment where two patterns differ in kind.
            bucket.sort { lhs, rhs in
                for (left, right) in zip(lhs.segments, rhs.segments) {
                    switch (left, right) {
                    case (.fixed, .parameter): return true
                    case (.parameter, .fixed): return false
                    default: continue
                    }
                }
                return false
            }
        }
        entries[segments.count] = bucket
    }

    public mutating func get(_ pattern: String, _ handler: @escaping Handler) {
        on(.get, pattern, handler)
    }

    /// Mounts generated OCPI routes below `basePath` (`/ocpi/cpo/2.2.1`): authentication,
    /// routing headers, request IDs and the envelope for every outcome.
    public mutating func addOCPIRoutes(
        _ routes: [OCPIRoute], at basePath: String, configuration: OCPIServerConfiguration,
        authenticator: some OCPIAuthenticator, logger: Logger
    ) {
        for route in routes {
            let responder = OCPIRouteResponder(route: route, configuration: configuration, authenticator: authenticator, logger: logger)
            // The body is whole and within `maximumBodySize` already: the server or the
            // transport refused a larger one before routing.
            on(route.method.httpMethod, basePath + route.mountPath) { request, parameters in
                let (response, ids) = await responder.respond(to: request.head, parameters: parameters) { request.body }
                // The route's head, its fields behind the envelope's type and the IDs.
                var head = response.head
                head.headerFields = ids.headers(of: response)
                return HTTPServerResponse(head: head, body: response.body)
            }
        }
    }

    /// The route's answer, or the OCPI error for a path or method no route takes.
    public func respond(to request: HTTPServerRequest) async -> HTTPServerResponse {
        switch match(method: request.method, path: request.path) {
        case .found(let handler, let parameters):
            return await handler(request, parameters)
        case .methodNotAllowed(let allowed):
            return refuse(request, OCPIError(.methodNotAllowed, "\(request.method) is not allowed on \(request.path)"), headers: [.allow: allowed])
        case .notFound:
            return refuse(request, OCPIError(.notFound, "No such OCPI endpoint: \(request.path)"))
        }
    }

    /// A request refused before any route saw it (a body over the limit, bytes that are not
    /// HTTP), as its OCPI error, logged and counted under the `-` route.
    public func refuse(_ request: HTTPServerRequest, _ error: OCPIError, headers extra: HTTPFields = [:]) -> HTTPServerResponse {
        refuse(request.head, error, headers: extra)
    }

    /// `refuse` for a request known by its head alone (its body was not read), or by nothing
    /// at all (bytes that are not HTTP: logged as `-`).
    package func refuse(_ head: HTTPRequest?, _ error: OCPIError, headers extra: HTTPFields = [:]) -> HTTPServerResponse {
        let start = ContinuousClock.now
        let ids = RequestIDs(head?.headerFields[.ocpiRequestID], head?.headerFields[.ocpiCorrelationID])
        let response = OCPIServerResponse.error(error)
        unrouted.record(method: head?.method.rawValue ?? "-", path: head?.targetPath ?? "-", response, party: nil, ids: ids, since: start)
        var fields = ids.headers(of: response)
        fields.append(contentsOf: extra)
        return HTTPServerResponse(status: response.status, headerFields: fields, body: response.body)
    }

    private enum Match {
        case found(Handler, [(name: String, value: String)])
        case methodNotAllowed(String)
        case notFound
    }

    /// Segments are compared byte for byte (a path is not text to normalise), split on the
    /// UTF-8 view: splitting the `String` walked it by grapheme clusters, 3% of a request.
    private func match(method: HTTPRequest.Method, path: Substring) -> Match {
        let parts = path.utf8.split(separator: UInt8(ascii: "/"))
        guard let bucket = entries[parts.count] else { return .notFound }
        var allowed: Set<String> = []
        for entry in bucket where Self.matches(entry.segments, parts) {
            // HEAD is GET without the body (RFC 9110 §9.3.2), which the server leaves out.
            guard let handler = entry.handlers[method] ?? (method == .head ? entry.handlers[.get] : nil) else {
                allowed.formUnion(entry.handlers.keys.map(\.rawValue))
                if entry.handlers[.get] != nil { allowed.insert("HEAD") }
                continue
            }
            var parameters: [(name: String, value: String)] = []
            for (segment, part) in zip(entry.segments, parts) {
                if case .parameter(let name) = segment { parameters.append((name, String(Substring(part)))) }
            }
            return .found(handler, parameters)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed.sorted().joined(separator: ", "))
    }

    private static func matches(_ segments: [Segment], _ parts: [Substring.UTF8View]) -> Bool {
        for (segment, part) in zip(segments, parts) {
            if case .fixed(let text) = segment, !text.utf8.elementsEqual(part) { return false }
        }
        return true
    }
}
