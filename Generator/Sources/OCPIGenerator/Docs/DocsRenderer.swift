/// A static HTML reference of a release: `index.html`, and one page per file of the spec folder
/// (`locations.html`, `types.html`, `transport.html`, ...) with its objects and their fields,
/// enums and their values, endpoints per interface role, and, for the transport, status codes
/// and headers. Every named type links to its anchor, whichever page declares it; the anchor of
/// an object or enum is its name (`locations.html#EVSE`), of a field or value `Name.member`
/// (`locations.html#EVSE.uid`), of an endpoint its role and first operation
/// (`locations.html#SENDER.get_locations`).
///
/// Pure and deterministic: the same spec gives the same bytes; no JavaScript, CSS inline.
public struct DocsRenderer: Sendable {
    public init() {}

    public static let indexPath = "index.html"

    /// The page of a spec file (`locations` → `locations.html`).
    public static func pagePath(_ file: SpecFile) -> String { "\(file.identifier).html" }

    /// The page of the conversions from and to the release, when it has any.
    public static let conversionsPath = "conversions.html"

    /// The pages of `spec`; with `conversions` (the plans of `spec/conversions/` that name the
    /// release, `ConversionFiles.plans`), also a page of what each conversion does where the
    /// releases differ, and what it loses.
    public func render(_ spec: Spec, conversions: [ConversionPlan] = []) -> [GeneratedFile] {
        let site = DocsSite(spec: spec, conversions: conversions)
        var files = [GeneratedFile(path: Self.indexPath, contents: site.index())]
        for file in spec.files {
            files.append(GeneratedFile(path: Self.pagePath(file), contents: site.page(file)))
        }
        if !conversions.isEmpty { files.append(GeneratedFile(path: Self.conversionsPath, contents: site.conversionsPage())) }
        return files.sorted { $0.path < $1.path }
    }
}

/// Everything the pages share: where each type lives and which fields use it.
struct DocsSite {
    let spec: Spec
    /// The conversions from and to the release, sorted by direction.
    let conversions: [ConversionPlan]
    /// Type name → page path.
    let pageOfType: [String: String]
    /// Type name → the fields (`Object.field`) of type that name, in spec order.
    let usedBy: [String: [(object: ObjectDefinition, field: FieldDefinition)]]

    init(spec: Spec, conversions: [ConversionPlan] = []) {
        self.spec = spec
        self.conversions = conversions.sorted { ($0.rules.from, $0.rules.to) < ($1.rules.from, $1.rules.to) }
        var pages: [String: String] = [:]
        for file in spec.files {
            for object in file.objects { pages[object.name] = pages[object.name] ?? DocsRenderer.pagePath(file) }
            for enumeration in file.enums { pages[enumeration.name] = pages[enumeration.name] ?? DocsRenderer.pagePath(file) }
        }
        pageOfType = pages
        var uses: [String: [(object: ObjectDefinition, field: FieldDefinition)]] = [:]
        for object in spec.objects {
            for field in object.fields {
                if let name = field.type.referencedName { uses[name, default: []].append((object, field)) }
            }
        }
        usedBy = uses
    }

    var title: String { "OCPI \(spec.version)" }

    // MARK: Pages

