import Foundation
import OCPIGenerator
import OCPITestSupport
import Testing

/// A rules file of the repository, read and planned against its two releases (edited first,
/// for the tests of what the planner refuses).
struct RulesFile: Sendable {
    let path: String
    let from: String
    let to: String

    func text() throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    }

    func plan(_ text: String) throws -> Result<ConversionPlan, SpecErrors> {
        let rules = try ConversionLoader.load(path: path, text: text).get()
        return ConversionPlanner.plan(rules, from: try loadRepositorySpec(from), to: try loadRepositorySpec(to))
    }
}

/// Conversions between releases as data (`spec/conversions/`): every difference between two
/// releases has a rule, or the generator says where one is missing.
@Suite struct ConversionTests {
    static let rulesPath = "spec/conversions/2.2.1-2.1.1.yaml"
    static let file = RulesFile(path: rulesPath, from: "2.2.1", to: "2.1.1")

    func rulesText() throws -> String { try Self.file.text() }

    func plan(_ text: String) throws -> Result<ConversionPlan, SpecErrors> { try Self.file.plan(text) }

    func errors(_ text: String) throws -> [String] {
        switch try plan(text) {
        case .success: return []
        case .failure(let errors): return errors.diagnostics.map(\.description)
        }
    }

    @Test func theRepositorysLocationsConvertTo211() throws {
        let plan = try plan(try rulesText()).get()
        let names = plan.objects.map(\.name)
        for name in ["Location", "EVSE", "Connector", "GeoLocation", "RegularHours", "EnergyMix", "Image", "BusinessDetails"] {
            #expect(names.contains(name), "\(name) is converted")
        }
        let connector = try #require(plan.objects.first { $0.name == "Connector" })
        let voltage = try #require(connector.fields.first { $0.target.name == "voltage" })
        #expect(voltage.source?.name == "max_voltage")
        let standard = try #require(connector.fields.first { $0.target.name == "standard" })
        #expect(standard.rule == nil && standard.source?.name == "standard", "an unchanged field is copied without a rule")
        #expect(connector.dropped.map(\.field) == ["max_electric_power"])
        let location = try #require(plan.objects.first { $0.name == "Location" })
        #expect(Set(location.dropped.map(\.field)) == ["country_code", "party_id", "publish", "publish_allowed_to", "state"])
        let connectorTypes = try #require(plan.enums.first { $0.name == "ConnectorType" })
        #expect(connectorTypes.rules.contains { $0.value == "GBT_AC" && $0.action == .keep })
        #expect(plan.enums.first { $0.name == "PowerType" }?.rules.contains { $0.value == "AC_2_PHASE_SPLIT" && $0.action == .to("AC_1_PHASE") } == true)
    }

