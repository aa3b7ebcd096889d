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
            manifestReader.map($0, "the manifest", required: ["ocpi", "edition", "source", "doc", "files"],
                               optional: ["note", "patch_required_fields", "token_encoding", "packages"])
        }
        let version = manifestReader.string(manifest?["ocpi"], "'ocpi'")
        let edition = manifestReader.string(manifest?["edition"], "'edition'")
        let origin = manifestReader.string(manifest?["source"], "'source'")
        let doc = manifestReader.string(manifest?["doc"], "'doc'")
        let note = manifestReader.string(manifest?["note"], "'note'")
        let tokenEncoding = manifest?["token_encoding"] == nil
            ? TokenEncoding.base64
            : manifestReader.oneOf(manifest?["token_encoding"], "'token_encoding'", TokenEncoding.self)
        let patchRequiredFields = manifest?["patch_required_fields"] == nil
            ? Spec.defaultPatchRequiredFields
            : manifestReader.strings(manifest?["patch_required_fields"], "'patch_required_fields'")
        let fileNames = listedFiles(manifest?["files"], folder: "", reader: manifestReader, source: source)

        // Each package's manifest, then the files it lists.
        var packageManifests: [PackageManifest] = []
        for node in manifestReader.list(manifest?["packages"], "'packages'") {
            guard let folder = manifestReader.string(node, "a package folder").map(trimmingSlashes) else { continue }
            let path = folder + "/" + SpecSource.packageManifestName
            if packageManifests.contains(where: { $0.folder == folder }) {
                manifestReader.error(at: node, "the package '\(folder)' is listed twice")
            } else if folder.isEmpty || source.files[path] == nil {
                manifestReader.error(at: node, "the package '\(folder)' is listed but has no \(SpecSource.packageManifestName)")
            } else {
                packageManifests.append(PackageManifest.load(folder: folder, source: source))
            }
        }
        for (index, package) in packageManifests.enumerated() {
            if let name = package.name, let first = packageManifests[..<index].first(where: { $0.name == name }) {
                package.reader.error(at: package.nameNode, "duplicate package name '\(name)' (first in \(first.reader.path))")
            }
        }

        var listed = Set(fileNames.map(\.0))
        for package in packageManifests {
            listed.insert(package.folder + "/" + SpecSource.packageManifestName)
            listed.formUnion(package.files.map(\.0))
        }
        for name in source.files.keys.sorted() where name != SpecSource.manifestName && !listed.contains(name) {
            diagnostics.append(Diagnostic(SourceLocation(file: source.displayPath(of: name), line: 1), "the file is not listed in \(SpecSource.manifestName) or in a package it lists"))
        }
        diagnostics += manifestReader.diagnostics

        var files: [SpecFile] = []
        for (name, _) in fileNames {
            let reader = YAMLReader(path: source.displayPath(of: name))
            if let root = reader.root(of: source.files[name] ?? ""), let file = FileLoader(reader: reader, name: name, package: nil).file(root) {
                files.append(file)
            }
            diagnostics += reader.diagnostics
        }

        // Packages: their module files follow the core's; their extensions change the core's objects.
        var packages: [SpecPackage] = []
        var extensions: [(SpecExtension, [AddedField])] = []
        for package in packageManifests {
            diagnostics += package.reader.diagnostics
            guard let name = package.name else { continue }
            var packageExtensions: [SpecExtension] = []
            for (path, _) in package.files {
                let reader = YAMLReader(path: source.displayPath(of: path))
                let loader = FileLoader(reader: reader, name: path, package: name)
                if let root = reader.root(of: source.files[path] ?? "") {
                    if case .mapping(let mapping) = root, mapping.keys.contains(where: { $0.scalar?.string == "extends" }) {
                        if let (fileExtension, fields) = loader.extensionFile(root) {
                            packageExtensions.append(fileExtension)
                            extensions.append((fileExtension, fields))
                        }
                    } else if let file = loader.file(root) {
                        files.append(file)
                    }
                }
                diagnostics += reader.diagnostics
            }
            packages.append(SpecPackage(
                name: name, version: package.version ?? "", title: package.title ?? name, folder: package.folder,
                source: package.source ?? "", annotations: package.annotations, location: package.location,
                extensions: packageExtensions
            ))
        }
        for (fileExtension, fields) in extensions {
            apply(fileExtension, fields, to: &files, path: source.displayPath(of: fileExtension.name), diagnostics: &diagnostics)
        }

        guard diagnostics.isEmpty, let version, let edition, let origin, let doc, let tokenEncoding else {
            return .failure(SpecErrors(diagnostics))
        }
        return .success(Spec(
            version: version, edition: edition, source: origin, doc: doc, note: note,
            patchRequiredFields: patchRequiredFields, tokenEncoding: tokenEncoding, files: files, packages: packages
        ))
    }

    /// The files a manifest lists (`folder` is where they are, relative to the release folder),
    /// each once and each existing.
    fileprivate static func listedFiles(_ node: Node?, folder: String, reader: YAMLReader, source: SpecSource) -> [(String, Node)] {
        var fileNames: [(String, Node)] = []
        for node in reader.list(node, "'files'") {
            guard let name = reader.string(node, "a file name") else { continue }
            let path = folder.isEmpty ? name : folder + "/" + name
            if fileNames.contains(where: { $0.0 == path }) {
                reader.error(at: node, "'\(name)' is listed twice")
            } else if source.files[path] == nil {
                reader.error(at: node, "'\(name)' is listed but does not exist")
            } else {
                fileNames.append((path, node))
            }
        }
        return fileNames
    }

    private static func trimmingSlashes(_ text: String) -> String {
        String(text.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    }

    /// Adds an extension's fields to the objects of the core file it extends, each after the
    /// field it names (at the end without `after`).
    private static func apply(
        _ fileExtension: SpecExtension, _ added: [AddedField], to files: inout [SpecFile], path: String, diagnostics: inout [Diagnostic]
    ) {
        func error(_ line: Int, _ message: String) {
            diagnostics.append(Diagnostic(SourceLocation(file: path, line: line), message))
        }
        guard let fileIndex = files.firstIndex(where: { $0.identifier == fileExtension.extends && $0.package == nil }) else {
            error(fileExtension.location.line, "'extends: \(fileExtension.extends)' names no module or shared file of the core")
            return
        }
        for addition in added {
            let fileName = files[fileIndex].name
            guard let objectIndex = files[fileIndex].objects.firstIndex(where: { $0.name == addition.object }) else {
                error(addition.objectLine, "\(addition.object) is not an object of \(fileName)")
                continue
            }
            var fields = files[fileIndex].objects[objectIndex].fields
            let field = addition.field
            if field.cardinality.isRequired {
                error(field.location.line, "'\(field.name)' must be optional (\"?\" or \"*\"): a party without the package leaves it out of \(addition.object)")
            }
            if let existing = fields.first(where: { $0.name == field.name }) {
                error(field.location.line, "\(addition.object) already has a field '\(field.name)' (\(existing.location))")
                continue
            }
            if let after = addition.after {
                guard let position = fields.firstIndex(where: { $0.name == after }) else {
                    error(field.location.line, "'after: \(after)' of '\(field.name)' is not a field of \(addition.object)")
                    continue
                }
                fields.insert(field, at: position + 1)
            } else {
                fields.append(field)
            }
            files[fileIndex].objects[objectIndex].fields = fields
        }
    }
}

