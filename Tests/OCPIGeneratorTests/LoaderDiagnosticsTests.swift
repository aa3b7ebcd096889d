import OCPIGenerator
import Testing

/// Each kind of mistake in a spec folder, with the exact line `ocpi-gen` prints for it.
@Suite struct LoaderDiagnosticsTests {
    @Test func theSnippetFolderIsClean() {
        #expect(Snippet.diagnostics([:]) == [])
    }

    @Test func yamlSyntaxErrorNamesItsLine() {
        let broken = Snippet.parking.replacingOccurrences(of: "doc: One parking space.", with: "doc: [unclosed")
        let diagnostics = Snippet.diagnostics(["parking.yaml": broken])
        #expect(diagnostics == [
            "snippets/parking.yaml:11: error: YAML syntax: while parsing a flow sequence started at line 10, did not find expected ',' or ']'",
        ])
    }

    @Test func unknownTypeReference() {
        let file = Snippet.parking.replacingOccurrences(of: "type: DisplayText", with: "type: DisplayTxt")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:13: error: unknown type 'DisplayTxt' in field 'names' of Space",
        ])
    }

    @Test func duplicateTypeName() {
        let file = Snippet.parking.replacingOccurrences(of: "name: Space", with: "name: DisplayText")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:8: error: duplicate type name 'DisplayText' (first declared at snippets/types.yaml:5)",
            "snippets/parking.yaml:23: error: unknown type 'Space' in the response of 'get_space'",
        ])
    }

    @Test func duplicateFieldAndValue() {
        let types = Snippet.types
            .replacingOccurrences(of: "{name: text,", with: "{name: language,")
            .replacingOccurrences(of: "{value: EMSP, doc: Provider.}", with: "{value: EMSP, doc: Provider.}\n      - {value: CPO, doc: Again.}")
        #expect(Snippet.diagnostics(["types.yaml": types]) == [
            "snippets/types.yaml:10: error: duplicate field 'language' in DisplayText (first at line 9)",
            "snippets/types.yaml:17: error: duplicate value 'CPO' in Role (first at line 15)",
        ])
    }

    @Test func malformedTypeAndCardinality() {
        let file = Snippet.parking
            .replacingOccurrences(of: "type: CiString(36), card: \"1\", doc: Identifier.", with: "type: CiString(x), card: \"1\", doc: Identifier.")
            .replacingOccurrences(of: "card: \"*\"", with: "card: \"many\"")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:12: error: malformed type 'CiString(x)' in field 'id' of Space (expected string(n), CiString(n), URL, DateTime, number, int, boolean, any or a type name)",
            "snippets/parking.yaml:13: error: malformed cardinality 'many' in field 'names' of Space (expected \"1\", \"?\", \"*\" or \"+\")",
        ])
    }

    @Test func pathParameterNotDeclared() {
        let file = Snippet.parking.replacingOccurrences(of: "path: /parking/{space_id}", with: "path: /parking/{space_id}/{level}")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:16: error: path parameter '{level}' of SENDER GET /parking/{space_id}/{level} is not declared in 'params'",
            "snippets/parking.yaml:16: error: path parameter '{level}' of operation 'get_space' is not declared in 'params'",
        ])
    }

    @Test func pathParameterDeclaredButUnused() {
        let file = Snippet.parking.replacingOccurrences(of: "path: /parking/{space_id}", with: "path: /parking")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:22: error: path parameter 'space_id' is declared but not used in the path of SENDER GET /parking",
        ])
    }

    @Test func endpointWithoutRole() {
        let file = Snippet.parking.replacingOccurrences(of: "  - role: SENDER\n", with: "  -\n")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:17: error: an endpoint is missing 'role'",
        ])
    }

    @Test func unknownKeyAndMissingDoc() {
        let file = Snippet.parking.replacingOccurrences(of: "doc: One parking space.", with: "colour: blue")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:8: error: an object is missing 'doc'",
            "snippets/parking.yaml:10: error: unknown key 'colour' in an object (allowed: name, kind, doc, fields, swift_name, ref, note, errata, since)",
        ])
    }

    @Test func manifestAndFilesMustAgree() {
        var files = ["extra.yaml": Snippet.types.replacingOccurrences(of: "shared: types", with: "shared: extra")]
        files["ocpi.yaml"] = Snippet.manifest + "\n  - missing.yaml"
        #expect(Snippet.diagnostics(files) == [
            "snippets/extra.yaml:1: error: the file is not listed in ocpi.yaml or in a package it lists",
            "snippets/ocpi.yaml:8: error: 'missing.yaml' is listed but does not exist",
        ])
    }

    @Test func operationPathMustBeAFormOfTheEndpointPath() {
        let file = Snippet.parking.replacingOccurrences(of: "    name: get_space\n", with: """
                operations:
                  - {name: get_space, path: "/parking/{space_id}", response: {type: Space, card: "1"}}
                  - {name: get_other, path: "/garage/{space_id}"}

            """).replacingOccurrences(of: "    response: {type: Space, card: \"1\"}", with: "")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:21: error: the path '/garage/{space_id}' of operation 'get_other' is not a form of /parking/{space_id}",
        ])
    }

    @Test func patchBodiesAreMarked() {
        let file = Snippet.parking.replacingOccurrences(of: "method: GET", with: "method: PATCH")
            .replacingOccurrences(of: "    response: {type: Space, card: \"1\"}", with: "    body: {type: Space, card: \"1\"}")
        #expect(Snippet.diagnostics(["parking.yaml": file]) == [
            "snippets/parking.yaml:16: error: 'get_space' is a PATCH, so its body needs 'patch: true'",
        ])
    }

    @Test func everyErrorOfEveryFileAtOnce() {
        let types = Snippet.types.replacingOccurrences(of: "type: string(512)", with: "type: strin(512)")
        let parking = Snippet.parking
            .replacingOccurrences(of: "type: DisplayText", with: "type: Nowhere")
            .replacingOccurrences(of: "method: GET", with: "method: FETCH")
        let diagnostics = Snippet.diagnostics(["types.yaml": types, "parking.yaml": parking])
        #expect(diagnostics == [
            "snippets/parking.yaml:17: error: 'method' must be one of GET, POST, PUT, PATCH, DELETE, not 'FETCH'",
            "snippets/types.yaml:10: error: malformed type 'strin(512)' in field 'text' of DisplayText (expected string(n), CiString(n), URL, DateTime, number, int, boolean, any or a type name)",
        ])
    }

    @Test func constraintsMustFitTheirType() {
        let types = Snippet.types.replacingOccurrences(of: "type: string(2), card: \"1\", exact_length: 2", with: "type: int, card: \"1\", exact_length: 2, pattern: \"[a-z\"")
        #expect(Snippet.diagnostics(["types.yaml": types]) == [
            "snippets/types.yaml:9: error: 'exact_length' applies to text, not to int (field 'language' of DisplayText)",
            "snippets/types.yaml:9: error: 'pattern' applies to text, not to int (field 'language' of DisplayText)",
            "snippets/types.yaml:9: error: 'pattern' of field 'language' of DisplayText is not a valid regular expression",
        ])
    }
}