    /// What the issue asks of `ocpi-gen check`: a changed field without a rule is an error at
    /// the field's line, and the command fails.
    @Test func aMissingRuleFailsCheckWithTheFieldsLine() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-conversions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("conversions"), withIntermediateDirectories: true)
        for release in ["ocpi-2.2.1", "ocpi-2.1.1"] {
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("spec/" + release), to: folder.appendingPathComponent(release))
        }
        let withoutVoltage = try rulesText().replacingOccurrences(of: "    voltage: {from: max_voltage}\n", with: "")
        try withoutVoltage.write(to: folder.appendingPathComponent("conversions/2.2.1-2.1.1.yaml"), atomically: true, encoding: .utf8)

        guard let executable = BuiltExecutable.url("ocpi-gen") else { throw BuiltExecutable.NotBuilt(name: "ocpi-gen") }
        let outcome = try await BuiltExecutable.runProcess(executable, ["check", "ocpi-2.1.1"], directory: folder)
        #expect(outcome.status == 1)
        let voltageLine = try #require(
            String(contentsOf: folder.appendingPathComponent("ocpi-2.1.1/locations.yaml"), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("name: voltage") }
        ) + 1
        #expect(outcome.error.contains("ocpi-2.1.1/locations.yaml:\(voltageLine): error: Connector.voltage is required in 2.1.1"), "\(outcome.error)")
        #expect(outcome.error.contains("ocpi-2.2.1/locations.yaml:"), "max_voltage, now used by no rule, must be dropped: \(outcome.error)")
        #expect(outcome.error.contains("2 errors in the conversions of 2.1.1"), "\(outcome.error)")
    }

    /// `convert --check`: the committed conversion is what the rules generate, and an edited or
    /// missing file is named.
    @Test func convertWritesAndChecksTheGeneratedFile() async throws {
        guard let executable = BuiltExecutable.url("ocpi-gen") else { throw BuiltExecutable.NotBuilt(name: "ocpi-gen") }
        let run = { (arguments: [String]) in try await BuiltExecutable.runProcess(executable, arguments, directory: repositoryRoot) }
        #expect(try await run(["convert", Self.rulesPath, "--output", "Sources/OCPIConversions", "--check"]).status == 0)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let missing = try await run(["convert", Self.rulesPath, "--output", output.path, "--check"])
        #expect(missing.status == 1 && missing.error.contains("Conversion221To211.swift: error: missing"), "\(missing.error)")
        #expect(try await run(["convert", Self.rulesPath, "--output", output.path]).status == 0)
        #expect(try await run(["convert", Self.rulesPath, "--output", output.path, "--check"]).status == 0)
        let file = output.appendingPathComponent("Conversion221To211.swift")
        try (String(contentsOf: file, encoding: .utf8) + "// edited\n").write(to: file, atomically: true, encoding: .utf8)
        let changed = try await run(["convert", Self.rulesPath, "--output", output.path, "--check"])
        #expect(changed.status == 1 && changed.error.contains("error: changed"), "\(changed.error)")
    }

    /// `given`: the session's location is a parameter of its convert, the fields that lead to it
    /// are read (not dropped), and the Swift takes it as it is.
    @Test func aGivenFieldIsAParameterOfItsRootsConvert() throws {
        let plan = try plan(try rulesText()).get()
        let session = try #require(plan.objects.first { $0.name == "Session" })
        let location = try #require(session.fields.first { $0.target.name == "location" })
        guard case .given(let source, let reads)? = location.rule?.action else {
            Issue.record("Session.location is not given: \(String(describing: location.rule))")
            return
        }
        #expect(source.contains("stored location"))
        #expect(reads == ["location_id", "evse_uid", "connector_id"])
        #expect(!session.dropped.contains { ["location_id", "evse_uid", "connector_id"].contains($0.field) }, "read, not dropped")

        let swift = SwiftConversionRenderer(plan: plan, source: try loadRepositorySpec("2.2.1"), target: try loadRepositorySpec("2.1.1"), rulesPath: Self.rulesPath).file.contents
        #expect(swift.contains("public func convert(_ value: OCPI221.Session, location: OCPI211.Location) -> OCPI211.Session {"))
        #expect(swift.contains("            location: location,\n"))
        #expect(swift.contains("- Parameter location: given by the caller: the stored location"))
        // A root that another converted object holds cannot be given anything: the generated
        // call inside that object would have nothing to pass.
        let held = try rulesText()
            .replacingOccurrences(of: "roots: [Location, Tariff, Token, Session, LocationReferences]", with: "roots: [Location, Tariff, Token, Session, LocationReferences, GeoLocation]")
            .replacingOccurrences(of: "  GeoLocation:\n    latitude: {decimals: 6,", with: "  GeoLocation:\n    latitude: {given: the caller,")
        let errors = try errors(held)
        #expect(errors.contains { $0.contains("GeoLocation.latitude cannot be given: GeoLocation is also held by a field") }, "\(errors)")
    }

    /// The other direction: what 2.2.1 requires of a token and 2.1.1 lacks (its owner) is given,
    /// and without that rule `check` names the field.
    @Test func a211TokenConvertsTo221WithItsOwnerGiven() throws {
        let path = "spec/conversions/2.1.1-2.2.1.yaml"
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        let plan = { (text: String) throws -> Result<ConversionPlan, SpecErrors> in
            ConversionPlanner.plan(try ConversionLoader.load(path: path, text: text).get(), from: try loadRepositorySpec("2.1.1"), to: try loadRepositorySpec("2.2.1"))
        }
        let token = try #require(try plan(text).get().objects.first { $0.name == "Token" })
        #expect(token.fields.filter { if case .given? = $0.rule?.action { true } else { false } }.map(\.target.name) == ["country_code", "party_id"])
        #expect(token.fields.first { $0.target.name == "contract_id" }?.source?.name == "auth_id")
        #expect(token.fields.first { $0.target.name == "group_id" }.map { $0.source == nil && $0.rule == nil } == true, "left absent")

        let start = try #require(text.range(of: "    party_id:\n"))
        let end = try #require(text.range(of: "    contract_id:"))
        guard case .failure(let errors) = try plan(text.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: "")) else {
            Issue.record("planned without a rule for party_id")
            return
        }
        #expect(errors.diagnostics.contains { $0.message.contains("Token.party_id is required in 2.2.1 and 2.1.1 has no such field") }, "\(errors)")
    }

    @Test(arguments: [
        // A value the target lacks, without a rule: at the value's line in the source spec.
        ("    PED_TERMINAL: {omit: true, reason: 2.1.1 cannot name ways to pay at the charger.}\n", "", "Capability.PED_TERMINAL is no value of 2.1.1"),
        // A single value cannot be left out.
        ("    AC_2_PHASE:\n      to: AC_1_PHASE\n", "    AC_2_PHASE:\n      omit: true\n", "PowerType.AC_2_PHASE cannot be left out"),
        // A value to map to must exist.
        ("to: AC_1_PHASE\n      reason: Split", "to: AC_4_PHASE\n      reason: Split", "'AC_4_PHASE' is no value of PowerType in 2.1.1"),
        // A rule for a field neither release has.
        ("  EnvironmentalImpact:\n", "  EnvironmentalImpact:\n    colour: {default: green, reason: none}\n", "EnvironmentalImpact has no field 'colour' in either release"),
        // A source field to read from must exist.
        ("{from: max_voltage}", "{from: max_volts}", "Connector of 2.2.1 has no field 'max_volts'"),
        // Rules for an object no root holds.
        ("enums:\n", "  Credentials:\n    token: {as_is: true, reason: x}\nenums:\n", "Credentials is not converted (no root holds it)"),
        // Only a root's convert has a caller to give a value.
        ("    source: {from: category}\n", "    source: {given: the caller, reason: x}\n", "EnvironmentalImpact.source cannot be given: only a root object's convert has a caller"),
        // Drop is for source fields only.
        ("    state: {drop: 2.1.1 has no state or province.}\n", "    state: {drop: 2.1.1 has no state or province.}\n    city: {drop: no}\n", "Location.city is a field of 2.1.1: drop is for source fields it lacks"),
    ])
    func aRuleThatDoesNotFitIsRefused(_ original: String, _ replacement: String, _ expected: String) throws {
        try expectRefused(original, replacement, expected)
    }

    /// `map` (Location.type from parking_type): every value must land on a target value.
    @Test(arguments: [
        ("values: {ALONG_MOTORWAY: OTHER, ON_DRIVEWAY: OTHER}", "values: {ALONG_MOTORWAY: BESIDE_ROAD, ON_DRIVEWAY: OTHER}", "'BESIDE_ROAD' is not a value of LocationType in 2.1.1"),
        ("values: {ALONG_MOTORWAY: OTHER, ON_DRIVEWAY: OTHER}", "values: {ALONG_MOTORWAY: OTHER, ON_ROOF: OTHER}", "'ON_ROOF' is not a value of ParkingType in 2.2.1"),
        ("      otherwise: UNKNOWN\n", "", "type is required and Location.parking_type may be missing: say 'otherwise'"),
        ("values: {ALONG_MOTORWAY: OTHER, ON_DRIVEWAY: OTHER}\n      otherwise: UNKNOWN", "values: {ALONG_MOTORWAY: OTHER}", "ON_DRIVEWAY of ParkingType is no value of LocationType: map it or say 'otherwise'"),
        ("map: parking_type", "map: name", "map is for one enum value made of one enum value"),
    ])
    func aMapThatLeavesAValueWithoutAPlaceIsRefused(_ original: String, _ replacement: String, _ expected: String) throws {
        try expectRefused(original, replacement, expected)
    }

    func expectRefused(_ original: String, _ replacement: String, _ expected: String) throws {
        let text = try rulesText()
        #expect(text.contains(original), "the fixture still has: \(original)")
        let errors = try errors(text.replacingOccurrences(of: original, with: replacement))
        #expect(errors.contains { $0.contains(expected) }, "\(errors)")
    }

    @Test(arguments: [
        ("{from: max_voltage}", "{from: max_voltage, truncate: true}", "must say one of drop, refuse, from, map, default, truncate, decimals, derive, given or as_is"),
        ("{from: max_voltage}", "{from: max_voltage, reads: [max_voltage]}", "'reads' goes with derive or given only"),
        ("      given: the stored location the session names, converted to 2.1.1 and narrowed to the session's EVSE and connector\n", "      given: [stored, location]\n", "'given' must be a single value"),
        ("truncate: true\n      reason: 2.1.1 allows", "truncate: true\n      colour: red\n      reason: 2.1.1 allows", "unknown key 'colour'"),
        ("{from: category}", "{default: x}", "needs a 'reason'"),
        ("      reads: [cdr_token]\n", "      reads: [cdr_token]\n      from: cdr_token\n", "must say one of"),
        ("{omit: true, reason: 2.1.1 has no token groups.}", "{reason: 2.1.1 has no token groups.}", "must say one of 'to', 'omit', 'keep' or 'refuse'"),
        ("      values: {ALONG_MOTORWAY: OTHER, ON_DRIVEWAY: OTHER}\n      otherwise: UNKNOWN\n", "", "a map without 'values' or 'otherwise' is a from"),
        ("      otherwise: UNKNOWN\n", "      otherwise: UNKNOWN\n      truncate: true\n", "must say one of"),
    ])
    func aMalformedRuleIsReportedAtItsLine(_ original: String, _ replacement: String, _ expected: String) throws {
        let text = try rulesText()
        #expect(text.contains(original), "the fixture still has: \(original)")
        guard case .failure(let errors) = ConversionLoader.load(path: Self.rulesPath, text: text.replacingOccurrences(of: original, with: replacement)) else {
            Issue.record("accepted: \(replacement)")
            return
        }
        #expect(errors.diagnostics.contains { $0.message.contains(expected) && $0.location.file == Self.rulesPath && $0.location.line > 1 }, "\(errors)")
    }
}