/// A field that a package's extension file adds to an object of the core.
private struct AddedField {
    let object: String
    let objectLine: Int
    let field: FieldDefinition
    /// The field it follows; `nil` to add it last.
    let after: String?
}

/// A package's `package.yaml`, read.
private struct PackageManifest {
    let folder: String
    let reader: YAMLReader
    let name: String?
    let nameNode: Node?
    let version: String?
    let title: String?
    let source: String?
    let annotations: Annotations
    let location: SourceLocation
    /// The files it lists, as paths within the release folder.
    let files: [(String, Node)]

    static func load(folder: String, source: SpecSource) -> PackageManifest {
        let reader = YAMLReader(path: source.displayPath(of: folder + "/" + SpecSource.packageManifestName))
        guard let root = reader.root(of: source.files[folder + "/" + SpecSource.packageManifestName] ?? "") else {
            return PackageManifest(folder: folder, reader: reader, name: nil, nameNode: nil, version: nil, title: nil, source: nil,
                                   annotations: Annotations(), location: reader.location(of: nil), files: [])
        }
        let map = reader.map(root, "the package manifest", required: ["package", "version", "title", "source", "doc", "files"],
                             optional: ["note", "ref"])
        return PackageManifest(
            folder: folder,
            reader: reader,
            name: reader.string(map?["package"], "'package'"),
            nameNode: map?.keyNodes["package"],
            version: reader.string(map?["version"], "'version'"),
            title: reader.string(map?["title"], "'title'"),
            source: reader.string(map?["source"], "'source'"),
            annotations: Annotations(
                ref: reader.string(map?["ref"], "'ref'"), doc: reader.string(map?["doc"], "'doc'"), note: reader.string(map?["note"], "'note'")
            ),
            location: reader.location(of: root),
            files: SpecLoader.listedFiles(map?["files"], folder: folder, reader: reader, source: source)
        )
    }
}

