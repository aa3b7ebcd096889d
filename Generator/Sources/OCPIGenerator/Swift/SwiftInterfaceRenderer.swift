/// Writes, for each module with endpoints, `<Module>+Routes.swift` (a handler protocol per
/// interface role and its route table) and `<Module>+Client.swift` (a typed client per role).
struct SwiftInterfaceRenderer {
    let plan: SwiftModelPlan

    init(spec: Spec) {
        plan = SwiftModelPlan(spec: spec)
    }

    var spec: Spec { plan.spec }

    /// One route, with every naming and typing decision made.
    struct Operation {
        let endpoint: EndpointDefinition
        let operation: OperationDefinition
        let methodName: String
        /// (spec name, Swift name, definition) of the path parameters the route's path holds.
        let pathParameters: [(name: String, swiftName: String, definition: ParameterDefinition)]
        let query: [(name: String, swiftName: String, definition: ParameterDefinition)]
        let paginated: Bool
        let bodyType: String?
        let bodyOptional: Bool
        let response: Response

        enum Response {
            case none
            case single(String, optional: Bool)
            case list(String)
            case page(String)
        }

        var isRuntimeURL: Bool { endpoint.isRuntimeURL }
    }

    func render() -> [GeneratedFile] {
        spec.modules.filter { !$0.endpoints.isEmpty }.flatMap { module in
            let name = SwiftNaming.moduleName(module)
            return [
                GeneratedFile(path: "\(name)+Routes.swift", contents: routesFile(module, name)),
                GeneratedFile(path: "\(name)+Client.swift", contents: clientFile(module, name)),
            ]
        }
    }

    private func roles(of module: SpecFile) -> [(InterfaceRole, [Operation])] {
        InterfaceRole.allCases.compactMap { role in
            let operations = module.endpoints.filter { $0.role == role }.flatMap { endpoint in
                endpoint.operations.map { self.operation($0, of: endpoint) }
            }
            return operations.isEmpty ? nil : (role, operations)
        }
    }

    private func roleName(_ role: InterfaceRole) -> String { role == .sender ? "Sender" : "Receiver" }

