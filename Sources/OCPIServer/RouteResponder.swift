import Foundation
import HTTPTypes
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
    /// Where every answered request is counted and timed.
    public var metrics: RequestMetrics
    /// How the tokens of the routes mounted with this configuration are written: the form of
    /// their release (`.raw` for 2.1.1, `.base64` from 2.2 on), or `nil` to take either. The
    /// versions and credentials modules take either form whatever it says (registration, and a
    /// partner moving to another release).
    public var tokenForm: CredentialsToken.Encoding? = nil

    public init(
        publicURL: String, ownParties: [PartyIdentity], pagination: PaginationPolicy = PaginationPolicy(), metrics: RequestMetrics = RequestMetrics()
    ) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.ownParties = ownParties
        self.pagination = pagination
        self.metrics = metrics
    }
}

/// Answers one route: the request pipeline every OCPI endpoint shares, over any HTTP server
/// (`OCPIHTTPServer`, or a Hummingbird application through `Router.addOCPIRoutes`).
package struct OCPIRouteResponder<Authenticator: OCPIAuthenticator>: Sendable {
    let route: OCPIRoute
    let configuration: OCPIServerConfiguration
    let authenticator: Authenticator
    let log: RequestLog

    /// The route's pipeline, logging through `logger` and counting under the route's module and
    /// operation.
    package init(route: OCPIRoute, configuration: OCPIServerConfiguration, authenticator: Authenticator, logger: Logger) {
        self.route = route
        self.configuration = configuration
        self.authenticator = authenticator
        log = RequestLog(logger: logger, metrics: configuration.metrics.route(module: route.module.rawValue, operation: route.operation))
    }

    /// The response and the IDs it goes out with, for the request `head` whose path has
    /// `parameters` (by name, as sent). `body` reads the request's body, bounded by the stack's
    /// limit (throwing `OCPIError.bodyTooLarge` above it); it is called only once the caller is
    /// known to be allowed here.
    package func respond(
        to head: HTTPRequest, parameters: [(name: String, value: String)], body: () async throws -> [UInt8]
    ) async -> (OCPIServerResponse, RequestIDs) {
        let start = ContinuousClock.now
        let ids = RequestIDs(head.headerFields[.ocpiRequestID], head.headerFields[.ocpiCorrelationID])
        var party: OCPIParty?
        let (response, unexpected) = await outcome(head, parameters, ids, body: body, party: &party)
        log.record(method: head.method.rawValue, path: head.targetPath, response, party: party, ids: ids, since: start, unexpected: unexpected)
        return (response, ids)
    }

    private func outcome(
        _ head: HTTPRequest, _ parameters: [(name: String, value: String)], _ ids: RequestIDs, body readBody: () async throws -> [UInt8],
        party: inout OCPIParty?
    ) async -> (OCPIServerResponse, (any Error)?) {
        let headers = head.headerFields
        // Authentication: every OCPI endpoint needs a known credentials token.
        let authorization = headers[.authorization] ?? ""
        let identification: TokenIdentification
        do {
            let form = OCPIModuleID.registration.contains(route.module) ? nil : configuration.tokenForm
            identification = authorization.isEmpty ? .unknown : try await authenticator.identify(authorization: authorization, writtenAs: form)
        } catch {
            return OCPIServerResponse.failure(error, requestID: ids.request)
        }
        switch identification {
        case .party(let identified):
            party = identified
        case .writtenInTheOtherForm(let expected):
            let form = expected == .base64 ? "base64-encoded (Token <base64 of the token>)" : "as it is, not base64-encoded (Token <token>)"
            return (.error(OCPIError(.unauthorized, "This release's modules take the credentials token \(form)")), nil)
        case .unknown:
            let message = authorization.isEmpty ? "Missing Authorization header (expected: Token <credentials token>)" : "Unknown or malformed credentials token"
            return (.error(OCPIError(.unauthorized, message)), nil)
        }
        guard let party else { return (.error(OCPIError(.unauthorized, "Unknown or malformed credentials token")), nil) }
        if party.isRegistering, !OCPIModuleID.registration.contains(route.module) {
            return (.error(OCPIError(.unauthorized, "A registration token is only accepted by the versions and credentials modules")), nil)
        }
        // Routing headers: optional, checked when present, and only on functional modules.
        var routing = RoutingHeaders()
        if route.isFunctional {
            let (read, violations) = RoutingHeaders.read(headers)
            if !violations.isEmpty { return (.error(.invalidParameter(violations)), nil) }
            if let to = read.to, !configuration.ownParties.contains(where: { $0.matches(countryCode: to.countryCode, partyID: to.partyID) }) {
                return (.error(.invalidParameter([Violation(path: JSONPath([.key(HTTPField.Name.ocpiToPartyID.rawName)]), message: "names \(to), which is not this platform")])), nil)
            }
            let isHub = party.roles.contains { $0.role == .hub }
            if let from = read.from, !isHub, !party.owns(countryCode: from.countryCode, partyID: from.partyID) {
                return (.error(.invalidParameter([Violation(path: JSONPath([.key(HTTPField.Name.ocpiFromPartyID.rawName)]), message: "names \(from), which the credentials do not cover")])), nil)
            }
            routing = read
        }
        // The body, refused above the limit before it is read any further.
        let body: [UInt8]
        do {
            body = try await readBody()
        } catch {
            return OCPIServerResponse.failure(error, requestID: ids.request)
        }
        var pathParameters: [String: String] = [:]
        for (name, value) in parameters {
            // Foundation's decoding is looked for only where there is something to decode.
            pathParameters[name] = value.utf8.contains(UInt8(ascii: "%")) ? value.removingPercentEncoding ?? value : value
        }
        let query = QueryString.decode(head.targetQuery ?? "")
        var context = OCPIRequestContext(
            party: party, routing: routing, requestID: ids.request, correlationID: ids.correlation,
            publicURL: configuration.publicURL + head.targetPath,
            validation: await authenticator.validationPolicy(for: party),
            pagination: configuration.pagination
        )
        context.seek = PageSeek(query: query)
        let serverRequest = OCPIServerRequest(head: head, pathParameters: pathParameters, query: query, body: body, context: context)
        return await route.respond(to: serverRequest)
    }
}

/// The request and correlation IDs of one exchange: the caller's when it sent them, ours otherwise
/// (a request without a correlation ID starts a correlation of its own).
package struct RequestIDs: Sendable {
    let request: String
    let correlation: String

    package init(_ requestID: String?, _ correlationID: String?) {
        request = requestID.flatMap { $0.isEmpty ? nil : $0 } ?? RequestID.next()
        correlation = correlationID.flatMap { $0.isEmpty ? nil : $0 } ?? request
    }

    /// The envelope's type and the IDs, then the response's own header fields.
    package func headers(of response: OCPIServerResponse) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json", .ocpiRequestID: request, .ocpiCorrelationID: correlation]
        fields.append(contentsOf: response.head.headerFields)
        return fields
    }
}
