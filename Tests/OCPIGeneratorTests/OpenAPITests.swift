import Foundation
import OCPIGenerator
import Testing
import Yams

/// The OpenAPI document: committed, current, complete and shaped as the server mounts it.
@Suite struct OpenAPITests {
    let spec: Spec
    let text: String
    let document: [String: Any]

    init() throws {
        spec = try loadRepositorySpec()
        text = OpenAPIRenderer().render(spec)
        document = try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    private func map(_ value: Any?) -> [String: Any] { value as? [String: Any] ?? [:] }

    @Test func theCommittedDocumentIsCurrent() throws {
        let committed = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/OCPI221/Resources/openapi.yaml"), encoding: .utf8)
        #expect(committed == text, "run `swift run ocpi-gen generate spec/ocpi-2.2.1 --output Sources/OCPI221`")
    }

    @Test func renderingIsDeterministic() {
        #expect(OpenAPIRenderer().render(spec) == text)
    }

    @Test func hasOneSchemaPerObjectAndEnumWithEveryFieldAndValue() {
        let schemas = map(map(document["components"])["schemas"])
        // 56 object and class types and 34 enums, named as the spec names them, and our ErrorResponse.
        #expect(schemas.count == 91)
        // The closed enums list their values; the open one (VersionNumber) takes any text.
        let enumSchemas = schemas.values.compactMap { map($0)["enum"] as? [String] }
        #expect(enumSchemas.count == 33)
        #expect(enumSchemas.reduce(0) { $0 + $1.count } == 228)
        let fieldCount = schemas.values.reduce(0) { $0 + map(map($1)["properties"]).count }
        #expect(fieldCount == 300)
        for name in ["Location", "EVSE", "Connector", "CDR", "Session", "Tariff", "Token", "Credentials", "VersionDetails", "Response", "ConnectorType"] {
            #expect(schemas[name] != nil, "schema \(name)")
        }
    }

    @Test func hasEveryRouteOfEveryEndpoint() {
        // 38 endpoints; the optional-segment ones serve several routes: Locations SENDER GET
        // object (3 routes), Locations RECEIVER GET/PUT/PATCH (3 each), Commands RECEIVER POST
        // (one per command: 5), Charging Profiles SENDER POST (one per result type: 3).
        // 38 - 1 - 3 - 1 - 1 + 3 + 9 + 5 + 3 = 52.
        let methods = ["get", "post", "put", "patch", "delete"]
        let paths = map(document["paths"])
        let webhooks = map(document["webhooks"])
        let pathOperations = paths.values.reduce(0) { count, item in count + map(item).keys.filter(methods.contains).count }
        let webhookOperations = webhooks.values.reduce(0) { count, item in count + map(item).keys.filter(methods.contains).count }
        #expect(pathOperations + webhookOperations == 52)
        // Run-time URLs: the CDR's Location, command and charging-profile result callbacks.
        #expect(webhookOperations == 5)
    }

    @Test func pathsAreWhereTheServerMountsThem() {
        let paths = map(document["paths"])
        #expect(paths["/ocpi/versions"] != nil)
        #expect(paths["/ocpi/2.2.1"] != nil)
        #expect(paths["/ocpi/cpo/2.2.1/credentials"] != nil)
        #expect(map(paths["/ocpi/cpo/2.2.1/locations/{location_id}/{evse_uid}/{connector_id}"])["get"] != nil)
        #expect(map(paths["/ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}"])["put"] != nil)
        #expect(map(paths["/ocpi/cpo/2.2.1/tokens/{country_code}/{party_id}/{token_uid}"])["patch"] != nil)
        #expect(map(paths["/ocpi/emsp/2.2.1/tokens/{token_uid}/authorize"])["post"] != nil)
        #expect(map(paths["/ocpi/cpo/2.2.1/commands/START_SESSION"])["post"] != nil)
        #expect(map(paths["/ocpi/cpo/2.2.1/chargingprofiles/{session_id}"])["delete"] != nil)
        for (path, item) in paths {
            for (_, operation) in map(item) {
                let tags = map(operation)["tags"] as? [String] ?? []
                #expect(tags.count == 2, "\(path)")
                let party = path.hasPrefix("/ocpi/emsp/") ? "emsp" : "cpo"
                #expect(tags.last == party, "\(path)")
            }
        }
    }

    @Test func fieldsCarryTheirTypesLengthsAndCardinalities() throws {
        let schemas = map(map(document["components"])["schemas"])
        let location = map(schemas["Location"])
        let required = location["required"] as? [String] ?? []
        #expect(required.contains("country_code"))
        #expect(!required.contains("name"))
        let properties = map(location["properties"])
        let countryCode = map(properties["country_code"])
        #expect(countryCode["minLength"] as? Int == 2)
        #expect(countryCode["maxLength"] as? Int == 2)
        #expect(map(properties["id"])["maxLength"] as? Int == 36)
        #expect(map(properties["last_updated"])["pattern"] as? String == #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$"#)
        #expect(map(properties["last_updated"])["format"] == nil)
        let evses = map(properties["evses"])
        #expect(evses["type"] as? String == "array")
        #expect(map(evses["items"])["$ref"] as? String == "#/components/schemas/EVSE")
        let connectors = map(map(map(schemas["EVSE"])["properties"])["connectors"])
        #expect(connectors["minItems"] as? Int == 1)
        let weekday = map(map(map(schemas["RegularHours"])["properties"])["weekday"])
        #expect(weekday["minimum"] as? Int == 1)
        #expect(weekday["maximum"] as? Int == 7)
        let latitude = map(map(map(schemas["GeoLocation"])["properties"])["latitude"])
        #expect(latitude["allOf"] != nil)
    }

    @Test func responsesAreWrappedInTheEnvelope() {
        let paths = map(document["paths"])
        let list = map(map(paths["/ocpi/cpo/2.2.1/locations"])["get"])
        let responses = map(list["responses"])
        let ok = map(responses["200"])
        let headers = map(ok["headers"])
        #expect(Set(headers.keys) == ["X-Request-ID", "X-Correlation-ID", "Link", "X-Total-Count", "X-Limit"])
        // HTTP 200 carries refusals too (2001, 2003, 3001): the success envelope or the error one.
        let schema = map(map(map(ok["content"])["application/json"])["schema"])
        let choices = schema["oneOf"] as? [Any] ?? []
        #expect(choices.count == 2)
        let success = map(choices.first)["allOf"] as? [Any] ?? []
        #expect(map(success.first)["$ref"] as? String == "#/components/schemas/Response")
        let successCode = map(map(map(success.last)["properties"])["status_code"])
        #expect(successCode["minimum"] as? Int == 1000 && successCode["maximum"] as? Int == 1999)
        #expect(map(choices.last)["$ref"] as? String == "#/components/schemas/ErrorResponse")
        let refusal = map(map(document["components"])["schemas"])["ErrorResponse"]
        let refusalCode = map(map(map((map(refusal)["allOf"] as? [Any])?.last)["properties"])["status_code"])
        #expect(refusalCode["minimum"] as? Int == 2000 && refusalCode["maximum"] as? Int == 4999, "the two never overlap, as oneOf needs")
        for status in ["400", "401", "404", "405"] {
            #expect(map(responses[status])["$ref"] as? String == "#/components/responses/Error")
        }
        let cdrPost = map(map(paths["/ocpi/emsp/2.2.1/cdrs"])["post"])
        #expect(map(map(map(cdrPost["responses"])["201"])["headers"])["Location"] != nil)
    }

    @Test func routingHeadersOnlyOnFunctionalModules() {
        let paths = map(document["paths"])
        func parameterRefs(_ path: String, _ method: String) -> [String] {
            (map(map(paths[path])[method])["parameters"] as? [Any] ?? []).compactMap { map($0)["$ref"] as? String }
        }
        #expect(parameterRefs("/ocpi/cpo/2.2.1/credentials", "post").contains("#/components/parameters/X-Request-ID"))
        #expect(!parameterRefs("/ocpi/cpo/2.2.1/credentials", "post").contains("#/components/parameters/OCPI-to-party-id"))
        #expect(parameterRefs("/ocpi/cpo/2.2.1/locations", "get").contains("#/components/parameters/OCPI-to-party-id"))
    }

    @Test func patchBodiesRequireOnlyLastUpdated() {
        let paths = map(document["paths"])
        let patch = map(map(paths["/ocpi/cpo/2.2.1/tokens/{country_code}/{party_id}/{token_uid}"])["patch"])
        let schema = map(map(map(map(patch["requestBody"])["content"])["application/json"])["schema"])
        #expect(schema["required"] as? [String] == ["last_updated"])
        #expect(map(schema["properties"]).count == spec.object(named: "Token")?.fields.count)
    }
}