    func index() -> String {
        var writer = CodeWriter()
        document(&writer, title: "\(title) reference", source: "spec/ocpi-\(spec.version)/\(SpecSource.manifestName)", current: DocsRenderer.indexPath) { writer in
            writer.line("<h1>\(HTMLText.escape(title)) reference</h1>")
            writer.line("<p class=\"ref\">Edition \(HTMLText.escape(spec.edition)) · \(HTMLText.escape(spec.source))</p>")
            annotations(&writer, Annotations(doc: spec.doc, note: spec.note))
            let counts = [
                count(spec.modules.count, "module"), count(spec.objects.count, "object and class", "objects and classes"),
                count(spec.objects.reduce(0) { $0 + $1.fields.count }, "field"), count(spec.enums.count, "enum"),
                count(spec.enums.reduce(0) { $0 + $1.values.count }, "value"), count(spec.endpoints.count, "endpoint"),
            ]
            writer.line("<p>\(counts.joined(separator: ", ")).</p>")

            writer.line("<h2 id=\"modules\">Modules</h2>")
            writer.block("<table class=\"modules\">", close: "</table>") { writer in
                writer.line("<tr><th>Module</th><th>Kind</th><th>Sender</th><th>Receiver</th><th>Description</th></tr>")
                for file in spec.modules {
                    let cells = [
                        "<a href=\"\(DocsRenderer.pagePath(file))\">\(HTMLText.escape(file.title))</a> <code>\(HTMLText.escape(file.identifier))</code>" + packageBadge(file),
                        HTMLText.escape(file.kind?.rawValue ?? ""),
                        HTMLText.escape(file.senderRoles.joined(separator: ", ")),
                        HTMLText.escape(file.receiverRoles.joined(separator: ", ")),
                        paragraphs(file.annotations.doc),
                    ]
                    writer.line("<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>")
                }
            }
            if !spec.packages.isEmpty { packages(&writer) }
            writer.line("<h2 id=\"shared\">Shared definitions</h2>")
            writer.block("<ul>", close: "</ul>") { writer in
                for file in spec.files where file.module == nil {
                    writer.line("<li><a href=\"\(DocsRenderer.pagePath(file))\">\(HTMLText.escape(file.title))</a>: \(HTMLText.inline(file.annotations.doc?.trimmingWhitespace() ?? ""))</li>")
                }
            }
            if !conversions.isEmpty { conversionsIndex(&writer) }
            writer.line("<h2 id=\"types\">Every type</h2>")
            let types = spec.objects.map { ($0.name, $0.kind.rawValue) } + spec.enums.map { ($0.name, $0.isOpen ? "open enum" : "enum") }
            writer.block("<ul class=\"toc\">", close: "</ul>") { writer in
                for (name, kind) in types.sorted(by: { $0.0 < $1.0 }) {
                    writer.line("<li>\(typeLink(name)) <span class=\"kind\">\(kind)</span></li>")
                }
            }
            writer.line("<h2 id=\"legend\">Reading the tables</h2>")
            writer.block("<dl class=\"facts\">", close: "</dl>") { writer in
                for cardinality in Cardinality.allCases {
                    writer.line("<dt><code>\(HTMLText.escape(cardinality.rawValue))</code></dt><dd>\(HTMLText.escape(cardinalityWords(cardinality)))</dd>")
                }
                writer.line("<dt><code>string</code></dt><dd>case-sensitive printable UTF-8 text</dd>")
                writer.line("<dt><code>CiString</code></dt><dd>case-insensitive printable ASCII text</dd>")
                writer.line("<dt><code>DateTime</code></dt><dd>a UTC timestamp (RFC 3339, <code>Z</code> optional)</dd>")
                if spec.enums.contains(where: \.isOpen) {
                    writer.line("<dt>Open enum</dt><dd>an enum whose listed values a party may extend with values of its own; such a value is valid</dd>")
                }
                if !spec.packages.isEmpty {
                    writer.line("<dt>Package</dt><dd>an optional set of modules, and of fields added to the core&#39;s objects, that a party implements on top of the core or not at all</dd>")
                }
                writer.line("<dt>Decision</dt><dd>what this project decided where the official text is unclear</dd>")
                writer.line("<dt>Erratum</dt><dd>a fix made to the official text after edition \(HTMLText.escape(spec.edition))</dd>")
            }
        }
        return writer.text
    }