/// `refuse` and `patches` (spec/conversions/2.3.0-2.2.1.yaml): what a 2.2.1 store cannot keep of
/// a 2.3.0 object is named, at its pointer, by a generated `refusals`; PATCH bodies convert
/// field by field.
@Suite struct RefusalRuleTests {
    static let rulesPath = "spec/conversions/2.3.0-2.2.1.yaml"
    static let file = RulesFile(path: rulesPath, from: "2.3.0", to: "2.2.1")

    func rulesText() throws -> String { try Self.file.text() }

    func plan(_ text: String) throws -> Result<ConversionPlan, SpecErrors> { try Self.file.plan(text) }

    @Test func theRepositorysRulesPlanAndGenerateRefusalsAndPatches() throws {
        let plan = try plan(try rulesText()).get()
        #expect(plan.patches == ["Location", "EVSE", "Connector", "Session"])
        let tariff = try #require(plan.objects.first { $0.name == "Tariff" })
        let taxIncluded = try #require(tariff.dropped.first { $0.field == "tax_included" })
        guard case .refuse(_, let values) = taxIncluded.action else {
            Issue.record("tax_included is refused, not \(taxIncluded.actionName)")
            return
        }
        #expect(values == ["YES"], "only YES is refused; NO and N/A are dropped")
        let swift = SwiftConversionRenderer(plan: plan, source: try loadRepositorySpec("2.3.0"), target: try loadRepositorySpec("2.2.1"), rulesPath: Self.rulesPath).file.contents
        for declaration in [
            "public func refusals(_ value: OCPI230.Location, at path: JSONPath = JSONPath()) -> [Violation] {",
            "public func refusals(_ value: OCPI230.EVSEPatch, at path: JSONPath = JSONPath()) -> [Violation] {",
            "public func convert(_ value: OCPI230.ConnectorPatch) -> OCPI221.ConnectorPatch {",
            "static func refusal(_ value: OCPI230.ParkingRestriction) -> String? {",
            #"if ["YES"].contains(value.taxIncluded.rawValue) {"#,
            #"found += refusals(item, at: path.appending(.key("evses")).appending(.index(index)))"#,
        ] {
            #expect(swift.contains(declaration), "generated: \(declaration)")
        }
        // EMAID is refused by its value rule: wherever a token's kind is held (a token, a
        // command's token, a session's or CDR's cdr_token, a location's publish_allowed_to).
        for declaration in [
            "public func refusals(_ value: OCPI230.Token, at path: JSONPath = JSONPath()) -> [Violation] {",
            "public func refusals(_ value: OCPI230.StartSession, at path: JSONPath = JSONPath()) -> [Violation] {",
            "public func refusals(_ value: OCPI230.CdrToken, at path: JSONPath = JSONPath()) -> [Violation] {",
            #"found += refusals(value.cdrToken, at: path.appending(.key("cdr_token")))"#,
            #"found += refusals(item, at: path.appending(.key("publish_allowed_to")).appending(.index(index)))"#,
            #"case "EMAID": return "is 'EMAID', a kind of token this CPO cannot keep"#,
        ] {
            #expect(swift.contains(declaration), "generated: \(declaration)")
        }
    }

