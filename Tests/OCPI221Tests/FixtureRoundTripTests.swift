import Foundation
import OCPI221
import OCPIRuntime
import OCPITestSupport
import Testing
import Yams

/// Every OCPI 2.2.1 object decodes, validates and re-encodes exactly.
@Suite struct FixtureRoundTripTests {
    @Test func thereIsAFixtureForEveryObjectType() {
        let fixtures = Set(Fixtures.files("valid").map(Fixtures.typeName))
        #expect(Set(OCPITypes.models.keys).subtracting(fixtures) == [])
        #expect(OCPITypes.models.count == 56)
    }

    @Test(arguments: Fixtures.files("valid"))
    func validFixtureDecodesValidatesAndRoundTrips(_ url: URL) throws {
        let type = try #require(OCPITypes.models[Fixtures.typeName(url)])
        try expectRoundTrip(type, Data(contentsOf: url))
    }

    @Test(arguments: Fixtures.files("patch"))
    func patchFixtureDecodesValidatesAndRoundTrips(_ url: URL) throws {
        let type = try #require(OCPITypes.patches[Fixtures.typeName(url)])
        try expectRoundTrip(type, Data(contentsOf: url))
    }

    @Test func listsAndEnvelopesDecode() throws {
        for (file, count) in [("valid/lists/Locations.json", 3), ("valid/lists/Tariffs.json", 2), ("valid/lists/CDRs.json", 2)] {
            let data = try Fixtures.data(file)
            let type = try #require(OCPITypes.models[file.contains("Location") ? "Location" : file.contains("Tariff") ? "Tariff" : "CDR"])
            let report = try DocumentValidation.validate(data, as: type, envelope: OCPIResponse.self)
            #expect(report.shape == .list)
            #expect(report.violations == [])
            #expect(try JSONValue.decodeJSON(data).value.flatMap { if case .array(let items) = $0 { items.count } else { nil } } == count)
        }
        let page = try DocumentValidation.validate(try Fixtures.data("valid/envelopes/LocationsPage.json"), as: Location.self, envelope: OCPIResponse.self)
        #expect(page.shape == .envelope(data: .list))
        #expect(page.violations == [])
    }

    @Test func numbersStayExactThroughEveryCoder() throws {
        let json = #"{"excl_vat": 0.1, "incl_vat": 12.3456}"#
        let price = try #require(try Price.decodeJSON(Data(json.utf8)).value)
        #expect(price.exclVAT == Decimal(string: "0.1"))
        #expect(String(decoding: price.jsonBytes(), as: UTF8.self) == #"{"excl_vat":0.1,"incl_vat":12.3456}"#)
        #if FoundationCodable
        #expect(String(decoding: try JSONEncoder().encode(price), as: UTF8.self).contains("0.1"))
        #endif
    }

    /// Every optional field of every type is present in at least one fixture: the fixtures are
    /// walked along the schemas of the OpenAPI document, collecting (type, field) pairs.
    @Test func everyFieldOfEveryTypeAppearsInSomeFixture() throws {
        let document = try #require(OCPIRelease.openAPIDocument)
        let openAPI = try #require(try Yams.load(yaml: String(decoding: document, as: UTF8.self)) as? [String: Any])
        let schemas = try #require((openAPI["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let (all, missing) = try fixtureFieldCoverage(schemas: schemas, fixtures: Fixtures.files("valid"), typeName: Fixtures.typeName)
        #expect(all.count == 300)
        #expect(missing == [])
    }
}
