/// The HTTP methods OCPI uses.
public enum OCPIHTTPMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"

    /// The same method as swift-http-types names it.
    public var httpMethod: HTTPRequest.Method {
        switch self {
        case .get: .get
        case .post: .post
        case .put: .put
        case .patch: .patch
        case .delete: .delete
        }
    }
}

/// One route of a generated route table: the spec's method and path (with the module segment),
/// and the code that reads the request, calls the handler and writes the response.
public struct OCPIRoute: Sendable {
    public var method: OCPIHTTPMethod
    /// The spec's path, e.g. `/locations/{country_code}/{party_id}/{location_id}`; for an
    /// endpoint at a URL handed over at run time, the parameter (`{response_url}`).
    public var path: String
    public var module: OCPIModuleID
    /// The interface's side; `nil` for a route that belongs to no OCPI interface (an operator's
    /// admin API).
    public var role: OCPIInterfaceRole?
    /// The operation's name in the spec (`put_location`).
    public var operation: String
    /// Whether the module is a functional one (routing headers apply) or a configuration one.
    public var isFunctional: Bool
    /// The error a handler's `notFound` becomes here (unknown location, unknown token, ...).
    public var notFound: OCPIError.Kind
    public var handler: @Sendable (OCPIServerRequest) async throws -> OCPIServerResponse

    public init(
        _ method: OCPIHTTPMethod, _ path: String, module: OCPIModuleID, role: OCPIInterfaceRole?, operation: String, isFunctional: Bool,
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
        isRuntimeURL ? "/\(module.rawValue)/\(operation)/{callback}" : path
    }

    /// Runs the route; what it throws becomes its envelope (`OCPIServerResponse.failure`).
    public func respond(to request: OCPIServerRequest) async -> (OCPIServerResponse, unexpected: (any Error)?) {
        do {
            return (try await handler(request), nil)
        } catch {
            return OCPIServerResponse.failure(error, requestID: request.context.requestID, notFound: notFound)
        }
    }
}

/// The route tables of the generated interfaces hang off this namespace:
/// `OCPIRoutes.locationsSender(myHandler) + OCPIRoutes.tokensReceiver(myHandler)`.
public enum OCPIRoutes {}
