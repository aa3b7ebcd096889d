/// A response as a route gives it back to the server adapter: the head (status, the route's own
/// header fields) and the body.
public struct OCPIServerResponse: Sendable {
    public var head: HTTPResponse
    public var body: [UInt8]
    /// The `status_code` in the body's envelope, for logs and metrics (`nil` when the body is
    /// not an envelope).
    public var statusCode: Int?

    public init(head: HTTPResponse, body: [UInt8], statusCode: Int? = nil) {
        self.head = head
        self.body = body
        self.statusCode = statusCode
    }

    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8], statusCode: Int? = nil) {
        self.init(head: HTTPResponse(status: status, headerFields: headerFields), body: body, statusCode: statusCode)
    }

    public var status: HTTPResponse.Status {
        get { head.status }
        set { head.status = newValue }
    }

    public var headers: HTTPFields {
        get { head.headerFields }
        set { head.headerFields = newValue }
    }

    /// The envelope of a successful reply.
    public static func reply<Data>(_ reply: OCPIReply<Data>) -> OCPIServerResponse {
        OCPIServerResponse(
            status: reply.httpStatus,
            headerFields: reply.headers,
            body: Envelope.write(data: reply.data, statusCode: 1000, message: "Success"),
            statusCode: 1000
        )
    }

    /// The envelope of a page, with `X-Total-Count`, `X-Limit` and `Link`.
    public static func page<Element>(_ page: OCPIPage<Element>, offset: Int, limit: Int, request: OCPIServerRequest) -> OCPIServerResponse {
        let headers = request.context.pagination.headers(
            offset: offset, limit: limit, returned: page.encodedItems.count, totalCount: page.totalCount,
            publicURL: request.context.publicURL, query: request.query, next: page.next
        )
        return OCPIServerResponse(status: .ok, headerFields: headers, body: Envelope.write(list: page.encodedItems, statusCode: 1000, message: "Success"), statusCode: 1000)
    }

    /// The envelope of an error, by the one table in `OCPIError`. Every error any layer answers
    /// (router, pipeline, handler, either server) is written here.
    public static func error(_ error: OCPIError) -> OCPIServerResponse {
        OCPIServerResponse(status: HTTPResponse.Status(code: error.status.http), body: Envelope.write(error), statusCode: error.status.ocpi)
    }

    /// The envelope of whatever a handler or the pipeline threw: an `OCPIError` as itself (with
    /// `notFound` as the route's own kind of not-found, e.g. 2003 for a location), an
    /// `OCPIErrorConvertible` as the row it names, anything else as a server error that names
    /// the request and no detail; all but an `OCPIError` are handed back as `unexpected` for the
    /// log.
    public static func failure(
        _ error: any Error, requestID: String, notFound: OCPIError.Kind = .notFound
    ) -> (OCPIServerResponse, unexpected: (any Error)?) {
        guard let error = error as? OCPIError else {
            // A lower layer's error that knows its row is answered so, and still logged.
            if let known = (error as? any OCPIErrorConvertible)?.ocpiError { return (.error(known), error) }
            return (.error(OCPIError(.serverError, "An internal error occurred; request \(requestID).")), error)
        }
        let mapped = error.kind == .notFound ? OCPIError(notFound, error.message, violations: error.violations) : error
        return (.error(mapped), nil)
    }
}
