import Foundation
import OCPI221
import OCPIRuntime
import Testing

/// Every validation rule both ways: the `invalid/` fixtures break exactly the rules they list,
/// and targeted changes to a valid Location break exactly one rule each.
@Suite struct ValidationRuleTests {
    @Test(arguments: Fixtures.files("invalid"))
    func invalidFixtureBreaksExactlyItsRules(_ url: URL) throws {
        let fixture = try JSONDecoder().decode(InvalidFixture.self, from: Data(contentsOf: url))
        let types = fixture.patch ? OCPITypes.patches : OCPITypes.models
        let type = try #require(types[fixture.type], "unknown type \(fixture.type)")
        let report = try DocumentValidation.validate(fixture.value.jsonBytes(), as: type, envelope: OCPIResponse.self)
        #expect(Set(report.violations.map(\.pointer)) == Set(fixture.violations), "\(report.violations)")
        #expect(report.violations.count == fixture.violations.count, "\(report.violations)")
    }

    /// (JSON pointer in the Location fixture, a value that breaks the rule, the expected message).
    static let breaks: [(String, JSONValue, String)] = [
        ("/country_code", .string("NLD"), "must be exactly 2 characters long (is 3)"),
        ("/party_id", .string("A"), "must be exactly 3 characters long (is 1)"),
        ("/id", .string(String(repeating: "x", count: 37)), "must be at most 36 characters long (is 37)"),
        ("/id", .string("Zürich"), "must contain printable ASCII characters only"),
        ("/name", .string("two\nlines"), "must not contain control characters"),
        ("/coordinates/latitude", .string("52.3"), "must match the pattern"),
        ("/evses/0/status", .string("BROKEN"), "'BROKEN' is not a value of Status"),
        ("/evses/0/connectors", .array([]), "must have at least one element"),
        ("/evses/0/connectors/0/max_voltage", .string("high"), "expected an integer, found a string"),
        ("/evses/0/connectors/0/max_amperage", .number(12.5), "expected an integer, found 12.5"),
        ("/last_updated", .string("yesterday"), "'yesterday' is not a DateTime"),
        ("/last_updated", .string("2024-03-01T12:00:00+02:00"), "must be in UTC"),
        ("/publish", .string("yes"), "expected true or false, found a string"),
        ("/evses", .object([]), "expected a list, found an object"),
        ("/coordinates", .string("here"), "expected an object (GeoLocation), found a string"),
        ("/opening_times/regular_hours/0/weekday", .number(8), "must be at most 7 (is 8)"),
        ("/opening_times/regular_hours/0/weekday", .number(0), "must be at least 1 (is 0)"),
        ("/opening_times/regular_hours/0/period_begin", .string("25:00"), "must match the pattern"),
    ]

    @Test(arguments: 0..<breaks.count)
    func eachRuleBrokenAlone(_ index: Int) throws {
        let (pointer, bad, message) = Self.breaks[index]
        let valid = try #require(try JSONValue.decodeJSON(Fixtures.data("valid/Location.json")).value)
        #expect(try Location.decodeAndValidate(valid.jsonBytes()).violations == [], "the fixture itself must be valid")
        let broken = try #require(valid.replacing(pointer, with: bad), "no \(pointer) in the fixture")
        let violations = try Location.decodeAndValidate(broken.jsonBytes()).violations
        #expect(violations.count == 1, "\(violations)")
        #expect(violations.first?.pointer == pointer)
        #expect(violations.first?.message.contains(message) == true, "\(violations)")
    }

    @Test func missingRequiredFieldsAreReportedAllAtOnce() throws {
        let violations = try Connector.decodeAndValidate(Data(#"{"id": "1", "standard": "NOPE"}"#.utf8)).violations
        #expect(violations.map(\.description) == [
            "/format: is required but missing",
            "/power_type: is required but missing",
            "/max_voltage: is required but missing",
            "/max_amperage: is required but missing",
            "/last_updated: is required but missing",
            "/standard: 'NOPE' is not a value of ConnectorType",
        ])
    }

