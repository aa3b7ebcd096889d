import OCPIGenerator
import Testing

/// The committed description of OCPI 2.3.0: edition 2 of the core and the Payments 1 package on
/// top of it. Its size matches what was counted in the tables of the official text
/// (`2.3.0-ed2/`, and `2.3.0-ed2-payments/` for the package), module by module.
@Suite struct Release230SpecTests {
    let spec: Spec

    init() throws {
        spec = try loadRepositorySpec("2.3.0")
    }

    /// The core alone: its files, and the fields its own files declare.
    var coreObjects: [ObjectDefinition] { spec.files.filter { $0.package == nil }.flatMap(\.objects) }
    var coreEnums: [EnumDefinition] { spec.files.filter { $0.package == nil }.flatMap(\.enums) }

    @Test func isEdition2WithThePaymentsPackage() throws {
        #expect(spec.version == "2.3.0")
        #expect(spec.edition == "ed2")
        #expect(spec.patchRequiredFields == ["last_updated"])
        #expect(spec.tokenEncoding == .base64)
        let payments = try #require(spec.packages.first)
        #expect(spec.packages.map(\.name) == ["payments"])
        #expect(payments.version == "1")
        #expect(payments.label == "Payments 1")
        #expect(payments.folder == "packages/payments")
        #expect(spec.files.filter { $0.package == "payments" }.map(\.name) == ["packages/payments/payments.yaml"])
        #expect(payments.extensions.map(\.extends) == ["tariffs"])
    }

    @Test func theCoreHasEveryObjectFieldEnumValueAndEndpoint() {
        let core = spec.files.filter { $0.package == nil }
        #expect(core.filter { $0.module != nil }.count == 11)
        #expect(coreObjects.count == 61)
        #expect(coreObjects.reduce(0) { $0 + $1.fields.filter { $0.package == nil }.count } == 342)
        #expect(coreEnums.count == 39)
        #expect(coreEnums.reduce(0) { $0 + $1.values.count } == 259)
        #expect(core.reduce(0) { $0 + $1.endpoints.count } == 43)
        #expect(spec.statusCodes.map(\.code) == [1000, 2000, 2001, 2002, 2003, 2004, 3000, 3001, 3002, 3003, 4000, 4001, 4002, 4003])
        #expect(spec.statusRanges.map { [$0.from, $0.to] } == [[1900, 1999], [2900, 2999], [3900, 3999], [4900, 4999]])
        #expect(spec.headers.count == 11)
    }

    /// The brief counted the package at 24 fields "with preauthorize_amount"; its tables hold 24
    /// fields in its two objects (Terminal 16, FinancialAdviceConfirmation 8), and
    /// `preauthorize_amount` is one more, added to the core's Tariff: 25.
    @Test func thePaymentsPackageAddsItsModuleAndOneTariffField() throws {
        let payments = try #require(spec.modules.first { $0.module == "payments" })
        #expect(payments.package == "payments")
        #expect(payments.objects.map(\.name) == ["Terminal", "FinancialAdviceConfirmation"])
        #expect(payments.objects.map(\.fields.count) == [16, 8])
        #expect(payments.enums.count == 2)
        #expect(payments.enums.reduce(0) { $0 + $1.values.count } == 5)
        #expect(payments.endpoints.count == 12)
        let added = spec.objects.flatMap(\.fields).filter { $0.package == "payments" }
        #expect(added.map(\.name) == ["preauthorize_amount"])
        let tariff = try #require(spec.object(named: "Tariff"))
        let index = try #require(tariff.fields.firstIndex { $0.name == "preauthorize_amount" })
        #expect(tariff.fields[index - 1].name == "max_price")
        #expect(tariff.fields[index].type == .number)
        #expect(tariff.fields[index].cardinality == .optional)
        // Core and package together.
        #expect(spec.modules.count == 12)
        #expect(spec.objects.count == 63)
        #expect(spec.objects.reduce(0) { $0 + $1.fields.count } == 367)
        #expect(spec.enums.count == 41)
        #expect(spec.enums.reduce(0) { $0 + $1.values.count } == 264)
        #expect(spec.endpoints.count == 55)
    }

    @Test(arguments: [
        // module, objects, enums, endpoints (counted in each chapter's tables)
        ("versions", 3, 3, 2), ("credentials", 2, 0, 4), ("locations", 17, 15, 5), ("sessions", 2, 3, 5),
        ("cdrs", 7, 2, 3), ("tariffs", 5, 5, 4), ("tokens", 4, 3, 5), ("commands", 7, 3, 2),
        ("chargingprofiles", 8, 3, 5), ("hubclientinfo", 1, 1, 3), ("invoicereconciliation", 1, 0, 5),
        ("payments", 2, 2, 12),
    ])
    func everyModuleIsComplete(module: String, objects: Int, enums: Int, endpoints: Int) throws {
        let file = try #require(spec.modules.first { $0.module == module })
        #expect(file.objects.count == objects)
        #expect(file.enums.count == enums)
        #expect(file.endpoints.count == endpoints)
    }

    /// Exactly the enums the text heads `OpenEnum`.
    @Test func theOpenEnumsAreThoseOfTheText() {
        #expect(Set(spec.enums.filter(\.isOpen).map(\.name)) == [
            "ModuleID", "VersionNumber", "Capability", "ConnectorCapability", "ConnectorType", "EnvironmentalImpactCategory",
            "Facility", "ImageCategory", "ParkingRestriction", "ParkingType", "VehicleType", "TokenType", "CommandType",
        ])
        #expect(spec.enumeration(named: "PowerType")?.isOpen == false)
        #expect(spec.enumeration(named: "Role")?.isOpen == false)
    }
}
