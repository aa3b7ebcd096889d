import Foundation
import OCPI211
import OCPI221
@testable import OCPICPO
import OCPIConversions
import OCPIRuntime
import Testing

/// CDRs from the store to 2.1.1 (spec/conversions/2.2.1-2.1.1.yaml, `CDR`): what comes out is
/// valid 2.1.1, and each rule does what its reason says.
@Suite struct CDRsConversionTests {
    static func fixture<T: OCPIModel>(_ name: String, as type: T.Type) throws -> T {
        try TokensAndSessionsConversionTests.fixture("221", name, as: type)
    }

    /// The fixture's CDR at the fixture's location, as a 2.1.1 partner gets it.
    static func converted(_ cdr: OCPI221.CDR) throws -> OCPI211.CDR {
        let stored = Conversion221To211().convert(try fixture("Location", as: OCPI221.Location.self))
        return Conversion221To211().convert(cdr, location: CDRs211.location(of: cdr, stored: stored))
    }

    static func expectValid(_ cdr: OCPI211.CDR, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(cdr.validate().isEmpty, "\(cdr.validate())", sourceLocation: sourceLocation)
        let decoded = try OCPI211.CDR.decodeAndValidate(cdr.jsonBytes())
        #expect(decoded.violations.isEmpty, "valid 2.1.1 through JSON: \(decoded.violations)", sourceLocation: sourceLocation)
    }

