import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OCPIRuntime

/// How the OCPI routes of a server behave, whatever party it is.
public struct OCPIServerConfiguration: Sendable {
    /// `scheme://host[:port][/prefix]` under which the server's paths are reachable from outside;
    /// `Link` headers and URLs handed to partners are built from it, never from the listening
    /// address (a server behind a proxy must not advertise its internal one).
    public var publicURL: String
    /// The parties this server acts as; `OCPI-to-*` headers must name one of them.
    public var ownParties: [PartyIdentity]
    public var pagination: PaginationPolicy
    /// Bodies larger than this are refused (HTTP 413) before they are read into memory.
    public var maximumBodySize: Int
    /// Where every answered request is counted and timed.
    public var metrics: RequestMetrics

    public init(
        publicURL: String, ownParties: [PartyIdentity], pagination: PaginationPolicy = PaginationPolicy(), maximumBodySize: Int = 1 << 20,
        metrics: RequestMetrics = RequestMetrics()
    ) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.ownParties = ownParties
        self.pagination = pagination
        self.maximumBodySize = maximumBodySize
        self.metrics = metrics
    }
}

/// The modules a registration token (token A) may use.
let registrationModules: Set<String> = ["versions", "credentials"]

extension Router {
    /// Mounts generated OCPI routes below `basePath` (`/ocpi/cpo/2.2.1`): authentication,
    /// routing headers, request IDs and the envelope for every outcome.
    public func addOCPIRoutes(
        _ routes: [OCPIRoute], at basePath: String, configuration: OCPIServerConfiguration,
        authenticator: some OCPIAuthenticator, logger: Logger
    ) {
        for route in routes {
            let path = basePath + route.mountPath
            let responder = OCPIRouteResponder(
                route: route, configuration: configuration, authenticator: authenticator,
                log: RequestLog(logger: logger, metrics: configuration.metrics.route(module: route.module, operation: route.operation))
            )
            on(RouterPath(path), method: HTTPRequest.Method(rawValue: route.method.rawValue) ?? .get) { request, context in
                try await responder.respond(to: request, parameters: context.parameters)
            }
        }
    }
}

/// Turns any error thrown before or outside a route (unknown path, wrong method, a body too
/// large) into the OCPI envelope, and logs and counts it as `RequestLog` does a routed request.
public struct OCPIEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: RequestLog

    public init(logger: Logger = Logger(label: "ocpi.server"), metrics: RequestMetrics = RequestMetrics()) {
        log = RequestLog(logger: logger, metrics: metrics.route(module: RequestMetrics.unrouted, operation: RequestMetrics.unrouted))
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let kind: OCPIError.Kind
            switch error.status.code {
            case 404: kind = .notFound
            case 405: kind = .methodNotAllowed
            case 413: kind = .payloadTooLarge
            case 401: kind = .unauthorized
            case 400..<500: kind = .invalidParameter
            default: kind = .serverError
            }
            let message = error.status.code == 404 ? "No such OCPI endpoint: \(request.uri.path)" : error.status.reasonPhrase
            let ids = RequestIDs(request.headers[.xRequestID], request.headers[.xCorrelationID])
            let response = OCPIServerResponse.error(OCPIError(kind, message))
            log.record(request, response, party: nil, ids: ids, since: start)
            return httpResponse(response, ids: ids)
        }
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name(OCPIHeader.requestID)!
    static let xCorrelationID = HTTPField.Name(OCPIHeader.correlationID)!
}

/// Answers one route: the request pipeline every OCPI endpoint shares.
struct OCPIRouteResponder<Authenticator: OCPIAuthenticator>: Sendable {
    let route: OCPIRoute
    let configuration: OCPIServerConfiguration
    let authenticator: Authenticator
    let log: RequestLog

    func respond(to request: Request, parameters: Parameters) async throws -> Response {
        let start = ContinuousClock.now
        let headers = HeaderFields(request.headers.map { ($0.name.rawName, $0.value) })
        let ids = RequestIDs(headers[OCPIHeader.requestID], headers[OCPIHeader.correlationID])
        var party: OCPIParty?
        let (response, unexpected) = await outcome(request, headers, parameters, ids, party: &party)
        log.record(request, response, party: party, ids: ids, since: start, unexpected: unexpected)
        return httpResponse(response, ids: ids)
    }

