import OCPIRuntime

/// A client transport that hands each request straight to an `HTTPRouter`, with no socket in
/// between: generated clients, and tests of routes and of the OCPI pipeline, talk to a route
/// table as they would to a server (the model is Hummingbird's `app.test(.router)`).
///
/// The router sees what `OCPIHTTPServer` would hand it: the path and query of the URL (its
/// scheme and authority are ignored), the headers and the whole body, a body over the router's
/// limit refused before routing. What only a socket has (timeouts, pipelining, TLS, connection
/// limits) is for tests over `OCPIHTTPServer` itself.
public struct RouterTransport: OCPIClientTransport {
    public let router: HTTPRouter

    public init(router: HTTPRouter) {
        self.router = router
    }

    public func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse {
        let body = request.body ?? []
        let incoming = HTTPServerRequest(method: request.method, target: request.url, headers: request.headers, body: body)
        let response: HTTPServerResponse
        if body.count > router.maximumBodySize {
            response = router.refuse(incoming, .bodyTooLarge(limit: router.maximumBodySize))
        } else {
            response = await router.respond(to: incoming)
        }
        return OCPIClientResponse(status: response.status, headers: HeaderFields(response.headers), body: response.body)
    }
}
