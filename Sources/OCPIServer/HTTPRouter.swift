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
///
/// The patterns are a tree of segments, walked once per request. A list of patterns compared
/// one by one was 7.6% of answering one location once the server mounted three releases and two
/// admin APIs (about seventy patterns of five segments; docs/PERFORMANCE.md).
public struct HTTPRouter: Sendable {
    public typealias Handler = @Sendable (HTTPServerRequest, _ parameters: [(name: String, value: String)]) async -> HTTPServerResponse

    /// The patterns that share the segments leading here: what comes next, and the handlers of
    /// the pattern that ends here. Fixed segments are tried before `{name}` ones, and each kind
    /// in the order its patterns were added.
    private struct Node: Sendable {
        var fixed: [(key: [UInt8], node: Node)] = []
        /// `{name}` segments, by name.
        var named: [(key: String, node: Node)] = []
        var handlers: [HTTPRequest.Method: Handler] = [:]

        /// Adds `handler` for `method` at the end of `segments`, replacing one there before.
        mutating func insert(_ segments: ArraySlice<Substring>, _ method: HTTPRequest.Method, _ handler: @escaping Handler) {
            guard let first = segments.first else {
                handlers[method] = handler
                return
            }
            let rest = segments.dropFirst()
            if first.hasPrefix("{"), first.hasSuffix("}"), first.count >= 2 {
                Self.insert(rest, method, handler, below: String(first.dropFirst().dropLast()), in: &named)
            } else {
                Self.insert(rest, method, handler, below: Array(first.utf8), in: &fixed)
            }
        }

        /// `insert` into the child of `children` at `key`, made when there is none.
        private static func insert<Key: Equatable>(
            _ segments: ArraySlice<Substring>, _ method: HTTPRequest.Method, _ handler: @escaping Handler, below key: Key,
            in children: inout [(key: Key, node: Node)]
        ) {
            if let index = children.firstIndex(where: { $0.key == key }) {
                children[index].node.insert(segments, method, handler)
            } else {
                var node = Node()
                node.insert(segments, method, handler)
                children.append((key, node))
            }
        }

        /// The handler for `method` of the first pattern (fixed segments first) that the path
        /// matches from byte `start` on, the byte ranges of its `{name}` segments in
        /// `parameters`; or `nil`, with the methods of the patterns that match in `allowed`.
        /// Segments are the bytes between slashes (empty ones are skipped), compared byte for
        /// byte: a path is not text to normalise.
        func find(
            _ path: UnsafeBufferPointer<UInt8>, from start: Int, _ method: HTTPRequest.Method,
            _ parameters: inout [(name: String, range: Range<Int>)], allowed: inout Set<String>
        ) -> Handler? {
            var first = start
            while first < path.count, path[first] == UInt8(ascii: "/") { first += 1 }
            guard first < path.count else {
                // HEAD is GET without the body (RFC 9110 §9.3.2), which the server leaves out.
                if let handler = handlers[method] ?? (method == .head ? handlers[.get] : nil) { return handler }
                allowed.formUnion(handlers.keys.map(\.rawValue))
                if handlers[.get] != nil { allowed.insert("HEAD") }
                return nil
            }
            var end = first
            while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
            let part = UnsafeBufferPointer(rebasing: path[first..<end])
            for child in fixed where child.key.count == part.count && child.key.elementsEqual(part) {
                if let handler = child.node.find(path, from: end, method, &parameters, allowed: &allowed) { return handler }
            }
            for child in named {
                parameters.append((child.key, first..<end))
                if let handler = child.node.find(path, from: end, method, &parameters, allowed: &allowed) { return handler }
                parameters.removeLast()
            }
            return nil
        }
    }

    private var root = Node()
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
        root.insert(pattern.split(separator: "/")[...], method, handler)
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

    private func match(method: HTTPRequest.Method, path: Substring) -> Match {
        var path = path
        return path.withUTF8 { bytes in
            var parameters: [(name: String, range: Range<Int>)] = []
            var allowed: Set<String> = []
            if let handler = root.find(bytes, from: 0, method, &parameters, allowed: &allowed) {
                return .found(handler, parameters.map { ($0.name, String(decoding: UnsafeBufferPointer(rebasing: bytes[$0.range]), as: UTF8.self)) })
            }
            return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed.sorted().joined(separator: ", "))
        }
    }
}
