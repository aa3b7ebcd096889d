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
