import Foundation
import OCPIRuntime
import Yams

/// Every operation of one release, read from the OpenAPI document its generated target ships
/// (`OCPIRelease.openAPIDocument`): which module and interface it belongs to, its method and
/// path, its parameters, whether it pages, and the spec types of its body and data.
///
/// The checks are built from this, not from lists of endpoints written here: a release or a
/// module that the generator learns is checked without a new line in the checker. (The route
/// tables carry the same facts, but are only built around a handler.)
public struct OperationCatalog: Sendable {
    public struct Operation: Sendable, Hashable {
        /// The ModuleID (`locations`).
        public var module: String
        /// `SENDER` or `RECEIVER`.
        public var role: String
        /// The spec's name of the operation (`get_locations`).
        public var name: String
        public var method: String
        /// The path below the module's URL, with the module segment (`/locations/{location_id}`),
        /// as `OCPIConnection.url(for:parameters:)` takes it.
        public var path: String
        public var pathParameters: [String]
        public var queryParameters: [String]
        /// Whether the answer pages (`X-Total-Count`, `X-Limit`, `Link`).
        public var isPaginated: Bool
        /// The spec type of the body: an object type, or for a PATCH the type it patches.
        public var bodyType: String?
        /// The spec type of `data` in a successful answer, and whether it is a list of them.
        public var dataType: String?
        public var dataIsList: Bool
        /// The kind of party that serves the interface in the OpenAPI layout: `cpo`, or `emsp`
        /// for every other party.
        public var servedBy: String

        public var interface: Interface { Interface(module: module, role: role) }
    }

    /// A module's interface in one role: what a version details endpoint names.
    public struct Interface: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var module: String
        public var role: String

        public init(module: String, role: String) {
            self.module = module
            self.role = role
        }

        public var description: String { "\(module) \(role)" }

        public static func < (lhs: Interface, rhs: Interface) -> Bool { lhs.description < rhs.description }
    }

    public var operations: [Operation]
    /// `components.schemas`, for building test objects.
    let schemas: [String: JSONValue]

    public func operations(of interface: Interface) -> [Operation] {
        operations.filter { $0.interface == interface }
    }

    public var modules: Set<String> { Set(operations.map(\.module)) }

    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads the OpenAPI document of `version`. Its paths are `/ocpi/{cpo|emsp}/VERSION/...`;
    /// operations at URLs handed over at run time (`webhooks`) are left out: no list names them.
    public init(openAPI data: Data, version: String) throws {
        guard let text = String(data: data, encoding: .utf8), let loaded = try? Yams.load(yaml: text), let root = JSONValue(yaml: loaded) else {
            throw Unreadable(description: "the OpenAPI document of \(version) is not YAML")
        }
        var schemas: [String: JSONValue] = [:]
        for member in root["components"]?["schemas"]?.members ?? [] { schemas[member.key] = member.value }
        self.schemas = schemas
        var operations: [Operation] = []
        for (path, item) in (root["paths"]?.members ?? []).map({ ($0.key, $0.value) }) {
            let segments = path.split(separator: "/").map(String.init)
            // /ocpi/cpo/2.2.1/locations/... ; the versions module sits at /ocpi/versions and /ocpi/VERSION.
            guard segments.count > 3, segments[0] == "ocpi", segments[2] == version else { continue }
            let below = "/" + segments.dropFirst(3).joined(separator: "/")
            for (methodKey, node) in (item.members ?? []).map({ ($0.key, $0.value) }) {
                let method = methodKey.uppercased()
                guard let operationID = node["operationId"]?.string else { continue }
                let idParts = operationID.split(separator: ".").map(String.init)
                guard idParts.count == 3 else { continue }
                let tags = node["tags"]?.elements?.compactMap(\.string) ?? []
                var pathParameters: [String] = []
                var queryParameters: [String] = []
                for parameter in node["parameters"]?.elements ?? [] {
                    guard let name = parameter["name"]?.string else { continue }
                    switch parameter["in"]?.string {
                    case "path": pathParameters.append(name)
                    case "query": queryParameters.append(name)
                    default: break
                    }
                }
                let success = node["responses"]?["200"] ?? node["responses"]?["201"]
                let data = success?["content"]?["application/json"]?["schema"]?["oneOf"]?.element(0)?["allOf"]?.element(1)?["properties"]?["data"]
                let listItems = data?["type"]?.string == "array" ? data?["items"] : nil
                operations.append(
                    Operation(
                        module: idParts[0], role: idParts[1].uppercased(), name: idParts[2], method: method, path: below,
                        pathParameters: pathParameters, queryParameters: queryParameters,
                        isPaginated: success?["headers"]?["Link"] != nil,
                        bodyType: Self.referencedName(node["requestBody"]?["content"]?["application/json"]?["schema"]),
                        dataType: Self.referencedName(listItems ?? data), dataIsList: listItems != nil,
                        servedBy: tags.contains("cpo") ? "cpo" : "emsp"
                    ))
            }
        }
        // A PATCH body is written inline; it patches what the PUT on the same path takes.
        for index in operations.indices where operations[index].method == "PATCH" && operations[index].bodyType == nil {
            let patch = operations[index]
            operations[index].bodyType = operations.first { $0.method == "PUT" && $0.path == patch.path && $0.interface == patch.interface }?.bodyType
        }
        // Sorted, so that every run checks in the same order.
        self.operations = operations.sorted { ($0.module, $0.role, $0.path, $0.method) < ($1.module, $1.role, $1.path, $1.method) }
    }

    /// `Location` for `{"$ref": "#/components/schemas/Location"}`.
    static func referencedName(_ node: JSONValue?) -> String? {
        guard let reference = node?["$ref"]?.string, let name = reference.split(separator: "/").last else { return nil }
        return String(name)
    }

    /// Whether version details name each endpoint's interface role: the release's `Endpoint`
    /// type has a `role` (2.2 on); in 2.1.1 the party's role implies it.
    public var endpointsHaveRoles: Bool {
        schemas["Endpoint"]?["properties"]?["role"] != nil
    }

    /// The schema of a spec type.
    func schema(_ name: String) -> JSONValue? { schemas[name] }
}

extension JSONValue {
    /// A value Yams loaded (dictionaries, arrays, strings, numbers, booleans).
    init?(yaml: Any) {
        switch yaml {
        case let value as Bool: self = .bool(value)
        case let value as Int: self = .number(Decimal(value))
        case let value as Double: self = .number(Decimal(value))
        case let value as String: self = .string(value)
        case let values as [Any]: self = .array(values.compactMap(JSONValue.init(yaml:)))
        case let members as [AnyHashable: Any]:
            self = .object(
                members.map { ("\($0.key.base)", $0.value) }.sorted { $0.0 < $1.0 }
                    .compactMap { key, value in JSONValue(yaml: value).map { Member(key: key, value: $0) } }
            )
        case is NSNull: self = .null
        default: return nil
        }
    }

    var members: [Member]? {
        if case .object(let members) = self { members } else { nil }
    }

    var elements: [JSONValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    func element(_ index: Int) -> JSONValue? {
        guard let elements, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    var int: Int? {
        if case .number(let number) = self { NSDecimalNumber(decimal: number).intValue } else { nil }
    }
}
