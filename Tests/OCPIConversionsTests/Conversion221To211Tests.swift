import Foundation
import OCPI211
import OCPI221
import OCPICPO
import OCPIConversions
import OCPIRuntime
import Testing

/// The generated conversion of locations from 2.2.1 to 2.1.1, with the server's derivations: what
/// a 2.1.1 partner would be sent is valid 2.1.1, and each rule does what its reason says.
@Suite struct Conversion221To211Tests {
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("OCPI221Tests/Fixtures/valid/Location.json")

    func location() throws -> OCPI221.Location {
        let decoded = try OCPI221.Location.decodeAndValidate(try Data(contentsOf: Self.fixture))
        #expect(decoded.violations.isEmpty)
        return try #require(decoded.value)
    }

    let conversion = Conversion221To211()

    @Test func theFixtureBecomesAValid211Location() throws {
        let converted = conversion.convert(try location())
        #expect(converted.validate().isEmpty, "\(converted.validate())")
        // Through JSON, as a partner reads it.
        let decoded = try OCPI211.Location.decodeAndValidate(converted.jsonBytes())
        #expect(decoded.violations.isEmpty, "\(decoded.violations)")
        #expect(converted.id == "LOC-AMS-0042")
        #expect(converted.type == .undergroundGarage, "from parking_type")
        #expect(converted.coordinates.latitude == "52.386780")
        #expect(converted.relatedLocations.map(\.latitude) == ["52.386441", "52.387120"], "six decimals, rounded")
        let capabilities = try #require(converted.evses.first?.capabilities)
        #expect(!capabilities.contains(.init(rawValue: "START_SESSION_CONNECTOR_REQUIRED")), "left out of the list")
        #expect(capabilities.contains(.remoteStartStopCapable))
    }

    @Test func eachRuleDoesWhatItsReasonSays() throws {
        var location = try location()
        location.address = String(repeating: "é", count: 50)
        location.postalCode = nil
        location.parkingType = .alongMotorway
        location.coordinates.latitude = "-33.8688197"
        location.coordinates.longitude = "151.20929"
        var connector = try #require(location.evses.first?.connectors.first)
        connector.standard = .gbtAC
        connector.powerType = .ac2PhaseSplit
        connector.maxVoltage = 240
        connector.maxAmperage = 40
        connector.tariffIDs = ["T1", "T2"]
        location.evses[0].connectors[0] = connector

        let converted = conversion.convert(location)
        #expect(converted.address.unicodeScalars.count == 45, "cut to 2.1.1's 45 characters")
        #expect(converted.postalCode == "")
        #expect(converted.type == .other)
        #expect(converted.coordinates.latitude == "-33.868820")
        #expect(converted.coordinates.longitude == "151.209290")
        let first = try #require(converted.evses.first?.connectors.first)
        #expect(first.voltage == 240 && first.amperage == 40)
        #expect(first.tariffID == "T1", "the first of the list")
        #expect(first.powerType == .ac1Phase)
        #expect(first.standard.rawValue == "GBT_AC", "kept as written: 2.1.1 has no name for it")
        #expect(!first.standard.isKnown)

        location.parkingType = nil
        #expect(conversion.convert(location).type == .unknown)
    }

    @Test(arguments: [
        ("52.1234565", 6, "52.123457"), ("-4.1234565", 6, "-4.123457"), ("4.87235", 6, "4.872350"), ("0.0000004", 6, "0.000000"),
        ("12", 2, "12.00"), ("north", 6, "north"), ("1e5", 6, "1e5"),
    ])
    func coordinatesAreWrittenWithTheirDecimals(_ text: String, _ decimals: Int, _ expected: String) {
        #expect(ConvertedText.fixed(text, decimals: decimals) == expected)
    }

    @Test func truncationCountsUnicodeScalars() {
        #expect(ConvertedText.truncated("abcdef", to: 3) == "abc")
        #expect(ConvertedText.truncated("ab", to: 3) == "ab")
        #expect(ConvertedText.truncated("🚗🚗🚗🚗", to: 2) == "🚗🚗")
    }
}
