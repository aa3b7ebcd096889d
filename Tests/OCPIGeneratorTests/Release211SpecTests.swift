import OCPIGenerator
import Testing

/// The committed description of OCPI 2.1.1 is complete: its size matches what was counted in the
/// tables of the official text (2.1.1-d2), module by module.
@Suite struct Release211SpecTests {
    @Test func loadsWithoutErrors() throws {
        let spec = try loadRepositorySpec("2.1.1")
        #expect(spec.version == "2.1.1")
        #expect(spec.edition == "d2")
        #expect(spec.note != nil)
        #expect(spec.patchRequiredFields == [])
    }

    @Test func hasEveryObjectFieldEnumValueAndEndpoint() throws {
        let spec = try loadRepositorySpec("2.1.1")
        // 34 object and class tables, plus the response envelope and the version-details data.
        #expect(spec.objects.count == 36)
        #expect(spec.objects.reduce(0) { $0 + $1.fields.count } == 183)
        #expect(spec.enums.count == 23)
        #expect(spec.enums.reduce(0) { $0 + $1.values.count } == 142)
        // Method x path x interface role, an optional-segment path counted once.
        #expect(spec.endpoints.count == 30)
        #expect(spec.statusCodes.map(\.code) == [1000, 2000, 2001, 2002, 2003, 3000, 3001, 3002, 3003])
        #expect(spec.statusRanges.isEmpty)
        #expect(spec.headers.map(\.name) == ["Authorization", "Link", "X-Total-Count", "X-Limit", "Location"])
    }

    @Test(arguments: [
        // module, objects, enums, endpoints (counted in each chapter's tables)
        ("versions", 3, 2, 2), ("credentials", 1, 0, 4), ("locations", 14, 11, 5), ("sessions", 1, 1, 4),
        ("cdrs", 3, 2, 3), ("tariffs", 4, 2, 5), ("tokens", 3, 3, 5), ("commands", 5, 2, 2),
    ])
    func everyModuleIsComplete(module: String, objects: Int, enums: Int, endpoints: Int) throws {
        let spec = try loadRepositorySpec("2.1.1")
        let file = try #require(spec.modules.first { $0.module == module })
        #expect(file.objects.count == objects)
        #expect(file.enums.count == enums)
        #expect(file.endpoints.count == endpoints)
    }

    @Test func everyRoughEdgeOfTheTextIsDecidedInWriting() throws {
        let spec = try loadRepositorySpec("2.1.1")
        func field(_ object: String, _ name: String) throws -> FieldDefinition {
            try #require(spec.object(named: object)?.fields.first { $0.name == name })
        }
        func endpoint(_ module: String, _ role: InterfaceRole, _ method: HTTPMethod, _ prefix: String) throws -> EndpointDefinition {
            try #require(spec.endpoints.first { $0.module == module && $0.role == role && $0.method == method && $0.path.hasPrefix(prefix) })
        }
        // The CPO/eMSP interfaces mapped to roles: tokens are owned by the eMSP.
        #expect(try endpoint("tokens", .sender, .get, "/tokens").paginated)
        #expect(try endpoint("tokens", .receiver, .put, "/tokens/").path == "/tokens/{country_code}/{party_id}/{token_uid}")
        #expect(try endpoint("locations", .sender, .get, "/locations").paginated)
        // No country_code or party_id on the objects; no role on Endpoint; no Role enum.
        #expect(spec.object(named: "Location")?.fields.contains { $0.name == "country_code" } == false)
        #expect(spec.object(named: "Endpoint")?.fields.map(\.name) == ["identifier", "url"])
        #expect(spec.enumeration(named: "Role") == nil)
        // Hours is a choice: twentyfourseven optional, with a note.
        #expect(try field("Hours", "twentyfourseven").cardinality == .optional)
        #expect(spec.object(named: "Hours")?.annotations.note != nil)
        // Sessions list: date_from optional, decided as in 2.2.1.
        let dateFrom = try #require(try endpoint("sessions", .sender, .get, "/sessions").query.first { $0.name == "date_from" })
        #expect(dateFrom.required == false)
        #expect(dateFrom.annotations.note != nil)
        // The authorize type: a query parameter named `type`.
        #expect(try endpoint("tokens", .sender, .post, "/tokens/").query.map(\.name) == ["type"])
        // Names kept as the text has them.
        #expect(try field("Session", "start_datetime").annotations.note != nil)
        #expect(try field("EnvironmentalImpact", "source").type == .named("EnvironmentalImpactCategory"))
        // Sized integers become ranges; six decimals exactly on coordinates.
        #expect(try field("Image", "width").constraints.maximum == 99999)
        #expect(try field("RegularHours", "weekday").constraints.maximum == 7)
        #expect(try field("GeoLocation", "latitude").constraints.pattern == #"-?[0-9]{1,2}\.[0-9]{6}"#)
        // The commands callback is a run-time URL taking a CommandResponse.
        let callback = try endpoint("commands", .sender, .post, "{response_url}")
        #expect(callback.operations.first?.body?.type == .named("CommandResponse"))
    }
}