    func page(_ file: SpecFile) -> String {
        var writer = CodeWriter()
        let path = DocsRenderer.pagePath(file)
        document(&writer, title: "\(file.title) · \(title)", source: "spec/ocpi-\(spec.version)/\(file.name)", current: path) { writer in
            writer.line("<h1>\(HTMLText.escape(file.title))</h1>")
            writer.block("<dl class=\"facts\">", close: "</dl>") { writer in
                if let module = file.module { fact(&writer, "Module ID", "<code>\(HTMLText.escape(module))</code>") }
                if let kind = file.kind { fact(&writer, "Kind", HTMLText.escape(kind.rawValue)) }
                if let owner = file.dataOwner { fact(&writer, "Data owner", HTMLText.escape(owner)) }
                if let package = spec.package(named: file.package) {
                    fact(&writer, "Package", "<a href=\"\(DocsRenderer.indexPath)#\(packageAnchor(package))\">\(HTMLText.escape(package.label))</a> (optional)")
                }
                if file.module != nil {
                    fact(&writer, "Sender roles", HTMLText.escape(file.senderRoles.isEmpty ? "none" : file.senderRoles.joined(separator: ", ")))
                    fact(&writer, "Receiver roles", HTMLText.escape(file.receiverRoles.isEmpty ? "none" : file.receiverRoles.joined(separator: ", ")))
                    fact(&writer, "Unknown object", "OCPI status <code>\(file.notFoundCode ?? 2000)</code>")
                }
                fact(&writer, "Source", "<code>\(HTMLText.escape(file.name))</code>")
            }
            annotations(&writer, file.annotations)
            contents(&writer, file)
            for role in InterfaceRole.allCases {
                let endpoints = file.endpoints.filter { $0.role == role }
                guard !endpoints.isEmpty else { continue }
                let roles = role == .sender ? file.senderRoles : file.receiverRoles
                writer.line("<h2 id=\"\(role.rawValue)\">\(role == .sender ? "Sender" : "Receiver") interface</h2>")
                if !roles.isEmpty {
                    writer.line("<p>Typically implemented by: \(HTMLText.escape(roles.joined(separator: ", "))).</p>")
                }
                for endpoint in endpoints { self.endpoint(&writer, endpoint) }
            }
            if !file.objects.isEmpty {
                writer.line("<h2 id=\"objects\">Objects</h2>")
                for object in file.objects { self.object(&writer, object) }
            }
            if !file.enums.isEmpty {
                writer.line("<h2 id=\"enums\">Enums</h2>")
                for enumeration in file.enums { self.enumeration(&writer, enumeration) }
            }
            transport(&writer, file)
        }
        return writer.text
    }

    // MARK: Page parts

