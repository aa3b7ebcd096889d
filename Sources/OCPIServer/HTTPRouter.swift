import Foundation
import Logging
import OCPIRuntime

/// One request as `OCPIHTTPServer` hands it to a route: the head and the whole body.
public struct HTTPServerRequest: Sendable {
    public var method: String
    /// The path as sent (percent-encoded), without the query.
    public var path: String
    public var query: String?
    public var headers: HeaderFields
    public var body: [UInt8]

    public init(method: String, path: String, query: String? = nil, headers: HeaderFields = HeaderFields(), body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Splits a request target into its path and query: origin form (`/ocpi/versions?x=1`), or
    /// absolute form (`http://host/ocpi/versions?x=1`, which RFC 9112 §3.2.2 says a server must
    /// accept), routed by its path whatever the authority says.
    public init(method: String, target: String, headers: HeaderFields, body: [UInt8]) {
        let target = Self.originForm(of: target)
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.init(
                method: method, path: String(target[..<mark]), query: String(target[target.index(after: mark)...]), headers: headers, body: body
            )
        } else {
            self.init(method: method, path: String(target), headers: headers, body: body)
        }
    }

    /// The path and query of an absolute-form target (`scheme://authority/path?query`; `/` when
    /// it has no path), or the target itself.
    static func originForm(of target: String) -> Substring {
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

/// What a route answers. `Content-Length` (and `Date`, `Server`, `Connection`) are the server's.
public struct HTTPServerResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: [("Content-Type", contentType)], body: body)
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
        var handlers: [String: Handler]
    }

    /// By number of segments, the most specific pattern first.
    private var entries: [Int: [Entry]] = [:]
    /// The largest body any request may have; larger ones are refused with 413 before routing.
    public let maximumBodySize: Int
    private let unrouted: RequestLog

    public init(maximumBodySize: Int = 1 << 20, logger: Logger = Logger(label: "ocpi.server"), metrics: RequestMetrics = RequestMetrics()) {
        self.maximumBodySize = maximumBodySize
        unrouted = RequestLog.unrouted(logger: logger, metrics: metrics)
    }

    /// Answers `method` on `pattern` (`/docs/{page}`) with `handler`; a later route on the same
    /// method and pattern replaces an earlier one.
    public mutating func on(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
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
        on("GET", pattern, handler)
    }

    /// Mounts generated OCPI routes below `basePath` (`/ocpi/cpo/2.2.1`): authentication,
    /// routing headers, request IDs and the envelope for every outcome.
    public mutating func addOCPIRoutes(
        _ routes: [OCPIRoute], at basePath: String, configuration: OCPIServerConfiguration,
        authenticator: some OCPIAuthenticator, logger: Logger
    ) {
        for route in routes {
            let responder = OCPIRouteResponder(route: route, configuration: configuration, authenticator: authenticator, logger: logger)
            let limit = configuration.maximumBodySize
            on(route.method.rawValue, basePath + route.mountPath) { request, parameters in
                let parts = OCPIHTTPRequest(
                    method: request.method, path: request.path, query: request.query, headers: request.headers, parameters: parameters
                )
                let (response, ids) = await responder.respond(to: parts) { request.body.count > limit ? nil : request.body }
                return HTTPServerResponse(status: response.status, headers: ids.headers(of: response), body: response.body)
            }
        }
    }

    /// The route's answer, or the OCPI error for a path or method no route takes.
    public func respond(to request: HTTPServerRequest) async -> HTTPServerResponse {
        switch match(method: request.method, path: request.path) {
        case .found(let handler, let parameters):
            return await handler(request, parameters)
        case .methodNotAllowed(let allowed):
            return refuse(request, OCPIError(.methodNotAllowed, "\(request.method) is not allowed on \(request.path)"), headers: [("Allow", allowed)])
        case .notFound:
            return refuse(request, OCPIError(.notFound, "No such OCPI endpoint: \(request.path)"))
        }
    }

    /// A request refused before any route saw it (a body over the limit, bytes that are not
    /// HTTP), as its OCPI error, logged and counted under the `-` route.
    public func refuse(_ request: HTTPServerRequest, _ error: OCPIError, headers extra: [(String, String)] = []) -> HTTPServerResponse {
        let start = ContinuousClock.now
        let ids = RequestIDs(request.headers[OCPIHeader.requestID], request.headers[OCPIHeader.correlationID])
        let response = OCPIServerResponse.error(error)
        unrouted.record(method: request.method, path: request.path, response, party: nil, ids: ids, since: start)
        return HTTPServerResponse(status: response.status, headers: ids.headers(of: response) + extra, body: response.body)
    }

    private enum Match {
        case found(Handler, [(name: String, value: String)])
        case methodNotAllowed(String)
        case notFound
    }

    /// Segments are compared byte for byte (a path is not text to normalise), split on the
    /// UTF-8 view: splitting the `String` walked it by grapheme clusters, 3% of a request.
    private func match(method: String, path: String) -> Match {
        let parts = path.utf8.split(separator: UInt8(ascii: "/"))
        guard let bucket = entries[parts.count] else { return .notFound }
        var allowed: Set<String> = []
        for entry in bucket where Self.matches(entry.segments, parts) {
            // HEAD is GET without the body (RFC 9110 §9.3.2), which the server leaves out.
            guard let handler = entry.handlers[method] ?? (method == "HEAD" ? entry.handlers["GET"] : nil) else {
                allowed.formUnion(entry.handlers.keys)
                if entry.handlers["GET"] != nil { allowed.insert("HEAD") }
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