    @Test(arguments: [
        // A field the target has cannot be refused: it converts.
        ("  Location:\n", "  Location:\n    name: {refuse: no, reason: x}\n", "Location.name is a field of 2.2.1: refuse is for source fields it lacks"),
        // Refused values must be values of the field's enum, and the field must hold one value.
        (#"values: ["YES"]"#, #"values: ["MAYBE"]"#, "'MAYBE' is not a value of TaxIncluded in 2.3.0"),
        ("    help_phone:\n      refuse:", "    help_phone:\n      values: [X]\n      refuse:", "'values' is for a field holding one enum value"),
        // A field every tariff holds, refused whatever its value, would refuse every tariff.
        ("      values: [\"YES\"]\n", "", "tax_included is always present: refusing it refuses every object"),
        // PATCH bodies convert field by field: no derived or defaulted field, and only objects sent by PATCH.
        ("patches: [Location, EVSE, Connector, Session]", "patches: [Location, EVSE, Connector, Session, Tariff]", "Tariff is never sent by PATCH in 2.3.0"),
    ])
    func aRefusalRuleThatDoesNotFitIsRefused(_ original: String, _ replacement: String, _ expected: String) throws {
        let text = try rulesText()
        #expect(text.contains(original), "the rules still have: \(original)")
        guard case .failure(let errors) = try plan(text.replacingOccurrences(of: original, with: replacement)) else {
            Issue.record("planned: \(replacement)")
            return
        }
        #expect(errors.diagnostics.contains { $0.message.contains(expected) }, "\(errors)")
    }

    @Test func aPatchRootWithADerivedFieldIsRefused() throws {
        let text = try rulesText().replacingOccurrences(
            of: "  Connector:\n    capabilities:",
            with: "  Connector:\n    max_voltage: {derive: voltage, reads: [max_voltage], reason: x}\n    capabilities:"
        )
        guard case .failure(let errors) = try plan(text) else {
            Issue.record("planned a derived field of a PATCH root")
            return
        }
        #expect(errors.diagnostics.contains { $0.message.contains("Connector.max_voltage: a PATCH body holds only some fields") }, "\(errors)")
    }

    @Test func valuesGoWithRefuseOnly() throws {
        let text = try rulesText().replacingOccurrences(of: "    min_price:\n      derive: minPrice\n", with: "    min_price:\n      derive: minPrice\n      values: [X]\n")
        guard case .failure(let errors) = ConversionLoader.load(path: Self.rulesPath, text: text) else {
            Issue.record("accepted values on a derive rule")
            return
        }
        #expect(errors.diagnostics.contains { $0.message.contains("'values' goes with refuse or map only") }, "\(errors)")
    }
}