    @Test func aPatchNeedsOnlyLastUpdated() throws {
        #expect(try EVSEPatch.decodeAndValidate(Data(#"{"status": "CHARGING", "last_updated": "2024-03-01T12:00:00Z"}"#.utf8)).violations == [])
        #expect(try EVSEPatch.decodeAndValidate(Data(#"{"status": "CHARGING"}"#.utf8)).violations.map(\.description) == [
            "/last_updated: is required but missing",
        ])
    }

    @Test func applyingAPatchChangesOnlyItsFields() throws {
        let evse = try #require(try EVSE.decodeJSON(Fixtures.data("valid/EVSE.json")).value)
        let patch = EVSEPatch(status: .outoforder, lastUpdated: try #require(OCPIDateTime("2030-01-01T00:00:00Z")))
        let patched = evse.applying(patch)
        #expect(patched.status == .outoforder)
        #expect(patched.lastUpdated == patch.lastUpdated)
        #expect(patched.connectors == evse.connectors)
        #expect(patched.uid == evse.uid)
    }

    @Test func unknownEnumValuesAreKeptNotRefused() throws {
        let status = try #require(try Status.decodeJSON(Data(#""SOLAR_POWERED""#.utf8)).value)
        #expect(status == .unrecognized("SOLAR_POWERED"))
        #expect(status.rawValue == "SOLAR_POWERED")
        #expect(String(decoding: status.jsonBytes(), as: UTF8.self) == #""SOLAR_POWERED""#)
        #expect(Status(rawValue: "OUTOFORDER") == .outoforder)
        #expect(ConnectorType(rawValue: "IEC_62196_T2") == .iec62196T2)
        #expect(VersionNumber(rawValue: "2.2.1") == .v2_2_1)
    }

    /// Decoding matches an enum's bytes as they stand in the document, escapes undone first;
    /// it finds what `init(rawValue:)` finds for every value of every enum of the release.
    @Test func enumValuesAreMatchedFromTheirBytes() throws {
        #expect(try Status.decodeJSON(Data(#""OUT\u004FFORDER""#.utf8)).value == .outoforder, "an escape is undone before matching")
        #expect(try ConnectorType.decodeJSON(Data(#""IEC_62196_T2""#.utf8)).value == .iec62196T2)
        #expect(try Status.decodeJSON(Data(#""Available""#.utf8)).value == .unrecognized("Available"), "values are case-sensitive")
        #expect(try Status.decodeJSON(Data(#""ÉTAT""#.utf8)).value == .unrecognized("ÉTAT"))
        let wrongKind = try Status.decodeJSON(Data("42".utf8))
        #expect(wrongKind.value == nil && wrongKind.violations.first?.message == "expected a string, found a number")
        func agrees<E: OCPIEnumeration>(_: E.Type) -> Bool {
            E.knownValues.allSatisfy { value in
                var raw = value.rawValue
                return raw.withUTF8 { E(utf8: $0) } == value && raw.withUTF8 { E(utf8: UnsafeBufferPointer(rebasing: $0.dropLast())) } == E(rawValue: String(raw.dropLast()))
            }
        }
        #expect(agrees(Status.self) && agrees(ConnectorType.self) && agrees(Capability.self) && agrees(ParkingType.self) && agrees(TariffDimensionType.self))
    }
}

extension JSONValue {
    /// The document with the value at `pointer` replaced (or added to an object); `nil` when the
    /// pointer's parent does not exist.
    func replacing(_ pointer: String, with replacement: JSONValue) -> JSONValue? {
        var tokens = pointer.split(separator: "/").map(String.init)[...]
        return replacing(&tokens, with: replacement)
    }

    private func replacing(_ tokens: inout ArraySlice<String>, with replacement: JSONValue) -> JSONValue? {
        guard let token = tokens.popFirst() else { return replacement }
        switch self {
        case .object(var members):
            if let index = members.firstIndex(where: { $0.key == token }) {
                guard let value = members[index].value.replacing(&tokens, with: replacement) else { return nil }
                members[index].value = value
            } else {
                guard tokens.isEmpty else { return nil }
                members.append(Member(key: token, value: replacement))
            }
            return .object(members)
        case .array(var elements):
            guard let index = Int(token), elements.indices.contains(index),
                let value = elements[index].replacing(&tokens, with: replacement)
            else { return nil }
            elements[index] = value
            return .array(elements)
        default:
            return nil
        }
    }
}
