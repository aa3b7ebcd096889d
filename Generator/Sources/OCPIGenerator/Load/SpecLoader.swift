import Yams

/// Turns the text of a spec folder into a `Spec`, or into every problem found in it.
///
/// Loading only checks what one item can tell about itself (keys, types, cardinalities);
/// `SpecChecker` then checks how the items fit together.
public enum SpecLoader {
    public static func load(_ source: SpecSource) -> Result<Spec, SpecErrors> {
        var diagnostics: [Diagnostic] = []
        let manifestPath = source.displayPath(of: SpecSource.manifestName)
        guard let manifestText = source.files[SpecSource.manifestName] else {
            return .failure(SpecErrors([Diagnostic(SourceLocation(file: manifestPath, line: 1), "the folder has no \(SpecSource.manifestName) manifest")]))
        }
        let manifestReader = YAMLReader(path: manifestPath)
        let manifest = manifestReader.root(of: manifestText).flatMap {
            manifestReader.map($0, "the manifest", required: ["ocpi", "release", "source", "doc", "files"],
                               optional: ["note", "patch_required_fields", "token_encoding"])
        }
        let version = manifestReader.string(manifest?["ocpi"], "'ocpi'")
        let release = manifestReader.string(manifest?["release"], "'release'")
        let origin = manifestReader.string(manifest?["source"], "'source'")
        let doc = manifestReader.string(manifest?["doc"], "'doc'")
        let note = manifestReader.string(manifest?["note"], "'note'")
        let tokenEncoding = manifest?["token_encoding"] == nil
            ? TokenEncoding.base64
            : manifestReader.oneOf(manifest?["token_encoding"], "'token_encoding'", TokenEncoding.self)
        let patchRequiredFields = manifest?["patch_required_fields"] == nil
            ? Spec.defaultPatchRequiredFields
            : manifestReader.strings(manifest?["patch_required_fields"], "'patch_required_fields'")
        var fileNames: [(String, Node)] = []
        for node in manifestReader.list(manifest?["files"], "'files'") {
            guard let name = manifestReader.string(node, "a file name") else { continue }
            if fileNames.contains(where: { $0.0 == name }) {
                manifestReader.error(at: node, "'\(name)' is listed twice")
            } else if source.files[name] == nil {
                manifestReader.error(at: node, "'\(name)' is listed but does not exist")
            } else {
                fileNames.append((name, node))
            }
        }
        let listed = Set(fileNames.map(\.0))
        for name in source.files.keys.sorted() where name != SpecSource.manifestName && !listed.contains(name) {
            diagnostics.append(Diagnostic(SourceLocation(file: source.displayPath(of: name), line: 1), "the file is not listed in \(SpecSource.manifestName)"))
        }
        diagnostics += manifestReader.diagnostics

        var files: [SpecFile] = []
        for (name, _) in fileNames {
            let reader = YAMLReader(path: source.displayPath(of: name))
            if let root = reader.root(of: source.files[name] ?? ""),
                let file = FileLoader(reader: reader, name: name).file(root)
            {
                files.append(file)
            }
            diagnostics += reader.diagnostics
        }
        guard diagnostics.isEmpty, let version, let release, let origin, let doc, let tokenEncoding else {
            return .failure(SpecErrors(diagnostics))
        }
        return .success(Spec(
            version: version, release: release, source: origin, doc: doc, note: note,
            patchRequiredFields: patchRequiredFields, tokenEncoding: tokenEncoding, files: files
        ))
    }
}

/// Reads the items of one file.
private struct FileLoader {
    let reader: YAMLReader
    let name: String

    private static let annotationKeys = ["ref", "doc", "note", "errata", "since"]
    private static let constraintKeys = ["exact_length", "pattern", "min", "max", "max_decimals"]