    func document(_ writer: inout CodeWriter, title: String, source: String, current: String, _ body: (inout CodeWriter) -> Void) {
        // The header ends its line, as `OutputDifference` expects of a generated file.
        writer.line("<!-- \(GeneratedFile.header(for: source))")
        writer.line("-->")
        writer.line("<!DOCTYPE html>")
        writer.block("<html lang=\"en\">", close: "</html>") { writer in
            writer.block("<head>", close: "</head>") { writer in
                writer.line("<meta charset=\"utf-8\">")
                writer.line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                writer.line("<title>\(HTMLText.escape(title))</title>")
                writer.block("<style>", close: "</style>") { writer in
                    for line in DocsStyle.css.split(separator: "\n") { writer.line(String(line)) }
                }
            }
            writer.block("<body>", close: "</body>") { writer in
                writer.block("<header class=\"top\">", close: "</header>") { writer in
                    var links = ["<a class=\"home\(current == DocsRenderer.indexPath ? " current" : "")\" href=\"\(DocsRenderer.indexPath)\">\(HTMLText.escape(self.title))</a>"]
                    for file in spec.files {
                        let path = DocsRenderer.pagePath(file)
                        links.append("<a\(path == current ? " class=\"current\"" : "") href=\"\(path)\">\(HTMLText.escape(file.title))</a>")
                    }
                    if !conversions.isEmpty {
                        let path = DocsRenderer.conversionsPath
                        links.append("<a\(path == current ? " class=\"current\"" : "") href=\"\(path)\">Conversions</a>")
                    }
                    writer.line("<nav>" + links.joined(separator: " ") + "</nav>")
                }
                writer.block("<main>", close: "</main>") { writer in body(&writer) }
                writer.line("<footer>Generated by ocpi-gen from <code>\(HTMLText.escape(source))</code>. Descriptions are this project&#39;s own words; the facts are those of the official OCPI text.</footer>")
            }
        }
    }

    /// Endpoints one per line (their paths are long), then the types in columns.
    private func contents(_ writer: inout CodeWriter, _ file: SpecFile) {
        if !file.endpoints.isEmpty {
            writer.block("<ul class=\"endpoints\">", close: "</ul>") { writer in
                for endpoint in file.endpoints {
                    writer.line("<li><a href=\"#\(endpointAnchor(endpoint))\">\(HTMLText.escape(endpoint.role.rawValue)) \(HTMLText.escape(endpoint.method.rawValue)) <code>\(HTMLText.escape(endpoint.path))</code></a></li>")
                }
            }
        }
        let types = file.objects.map(\.name) + file.enums.map(\.name)
        guard !types.isEmpty else { return }
        writer.block("<ul class=\"toc\">", close: "</ul>") { writer in
            for name in types { writer.line("<li>\(typeLink(name))</li>") }
        }
    }

    private func endpoint(_ writer: inout CodeWriter, _ endpoint: EndpointDefinition) {
        writer.block("<section class=\"endpoint\" id=\"\(endpointAnchor(endpoint))\">", close: "</section>") { writer in
            writer.line("<h3><span class=\"method \(endpoint.method.rawValue)\">\(endpoint.method.rawValue)</span><code>\(HTMLText.escape(endpoint.path))</code></h3>")
            annotations(&writer, endpoint.annotations)
            var facts: [String] = []
            if endpoint.isRuntimeURL { facts.append("The URL is one the other party hands over at run time.") }
            if endpoint.paginated { facts.append("Paginated: <code>offset</code> and <code>limit</code>, with <code>Link</code>, <code>X-Total-Count</code> and <code>X-Limit</code> in the response.") }
            if !endpoint.responseHeaders.isEmpty {
                facts.append("The response also carries " + endpoint.responseHeaders.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ") + ".")
            }
            for fact in facts { writer.line("<p>\(fact)</p>") }
            if !endpoint.parameters.isEmpty {
                writer.line("<h4>Path parameters</h4>")
                parameters(&writer, endpoint.parameters, path: true)
            }
            if !endpoint.query.isEmpty {
                writer.line("<h4>Query parameters</h4>")
                parameters(&writer, endpoint.query, path: false)
            }
            writer.line("<h4>\(endpoint.operations.count == 1 ? "Route" : "Routes")</h4>")
            writer.block("<table class=\"routes\">", close: "</table>") { writer in
                writer.line("<tr><th>Operation</th><th>Path</th><th>Request body</th><th>Response data</th></tr>")
                for operation in endpoint.operations {
                    var description = "<code>\(HTMLText.escape(operation.name))</code>"
                    if let doc = operation.annotations.doc { description += paragraphs(doc) }
                    let cells = [
                        description,
                        "<code>\(HTMLText.escape(operation.path))</code>",
                        payload(operation.body),
                        payload(operation.response),
                    ]
                    writer.line("<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>")
                }
            }
        }
    }

    private func parameters(_ writer: inout CodeWriter, _ parameters: [ParameterDefinition], path: Bool) {
        writer.block("<table class=\"parameters\">", close: "</table>") { writer in
            writer.line("<tr><th>Name</th><th>Type</th><th>Length</th>\(path ? "" : "<th>Required</th>")<th>Constraints</th><th>Description</th></tr>")
            for parameter in parameters {
                var description = describe(parameter.annotations)
                if let bodyField = parameter.bodyField {
                    description += "<p>Must equal the body&#39;s <code>\(HTMLText.escape(bodyField))</code>.</p>"
                }
                var cells = [
                    "<code>\(HTMLText.escape(parameter.name))</code>",
                    typeCell(parameter.type),
                    length(parameter.type, parameter.constraints),
                ]
                if !path { cells.append(parameter.required ? "yes" : "no") }
                cells += [constraints(parameter.constraints), description]
                writer.line("<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>")
            }
        }
    }

    private func object(_ writer: inout CodeWriter, _ object: ObjectDefinition) {
        writer.block("<section class=\"type\" id=\"\(HTMLText.anchor(object.name))\">", close: "</section>") { writer in
            writer.line("<h3>\(HTMLText.escape(object.name))<span class=\"kind\">\(object.kind.rawValue)</span></h3>")
            annotations(&writer, object.annotations)
            writer.block("<table class=\"fields\">", close: "</table>") { writer in
                writer.line("<tr><th>Field</th><th>Type</th><th>Length</th><th>Card.</th><th>Constraints</th><th>Description</th></tr>")
                for field in object.fields {
                    let cells = [
                        "<code>\(HTMLText.escape(field.name))</code>",
                        typeCell(field.type),
                        length(field.type, field.constraints),
                        "<span title=\"\(HTMLText.escape(cardinalityWords(field.cardinality)))\">\(HTMLText.escape(field.cardinality.rawValue))</span>",
                        constraints(field.constraints),
                        describe(field.annotations) + addedBy(field),
                    ]
                    writer.line("<tr id=\"\(HTMLText.anchor(object.name + "." + field.name))\">" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>")
                }
            }
            usedByLine(&writer, object.name)
        }
    }

    private func enumeration(_ writer: inout CodeWriter, _ enumeration: EnumDefinition) {
        writer.block("<section class=\"type\" id=\"\(HTMLText.anchor(enumeration.name))\">", close: "</section>") { writer in
            writer.line("<h3>\(HTMLText.escape(enumeration.name))<span class=\"kind\">\(enumeration.isOpen ? "open enum" : "enum")</span></h3>")
            annotations(&writer, enumeration.annotations)
            if enumeration.isOpen {
                writer.line("<p class=\"since\">Open: a party may send values of its own besides these, and such a value is valid.</p>")
            }
            writer.block("<table class=\"values\">", close: "</table>") { writer in
                writer.line("<tr><th>Value</th><th>Description</th></tr>")
                for value in enumeration.values {
                    writer.line("<tr id=\"\(HTMLText.anchor(enumeration.name + "." + value.value))\"><td><code>\(HTMLText.escape(value.value))</code></td><td>\(describe(value.annotations))</td></tr>")
                }
            }
            usedByLine(&writer, enumeration.name)
        }
    }

    private func transport(_ writer: inout CodeWriter, _ file: SpecFile) {
        if !file.statusCodes.isEmpty || !file.statusRanges.isEmpty {
            writer.line("<h2 id=\"status-codes\">Status codes</h2>")
            writer.block("<table class=\"status-codes\">", close: "</table>") { writer in
                writer.line("<tr><th>Code</th><th>Name</th><th>Description</th></tr>")
                for code in file.statusCodes {
                    writer.line("<tr id=\"status-\(code.code)\"><td><code>\(code.code)</code></td><td>\(HTMLText.escape(code.name))</td><td>\(describe(code.annotations))</td></tr>")
                }
                for range in file.statusRanges {
                    writer.line("<tr id=\"status-\(range.from)-\(range.to)\"><td><code>\(range.from)–\(range.to)</code></td><td>reserved</td><td>\(describe(range.annotations))</td></tr>")
                }
            }
        }
        if !file.headers.isEmpty {
            writer.line("<h2 id=\"headers\">HTTP headers</h2>")
            writer.block("<table class=\"headers\">", close: "</table>") { writer in
                writer.line("<tr><th>Header</th><th>Direction</th><th>Type</th><th>Description</th></tr>")
                for header in file.headers {
                    writer.line("<tr id=\"\(HTMLText.anchor(header.name))\"><td><code>\(HTMLText.escape(header.name))</code></td><td>\(header.direction.rawValue)</td><td>\(typeCell(header.type)) \(length(header.type, Constraints()))</td><td>\(describe(header.annotations))</td></tr>")
                }
            }
        }
    }

    /// The index's section on the optional packages: what each brings to the core.
    private func packages(_ writer: inout CodeWriter) {
        writer.line("<h2 id=\"packages\">Optional packages</h2>")
        writer.line("<p>A party implements the core and, on top of it, any of these packages or none. The wire version is \(HTMLText.escape(spec.version)) either way.</p>")
        for package in spec.packages {
            writer.block("<section class=\"type\" id=\"\(packageAnchor(package))\">", close: "</section>") { writer in
                writer.line("<h3>\(HTMLText.escape(package.label))<span class=\"kind\">package</span></h3>")
                annotations(&writer, package.annotations)
                writer.block("<dl class=\"facts\">", close: "</dl>") { writer in
                    fact(&writer, "Name", "<code>\(HTMLText.escape(package.name))</code>")
                    fact(&writer, "Version", HTMLText.escape(package.version))
                    let modules = spec.files.filter { $0.package == package.name }
                    let moduleLinks = modules.map { "<a href=\"\(DocsRenderer.pagePath($0))\">\(HTMLText.escape($0.title))</a>" }
                    fact(&writer, "Modules", moduleLinks.isEmpty ? "none" : moduleLinks.joined(separator: ", "))
                    let fields = package.extensions.flatMap { fileExtension in
                        fileExtension.objects.flatMap { object in object.fields.map { (object.object, $0) } }
                    }
                    let fieldLinks = fields.map { object, field in
                        "<a href=\"\(pageOfType[object] ?? "")#\(HTMLText.anchor(object + "." + field))\"><code>\(HTMLText.escape(object)).\(HTMLText.escape(field))</code></a>"
                    }
                    fact(&writer, "Fields added to the core", fieldLinks.isEmpty ? "none" : fieldLinks.joined(separator: ", "))
                    fact(&writer, "Source", "<code>\(HTMLText.escape(package.folder))</code> · \(HTMLText.escape(package.source))")
                }
                for fileExtension in package.extensions {
                    let target = spec.files.first { $0.identifier == fileExtension.extends }
                    let link = target.map { "<a href=\"\(DocsRenderer.pagePath($0))\">\(HTMLText.escape($0.title))</a>" } ?? HTMLText.escape(fileExtension.extends)
                    writer.line("<h4>What it adds to \(link)</h4>")
                    annotations(&writer, fileExtension.annotations)
                }
            }
        }
    }

    private func packageAnchor(_ package: SpecPackage) -> String {
        HTMLText.anchor("package-" + package.name)
    }

    /// A mark beside a package's module in the index.
    private func packageBadge(_ file: SpecFile) -> String {
        guard let package = spec.package(named: file.package) else { return "" }
        return " <span class=\"kind\">\(HTMLText.escape(package.label)) package</span>"
    }

    /// For a field a package adds to an object of the core.
    private func addedBy(_ field: FieldDefinition) -> String {
        guard let package = spec.package(named: field.package) else { return "" }
        return "<p class=\"since\">Added by the optional <a href=\"\(DocsRenderer.indexPath)#\(packageAnchor(package))\">\(HTMLText.escape(package.label))</a> package.</p>"
    }

    // MARK: Pieces

    private func fact(_ writer: inout CodeWriter, _ term: String, _ html: String) {
        writer.line("<dt>\(HTMLText.escape(term))</dt><dd>\(html)</dd>")
    }

    /// Doc, note, errata and since of an item, as paragraphs of their own.
    private func annotations(_ writer: inout CodeWriter, _ annotations: Annotations) {
        let html = describe(annotations)
        if !html.isEmpty { writer.line(html) }
    }

    private func describe(_ annotations: Annotations) -> String {
        var html = paragraphs(annotations.doc)
        html += paragraphs(annotations.note, label: "Decision.", class: "note")
        html += paragraphs(annotations.errata, label: "Erratum.", class: "errata")
        if let since = annotations.since { html += "<p class=\"since\">Since OCPI \(HTMLText.escape(since)).</p>" }
        if let ref = annotations.ref { html += "<p class=\"ref\">Official text: <code>\(HTMLText.escape(ref))</code></p>" }
        return html
    }

    func paragraphs(_ text: String?, label: String? = nil, class className: String? = nil) -> String {
        guard let text else { return "" }
        let attribute = className.map { " class=\"\($0)\"" } ?? ""
        return HTMLText.prose(text).enumerated().map { index, paragraph in
            let prefix = index == 0 ? label.map { "<strong>\(HTMLText.escape($0))</strong> " } ?? "" : ""
            return "<p\(attribute)>\(prefix)\(paragraph)</p>"
        }.joined()
    }

    private func usedByLine(_ writer: inout CodeWriter, _ name: String) {
        guard let uses = usedBy[name], !uses.isEmpty else { return }
        let links = uses.map { use in
            let target = (pageOfType[use.object.name] ?? "") + "#" + HTMLText.anchor(use.object.name + "." + use.field.name)
            return "<a href=\"\(target)\"><code>\(HTMLText.escape(use.object.name)).\(HTMLText.escape(use.field.name))</code></a>"
        }
        writer.line("<p class=\"ref\">Used by \(links.joined(separator: ", ")).</p>")
    }

    /// A named type links to its declaration; the others are shown by their base name (the
    /// length has its own column).
    private func typeCell(_ type: TypeReference) -> String {
        switch type {
        case .named(let name): typeLink(name)
        case .string: "<code>string</code>"
        case .ciString: "<code>CiString</code>"
        default: "<code>\(HTMLText.escape(type.description))</code>"
        }
    }

    func typeLink(_ name: String) -> String {
        guard let page = pageOfType[name] else { return "<code>\(HTMLText.escape(name))</code>" }
        return "<a href=\"\(page)#\(HTMLText.anchor(name))\"><code>\(HTMLText.escape(name))</code></a>"
    }

    private func length(_ type: TypeReference, _ constraints: Constraints) -> String {
        // A no-break space keeps the number beside its word in a narrow column.
        if let exact = constraints.exactLength { return "exactly&nbsp;\(exact)" }
        if let maximum = type.maxLength { return "max&nbsp;\(maximum)" }
        return ""
    }

    private func constraints(_ constraints: Constraints) -> String {
        var parts: [String] = []
        if let minimum = constraints.minimum { parts.append("min \(number(minimum))") }
        if let maximum = constraints.maximum { parts.append("max \(number(maximum))") }
        if let decimals = constraints.maxDecimals { parts.append("at most \(decimals) decimal\(decimals == 1 ? "" : "s")") }
        if let pattern = constraints.pattern { parts.append("pattern <code>\(HTMLText.escape(pattern))</code>") }
        return parts.joined(separator: "<br>")
    }

    private func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private func payload(_ payload: PayloadDefinition?) -> String {
        guard let payload else { return "none" }
        var html: String
        switch payload.cardinality {
        case .one: html = typeCell(payload.type)
        case .optional: html = typeCell(payload.type) + " or none"
        case .many: html = "list of " + typeCell(payload.type)
        case .oneOrMore: html = "non-empty list of " + typeCell(payload.type)
        }
        if payload.patch { html += " (PATCH: any of its fields)" }
        return html
    }

    private func endpointAnchor(_ endpoint: EndpointDefinition) -> String {
        HTMLText.anchor(endpoint.role.rawValue + "." + (endpoint.operations.first?.name ?? endpoint.method.rawValue))
    }

    private func cardinalityWords(_ cardinality: Cardinality) -> String {
        switch cardinality {
        case .one: "exactly one (required)"
        case .optional: "zero or one (optional)"
        case .many: "a list, possibly empty or absent"
        case .oneOrMore: "a list of at least one"
        }
    }

    private func count(_ number: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(number) \(number == 1 ? singular : plural ?? singular + "s")"
    }
}
