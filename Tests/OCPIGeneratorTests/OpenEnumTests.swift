import OCPIGenerator
import Testing
import Yams

/// Open enums (`open: true`, 2.3.0's OpenEnum): a value nobody listed is valid, so generated
/// code does not check it, OpenAPI allows any string and a diff judges values accordingly. A
/// closed enum is unchanged: its unknown values are violations.
@Suite struct OpenEnumTests {
    /// The snippet with `Role` open, and a Space field and a query parameter typed by it.
    static let types = Snippet.types.replacingOccurrences(of: "  - name: Role\n    doc: Party roles.\n", with: "  - name: Role\n    doc: Party roles.\n    open: true\n")

    static let parking = Snippet.parking
        .replacingOccurrences(
            of: "      - {name: names, type: DisplayText, card: \"*\", doc: Names.}",
            with: "      - {name: names, type: DisplayText, card: \"*\", doc: Names.}\n      - {name: owner, type: Role, card: \"1\", doc: Who runs it.}"
        )
        .replacingOccurrences(
            of: "    response: {type: Space, card: \"1\"}",
            with: "    query:\n      - {name: role, type: Role, required: false, doc: Seen as.}\n    response: {type: Space, card: \"1\"}"
        )

    func spec(open: Bool = true) throws -> Spec {
        try SpecChecker.loadAndCheck(Snippet.source(["types.yaml": open ? Self.types : Snippet.types, "parking.yaml": Self.parking])).get()
    }

    func generated(_ path: String, _ spec: Spec) throws -> String {
        try #require(Generator().generate(spec).first { $0.path == path }, "no \(path)").contents
    }

    @Test func theKeyIsRead() throws {
        #expect(try spec().enumeration(named: "Role")?.isOpen == true)
        #expect(try spec(open: false).enumeration(named: "Role")?.isOpen == false)
        let wrong = Self.types.replacingOccurrences(of: "open: true", with: "open: sometimes")
        #expect(Snippet.diagnostics(["types.yaml": wrong]) == [
            "snippets/types.yaml:14: error: 'open' of Role must be true or false, not 'sometimes'",
        ])
    }

    @Test func anOpenEnumIsNotCheckedAClosedOneIs() throws {
        let open = try generated("Parking+Validation.swift", spec())
        #expect(!open.contains("owner"))
        let closed = try generated("Parking+Validation.swift", spec(open: false))
        #expect(closed.contains("context.enumeration(owner, at: \"owner\")"))
    }

    @Test func theEnumSaysItIsOpen() throws {
        let models = try generated("Types+Models.swift", spec())
        #expect(models.contains("""
            /// Party roles.
            ///
            /// Open: a party may send values of its own besides these. Such a value is kept in `unrecognized` and is valid; `isKnown` tells the listed values apart.
            """))
        #expect(models.contains("    /// A value of a party's own, which this open enum allows, kept as it was received.\n    case unrecognized(String)"))
        let closed = try generated("Types+Models.swift", spec(open: false))
        #expect(closed.contains("    /// A value this release does not define, kept as it was received.\n    case unrecognized(String)"))
    }

    @Test func aParameterOfAnOpenEnumTakesAnyValue() throws {
        let open = try generated("Parking+Routes.swift", spec())
        #expect(open.contains("let role = parameters.query(\"role\", TextRule(.printableASCII)).map(Role.init(rawValue:))"))
        let closed = try generated("Parking+Routes.swift", spec(open: false))
        #expect(closed.contains("let role = parameters.query(\"role\", Role.self)"))
    }

    @Test func openAPIAllowsAnyString() throws {
        func schema(_ spec: Spec) throws -> [String: Any] {
            let document = try #require(try Yams.load(yaml: OpenAPIRenderer().render(spec)) as? [String: Any])
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            return try #require(schemas["Role"] as? [String: Any])
        }
        let open = try schema(spec())
        #expect(open["type"] as? String == "string")
        #expect(open["enum"] == nil)
        let alternatives = try #require(open["anyOf"] as? [[String: Any]])
        #expect(alternatives.count == 2)
        #expect(alternatives.first?["enum"] as? [String] == ["CPO", "EMSP"])
        let closed = try schema(spec(open: false))
        #expect(closed["enum"] as? [String] == ["CPO", "EMSP"])
        #expect(closed["anyOf"] == nil)
    }

    @Test func theDocsSayItIsOpen() throws {
        let pages = Dictionary(uniqueKeysWithValues: DocsRenderer().render(try spec()).map { ($0.path, $0.contents) })
        let types = try #require(pages["types.html"])
        #expect(types.contains("<h3>Role<span class=\"kind\">open enum</span></h3>"))
        #expect(types.contains("<p class=\"since\">Open: a party may send values of its own besides these, and such a value is valid.</p>"))
        #expect(try #require(pages["index.html"]).contains("<dt>Open enum</dt>"))
    }

    // MARK: Diff

    typealias C = SpecChange.Compatibility

    func diff(old: String, new: String) throws -> SpecDiff {
        let oldSpec = try SpecChecker.loadAndCheck(Snippet.source(["types.yaml": old, "parking.yaml": Self.parking])).get()
        let newSpec = try SpecChecker.loadAndCheck(Snippet.source(["types.yaml": new, "parking.yaml": Self.parking])).get()
        return SpecDiffer().diff(old: oldSpec, new: newSpec)
    }

    static let withHub = "      - {value: EMSP, doc: Provider.}\n      - {value: HUB, doc: Hub.}"

    func verdicts(_ diff: SpecDiff) -> [String] {
        diff.changes.map(\.description)
    }

    @Test func openingAnEnumBreaksOldReceiversOnly() throws {
        #expect(verdicts(try diff(old: Snippet.types, new: Self.types)) == [
            "changed enum Role (open false -> true): sender breaking, receiver compatible",
        ])
        #expect(verdicts(try diff(old: Self.types, new: Snippet.types)) == [
            "changed enum Role (open true -> false): sender compatible, receiver breaking",
        ])
    }

    @Test func valuesOfAnOpenEnumComeAndGoFreely() throws {
        let withHub = Self.types.replacingOccurrences(of: "      - {value: EMSP, doc: Provider.}", with: Self.withHub)
        #expect(verdicts(try diff(old: Self.types, new: withHub)) == [
            "added value Role.HUB: sender compatible, receiver compatible",
        ])
        #expect(verdicts(try diff(old: withHub, new: Self.types)) == [
            "removed value Role.HUB: sender compatible, receiver compatible",
        ])
        // Closed, as before: an added value breaks old receivers, a removed one new receivers.
        let closedWithHub = Snippet.types.replacingOccurrences(of: "      - {value: EMSP, doc: Provider.}", with: Self.withHub)
        #expect(verdicts(try diff(old: Snippet.types, new: closedWithHub)) == [
            "added value Role.HUB: sender breaking, receiver compatible",
        ])
        #expect(verdicts(try diff(old: closedWithHub, new: Snippet.types)) == [
            "removed value Role.HUB: sender compatible, receiver breaking",
        ])
        // A value added as the enum opens: the opening is what breaks old receivers.
        #expect(verdicts(try diff(old: Snippet.types, new: withHub)) == [
            "changed enum Role (open false -> true): sender breaking, receiver compatible",
            "added value Role.HUB: sender breaking, receiver compatible",
        ])
    }
}
