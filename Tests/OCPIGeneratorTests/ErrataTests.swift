import Foundation
import OCPIGenerator
import Testing

/// The fixes made to OCPI 2.2.1 after its d2 text (`ERRATA-after-d2.diff`): `spec/ocpi-2.2.1`
/// applies those that change a fact, and only those. The spec as it was before them is kept in
/// `Fixtures/ocpi-2.2.1-d2`; the diff between the two is pinned here, change by change.
@Suite struct ErrataTests {
    typealias C = SpecChange.Compatibility

    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ocpi-2.2.1-d2")

    func loadFixture() throws -> Spec {
        try SpecChecker.loadAndCheck(SpecSource.read(directory: Self.fixture.path)).get()
    }

    /// One expected change, in the form `ocpi-gen diff` prints it.
    struct Expected: Equatable, CustomStringConvertible {
        var module: String
        var line: String
        var description: String { "\(module): \(line)" }
    }

    @Test func diffFromD2IsExactlyTheErrata() throws {
        let diff = SpecDiffer().diff(old: try loadFixture(), new: try loadRepositorySpec())
        let actual = diff.changes.map { Expected(module: $0.module, line: $0.description) }
        // Longer maximum lengths: what a new sender writes may be too long for a d2 receiver;
        // everything a d2 sender writes is still valid.
        // And one decision of ours, not an erratum (the note on VersionNumber in versions.yaml):
        // the enum is open, as 2.3.0 made it, since a versions list names later releases.
        let expected = [
            Expected(module: "versions", line: "changed enum VersionNumber (open false -> true): sender breaking, receiver compatible"),
            Expected(module: "locations", line: "changed field Location.address (length string(45) -> string(255)): sender breaking, receiver compatible"),
            Expected(module: "locations", line: "changed field Location.state (length string(20) -> string(45)): sender breaking, receiver compatible"),
            Expected(module: "cdrs", line: "changed field SignedValue.plain_data (length string(512) -> string(5000)): sender breaking, receiver compatible"),
        ]
        #expect(actual == expected)
        for change in diff.changes where change.item != "VersionNumber" {
            #expect(change.kind == .changed)
            #expect(change.subject == .field)
            #expect(change.aspect == "length")
            #expect(change.sender == .breaking, "\(change.reason)")
            #expect(change.receiver == .compatible, "\(change.reason)")
        }
    }

    @Test func everyAppliedErratumIsNotedOnItsField() throws {
        let spec = try loadRepositorySpec()
        func field(_ object: String, _ name: String) throws -> FieldDefinition {
            try #require(spec.object(named: object)?.fields.first { $0.name == name }, "\(object).\(name)")
        }
        for (object, name, length) in [("Location", "address", 255), ("Location", "state", 45), ("SignedValue", "plain_data", 5000)] {
            let applied = try field(object, name)
            #expect(applied.type == .string(maxLength: length), "\(object).\(name)")
            #expect(applied.annotations.errata?.isEmpty == false, "\(object).\(name) has no errata note")
        }
        // The CDR's copy of the location was left alone by the fix; it says so in a note.
        for (name, length) in [("address", 45), ("state", 20)] {
            let kept = try field("CdrLocation", name)
            #expect(kept.type == .string(maxLength: length), "CdrLocation.\(name)")
            #expect(kept.annotations.note?.isEmpty == false, "CdrLocation.\(name) has no note")
        }
    }

    @Test func textOnlyErrataAreNotedWhereAnItemCarriesThem() throws {
        let spec = try loadRepositorySpec()
        func value(_ enumeration: String, _ value: String) -> EnumValueDefinition? {
            spec.enumeration(named: enumeration)?.values.first { $0.value == value }
        }
        let fields = [("CdrLocation", "evse_id"), ("CdrToken", "contract_id"), ("EVSE", "evse_id"), ("PriceComponent", "step_size")]
        for (object, name) in fields {
            let field = spec.object(named: object)?.fields.first { $0.name == name }
            #expect(field?.annotations.errata?.isEmpty == false, "\(object).\(name)")
        }
        let values = [("CdrDimensionType", "PARKING_TIME"), ("CdrDimensionType", "RESERVATION_TIME"), ("CdrDimensionType", "TIME"), ("ChargingRateUnit", "W")]
        for (enumeration, name) in values {
            #expect(value(enumeration, name)?.annotations.errata?.isEmpty == false, "\(enumeration).\(name)")
        }
        #expect(spec.object(named: "PriceComponent")?.annotations.errata?.isEmpty == false, "the corrected tariff example")
        #expect(spec.headers.contains { $0.annotations.errata?.isEmpty == false }, "the 401 wording of the status-code chapter")
    }

    @Test func errataChangeNoCounts() throws {
        let old = try loadFixture()
        let new = try loadRepositorySpec()
        #expect(new.objects.count == old.objects.count)
        #expect(new.objects.map(\.fields.count) == old.objects.map(\.fields.count))
        #expect(new.enums.map(\.values.count) == old.enums.map(\.values.count))
        #expect(new.endpoints.count == old.endpoints.count)
        // The README's numbers.
        #expect(new.objects.count == 56)
        #expect(new.objects.reduce(0) { $0 + $1.fields.count } == 300)
        #expect(new.enums.count == 34)
        #expect(new.enums.reduce(0) { $0 + $1.values.count } == 233)
        #expect(new.endpoints.count == 38)
    }

    @Test func fixtureIsTheD2Release() throws {
        let old = try loadFixture()
        #expect(old.version == "2.2.1")
        #expect(old.edition == "d2")
        let address = old.object(named: "Location")?.fields.first { $0.name == "address" }
        #expect(address?.type == .string(maxLength: 45))
    }
}
