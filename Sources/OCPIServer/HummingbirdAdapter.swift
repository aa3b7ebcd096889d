import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OCPIRuntime

/// For applications that already run Hummingbird: the same OCPI pipeline as `OCPIHTTPServer`
/// (`OCPIRouteResponder`), mounted on a Hummingbird router.
extension Router {
    /// Mounts generated OCPI routes below `basePath` (`/ocpi/cpo/2.2.1`): authentication,
    /// routing headers, request IDs and the envelope for every outcome.
    public func addOCPIRoutes(
        _ routes: [OCPIRoute], at basePath: String, configuration: OCPIServerConfiguration,
        authenticator: some OCPIAuthenticator, logger: Logger
    ) {
        for route in routes {
            let path = basePath + route.mountPath
            let responder = OCPIRouteResponder(route: route, configuration: configuration, authenticator: authenticator, logger: logger)
            let limit = configuration.maximumBodySize
            on(RouterPath(path), method: HTTPRequest.Method(rawValue: route.method.rawValue) ?? .get) { request, context in
                let parts = OCPIHTTPRequest(
                    method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                    headers: HeaderFields(request.headers.map { ($0.name.rawName, $0.value) }),
                    parameters: context.parameters.map { (String($0.key), String($0.value)) }
                )
                var request = request
                let (response, ids) = await responder.respond(to: parts) {
                    guard let buffer = try? await request.collectBody(upTo: limit) else { return nil }
                    return Array(buffer.readableBytesView)
                }
                return httpResponse(response, ids: ids)
            }
        }
    }
}

/// Turns any error thrown before or outside a route (unknown path, wrong method, a body too
/// large) into the OCPI envelope, and logs and counts it as `RequestLog` does a routed request.
public struct OCPIEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: RequestLog

    public init(logger: Logger = Logger(label: "ocpi.server"), metrics: RequestMetrics = RequestMetrics()) {
        log = RequestLog.unrouted(logger: logger, metrics: metrics)
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
            log.record(method: request.method.rawValue, path: request.uri.path, response, party: nil, ids: ids, since: start)
            return httpResponse(response, ids: ids)
        }
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name(OCPIHeader.requestID)!
    static let xCorrelationID = HTTPField.Name(OCPIHeader.correlationID)!
}

/// The Hummingbird response for an OCPI response, with the request and correlation IDs.
func httpResponse(_ response: OCPIServerResponse, ids: RequestIDs) -> Response {
    var fields = HTTPFields()
    for (name, value) in ids.headers(of: response) {
        if let name = HTTPField.Name(name) { fields[name] = value }
    }
    return Response(
        status: HTTPResponse.Status(code: response.status),
        headers: fields,
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body))
    )
}
