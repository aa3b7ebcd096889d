import Foundation
import OCPI211
import OCPIRuntime
import OCPITestSupport
import Testing

/// OCPI 2.1.1 objects, written from the 2.1.1 tables, decode, validate and re-encode exactly; the
/// shapes 2.1.1 differs in (no country_code/party_id, Hours as a choice, PATCH without
/// last_updated) are those of 2.1.1, not of 2.2.1.
@Suite struct FixtureRoundTripTests {
    @Test func theReleaseIs211() {
        #expect(OCPIRelease.version == "2.1.1")
        #expect(OCPITypes.models.count == 36)
        #expect(OCPIRelease.openAPIDocument != nil)
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

    @Test func typedAccessReadsThe211Fields() throws {
        let location = try #require(try Location.decodeJSON(Fixtures.data("valid/Location.json")).value)
        #expect(location.type == .parkingGarage)
        #expect(location.postalCode == "3511 ED")
        let connector = try #require(location.evses.first?.connectors.first)
        #expect(connector.voltage == 230)
        #expect(connector.amperage == 32)
        #expect(connector.tariffID == "T-AC-11")
        #expect(location.energyMix?.environImpact.first?.source == .carbonDioxide)
        let session = try #require(try Session.decodeJSON(Fixtures.data("valid/Session.json")).value)
        #expect(session.startDatetime.description.hasPrefix("2017-02-14T08:00:00"))
        #expect(session.totalCost == Decimal(string: "1.88"))
        let cdr = try #require(try CDR.decodeJSON(Fixtures.data("valid/CDR.json")).value)
        #expect(cdr.location.evses.count == 1)
        #expect(cdr.totalCost == Decimal(string: "3.80"))
        let token = try #require(try Token.decodeJSON(Fixtures.data("valid/Token.json")).value)
        #expect(token.authID == "NL-EXA-C12345678-X")
        #expect(token.whitelist == .allowedOffline)
    }

    @Test func aPatchNeedsNoLastUpdatedIn211() throws {
        let patch = try #require(try EVSEPatch.decodeJSON(Fixtures.data("patch/EVSE.json")).value)
        #expect(patch.status == .charging)
        #expect(patch.lastUpdated == nil)
        let location = try #require(try Location.decodeJSON(Fixtures.data("valid/Location.json")).value)
        let evse = try #require(location.evses.first)
        let patched = evse.applying(patch)
        #expect(patched.status == .charging)
        #expect(patched.lastUpdated == evse.lastUpdated)
    }

    @Test func aLocationShapedLike221IsRefused() throws {
        let decoded = try Location.decodeAndValidate(Fixtures.data("invalid/Location-2.2.1-shape.json"))
        let pointers = Set(decoded.violations.map(\.pointer))
        #expect(pointers.isSuperset(of: ["/type", "/postal_code", "/coordinates/latitude"]))
    }
}