/// Reads the items of one file.
private struct FileLoader {
    let reader: YAMLReader
    /// The file's path within the release folder.
    let name: String
    /// The package the file belongs to; `nil` for the core.
    let package: String?

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
            package: package,
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

    /// A package's file that adds fields to objects of a core file.
    func extensionFile(_ root: Node) -> (SpecExtension, [AddedField])? {
        guard let map = reader.map(root, "the extension file", required: ["extends", "doc", "objects"], optional: ["ref", "note"]),
            let extends = reader.string(map["extends"], "'extends'")
        else { return nil }
        var objects: [ObjectExtension] = []
        var added: [AddedField] = []
        for node in reader.list(map["objects"], "'objects'") {
            guard let objectMap = reader.map(node, "an extended object", required: ["name", "add_fields"]),
                let name = reader.string(objectMap["name"], "'name'")
            else { continue }
            let fieldNodes = reader.list(objectMap["add_fields"], "'add_fields' of \(name)")
            if fieldNodes.isEmpty, let node = objectMap["add_fields"], case .sequence = node {
                reader.error(at: node, "the extension of \(name) adds no fields")
            }
            var names: [String] = []
            for fieldNode in fieldNodes {
                guard let (loaded, fieldMap) = field(fieldNode, owner: name, extraKeys: ["after"]) else { continue }
                var field = loaded
                field.package = package
                names.append(field.name)
                added.append(AddedField(object: name, objectLine: reader.line(of: node), field: field, after: reader.string(fieldMap["after"], "'after'")))
            }
            objects.append(ObjectExtension(object: name, fields: names, location: reader.location(of: node)))
        }
        if objects.isEmpty, let node = map["objects"], case .sequence(let list) = node, list.isEmpty {
            reader.error(at: node, "the extension extends no objects")
        }
        let fileExtension = SpecExtension(
            name: name, extends: extends, annotations: annotations(map), location: reader.location(of: map.keyNodes["extends"]), objects: objects
        )
        return (fileExtension, added)
    }

    private func field(_ node: Node, owner: String) -> FieldDefinition? {
        field(node, owner: owner, extraKeys: [])?.0
    }

    private func field(_ node: Node, owner: String, extraKeys: [String]) -> (FieldDefinition, YAMLMap)? {
        guard let map = reader.map(node, "a field of \(owner)", required: ["name", "type", "card", "doc"],
                                   optional: ["swift_name"] + Self.annotationKeys.filter { $0 != "doc" } + Self.constraintKeys + extraKeys),
            let name = reader.string(map["name"], "'name'")
        else { return nil }
        let type = reader.type(map["type"], "field '\(name)' of \(owner)")
        let card = reader.cardinality(map["card"], "field '\(name)' of \(owner)")
        guard let type, let card else { return nil }
        let field = FieldDefinition(
            name: name,
            type: type,
            cardinality: card,
            constraints: constraints(map),
            swiftName: reader.string(map["swift_name"], "'swift_name'"),
            annotations: annotations(map),
            location: reader.location(of: node)
        )
        return (field, map)
    }

    private func enumeration(_ node: Node, file: String) -> EnumDefinition? {
        guard let map = reader.map(node, "an enum", required: ["name", "doc", "values"],
                                   optional: ["swift_name", "open"] + Self.annotationKeys),
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
            isOpen: reader.bool(map["open"], "'open' of \(name)") ?? false,
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
