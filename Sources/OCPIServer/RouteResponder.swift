import Foundation
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

/// The parts of an HTTP request the OCPI pipeline reads, whichever HTTP server received it.
struct OCPIHTTPRequest {
    var method: String
    /// The path as sent (percent-encoded), without the query.
    var path: String
    var query: String?
    var headers: HeaderFields
    /// The path's parameters by name, as sent.
    var parameters: [(name: String, value: String)]
}

/// Answers one route: the request pipeline every OCPI endpoint shares, over any HTTP server
/// (`OCPIHTTPServer`, or a Hummingbird application through `Router.addOCPIRoutes`).
struct OCPIRouteResponder<Authenticator: OCPIAuthenticator>: Sendable {
    let route: OCPIRoute
    let configuration: OCPIServerConfiguration
    let authenticator: Authenticator
    let log: RequestLog

    /// The route's pipeline, logging through `logger` and counting under the route's module and
    /// operation.
    init(route: OCPIRoute, configuration: OCPIServerConfiguration, authenticator: Authenticator, logger: Logger) {
        self.route = route
        self.configuration = configuration
        self.authenticator = authenticator
        log = RequestLog(logger: logger, metrics: configuration.metrics.route(module: route.module.rawValue, operation: route.operation))
    }

    /// The response and the IDs it goes out with. `body` reads the request's body, or returns
    /// `nil` when it is larger than `configuration.maximumBodySize`; it is called only once the
    /// caller is known to be allowed here.
    func respond(to request: OCPIHTTPRequest, body: () async -> [UInt8]?) async -> (OCPIServerResponse, RequestIDs) {
        let start = ContinuousClock.now
        let ids = RequestIDs(request.headers[OCPIHeader.requestID], request.headers[OCPIHeader.correlationID])
        var party: OCPIParty?
        let (response, unexpected) = await outcome(request, ids, body: body, party: &party)
        log.record(method: request.method, path: request.path, response, party: party, ids: ids, since: start, unexpected: unexpected)
        return (response, ids)
    }

    private func outcome(
        _ request: OCPIHTTPRequest, _ ids: RequestIDs, body readBody: () async -> [UInt8]?, party: inout OCPIParty?
    ) async -> (OCPIServerResponse, (any Error)?) {
        let headers = request.headers
        // Authentication: every OCPI endpoint needs a known credentials token.
        let authorization = headers[OCPIHeader.authorization] ?? ""
        do {
            party = authorization.isEmpty ? nil : try await authenticator.party(forAuthorization: authorization)
        } catch {
            return OCPIServerResponse.failure(error, requestID: ids.request)
        }
        guard let party else {
            let message = authorization.isEmpty ? "Missing Authorization header (expected: Token <credentials token>)" : "Unknown or malformed credentials token"
            return (.error(OCPIError(.unauthorized, message)), nil)
        }
        if party.isRegistering, !OCPIModuleID.registration.contains(route.module) {
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
            let isHub = party.roles.contains { $0.role == .hub }
            if let from = read.from, !isHub, !party.owns(countryCode: from.countryCode, partyID: from.partyID) {
                return (.error(.invalidParameter([Violation(path: JSONPath([.key(OCPIHeader.fromPartyID)]), message: "names \(from), which the credentials do not cover")])), nil)
            }
            routing = read
        }
        // The body, refused above the limit before it is read any further.
        guard let body = await readBody() else {
            return (.error(.bodyTooLarge(limit: configuration.maximumBodySize)), nil)
        }
        var pathParameters: [String: String] = [:]
        for (name, value) in request.parameters {
            // Foundation's decoding is looked for only where there is something to decode.
            pathParameters[name] = value.utf8.contains(UInt8(ascii: "%")) ? value.removingPercentEncoding ?? value : value
        }
        let context = OCPIRequestContext(
            party: party, routing: routing, requestID: ids.request, correlationID: ids.correlation,
            publicURL: configuration.publicURL + request.path,
            validation: await authenticator.validationPolicy(for: party),
            pagination: configuration.pagination
        )
        let serverRequest = OCPIServerRequest(
            method: request.method, pathParameters: pathParameters,
            query: QueryString.decode(request.query ?? ""), headers: headers, body: body, context: context
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

    /// The response's own headers, then the IDs.
    func headers(of response: OCPIServerResponse) -> [(String, String)] {
        [("Content-Type", "application/json"), (OCPIHeader.requestID, request), (OCPIHeader.correlationID, correlation)] + response.headers
    }
}
