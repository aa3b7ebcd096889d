/// The whole generator: a checked spec in, every output file out. Pure; the CLI writes the files.
public struct Generator: Sendable {
    public var openAPI = OpenAPIRenderer()

    public init() {}

    /// The path of the OpenAPI document inside the generated target.
    public static let openAPIPath = "Resources/openapi.yaml"

    /// The folder of the HTML reference inside the generated target (a server serves it).
    public static let docsFolder = "Resources/docs"

    public func generate(_ spec: Spec) -> [GeneratedFile] {
        var files = [GeneratedFile(path: Self.openAPIPath, contents: openAPI.render(spec))]
        files += DocsRenderer().render(spec).map { GeneratedFile(path: "\(Self.docsFolder)/\($0.path)", contents: $0.contents) }
        files.append(ReleaseRenderer().render(spec))
        files += SwiftModelRenderer(spec: spec).render()
        files += SwiftInterfaceRenderer(spec: spec).render()
        return files.sorted { $0.path < $1.path }
    }
}

/// The facts of the release as Swift constants, and the OpenAPI document as a resource.
struct ReleaseRenderer {
    func render(_ spec: Spec) -> GeneratedFile {
        var writer = CodeWriter()
        writer.line("// " + GeneratedFile.header(for: "spec/ocpi-\(spec.version)/\(SpecSource.manifestName)"))
        writer.line()
        writer.line("import Foundation")
        writer.line("import OCPIRuntime")
        writer.line()
        writer.docComment("OCPI \(spec.version), edition \(spec.edition): the release this module was generated from.")
        writer.block("public enum OCPIRelease {") { writer in
            writer.docComment("The release, as it appears in URLs and in version details.")
            writer.line("public static let version = \(swiftString(spec.version))")
            writer.line()
            writer.docComment("The edition of the official text the spec folder describes.")
            writer.line("public static let edition = \(swiftString(spec.edition))")
            writer.line()
            writer.docComment("How a credentials token is written after `Token ` in the Authorization header of this release's modules (`token_encoding:`).")
            writer.line("public static let tokenEncoding = CredentialsToken.Encoding.\(spec.tokenEncoding == .plain ? "raw" : "base64")")
            interfaceRoles(spec, into: &writer)
            if !spec.packages.isEmpty { packages(spec, into: &writer) }
            writer.line()
            writer.docComment("The OpenAPI 3.1 document of the release (`\(Generator.openAPIPath)`).")
            writer.block("public static var openAPIDocument: Data? {") { writer in
                writer.line("Bundle.module.url(forResource: \"openapi\", withExtension: \"yaml\").flatMap { try? Data(contentsOf: $0) }")
            }
            writer.line()
            writer.docComment("A page of the HTML reference (`\(Generator.docsFolder)/`): `index.html`, `locations.html`, ...; nil for any other name.")
            writer.block("public static func documentationPage(_ name: String) -> Data? {") { writer in
                writer.line("guard name.hasSuffix(\".html\"), !name.contains(\"/\"), !name.hasPrefix(\".\") else { return nil }")
                writer.line("return Bundle.module.url(forResource: String(name.dropLast(5)), withExtension: \"html\", subdirectory: \"docs\").flatMap { try? Data(contentsOf: $0) }")
            }
        }
        return GeneratedFile(path: "OCPIRelease.swift", contents: writer.text)
    }

    /// Which side of each module's interface each kind of party implements (`sender_roles` and
    /// `receiver_roles` of the spec files).
    private func interfaceRoles(_ spec: Spec, into writer: inout CodeWriter) {
        writer.line()
        writer.docComment("""
            The side of each module's interface that each kind of party implements, from the spec files' sender and receiver roles: how a partner's endpoint is read where its version details name no role (2.1.1), from the kind of party it registered as.
            """)
        writer.block("public static let interfaceRoles: [OCPIModuleID: [OCPIPartyRole: OCPIInterfaceRole]] = [", close: "]") { writer in
            for module in spec.modules where !(module.senderRoles.isEmpty && module.receiverRoles.isEmpty) {
                let sides = module.senderRoles.map { ($0, ".sender") } + module.receiverRoles.filter { !module.senderRoles.contains($0) }.map { ($0, ".receiver") }
                let entries = sides.map { "OCPIPartyRole(rawValue: \(swiftString($0.0))): \($0.1)" }.joined(separator: ", ")
                writer.line(".\(SwiftNaming.moduleConstant(module)): [\(entries)],")
            }
        }
    }

    /// The optional packages the target includes, so that a server can tell which modules it
    /// mounts and lists in its version details.
    private func packages(_ spec: Spec, into writer: inout CodeWriter) {
        writer.line()
        writer.docComment("""
            The optional module packages this target includes, besides the core. A server mounts a package's modules, and lists them in its version details, only when it implements the package; the fields a package adds to objects of the core are optional, and a partner without the package leaves them out.
            """)
        writer.block("public static let packages: [Package] = [", close: "]") { writer in
            for package in spec.packages {
                let modules = spec.files.filter { $0.package == package.name }.compactMap(\.module)
                let fields = package.extensions.flatMap { $0.objects.flatMap { object in object.fields.map { "\(object.object).\($0)" } } }
                let arguments = [
                    "name: \(swiftString(package.name))", "version: \(swiftString(package.version))", "title: \(swiftString(package.title))",
                    "modules: [\(modules.map(swiftString).joined(separator: ", "))]", "addedFields: [\(fields.map(swiftString).joined(separator: ", "))]",
                ]
                writer.line("Package(\(arguments.joined(separator: ", "))),")
            }
        }
        writer.line()
        writer.docComment("An optional module package of the release.")
        writer.block("public struct Package: Hashable, Sendable {") { writer in
            writer.docComment("The package's name" + (spec.packages.first.map { " (`\($0.name)`)" } ?? "") + ".")
            writer.line("public let name: String")
            writer.docComment("The package's version, counted apart from the release's.")
            writer.line("public let version: String")
            writer.line("public let title: String")
            writer.docComment("The ModuleIDs of the modules the package brings.")
            writer.line("public let modules: [String]")
            writer.docComment("The fields the package adds to objects of the core, as `Object.field`.")
            writer.line("public let addedFields: [String]")
            writer.line()
            writer.block("public init(name: String, version: String, title: String, modules: [String], addedFields: [String]) {") { writer in
                for name in ["name", "version", "title", "modules", "addedFields"] { writer.line("self.\(name) = \(name)") }
            }
        }
    }
}

/// A Swift string literal for any text.
func swiftString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}