    func file(_ root: Node) -> SpecFile? {
        guard let map = reader.map(root, "the file", required: ["title", "doc"], optional: [
            "module", "shared", "kind", "data_owner", "sender_roles", "receiver_roles", "not_found_code",
            "ref", "note", "errata", "since",
            "objects", "enums", "endpoints", "status_codes", "status_ranges", "headers",
        ]) else { return nil }
        let module = reader.string(map["module"], "'module'")
        let shared = reader.string(map["shared"], "'shared'")
        switch (module, shared) {
        case (nil, nil): reader.error(at: root, "the file has neither 'module' nor 'shared'")
        case (.some, .some): reader.error(at: map.keyNodes["shared"], "a file is a module or shared, not both")
        default: break
        }
        let identifier = module ?? shared ?? name
        if module != nil {
            for key in ["kind", "sender_roles", "receiver_roles"] where map[key] == nil {
                reader.error(at: root, "the module is missing '\(key)'")
            }
        }
        let endpoints = reader.list(map["endpoints"], "'endpoints'").compactMap { endpoint($0, module: identifier) }
        if module == nil, let node = map.keyNodes["endpoints"] {
            reader.error(at: node, "only a module file can have endpoints")
        }
        return SpecFile(
            name: name,
            location: reader.location(of: root),
            module: module,
            shared: shared,
            title: reader.string(map["title"], "'title'") ?? name,
            kind: reader.oneOf(map["kind"], "'kind'", ModuleKind.self),
            dataOwner: reader.string(map["data_owner"], "'data_owner'"),
            senderRoles: reader.strings(map["sender_roles"], "'sender_roles'"),
            receiverRoles: reader.strings(map["receiver_roles"], "'receiver_roles'"),
            notFoundCode: reader.int(map["not_found_code"], "'not_found_code'"),
            annotations: annotations(map),
            objects: reader.list(map["objects"], "'objects'").compactMap { object($0, file: identifier) },
            enums: reader.list(map["enums"], "'enums'").compactMap { enumeration($0, file: identifier) },
            endpoints: endpoints,
            statusCodes: reader.list(map["status_codes"], "'status_codes'").compactMap(statusCode),
            statusRanges: reader.list(map["status_ranges"], "'status_ranges'").compactMap(statusRange),
            headers: reader.list(map["headers"], "'headers'").compactMap(header)
        )
    }

    private func annotations(_ map: YAMLMap) -> Annotations {
        Annotations(
            ref: reader.string(map["ref"], "'ref'"),
            doc: reader.string(map["doc"], "'doc'"),
            note: reader.string(map["note"], "'note'"),
            errata: reader.string(map["errata"], "'errata'"),
            since: reader.string(map["since"], "'since'")
        )
    }

    private func constraints(_ map: YAMLMap) -> Constraints {
        Constraints(
            exactLength: reader.int(map["exact_length"], "'exact_length'"),
            pattern: reader.string(map["pattern"], "'pattern'"),
            minimum: reader.number(map["min"], "'min'"),
            maximum: reader.number(map["max"], "'max'"),
            maxDecimals: reader.int(map["max_decimals"], "'max_decimals'")
        )
    }

    private func object(_ node: Node, file: String) -> ObjectDefinition? {
        guard let map = reader.map(node, "an object", required: ["name", "kind", "doc", "fields"],
                                   optional: ["swift_name"] + Self.annotationKeys),
            let name = reader.string(map["name"], "'name'")
        else { return nil }
        let fields = reader.list(map["fields"], "'fields' of \(name)").compactMap { field($0, owner: name) }
        if map["fields"] != nil, fields.isEmpty, reader.list(map["fields"], "").isEmpty {
            reader.error(at: map["fields"], "\(name) has no fields")
        }
        return ObjectDefinition(
            name: name,
            kind: reader.oneOf(map["kind"], "'kind' of \(name)", ObjectKind.self) ?? .class,
            swiftName: reader.string(map["swift_name"], "'swift_name'"),
            fields: fields,
            annotations: annotations(map),
            location: reader.location(of: node),
            file: file
        )
    }

