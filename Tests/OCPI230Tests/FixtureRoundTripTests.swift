import Foundation
import OCPI230
import OCPIRuntime
import OCPITestSupport
import Testing
import Yams

/// Every OCPI 2.3.0 object and class, of the core and of the Payments package, decodes,
/// validates and re-encodes exactly.
@Suite struct FixtureRoundTripTests {
    @Test func thereIsAFixtureForEveryObjectType() {
        let fixtures = Set(Fixtures.files("valid").map(Fixtures.typeName))
        #expect(Set(OCPITypes.models.keys).subtracting(fixtures) == [])
        // 61 of the core (with the response envelope and the version-details data) and 2 of Payments.
        #expect(OCPITypes.models.count == 63)
        #expect(Set(OCPITypes.patches.keys) == ["Location", "EVSE", "Connector", "Session", "Token", "Terminal"])
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
        let tariffs = try DocumentValidation.validate(try Fixtures.data("valid/lists/Tariffs.json"), as: Tariff.self, envelope: OCPIResponse.self)
        #expect(tariffs.shape == .list)
        #expect(tariffs.violations == [])
        let page = try DocumentValidation.validate(try Fixtures.data("valid/envelopes/TerminalsPage.json"), as: Terminal.self, envelope: OCPIResponse.self)
        #expect(page.shape == .envelope(data: .list))
        #expect(page.violations == [])
    }

    @Test func typedAccessReadsThe230Fields() throws {
        let location = try #require(try Location.decodeJSON(Fixtures.data("valid/Location.json")).value)
        #expect(location.parkingPlaces.map(\.id) == ["P-WP-B2-017", "P-WP-B2-018"])
        #expect(location.parkingPlaces.first?.vehicleTypes == [.personalVehicle, .disabled])
        #expect(location.parkingPlaces.first?.direction == .perpendicular)
        #expect(location.helpPhone == "+31 20 555 0142")
        let evse = try #require(location.evses.first)
        #expect(evse.parking.first?.evsePosition == .left)
        #expect(evse.connectors.first?.capabilities == [.iso15118_2PlugAndCharge, .iso15118_20PlugAndCharge])
        let cdr = try #require(try CDR.decodeJSON(Fixtures.data("valid/CDR.json")).value)
        #expect(cdr.totalCost.beforeTaxes == Decimal(string: "-9.7152"))
        #expect(cdr.totalCost.taxes.first?.name == "BTW")
        #expect(cdr.tariffs.first?.taxIncluded == .no)
        let tariff = try #require(try Tariff.decodeJSON(Fixtures.data("valid/Tariff.json")).value)
        #expect(tariff.minPrice?.beforeTaxes == Decimal(string: "0.1"))
        #expect(tariff.minPrice?.afterTaxes == Decimal(string: "0.121"))
        #expect(tariff.preauthorizeAmount == 50)
        let credentials = try #require(try Credentials.decodeJSON(Fixtures.data("valid/Credentials.json")).value)
        #expect(credentials.hubPartyID == "NLHUB")
        let record = try #require(try InvoiceReconciliationRecord.decodeJSON(Fixtures.data("valid/InvoiceReconciliationRecord.json")).value)
        #expect(record.cdrs.count == 3)
    }

    @Test func numbersStayExactThroughEveryCoder() throws {
        let json = #"{"before_taxes": 0.1, "taxes": [{"name": "VAT", "amount": 0.021}]}"#
        let price = try #require(try Price.decodeJSON(Data(json.utf8)).value)
        #expect(price.beforeTaxes == Decimal(string: "0.1"))
        #expect(String(decoding: price.jsonBytes(), as: UTF8.self) == #"{"before_taxes":0.1,"taxes":[{"name":"VAT","amount":0.021}]}"#)
        #if FoundationCodable
        #expect(String(decoding: try JSONEncoder().encode(price), as: UTF8.self).contains("0.021"))
        #endif
    }

    /// Every field of every type, the package's included, is present in at least one fixture: the
    /// fixtures are walked along the schemas of the OpenAPI document, collecting (type, field).
    @Test func everyFieldOfEveryTypeAppearsInSomeFixture() throws {
        let document = try #require(OCPIRelease.openAPIDocument)
        let openAPI = try #require(try Yams.load(yaml: String(decoding: document, as: UTF8.self)) as? [String: Any])
        let schemas = try #require((openAPI["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let (all, missing) = try fixtureFieldCoverage(schemas: schemas, fixtures: Fixtures.files("valid"), typeName: Fixtures.typeName)
        // 342 of the core; 24 of the package's two objects and Tariff.preauthorize_amount.
        #expect(all.count == 367)
        #expect(missing == [])
    }
}
