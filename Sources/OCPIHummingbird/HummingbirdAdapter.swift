import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OCPIRuntime
import OCPIServer

/// For applications that already run Hummingbird: the same OCPI pipeline as `OCPIHTTPServer`
/// (`OCPIRouteResponder`), mounted on a Hummingbird router.
extension Router {
    /// Mounts generated OCPI routes below `basePath` (`/ocpi/cpo/2.2.1`): authentication,
    /// routing headers, request IDs and the envelope for every outcome. A body larger than
    /// `maximumBodySize` is refused with 413 once the caller is known, before more of it is read:
    /// Hummingbird streams bodies, so this is where the limit of this stack is kept.
    public func addOCPIRoutes(
        _ routes: [OCPIRoute], at basePath: String, configuration: OCPIServerConfiguration,
        authenticator: some OCPIAuthenticator, logger: Logger, maximumBodySize: Int = 1 << 20
    ) {
        for route in routes {
            let path = basePath + route.mountPath
            let responder = OCPIRouteResponder(route: route, configuration: configuration, authenticator: authenticator, logger: logger)
            on(RouterPath(path), method: route.method.httpMethod) { request, context in
                let parameters = context.parameters.map { (name: String($0.key), value: String($0.value)) }
                var request = request
                let (response, ids) = await responder.respond(to: request.head, parameters: parameters) {
                    do {
                        return Array(try await request.collectBody(upTo: maximumBodySize).readableBytesView)
                    } catch is NIOTooManyBytesError {
                        throw OCPIError.bodyTooLarge(limit: maximumBodySize)
                    }
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
            let message = error.status.code == 404 ? "No such OCPI endpoint: \(request.head.targetPath)" : error.status.reasonPhrase
            let ids = RequestIDs(request.headers[.ocpiRequestID], request.headers[.ocpiCorrelationID])
            let response = OCPIServerResponse.error(OCPIError(kind, message))
            log.record(method: request.method.rawValue, path: request.head.targetPath, response, party: nil, ids: ids, since: start)
            return httpResponse(response, ids: ids)
        }
    }
}

/// The Hummingbird response for an OCPI response, with the request and correlation IDs.
func httpResponse(_ response: OCPIServerResponse, ids: RequestIDs) -> Response {
    Response(status: response.status, headers: ids.headers(of: response), body: ResponseBody(byteBuffer: ByteBuffer(bytes: response.body)))
}