    private func field(_ node: Node, owner: String) -> FieldDefinition? {
        guard let map = reader.map(node, "a field of \(owner)", required: ["name", "type", "card", "doc"],
                                   optional: ["swift_name"] + Self.annotationKeys.filter { $0 != "doc" } + Self.constraintKeys),
            let name = reader.string(map["name"], "'name'")
        else { return nil }
        let type = reader.type(map["type"], "field '\(name)' of \(owner)")
        let card = reader.cardinality(map["card"], "field '\(name)' of \(owner)")
        guard let type, let card else { return nil }
        return FieldDefinition(
            name: name,
            type: type,
            cardinality: card,
            constraints: constraints(map),
            swiftName: reader.string(map["swift_name"], "'swift_name'"),
            annotations: annotations(map),
            location: reader.location(of: node)
        )
    }

    private func enumeration(_ node: Node, file: String) -> EnumDefinition? {
        guard let map = reader.map(node, "an enum", required: ["name", "doc", "values"],
                                   optional: ["swift_name"] + Self.annotationKeys),
            let name = reader.string(map["name"], "'name'")
        else { return nil }
        let values = reader.list(map["values"], "'values' of \(name)").compactMap { valueNode -> EnumValueDefinition? in
            guard let valueMap = reader.map(valueNode, "a value of \(name)", required: ["value", "doc"],
                                            optional: ["swift_name"] + Self.annotationKeys),
                let value = reader.string(valueMap["value"], "'value'")
            else { return nil }
            return EnumValueDefinition(
                value: value,
                swiftName: reader.string(valueMap["swift_name"], "'swift_name'"),
                annotations: annotations(valueMap),
                location: reader.location(of: valueNode)
            )
        }
        if map["values"] != nil, values.isEmpty, reader.list(map["values"], "").isEmpty {
            reader.error(at: map["values"], "\(name) has no values")
        }
        return EnumDefinition(
            name: name,
            swiftName: reader.string(map["swift_name"], "'swift_name'"),
            values: values,
            annotations: annotations(map),
            location: reader.location(of: node),
            file: file
        )
    }

    private func parameter(_ node: Node, query: Bool, endpoint: String) -> ParameterDefinition? {
        let what = query ? "a query parameter of \(endpoint)" : "a path parameter of \(endpoint)"
        guard let map = reader.map(node, what, required: ["name", "type", "doc"] + (query ? ["required"] : []),
                                   optional: Self.annotationKeys + Self.constraintKeys + (query ? [] : ["body_field"])),
            let name = reader.string(map["name"], "'name'"),
            let type = reader.type(map["type"], "parameter '\(name)' of \(endpoint)")
        else { return nil }
        return ParameterDefinition(
            name: name,
            type: type,
            required: query ? (reader.bool(map["required"], "'required'") ?? false) : true,
            bodyField: reader.string(map["body_field"], "'body_field'"),
            constraints: constraints(map),
            annotations: annotations(map),
            location: reader.location(of: node)
        )
    }

    private func payload(_ node: Node?, _ what: String) -> PayloadDefinition? {
        guard let node, let map = reader.map(node, what, required: ["type", "card"], optional: ["patch"]) else { return nil }
        let type = reader.type(map["type"], what)
        let card = reader.cardinality(map["card"], what)
        guard let type, let card else { return nil }
        return PayloadDefinition(
            type: type,
            cardinality: card,
            patch: reader.bool(map["patch"], "'patch'") ?? false,
            location: reader.location(of: node)
        )
    }

