/// Where the server mounts each interface, which is where the OpenAPI document says it is.
///
/// The versions module sits at the root (`/ocpi/versions`, `/ocpi/2.2.1`). Every other interface
/// is mounted below the base of the party that serves it: `/ocpi/cpo/<version>` when a CPO
/// implements that interface of the module, `/ocpi/emsp/<version>` otherwise. Endpoints at URLs
/// handed over at run time (`{response_url}`) have no path: they are webhooks.
public struct OpenAPILayout: Sendable {
    public var root = "/ocpi"
    public var versionsModule = "versions"

    public init() {}

    public enum Party: String, Sendable {
        case cpo
        case emsp
    }

    /// The party whose server implements this interface of the module.
    public func party(of endpoint: EndpointDefinition, in module: SpecFile) -> Party {
        let roles = endpoint.role == .sender ? module.senderRoles : module.receiverRoles
        return roles.contains("CPO") ? .cpo : .emsp
    }

    public func base(of endpoint: EndpointDefinition, in module: SpecFile, version: String) -> String {
        if module.module == versionsModule { return root }
        return "\(root)/\(party(of: endpoint, in: module).rawValue)/\(version)"
    }

    public func operationID(_ operation: OperationDefinition, of endpoint: EndpointDefinition) -> String {
        "\(endpoint.module).\(endpoint.role.rawValue.lowercased()).\(operation.name)"
    }
}
