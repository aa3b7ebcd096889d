import Foundation

/// The calling party, as the server's authentication found it.
public struct OCPIParty: Sendable, Hashable {
    /// The server's own identifier of the partner.
    public var id: String
    /// The parties (country code, party id, role) the partner acts as.
    public var roles: [Role]
    /// Whether the partner authenticated with a registration token (token A), which opens only
    /// the versions and credentials modules.
    public var isRegistering: Bool
    /// How strictly the partner's payloads are judged.
    public var validation: ValidationPolicy
    /// The credentials token the partner presented with this request, as the authenticator
    /// found it (`GET credentials` answers with it: the server keeps only its digest).
    public var credentialsToken: String?

    public struct Role: Sendable, Hashable {
        public var party: PartyIdentity
        /// A value of the release's Role enum (`CPO`, `EMSP`, `HUB`...).
        public var role: String

        public init(party: PartyIdentity, role: String) {
            self.party = party
            self.role = role
        }
    }

    public init(id: String, roles: [Role], isRegistering: Bool = false, validation: ValidationPolicy = .strict) {
        self.id = id
        self.roles = roles
        self.isRegistering = isRegistering
        self.validation = validation
    }

    /// Whether the partner acts as this party (in any role).
    public func owns(countryCode: String, partyID: String) -> Bool {
        roles.contains { $0.party.matches(countryCode: countryCode, partyID: partyID) }
    }
}

/// How strictly a partner's payloads are judged.
public enum ValidationPolicy: String, Sendable, Codable, CaseIterable {
    /// Refuse a payload that breaks any rule (OCPI 2001 with every violation).
    case strict
    /// Accept a payload that can be read at all, and record what it breaks.
    case lenient
}

/// What a handler knows about the request besides its typed parameters.
public struct OCPIRequestContext: Sendable {
    public var party: OCPIParty?
    public var routing: RoutingHeaders
    public var requestID: String
    public var correlationID: String
    /// The public URL of the requested path (without the query), for `Link` headers: built
    /// from the configured public base URL, never from the server's internal address.
    public var publicURL: String
    public var validation: ValidationPolicy
    public var pagination: PaginationPolicy
    /// Violations of a payload accepted under the lenient policy.
    public var acceptedViolations: [Violation] = []

    public init(
        party: OCPIParty?, routing: RoutingHeaders = RoutingHeaders(), requestID: String, correlationID: String,
        publicURL: String, validation: ValidationPolicy = .strict, pagination: PaginationPolicy = PaginationPolicy()
    ) {
        self.party = party
        self.routing = routing
        self.requestID = requestID
        self.correlationID = correlationID
        self.publicURL = publicURL
        self.validation = validation
        self.pagination = pagination
    }
}

/// A request as a server adapter hands it to a route.
public struct OCPIServerRequest: Sendable {
    public var method: String
    public var pathParameters: [String: String]
    public var query: [(String, String)]
    public var headers: HeaderFields
    public var body: [UInt8]
    public var context: OCPIRequestContext

    public init(method: String, pathParameters: [String: String], query: [(String, String)], headers: HeaderFields, body: [UInt8], context: OCPIRequestContext) {
        self.method = method
        self.pathParameters = pathParameters
        self.query = query
        self.headers = headers
        self.body = body
        self.context = context
    }

    /// The request's body as `T`: decoded, validated, refused by the rules of the status codes
    /// chapter (not JSON: HTTP 400; breaks OCPI rules: HTTP 200 with 2001 and the violations).
    public mutating func body<T: OCPIModel>(_: T.Type) throws(OCPIError) -> T {
        guard let value = try optionalBody(T.self) else {
            throw OCPIError.invalid([Violation(path: JSONPath(), message: "a \(T.ocpiName) body is required")])
        }
        return value
    }