    private func outcome(
        _ request: Request, _ headers: HeaderFields, _ parameters: Parameters, _ ids: RequestIDs,
        party: inout OCPIParty?
    ) async -> (OCPIServerResponse, (any Error)?) {
        // Authentication: every OCPI endpoint needs a known credentials token.
        let authorization = headers[OCPIHeader.authorization] ?? ""
        do {
            party = authorization.isEmpty ? nil : try await authenticator.party(forAuthorization: authorization)
        } catch {
            return (.error(OCPIError(.serverError, "An internal error occurred; request \(ids.request).")), error)
        }
        guard let party else {
            let message = authorization.isEmpty ? "Missing Authorization header (expected: Token <credentials token>)" : "Unknown or malformed credentials token"
            return (.error(OCPIError(.unauthorized, message)), nil)
        }
        if party.isRegistering, !registrationModules.contains(route.module) {
            return (.error(OCPIError(.unauthorized, "A registration token is only accepted by the versions and credentials modules")), nil)
        }
        // Routing headers: optional, checked when present, and only on functional modules.
        var routing = RoutingHeaders()
        if route.isFunctional {
            let (read, violations) = RoutingHeaders.read(headers)
            if !violations.isEmpty { return (.error(.invalidParameter(violations)), nil) }
            if let to = read.to, !configuration.ownParties.contains(where: { $0.matches(countryCode: to.countryCode, partyID: to.partyID) }) {
                return (.error(.invalidParameter([Violation(path: JSONPath([.key(OCPIHeader.toPartyID)]), message: "names \(to), which is not this platform")])), nil)
            }
            let isHub = party.roles.contains { $0.role == "HUB" }
            if let from = read.from, !isHub, !party.owns(countryCode: from.countryCode, partyID: from.partyID) {
                return (.error(.invalidParameter([Violation(path: JSONPath([.key(OCPIHeader.fromPartyID)]), message: "names \(from), which the credentials do not cover")])), nil)
            }
            routing = read
        }
        // The body, refused above the limit before it is read any further.
        let body: [UInt8]
        do {
            var request = request
            let buffer = try await request.collectBody(upTo: configuration.maximumBodySize)
            body = Array(buffer.readableBytesView)
        } catch {
            return (.error(OCPIError(.payloadTooLarge, "The body is larger than \(configuration.maximumBodySize) bytes")), nil)
        }
        var pathParameters: [String: String] = [:]
        for (name, value) in parameters {
            // Foundation's decoding is looked for only where there is something to decode.
            let text = String(value)
            pathParameters[String(name)] = text.utf8.contains(UInt8(ascii: "%")) ? text.removingPercentEncoding ?? text : text
        }
        let context = OCPIRequestContext(
            party: party, routing: routing, requestID: ids.request, correlationID: ids.correlation,
            publicURL: configuration.publicURL + request.uri.path,
            validation: await authenticator.validationPolicy(for: party),
            pagination: configuration.pagination
        )
        let serverRequest = OCPIServerRequest(
            method: request.method.rawValue, pathParameters: pathParameters,
            query: QueryString.decode(request.uri.query ?? ""), headers: headers, body: body, context: context
        )
        return await route.respond(to: serverRequest)
    }

}

/// The request and correlation IDs of one exchange: the caller's when it sent them, ours otherwise
/// (a request without a correlation ID starts a correlation of its own).
struct RequestIDs: Sendable {
    let request: String
    let correlation: String

    init(_ requestID: String?, _ correlationID: String?) {
        request = requestID.flatMap { $0.isEmpty ? nil : $0 } ?? RequestID.next()
        correlation = correlationID.flatMap { $0.isEmpty ? nil : $0 } ?? request
    }
}

/// The HTTP response for an OCPI response, with the request and correlation IDs.
func httpResponse(_ response: OCPIServerResponse, ids: RequestIDs) -> Response {
    var fields = HTTPFields()
    fields[.contentType] = "application/json"
    fields[.xRequestID] = ids.request
    fields[.xCorrelationID] = ids.correlation
    for (name, value) in response.headers {
        if let name = HTTPField.Name(name) { fields[name] = value }
    }
    return Response(
        status: HTTPResponse.Status(code: response.status),
        headers: fields,
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body))
    )
}