    private func endpoint(_ node: Node, module: String) -> EndpointDefinition? {
        guard let map = reader.map(node, "an endpoint", required: ["role", "method", "path", "doc"], optional: [
            "name", "params", "query", "body", "response", "paginated", "operations", "response_headers",
        ] + Self.annotationKeys) else { return nil }
        let role = reader.oneOf(map["role"], "'role'", InterfaceRole.self)
        let method = reader.oneOf(map["method"], "'method'", HTTPMethod.self)
        guard let path = reader.string(map["path"], "'path'"), let role, let method else { return nil }
        let label = "\(method.rawValue) \(path)"
        let name = reader.string(map["name"], "'name'")
        var operations: [OperationDefinition] = []
        if map["operations"] != nil {
            for key in ["name", "body", "response"] where map[key] != nil {
                reader.error(at: map.keyNodes[key], "\(label) has 'operations', so '\(key)' belongs to each operation")
            }
            operations = reader.list(map["operations"], "'operations'").compactMap { operation($0, endpoint: label) }
            if operations.isEmpty, reader.list(map["operations"], "").isEmpty {
                reader.error(at: map["operations"], "\(label) has an empty list of operations")
            }
        } else if let name {
            operations = [OperationDefinition(
                name: name,
                path: path,
                body: payload(map["body"], "the body of \(label)"),
                response: payload(map["response"], "the response of \(label)"),
                annotations: Annotations(),
                location: reader.location(of: node)
            )]
        } else {
            reader.error(at: node, "\(label) needs a 'name' or a list of 'operations'")
        }
        return EndpointDefinition(
            module: module,
            role: role,
            method: method,
            path: path,
            parameters: reader.list(map["params"], "'params'").compactMap { parameter($0, query: false, endpoint: label) },
            query: reader.list(map["query"], "'query'").compactMap { parameter($0, query: true, endpoint: label) },
            paginated: reader.bool(map["paginated"], "'paginated'") ?? false,
            responseHeaders: reader.strings(map["response_headers"], "'response_headers'"),
            operations: operations,
            annotations: annotations(map),
            location: reader.location(of: node)
        )
    }

    private func operation(_ node: Node, endpoint: String) -> OperationDefinition? {
        guard let map = reader.map(node, "an operation of \(endpoint)", required: ["name", "path"],
                                   optional: ["body", "response"] + Self.annotationKeys),
            let name = reader.string(map["name"], "'name'"),
            let path = reader.string(map["path"], "'path'")
        else { return nil }
        return OperationDefinition(
            name: name,
            path: path,
            body: payload(map["body"], "the body of \(name)"),
            response: payload(map["response"], "the response of \(name)"),
            annotations: annotations(map),
            location: reader.location(of: node)
        )
    }

    private func statusCode(_ node: Node) -> StatusCodeDefinition? {
        guard let map = reader.map(node, "a status code", required: ["code", "name", "doc"], optional: Self.annotationKeys),
            let code = reader.int(map["code"], "'code'"),
            let name = reader.string(map["name"], "'name'")
        else { return nil }
        return StatusCodeDefinition(code: code, name: name, annotations: annotations(map), location: reader.location(of: node))
    }

    private func statusRange(_ node: Node) -> StatusRangeDefinition? {
        guard let map = reader.map(node, "a status range", required: ["from", "to", "doc"], optional: Self.annotationKeys),
            let from = reader.int(map["from"], "'from'"),
            let to = reader.int(map["to"], "'to'")
        else { return nil }
        if from > to { reader.error(at: node, "the range \(from)-\(to) is empty") }
        return StatusRangeDefinition(from: from, to: to, annotations: annotations(map), location: reader.location(of: node))
    }

    private func header(_ node: Node) -> HeaderDefinition? {
        guard let map = reader.map(node, "a header", required: ["name", "direction", "type", "doc"], optional: Self.annotationKeys),
            let name = reader.string(map["name"], "'name'"),
            let direction = reader.oneOf(map["direction"], "'direction' of \(name)", HeaderDirection.self),
            let type = reader.type(map["type"], "header \(name)")
        else { return nil }
        return HeaderDefinition(name: name, direction: direction, type: type, annotations: annotations(map), location: reader.location(of: node))
    }
}