    /// The body as `T`, or `nil` when the request has none.
    public mutating func optionalBody<T: OCPIModel>(_: T.Type) throws(OCPIError) -> T? {
        guard body.contains(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else { return nil }
        let decoded: Decoded<T?>
        do {
            decoded = try T.decodeAndValidate(body)
        } catch {
            throw OCPIError(.invalidJSON, "The body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard let value = decoded.value else { throw OCPIError.invalid(decoded.violations) }
        if !decoded.violations.isEmpty {
            // A value that could not be read has a placeholder standing in for it: never acceptable.
            guard context.validation == .lenient, decoded.isReadable else { throw OCPIError.invalid(decoded.violations) }
            context.acceptedViolations += decoded.violations
        }
        return value
    }

    /// Refuses a body whose identifying field differs from the URL's (the spec's client-owned
    /// object rule); CiString values compare without regard to case.
    public func requireMatch(_ bodyValue: String?, field: String, parameter: String) throws(OCPIError) {
        guard let bodyValue, let urlValue = pathParameters[parameter] else { return }
        guard bodyValue.caseInsensitiveEquals(urlValue) else {
            throw OCPIError.invalid([Violation(path: JSONPath([.key(field)]), message: "is '\(bodyValue)' but the URL's {\(parameter)} is '\(urlValue)'")])
        }
    }
}

/// Reads the path and query parameters of a request, collecting every problem before refusing it
/// (HTTP 400, OCPI 2001).
public struct ParameterReader {
    private let request: OCPIServerRequest
    private var violations: [Violation] = []

    public init(_ request: OCPIServerRequest) {
        self.request = request
    }

    public mutating func path(_ name: String, _ rule: TextRule) -> String {
        let value = request.pathParameters[name] ?? ""
        if let message = rule.violation(of: value) {
            violations.append(Violation(path: JSONPath([.key(name)]), message: message))
        }
        return value
    }

    /// A path parameter typed as an enum: a value the release does not know is refused.
    public mutating func path<E: OCPIEnumeration>(_ name: String, _: E.Type) -> E {
        let value = E(rawValue: request.pathParameters[name] ?? "")
        if !value.isKnown {
            violations.append(Violation(path: JSONPath([.key(name)]), message: "'\(value.rawValue)' is not a value of \(E.ocpiName)"))
        }
        return value
    }

    private mutating func raw(_ name: String, required: Bool) -> String? {
        let value = request.query.last { $0.0 == name }?.1
        if value == nil, required {
            violations.append(Violation(path: JSONPath([.key(name)]), message: "is a required query parameter"))
        }
        return value
    }

    private mutating func fail(_ name: String, _ message: String) {
        violations.append(Violation(path: JSONPath([.key(name)]), message: message))
    }

    public mutating func query(_ name: String, _ rule: TextRule, required: Bool = false) -> String? {
        guard let value = raw(name, required: required) else { return nil }
        if let message = rule.violation(of: value) { fail(name, message) }
        return value
    }

    /// An integer query parameter; OCPI's (offset, limit, duration) are never negative.
    public mutating func query(_ name: String, _: Int.Type, required: Bool = false) -> Int? {
        guard let value = raw(name, required: required) else { return nil }
        guard let number = Int(value), number >= 0 else {
            fail(name, "must be a whole number, zero or more (is '\(value)')")
            return nil
        }
        return number
    }

    public mutating func query(_ name: String, _: OCPIDateTime.Type, required: Bool = false) -> OCPIDateTime? {
        guard let value = raw(name, required: required) else { return nil }
        guard let dateTime = OCPIDateTime(value), dateTime.nonUTCOffsetMinutes == nil else {
            fail(name, "'\(value)' is not a DateTime in UTC")
            return nil
        }
        return dateTime
    }

    public mutating func query<E: OCPIEnumeration>(_ name: String, _: E.Type, required: Bool = false) -> E? {
        guard let value = raw(name, required: required) else { return nil }
        let enumeration = E(rawValue: value)
        if !enumeration.isKnown { fail(name, "'\(value)' is not a value of \(E.ocpiName)") }
        return enumeration
    }

    /// Throws when any parameter was missing or malformed.
    public func finish() throws(OCPIError) {
        guard violations.isEmpty else { throw OCPIError.invalidParameter(violations) }
    }
}

/// What a handler answers: the HTTP status (200, or 201 for a created object), the `data`
/// already encoded (or none), and headers of its own (the `Location` of a posted CDR).
public struct OCPIReply<Data>: Sendable {
    public var httpStatus: Int
    public var data: [UInt8]?
    public var headers: [(String, String)]

    public init(httpStatus: Int, data: [UInt8]?, headers: [(String, String)] = []) {
        self.httpStatus = httpStatus
        self.data = data
        self.headers = headers
    }

    /// Data that is already canonical JSON (a stored object), sent as it is.
    public static func ok(encoded data: [UInt8], headers: [(String, String)] = []) -> OCPIReply {
        OCPIReply(httpStatus: 200, data: data, headers: headers)
    }
}

extension OCPIReply where Data: JSONEncodable {
    public static func ok(_ data: Data, headers: [(String, String)] = []) -> OCPIReply {
        OCPIReply(httpStatus: 200, data: data.jsonBytes(), headers: headers)
    }

    public static func created(_ data: Data, headers: [(String, String)] = []) -> OCPIReply {
        OCPIReply(httpStatus: 201, data: data.jsonBytes(), headers: headers)
    }
}

extension OCPIReply where Data == OCPINoData {
    public static var ok: OCPIReply { OCPIReply(httpStatus: 200, data: nil) }
    /// For a PUT or POST that created the object.
    public static var created: OCPIReply { OCPIReply(httpStatus: 201, data: nil) }

    public static func ok(headers: [(String, String)]) -> OCPIReply { OCPIReply(httpStatus: 200, data: nil, headers: headers) }
    public static func created(headers: [(String, String)]) -> OCPIReply { OCPIReply(httpStatus: 201, data: nil, headers: headers) }
}

/// A response as a route gives it back to the server adapter.
public struct OCPIServerResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The `status_code` in the body's envelope, for logs and metrics (`nil` when the body is
    /// not an envelope).
    public var statusCode: Int?

    public init(status: Int, headers: [(String, String)], body: [UInt8], statusCode: Int? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.statusCode = statusCode
    }

    /// The envelope of a successful reply.
    public static func reply<Data>(_ reply: OCPIReply<Data>) -> OCPIServerResponse {
        OCPIServerResponse(
            status: reply.httpStatus,
            headers: reply.headers,
            body: Envelope.write(data: reply.data, statusCode: 1000, message: "Success"),
            statusCode: 1000
        )
    }

    /// The envelope of a page, with `X-Total-Count`, `X-Limit` and `Link`.
    public static func page<Element>(_ page: OCPIPage<Element>, offset: Int, limit: Int, request: OCPIServerRequest) -> OCPIServerResponse {
        let headers = request.context.pagination.headers(
            offset: offset, limit: limit, returned: page.encodedItems.count, totalCount: page.totalCount,
            publicURL: request.context.publicURL, query: request.query
        )
        return OCPIServerResponse(status: 200, headers: headers, body: Envelope.write(list: page.encodedItems, statusCode: 1000, message: "Success"), statusCode: 1000)
    }

    /// The envelope of an error, by the one table in `OCPIError`.
    public static func error(_ error: OCPIError) -> OCPIServerResponse {
        OCPIServerResponse(status: error.status.http, headers: [], body: Envelope.write(error), statusCode: error.status.ocpi)
    }
}

/// The HTTP methods OCPI uses.
public enum OCPIHTTPMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
}

/// One route of a generated route table: the spec's method and path (with the module segment),
/// and the code that reads the request, calls the handler and writes the response.
public struct OCPIRoute: Sendable {
    public var method: OCPIHTTPMethod
    /// The spec's path, e.g. `/locations/{country_code}/{party_id}/{location_id}`; for an
    /// endpoint at a URL handed over at run time, the parameter (`{response_url}`).
    public var path: String
    public var module: String
    /// `SENDER` or `RECEIVER`.
    public var role: String
    /// The operation's name in the spec (`put_location`).
    public var operation: String
    /// Whether the module is a functional one (routing headers apply) or a configuration one.
    public var isFunctional: Bool
    /// The error a handler's `notFound` becomes here (unknown location, unknown token, ...).
    public var notFound: OCPIError.Kind
    public var handler: @Sendable (OCPIServerRequest) async throws -> OCPIServerResponse

