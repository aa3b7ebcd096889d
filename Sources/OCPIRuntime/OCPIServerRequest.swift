/// A request as a server adapter hands it to a route: the head as it came (method, path with the
/// query, header fields), what the route read from it, and the whole body.
public struct OCPIServerRequest: Sendable {
    public var head: HTTPRequest
    /// The path's parameters by name, percent-decoded.
    public var pathParameters: [String: String]
    /// The query's parameters in their order, percent-decoded.
    public var query: [(String, String)]
    public var body: [UInt8]
    public var context: OCPIRequestContext

    public init(head: HTTPRequest, pathParameters: [String: String], query: [(String, String)], body: [UInt8], context: OCPIRequestContext) {
        self.head = head
        self.pathParameters = pathParameters
        self.query = query
        self.body = body
        self.context = context
    }

    public var method: HTTPRequest.Method { head.method }

    public var headers: HTTPFields {
        get { head.headerFields }
        set { head.headerFields = newValue }
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
