import OCPIGenerator
import Testing

/// The committed description of OCPI 2.2.1 is complete: its size matches what was counted in the
/// tables of the official text (2.2.1-d2), module by module.
@Suite struct ReleaseSpecTests {
    @Test func loadsWithoutErrors() throws {
        let spec = try loadRepositorySpec()
        #expect(spec.version == "2.2.1")
        #expect(spec.edition == "d2")
    }

    @Test func hasEveryObjectFieldEnumValueAndEndpoint() throws {
        let spec = try loadRepositorySpec()
        // 54 object and class tables, plus the response envelope and the version-details data.
        #expect(spec.objects.count == 56)
        #expect(spec.objects.reduce(0) { $0 + $1.fields.count } == 300)
        #expect(spec.enums.count == 34)
        #expect(spec.enums.reduce(0) { $0 + $1.values.count } == 233)
        // Method x path x interface role, an optional-segment path counted once.
        #expect(spec.endpoints.count == 38)
        #expect(spec.statusCodes.map(\.code) == [1000, 2000, 2001, 2002, 2003, 2004, 3000, 3001, 3002, 3003, 4000, 4001, 4002, 4003])
        #expect(spec.statusRanges.map { [$0.from, $0.to] } == [[1900, 1999], [2900, 2999], [3900, 3999], [4900, 4999]])
        #expect(Set(spec.headers.map(\.name)) == [
            "Authorization", "X-Request-ID", "X-Correlation-ID", "OCPI-from-country-code", "OCPI-from-party-id",
            "OCPI-to-country-code", "OCPI-to-party-id", "Link", "X-Total-Count", "X-Limit", "Location",
        ])
    }

    @Test(arguments: [
        // module, objects, enums, endpoints (counted in each chapter's tables)
        ("versions", 3, 3, 2), ("credentials", 2, 0, 4), ("locations", 15, 11, 5), ("sessions", 2, 3, 5),
        ("cdrs", 7, 2, 3), ("tariffs", 4, 4, 4), ("tokens", 4, 3, 5), ("commands", 7, 3, 2),
        ("chargingprofiles", 8, 3, 5), ("hubclientinfo", 1, 1, 3),
    ])
    func everyModuleIsComplete(module: String, objects: Int, enums: Int, endpoints: Int) throws {
        let spec = try loadRepositorySpec()
        let file = try #require(spec.modules.first { $0.module == module })
        #expect(file.objects.count == objects)
        #expect(file.enums.count == enums)
        #expect(file.endpoints.count == endpoints)
    }

    @Test func everyRoughEdgeOfTheTextIsDecidedInWriting() throws {
        let spec = try loadRepositorySpec()
        func field(_ object: String, _ name: String) throws -> FieldDefinition {
            try #require(spec.object(named: object)?.fields.first { $0.name == name })
        }
        func endpoint(_ module: String, _ role: InterfaceRole, _ method: HTTPMethod, _ prefix: String) throws -> EndpointDefinition {
            try #require(spec.endpoints.first { $0.module == module && $0.role == role && $0.method == method && $0.path.hasPrefix(prefix) })
        }
        // Sessions list: date_from optional like every other module's.
        let sessions = try endpoint("sessions", .sender, .get, "/sessions")
        let dateFrom = try #require(sessions.query.first { $0.name == "date_from" })
        #expect(dateFrom.required == false)
        #expect(dateFrom.annotations.note != nil)
        // RESERVED in the prose, RESERVATION in the enum.
        #expect(spec.enumeration(named: "SessionStatus")?.values.contains { $0.value == "RESERVATION" } == true)
        #expect(spec.enumeration(named: "SessionStatus")?.values.contains { $0.value == "RESERVED" } == false)
        // Displayed type versus link.
        #expect(try field("SignedData", "url").type == .string(maxLength: 512))
        #expect(try field("SignedData", "url").annotations.note != nil)
        #expect(try field("Image", "type").annotations.note != nil)
        // Sized integers become ranges.
        #expect(try field("Image", "width").constraints.maximum == 99999)
        #expect(try field("RegularHours", "weekday").constraints.minimum == 1)
        #expect(try field("RegularHours", "weekday").constraints.maximum == 7)
        // Missing slashes restored.
        #expect(try endpoint("tokens", .sender, .post, "/tokens/").path == "/tokens/{token_uid}/authorize")
        #expect(try endpoint("commands", .receiver, .post, "/commands").path == "/commands/{command}")
        #expect(try endpoint("chargingprofiles", .receiver, .get, "/chargingprofiles").path == "/chargingprofiles/{session_id}")
        // Errata after d2 applied (CdrLocation left at d2 lengths).
        #expect(try field("Location", "address").type == .string(maxLength: 255))
        #expect(try field("Location", "address").annotations.errata != nil)
        #expect(try field("CdrLocation", "address").type == .string(maxLength: 45))
        // versions is not a ModuleID.
        #expect(spec.enumeration(named: "ModuleID")?.values.contains { $0.value == "versions" } == false)
    }
}