    private func operation(_ operation: OperationDefinition, of endpoint: EndpointDefinition) -> Operation {
        let declared = Dictionary(endpoint.parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let pathParameters: [(String, String, ParameterDefinition)] = endpoint.isRuntimeURL
            ? endpoint.parameters.prefix(1).map { ($0.name, SwiftNaming.propertyName($0.name), $0) }
            : operation.pathParameterNames.compactMap { name in declared[name].map { (name, SwiftNaming.propertyName(name), $0) } }
        let paginated = endpoint.paginated && endpoint.query.contains { $0.name == "offset" } && endpoint.query.contains { $0.name == "limit" }
        var bodyType: String?
        if let body = operation.body {
            let base = plan.swiftTypeName(body.type)
            bodyType = body.patch ? base + "Patch" : (body.cardinality.isList ? "[\(base)]" : base)
        }
        let response: Operation.Response
        if let payload = operation.response {
            let type = plan.swiftTypeName(payload.type)
            if payload.cardinality.isList {
                response = paginated ? .page(type) : .list(type)
            } else {
                response = .single(type, optional: payload.cardinality == .optional)
            }
        } else {
            response = .none
        }
        return Operation(
            endpoint: endpoint,
            operation: operation,
            methodName: SwiftNaming.escaped(SwiftNaming.propertyName(operation.name)),
            pathParameters: pathParameters,
            query: endpoint.query.map { ($0.name, SwiftNaming.propertyName($0.name), $0) },
            paginated: paginated,
            bodyType: bodyType,
            bodyOptional: operation.body?.cardinality == .optional,
            response: response
        )
    }

    private func header(_ module: SpecFile) -> CodeWriter {
        var writer = CodeWriter()
        writer.line("// " + GeneratedFile.header(for: "spec/ocpi-\(spec.version)/\(module.name)"))
        writer.line()
        writer.line("import Foundation")
        writer.line("import OCPIRuntime")
        return writer
    }

    private func documentation(_ operation: Operation, into writer: inout CodeWriter) {
        var parts: [String] = []
        if let doc = (operation.operation.annotations.doc ?? operation.endpoint.annotations.doc)?.trimmingWhitespace() { parts.append(doc) }
        let notes = [operation.endpoint.annotations.note, operation.operation.annotations.note].compactMap { $0?.trimmingWhitespace() }
        if !notes.isEmpty { parts.append("- Note: " + notes.joined(separator: " ")) }
        parts.append("- Remark: Generated from `\(operation.endpoint.role.rawValue) \(operation.endpoint.method.rawValue) \(operation.endpoint.path)` (`\(operation.operation.name)`) in spec/ocpi-\(spec.version).")
        writer.docComment(parts.joined(separator: "\n\n"))
    }

    private func queryType(_ parameter: ParameterDefinition) -> String {
        plan.swiftTypeName(parameter.type)
    }

    // MARK: Routes

    private func handlerSignature(_ operation: Operation) -> String {
        var parameters = ["_ context: OCPIRequestContext"]
        for parameter in operation.pathParameters {
            let type = operation.isRuntimeURL ? "String" : (plan.isEnumeration(parameter.definition.type) ? plan.swiftTypeName(parameter.definition.type) : "String")
            parameters.append("\(operation.isRuntimeURL ? "callback" : parameter.swiftName): \(type)")
        }
        for parameter in operation.query {
            if operation.paginated, parameter.name == "offset" || parameter.name == "limit" {
                parameters.append("\(parameter.swiftName): Int")
            } else {
                parameters.append("\(parameter.swiftName): \(queryType(parameter.definition))\(parameter.definition.required ? "" : "?")")
            }
        }
        if let bodyType = operation.bodyType {
            parameters.append("body: \(bodyType)\(operation.bodyOptional ? "?" : "")")
        }
        let result: String
        switch operation.response {
        case .none: result = "OCPIReply<OCPINoData>"
        case .single(let type, _): result = "OCPIReply<\(type)>"
        case .list(let type): result = "OCPIReply<[\(type)]>"
        case .page(let type): result = "OCPIPage<\(type)>"
        }
        return "func \(operation.methodName)(\(parameters.joined(separator: ", "))) async throws -> \(result)"
    }

    private func routesFile(_ module: SpecFile, _ name: String) -> String {
        var writer = header(module)
        let functional = module.kind == .functional
        let notFound: String
        switch module.notFoundCode {
        case 2003?: notFound = ".unknownLocation"
        case 2004?: notFound = ".unknownToken"
        default: notFound = ".notFound"
        }
        for (role, operations) in roles(of: module) {
            let protocolName = "\(name)\(roleName(role))"
            let roles = role == .sender ? module.senderRoles : module.receiverRoles
            writer.line()
            writer.docComment("""
                The \(role.rawValue) interface of the \(module.title) module\(packageNote(module)), as a server implements it\(roles.isEmpty ? "" : " (typically a \(roles.joined(separator: ", ")))").

                One method per route; throw `OCPIError` to refuse a request (`OCPIError.notFound` for an unknown object). `OCPIRoutes.\(lowerFirst(protocolName))(_:)` turns an implementation into routes.
                """)
            writer.block("public protocol \(protocolName): Sendable {") { writer in
                for (index, operation) in operations.enumerated() {
                    if index > 0 { writer.line() }
                    documentation(operation, into: &writer)
                    writer.line(handlerSignature(operation))
                }
            }
            writer.line()
            writer.block("extension OCPIRoutes {") { writer in
                writer.docComment("The routes of the \(module.title) \(role.rawValue) interface, answered by `handler`.")
                writer.block("public static func \(lowerFirst(protocolName))(_ handler: some \(protocolName)) -> [OCPIRoute] {") { writer in
                    writer.block("[", close: "]") { writer in
                        for operation in operations {
                            route(operation, module: SwiftNaming.moduleConstant(module), functional: functional, notFound: notFound, into: &writer)
                        }
                    }
                }
            }
        }
        return writer.text
    }

    /// One route; `module` is the module's constant in the runtime's `OCPIModuleID`.
    private func route(_ operation: Operation, module: String, functional: Bool, notFound: String, into writer: inout CodeWriter) {
        let method = "." + operation.endpoint.method.rawValue.lowercased()
        let role = operation.endpoint.role == .sender ? ".sender" : ".receiver"
        let open = "OCPIRoute(\(method), \(swiftString(operation.operation.path)), module: .\(module), role: \(role), operation: \(swiftString(operation.operation.name)), isFunctional: \(functional), notFound: \(notFound)) { request in"
        writer.block(open, close: "},") { writer in
            if operation.bodyType != nil { writer.line("var request = request") }
            var arguments = ["request.context"]
            // A run-time URL's one parameter is the whole URL, taken as it is: no reader for it.
            let hasParameters = (!operation.pathParameters.isEmpty && !operation.isRuntimeURL) || !operation.query.isEmpty
            if hasParameters { writer.line("var parameters = ParameterReader(request)") }
            for parameter in operation.pathParameters {
                if operation.isRuntimeURL {
                    writer.line("let callback = request.pathParameters[\"callback\"] ?? \"\"")
                    arguments.append("callback: callback")
                    continue
                }
                let definition = parameter.definition
                if plan.isOpenEnumeration(definition.type) {
                    // Any value of an open enum is valid: read as text, kept as it is.
                    let type = plan.swiftTypeName(definition.type)
                    writer.line("let \(parameter.swiftName) = \(type)(rawValue: parameters.path(\(swiftString(parameter.name)), TextRule(.printableASCII)))")
                } else if plan.isEnumeration(definition.type) {
                    writer.line("let \(parameter.swiftName) = parameters.path(\(swiftString(parameter.name)), \(plan.swiftTypeName(definition.type)).self)")
                } else {
                    let rule = plan.textRuleArguments(definition.type.isText ? definition.type : .string(maxLength: nil), definition.constraints)
                    writer.line("let \(parameter.swiftName) = parameters.path(\(swiftString(parameter.name)), TextRule(\(rule.joined(separator: ", "))))")
                }
                arguments.append("\(parameter.swiftName): \(parameter.swiftName)")
            }
            for parameter in operation.query {
                let definition = parameter.definition
                let required = definition.required ? ", required: true" : ""
                let read: String
                switch definition.type {
                case .int: read = "parameters.query(\(swiftString(parameter.name)), Int.self\(required))"
                case .dateTime: read = "parameters.query(\(swiftString(parameter.name)), OCPIDateTime.self\(required))"
                case .named(let typeName) where plan.isOpenEnumeration(definition.type):
                    read = "parameters.query(\(swiftString(parameter.name)), TextRule(.printableASCII)\(required)).map(\(plan.swiftTypeName(.named(typeName))).init(rawValue:))"
                case .named(let typeName) where plan.isEnumeration(definition.type):
                    read = "parameters.query(\(swiftString(parameter.name)), \(plan.swiftTypeName(.named(typeName))).self\(required))"
                default:
                    let rule = plan.textRuleArguments(definition.type.isText ? definition.type : .string(maxLength: nil), definition.constraints)
                    read = "parameters.query(\(swiftString(parameter.name)), TextRule(\(rule.joined(separator: ", ")))\(required))"
                }
                if operation.paginated, parameter.name == "offset" {
                    writer.line("let offset = \(read) ?? 0")
                } else if operation.paginated, parameter.name == "limit" {
                    writer.line("let limit = request.context.pagination.limit(for: \(read))")
                } else if definition.required {
                    writer.line("let \(parameter.swiftName) = \(read) ?? .placeholder")
                } else {
                    writer.line("let \(parameter.swiftName) = \(read)")
                }
                arguments.append("\(parameter.swiftName): \(parameter.swiftName)")
            }
            if hasParameters { writer.line("try parameters.finish()") }
            if let bodyType = operation.bodyType {
                writer.line("let body = try request.\(operation.bodyOptional ? "optionalBody" : "body")(\(bodyType).self)")
                identityChecks(operation, into: &writer)
                arguments.append("body: body")
            }
            let call = "try await handler.\(operation.methodName)(\(arguments.joined(separator: ", ")))"
            if operation.paginated {
                writer.line("let page = \(call)")
                writer.line("return .page(page, offset: offset, limit: limit, request: request)")
            } else {
                writer.line("return .reply(\(call))")
            }
        }
    }

    /// The client-owned object rule: the body's country_code, party_id and id equal the URL's.
    private func identityChecks(_ operation: Operation, into writer: inout CodeWriter) {
        guard let payload = operation.operation.body, !operation.bodyOptional, !payload.cardinality.isList,
            let name = payload.type.referencedName, let object = spec.object(named: name)
        else { return }
        let model = plan.model(object)
        let last = operation.pathParameters.last?.name
        for parameter in operation.pathParameters {
            var fieldName: String?
            if parameter.name == last, let bodyField = parameter.definition.bodyField { fieldName = bodyField }
            if object.fields.contains(where: { $0.name == parameter.name }) { fieldName = parameter.name }
            guard let fieldName, let property = model.properties.first(where: { $0.field.name == fieldName }) else { continue }
            writer.line("try request.requireMatch(body.\(property.name), field: \(swiftString(fieldName)), parameter: \(swiftString(parameter.name)))")
        }
    }

    // MARK: Clients

    private func clientFile(_ module: SpecFile, _ name: String) -> String {
        var writer = header(module)
        let functional = module.kind == .functional
        for (role, operations) in roles(of: module) {
            let clientName = "\(name)\(roleName(role))Client"
            writer.line()
            writer.docComment("Calls a partner's \(module.title) \(role.rawValue) interface\(packageNote(module)).")
            writer.block("public struct \(clientName): Sendable {") { writer in
                writer.line("public var connection: OCPIConnection")
                writer.line()
                writer.docComment("`connection.endpointURL` is the module's URL from the partner's version details.")
                writer.block("public init(connection: OCPIConnection) {") { writer in
                    writer.line("self.connection = connection")
                }
                for operation in operations {
                    writer.line()
                    clientMethod(operation, functional: functional, into: &writer)
                }
            }
        }
        return writer.text
    }

    private func queryValue(_ parameter: ParameterDefinition, _ value: String) -> String {
        switch parameter.type {
        case .dateTime, .int: "\(value).description"
        case .named where plan.isEnumeration(parameter.type): "\(value).rawValue"
        default: value
        }
    }

    private func clientMethod(_ operation: Operation, functional: Bool, into writer: inout CodeWriter) {
        var parameters: [String] = []
        var pathValues: [String] = []
        for parameter in operation.pathParameters {
            let isEnum = plan.isEnumeration(parameter.definition.type)
            parameters.append("\(parameter.swiftName): \(isEnum ? plan.swiftTypeName(parameter.definition.type) : "String")")
            pathValues.append("\(swiftString(parameter.name)): \(parameter.swiftName)\(isEnum ? ".rawValue" : "")")
        }
        for parameter in operation.query {
            let type = queryType(parameter.definition)
            parameters.append(parameter.definition.required ? "\(parameter.swiftName): \(type)" : "\(parameter.swiftName): \(type)? = nil")
        }
        if let bodyType = operation.bodyType {
            parameters.append(operation.bodyOptional ? "body: \(bodyType)? = nil" : "body: \(bodyType)")
        }
        let result: String
        switch operation.response {
        case .none: result = "OCPIClientResult<OCPINoData>"
        case .single(let type, let optional): result = optional ? "\(type)?" : type
        case .list(let type): result = "[\(type)]"
        case .page(let type): result = "OCPIPageSequence<\(type)>"
        }
        documentation(operation, into: &writer)
        if case .none = operation.response { writer.line("@discardableResult") }
        let effects = operation.paginated ? "" : " async throws"
        writer.block("public func \(operation.methodName)(\(parameters.joined(separator: ", ")))\(effects) -> \(result) {") { writer in
            if operation.query.isEmpty {
                writer.line("let query: [(String, String)] = []")
            } else {
                writer.line("var query: [(String, String)] = []")
                for parameter in operation.query {
                    let value = queryValue(parameter.definition, parameter.swiftName)
                    if parameter.definition.required {
                        writer.line("query.append((\(swiftString(parameter.name)), \(value)))")
                    } else {
                        writer.line("if let \(parameter.swiftName) { query.append((\(swiftString(parameter.name)), \(value))) }")
                    }
                }
            }
            let parameterMap = pathValues.isEmpty ? "[:]" : "[\(pathValues.joined(separator: ", "))]"
            let specPath = operation.isRuntimeURL ? operation.endpoint.path : operation.operation.path
            writer.line("let url = connection.url(for: \(swiftString(specPath)), parameters: \(parameterMap), query: query)")
            if operation.paginated {
                writer.line("return OCPIPageSequence(connection: connection, firstURL: url, functional: \(functional))")
                return
            }
            let body = operation.bodyType == nil ? "nil" : (operation.bodyOptional ? "body?.jsonBytes()" : "body.jsonBytes()")
            let method = swiftString(operation.endpoint.method.rawValue)
            switch operation.response {
            case .none:
                writer.line("return try await connection.send(\(method), url: url, body: \(body), functional: \(functional), as: OCPINoData.self)")
            case .single(let type, let optional):
                writer.line("let result = try await connection.send(\(method), url: url, body: \(body), functional: \(functional), as: \(type).self)")
                writer.line(optional ? "return result.data" : "return try connection.require(result)")
            case .list(let type):
                writer.line("let result = try await connection.send(\(method), url: url, body: \(body), functional: \(functional), as: [\(type)].self)")
                writer.line("return result.data ?? []")
            case .page:
                break
            }
        }
    }

    /// `, of the optional package Payments 1` for a package's module; nothing for the core's. A
    /// server mounts a package's routes only when it implements the package.
    private func packageNote(_ module: SpecFile) -> String {
        spec.package(named: module.package).map { ", of the optional package \($0.label)" } ?? ""
    }

    /// The route-table function's name: the module's Swift name in lowerCamelCase, then the role
    /// (`locationsSender`, `cdrsSender`, `hubClientInfoReceiver`).
    private func lowerFirst(_ name: String) -> String {
        for role in ["Sender", "Receiver"] where name.hasSuffix(role) {
            return SwiftNaming.lowerCamelModule(String(name.dropLast(role.count))) + role
        }
        return SwiftNaming.lowerCamelModule(name)
    }
}
