import OCPIRuntime

/// A client transport that hands each request straight to an `HTTPRouter`, with no socket in
/// between: generated clients, and tests of routes and of the OCPI pipeline, talk to a route
/// table as they would to a server (the model is Hummingbird's `app.test(.router)`).
///
/// The router sees what `OCPIHTTPServer` would hand it: the request's head (of which it reads
/// the path, the query and the header fields) and the whole body, a body over the router's limit
/// (`HTTPRouter.maximumBodySize`) refused before routing; the answer's head comes back as the
/// route made it. What only a socket has (timeouts, pipelining, TLS, connection limits) is for
/// tests over `OCPIHTTPServer` itself.
public struct RouterTransport: OCPIClientTransport {
    public let router: HTTPRouter

    public init(router: HTTPRouter) {
        self.router = router
    }

    public func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        // The client's head as it is: the router reads its path and header fields, never its
        // scheme or authority.
        let incoming = HTTPServerRequest(head: request.head, body: request.body ?? [])
        let response: HTTPServerResponse
        if incoming.body.count > router.maximumBodySize {
            response = router.refuse(incoming, .bodyTooLarge(limit: router.maximumBodySize))
        } else {
            response = await router.respond(to: incoming)
        }
        return OCPIClientResponse(head: response.head, body: response.body)
    }
}
