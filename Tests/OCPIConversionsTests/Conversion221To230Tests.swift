import Foundation
import OCPI221
import OCPI230
import OCPICPO
import OCPIConversions
import OCPIRuntime
import Testing

/// The generated conversion of locations and tariffs from 2.2.1 to 2.3.0, with the server's
/// derivations: what a 2.3.0 partner would be sent is valid 2.3.0 (edition 2 with Payments), and
/// each rule does what its reason says.
@Suite struct Conversion221To230Tests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("OCPI221Tests/Fixtures/valid")

    func fixture<T: OCPIModel>(_ name: String, as type: T.Type) throws -> T {
        let decoded = try T.decodeAndValidate(try Data(contentsOf: Self.fixtures.appendingPathComponent(name + ".json")))
        #expect(decoded.violations.isEmpty)
        return try #require(decoded.value)
    }

    let conversion = Conversion221To230()
    static let party = PartyIdentity(countryCode: "NL", partyID: "SOC")

    @Test func theLocationFixtureBecomesAValid230Location() throws {
        let location = try fixture("Location", as: OCPI221.Location.self)
        let converted = conversion.convert(location)
        #expect(converted.validate().isEmpty, "\(converted.validate())")
        // Through JSON, as a partner reads it.
        let decoded = try OCPI230.Location.decodeAndValidate(converted.jsonBytes())
        #expect(decoded.violations.isEmpty, "\(decoded.violations)")
        let read = try #require(decoded.value)
        #expect(read.id == location.id && read.countryCode == location.countryCode && read.partyID == location.partyID)
        #expect(read.evses.map(\.uid) == location.evses.map(\.uid))
        #expect(read.evses.flatMap(\.connectors).map(\.tariffIDs) == location.evses.flatMap(\.connectors).map(\.tariffIDs), "tariff ids as they are")
        #expect(read.coordinates.latitude == location.coordinates.latitude, "coordinates as written")
        #expect(read.parkingPlaces.isEmpty && read.helpPhone == nil, "what 2.2.1 never holds is left out")
        #expect(read.evses.allSatisfy { $0.parking.isEmpty && $0.acceptedServiceProviders.isEmpty })
        #expect(read.lastUpdated == location.lastUpdated)
    }

    @Test func theTariffFixtureBecomesAValid230Tariff() throws {
        let tariff = try fixture("Tariff", as: OCPI221.Tariff.self)
        let converted = conversion.convert(tariff)
        #expect(converted.validate().isEmpty, "\(converted.validate())")
        let decoded = try OCPI230.Tariff.decodeAndValidate(converted.jsonBytes())
        #expect(decoded.violations.isEmpty, "\(decoded.violations)")
        let read = try #require(decoded.value)
        #expect(read.minPrice == OCPI230.PriceLimit(beforeTaxes: Decimal(string: "0.1") ?? 0, afterTaxes: Decimal(string: "0.121") ?? 0))
        #expect(read.maxPrice == OCPI230.PriceLimit(beforeTaxes: 75, afterTaxes: Decimal(string: "90.75") ?? 0))
        #expect(read.taxIncluded == .no, "2.2.1's prices are without VAT, whose rates the components name")
        #expect(read.elements.flatMap(\.priceComponents).map(\.price) == tariff.elements.flatMap(\.priceComponents).map(\.price))
        #expect(read.elements.flatMap(\.priceComponents).map(\.vat) == tariff.elements.flatMap(\.priceComponents).map(\.vat))
        #expect(read.preauthorizeAmount == nil, "no Payments package in 2.2.1")
    }

    @Test func theDemoDataConvertsValid() throws {
        for tariff in DemoData.tariffs(for: Self.party, at: OCPIDateTime.now()) {
            let converted = conversion.convert(tariff)
            #expect(converted.validate().isEmpty, "\(tariff.id): \(converted.validate())")
        }
        for location in DemoData.locations(for: Self.party, at: OCPIDateTime.now()) {
            let converted = conversion.convert(location)
            #expect(converted.validate().isEmpty, "\(location.id): \(converted.validate())")
        }
    }

    @Test func eachTariffRuleDoesWhatItsReasonSays() throws {
        var tariff = try fixture("Tariff", as: OCPI221.Tariff.self)
        tariff.minPrice = OCPI221.Price(exclVAT: 2, inclVAT: nil)
        tariff.maxPrice = nil
        var converted = conversion.convert(tariff)
        #expect(converted.minPrice == OCPI230.PriceLimit(beforeTaxes: 2, afterTaxes: nil), "no amount with VAT, no bound after taxes")
        #expect(converted.maxPrice == nil)

        // One component with a rate: the tariff is taxed on top.
        for index in tariff.elements.indices {
            for component in tariff.elements[index].priceComponents.indices { tariff.elements[index].priceComponents[component].vat = nil }
        }
        tariff.elements[0].priceComponents[0].vat = 9
        converted = conversion.convert(tariff)
        #expect(converted.taxIncluded == .no)
        // No component with a rate: 2.2.1 says no VAT applies.
        tariff.elements[0].priceComponents[0].vat = nil
        converted = conversion.convert(tariff)
        #expect(converted.taxIncluded == .notApplicable)
        #expect(converted.validate().isEmpty, "\(converted.validate())")
        #expect(try OCPI230.Tariff.decodeAndValidate(converted.jsonBytes()).value?.taxIncluded == .notApplicable, "written N/A")
    }

    /// Price: before taxes is the amount without VAT; the taxes hold one VAT of the difference
    /// when 2.2.1 gives the amount with VAT (zero when equal, negative for a credit), none when
    /// it does not.
    @Test(arguments: [
        ("2.50", "3.03", [OCPI230.TaxAmount(name: "VAT", amount: Decimal(string: "0.53") ?? 0)]),
        ("2.50", "2.50", [OCPI230.TaxAmount(name: "VAT", amount: 0)]),
        ("-2.50", "-3.03", [OCPI230.TaxAmount(name: "VAT", amount: Decimal(string: "-0.53") ?? 0)]),
        ("2.50", nil, []),
    ])
    func thePriceRuleDoesWhatItsReasonSays(_ exclVAT: String, _ inclVAT: String?, _ taxes: [OCPI230.TaxAmount]) throws {
        let price = OCPI221.Price(exclVAT: try #require(Decimal(string: exclVAT)), inclVAT: inclVAT.flatMap { Decimal(string: $0) })
        let converted = conversion.convert(price)
        #expect(converted.beforeTaxes == price.exclVAT)
        #expect(converted.taxes == taxes)
        #expect(converted.validate().isEmpty, "\(converted.validate())")
    }

    @Test func theSessionFixtureBecomesAValid230Session() throws {
        let session = try fixture("Session", as: OCPI221.Session.self)
        let converted = conversion.convert(session)
        let decoded = try OCPI230.Session.decodeAndValidate(converted.jsonBytes())
        #expect(decoded.violations.isEmpty, "\(decoded.violations)")
        let read = try #require(decoded.value)
        #expect(read.id == session.id && read.cdrToken.uid == session.cdrToken.uid && read.kwh == session.kwh)
        #expect(read.totalCost?.beforeTaxes == session.totalCost?.exclVAT)
        #expect(read.chargingPeriods.count == session.chargingPeriods.count)
    }
}