    public init(
        _ method: OCPIHTTPMethod, _ path: String, module: String, role: String, operation: String, isFunctional: Bool,
        notFound: OCPIError.Kind = .notFound, handler: @escaping @Sendable (OCPIServerRequest) async throws -> OCPIServerResponse
    ) {
        self.method = method
        self.path = path
        self.module = module
        self.role = role
        self.operation = operation
        self.isFunctional = isFunctional
        self.notFound = notFound
        self.handler = handler
    }

    /// Whether the endpoint lives at an URL handed over at run time rather than a fixed path.
    public var isRuntimeURL: Bool { path.hasPrefix("{") }

    /// The path below a party's base URL: the spec's path, or for a run-time URL a path made up
    /// from the module and operation (`/commands/post_command_result/{callback}`).
    public var mountPath: String {
        isRuntimeURL ? "/\(module)/\(operation)/{callback}" : path
    }

    /// Runs the route: every error becomes its envelope here, by the one table.
    public func respond(to request: OCPIServerRequest) async -> (OCPIServerResponse, unexpected: (any Error)?) {
        do {
            return (try await handler(request), nil)
        } catch let error as OCPIError {
            let mapped = error.kind == .notFound ? OCPIError(notFound, error.message, violations: error.violations) : error
            return (.error(mapped), nil)
        } catch {
            return (.error(OCPIError(.serverError, "An internal error occurred; request \(request.context.requestID).")), error)
        }
    }
}

/// The route tables of the generated interfaces hang off this namespace:
/// `OCPIRoutes.locationsSender(myHandler) + OCPIRoutes.tokensReceiver(myHandler)`.
public enum OCPIRoutes {}
