import OCPIGenerator
import Testing
import Yams

/// The manifest keys a release uses to say how it differs in transport: what a PATCH body must
/// carry (`patch_required_fields`) and how the credentials token is written (`token_encoding`).
@Suite struct ManifestOptionsTests {
    static let patchEndpoint = """

          - role: RECEIVER
            method: PATCH
            path: /parking/{space_id}
            name: patch_space
            doc: Changes a space.
            params:
              - {name: space_id, type: CiString(36), body_field: id, doc: The space.}
            body: {type: Space, card: "1", patch: true}
        """

    func spec(manifestLines: [String] = [], parking: String = Snippet.parking + patchEndpoint) throws -> Spec {
        let manifest = Snippet.manifest.replacingOccurrences(of: "files:", with: (manifestLines + ["files:"]).joined(separator: "\n"))
        return try SpecChecker.loadAndCheck(Snippet.source(["ocpi.yaml": manifest, "parking.yaml": parking])).get()
    }

    func patchModel(_ spec: Spec) throws -> String {
        let file = try #require(Generator().generate(spec).first { $0.path == "Parking+Models.swift" })
        let start = try #require(file.contents.range(of: "public struct SpacePatch"))
        return String(file.contents[start.lowerBound...])
    }

    /// The `required` list of the PATCH body's schema in the OpenAPI document.
    func patchSchemaRequired(_ spec: Spec) throws -> [String]? {
        let document = try #require(try Yams.load(yaml: OpenAPIRenderer().render(spec)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        let item = try #require(paths["/ocpi/emsp/9.9/parking/{space_id}"] as? [String: Any])
        let patch = try #require(item["patch"] as? [String: Any])
        let body = try #require(patch["requestBody"] as? [String: Any])
        let content = try #require((body["content"] as? [String: Any])?["application/json"] as? [String: Any])
        let schema = try #require(content["schema"] as? [String: Any])
        return schema["required"] as? [String]
    }

    @Test func lastUpdatedIsRequiredInAPatchUnlessTheManifestSaysOtherwise() throws {
        let byDefault = try spec()
        #expect(byDefault.patchRequiredFields == ["last_updated"])
        #expect(try patchModel(byDefault).contains("public var lastUpdated: OCPIDateTime\n"))
        let none = try spec(manifestLines: ["patch_required_fields: []"])
        #expect(none.patchRequiredFields == [])
        #expect(try patchModel(none).contains("public var lastUpdated: OCPIDateTime?\n"))
        #expect(try patchSchemaRequired(byDefault) == ["last_updated"])
        #expect(try patchSchemaRequired(none) == nil)
    }

    @Test func aPatchRequiredFieldMustExistInEveryPatchedObject() {
        let manifest = Snippet.manifest.replacingOccurrences(of: "files:", with: "patch_required_fields: [last_updated, version]\nfiles:")
        #expect(Snippet.diagnostics(["ocpi.yaml": manifest, "parking.yaml": Snippet.parking + Self.patchEndpoint]) == [
            "snippets/parking.yaml:31: error: a PATCH body needs 'version', and Space has none",
        ])
    }

    @Test func theTokenEncodingNamesTheAuthorizationScheme() throws {
        #expect(try spec().tokenEncoding == .base64)
        #expect(OpenAPIRenderer().render(try spec()).contains("the token base64-encoded as OCPI 9.9 requires"))
        let plain = try spec(manifestLines: ["token_encoding: plain"])
        #expect(plain.tokenEncoding == .plain)
        #expect(OpenAPIRenderer().render(plain).contains("the token as it is (not encoded), as OCPI 9.9 requires"))
        let manifest = Snippet.manifest.replacingOccurrences(of: "files:", with: "token_encoding: rot13\nfiles:")
        #expect(Snippet.diagnostics(["ocpi.yaml": manifest]) == [
            "snippets/ocpi.yaml:5: error: 'token_encoding' must be one of base64, plain, not 'rot13'",
        ])
    }
}
