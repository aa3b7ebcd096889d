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
    /// Where the requested page of a list begins, when the request's `seek` names it (a `Link`
    /// this server wrote): for a handler that can start a page there (see `PageSeek`).
    public var seek: PageSeek?
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