    @Test func aCreditCDRIsSentAsAnOrdinaryOneThatCancelsTheCDRItCredits() throws {
        let cdr = try Self.fixture("CDR", as: OCPI221.CDR.self)
        #expect(cdr.credit == true, "the fixture is a credit CDR")
        let converted = try Self.converted(cdr)
        try Self.expectValid(converted)
        #expect(converted.id == "CDR-2024-000815-C", "an id that fits is kept")
        #expect(converted.startDateTime == cdr.startDateTime && converted.stopDateTime == cdr.endDateTime)
        #expect(converted.authID == "DE-KWL-C00012345-7", "the cdr_token's contract")
        #expect(converted.authMethod == .authRequest, "COMMAND has no 2.1.1 name")
        #expect(converted.totalCost == Decimal(string: "-9.7152"), "without VAT, negative as the credit's")
        #expect(converted.totalEnergy == cdr.totalEnergy && converted.totalTime == cdr.totalTime && converted.totalParkingTime == cdr.totalParkingTime)
        #expect(converted.remark == "Credit CDR for CDR-2024-000815: " + (cdr.remark ?? ""), "the remark names the CDR credited")
        #expect(converted.meterID == cdr.meterID && converted.currency == "EUR")
        #expect(converted.tariffs.map(\.id) == ["TRF-AMS-AC-REG", "TRF-AMS-AC-GREEN"], "converted as the tariffs' rules say")
        // The reservation period has nothing 2.1.1 measures; power has no 2.1.1 name.
        #expect(converted.chargingPeriods.map { $0.dimensions.map(\.type.rawValue) } == [
            ["ENERGY", "MAX_CURRENT", "MIN_CURRENT", "TIME"], ["ENERGY", "TIME"], ["PARKING_TIME"],
        ])
        #expect(converted.chargingPeriods.first?.startDateTime == cdr.chargingPeriods[1].startDateTime)
    }

    @Test func anOrdinaryCDRKeepsItsRemark() throws {
        var cdr = try Self.fixture("CDR", as: OCPI221.CDR.self)
        cdr.credit = nil
        cdr.creditReferenceID = nil
        cdr.id = "CDR-2024-000815"
        cdr.remark = "Stopped by the driver."
        let converted = try Self.converted(cdr)
        try Self.expectValid(converted)
        #expect(converted.remark == "Stopped by the driver.")
        cdr.remark = nil
        #expect(try Self.converted(cdr).remark == nil)
    }

    /// The stored location, narrowed to the EVSE and connector used; what the CDR froze (the
    /// place, the EVSE ID, the plug) replaces what the location says today.
    @Test func theStoredLocationIsNarrowedAndCarriesWhatTheCDRFroze() throws {
        let cdr = try Self.fixture("CDR", as: OCPI221.CDR.self)
        var today = try Self.fixture("Location", as: OCPI221.Location.self)
        today.address = "Haarlemmerweg 10"
        today.coordinates.latitude = "52.3900000"
        today.evses[0].evseID = "NL*GRX*E3256*9"
        today.evses[0].connectors[0].standard = .domesticF
        let location = CDRs211.location(of: cdr, stored: Conversion221To211().convert(today))
        #expect(location.type == .undergroundGarage, "the stored location's type")
        #expect(location.evses.map(\.uid) == ["3256"], "the EVSE used, of two")
        let evse = try #require(location.evses.first)
        #expect(evse.connectors.map(\.id) == ["1"], "the connector used, of two")
        #expect(evse.status == .charging && evse.connectors.first?.voltage == 230 && evse.connectors.first?.amperage == 32, "the stored EVSE and connector")
        #expect(location.address == "Haarlemmerweg 8" && location.coordinates.latitude == "52.386780", "where the session took place")
        #expect(evse.evseID == "NL*GRX*E3256*1" && evse.connectors.first?.standard == .iec62196T2, "the EVSE ID and plug the CDR recorded")
        #expect(location.validate().isEmpty, "\(location.validate())")
    }

    /// No stored location, or one without the EVSE or connector used: built from cdr_location,
    /// with what it cannot know unknown (type, status) or 0 (voltage, amperage).
    @Test func withoutTheStoredEVSEAndConnectorTheLocationIsBuiltFromTheCDR() throws {
        let cdr = try Self.fixture("CDR", as: OCPI221.CDR.self)
        let conversion = Conversion221To211()
        var withoutEVSE = try Self.fixture("Location", as: OCPI221.Location.self)
        withoutEVSE.evses.removeAll { $0.uid == "3256" }
        var withoutConnector = try Self.fixture("Location", as: OCPI221.Location.self)
        withoutConnector.evses[0].connectors.removeAll { $0.id == "1" }
        for stored in [nil, conversion.convert(withoutEVSE), conversion.convert(withoutConnector)] {
            let location = CDRs211.location(of: cdr, stored: stored)
            #expect(location.id == "LOC-AMS-0042" && location.type == .unknown && location.name == cdr.cdrLocation.name)
            #expect(location.address == "Haarlemmerweg 8" && location.city == "Amsterdam" && location.postalCode == "1014 BE" && location.country == "NLD")
            #expect(location.coordinates.latitude == "52.386780" && location.lastUpdated == cdr.lastUpdated)
            let evse = try #require(location.evses.first)
            #expect(location.evses.count == 1 && evse.uid == "3256" && evse.evseID == "NL*GRX*E3256*1" && evse.status == .unknown)
            let connector = try #require(evse.connectors.first)
            #expect(evse.connectors.count == 1 && connector.id == "1" && connector.standard == .iec62196T2 && connector.format == .socket)
            #expect(connector.powerType == .ac3Phase && connector.voltage == 0 && connector.amperage == 0)
            let converted = conversion.convert(cdr, location: location)
            try Self.expectValid(converted)
        }
        // No postal code in the CDR: an empty one, as 2.1.1 requires one.
        var noPostalCode = cdr
        noPostalCode.cdrLocation.postalCode = nil
        #expect(CDRs211.location(of: noPostalCode, stored: nil).postalCode == "")
    }

    /// An id longer than 2.1.1's 36 characters is shortened with a hash: the same each time,
    /// apart from its original's, and the remark of its credit names it so.
    @Test func aLongIdIsShortenedTheSameWayEachTime() throws {
        let original = String(repeating: "A", count: 36)
        let credit = original + "-C"
        let shortened = Derivations221To211.cdrID(credit)
        #expect(shortened.count == 36 && shortened != original)
        #expect(shortened.hasPrefix(String(repeating: "A", count: 27) + "-"))
        #expect(shortened.dropFirst(28).allSatisfy { $0.isHexDigit })
        #expect(Derivations221To211.cdrID(credit) == shortened, "the same each time")
        #expect(Derivations221To211.cdrID(original + "-D") != shortened, "two long ids with one beginning stay apart")
        #expect(Derivations221To211.cdrID(original) == original)

        var cdr = try Self.fixture("CDR", as: OCPI221.CDR.self)
        cdr.id = credit
        cdr.creditReferenceID = credit
        cdr.remark = String(repeating: "x", count: 255)
        let converted = try Self.converted(cdr)
        try Self.expectValid(converted)
        #expect(converted.id == shortened)
        #expect(converted.remark?.hasPrefix("Credit CDR for \(shortened): xxx") == true)
        #expect(converted.remark?.unicodeScalars.count == 255, "cut to 2.1.1's length")
    }

    /// 2.1.1 requires a period: when none has anything 2.1.1 measures, one from the start
    /// carries the totals.
    @Test func withoutAPeriod211MeasuresTheTotalsMakeOne() throws {
        var cdr = try Self.fixture("CDR", as: OCPI221.CDR.self)
        cdr.chargingPeriods = [OCPI221.ChargingPeriod(startDateTime: cdr.startDateTime, dimensions: [OCPI221.CdrDimension(type: .maxPower, volume: 11)])]
        let periods = Derivations221To211().cdrChargingPeriods(cdr)
        #expect(periods.map(\.startDateTime) == [cdr.startDateTime])
        #expect(periods.first?.dimensions == [
            OCPI211.CdrDimension(type: .energy, volume: Decimal(string: "18.3456") ?? 0),
            OCPI211.CdrDimension(type: .time, volume: 2), OCPI211.CdrDimension(type: .parkingTime, volume: Decimal(string: "0.75") ?? 0),
        ])
        cdr.totalParkingTime = nil
        #expect(Derivations221To211().cdrChargingPeriods(cdr).first?.dimensions.map(\.type) == [.energy, .time], "no parking, no parking time")
        try Self.expectValid(try Self.converted(cdr))
    }
}
