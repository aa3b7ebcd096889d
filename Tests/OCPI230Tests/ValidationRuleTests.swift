import Foundation
import OCPI230
import OCPIRuntime
import Testing

/// The `invalid/` fixtures break exactly the rules they list, and nothing else: values of open
/// enums that 2.3.0 does not list are among them, and are valid.
@Suite struct ValidationRuleTests {
    @Test(arguments: Fixtures.files("invalid"))
    func invalidFixtureBreaksExactlyItsRules(_ url: URL) throws {
        let fixture = try JSONDecoder().decode(InvalidFixture.self, from: Data(contentsOf: url))
        let types = fixture.patch ? OCPITypes.patches : OCPITypes.models
        let type = try #require(types[fixture.type], "unknown type \(fixture.type)")
        let report = try DocumentValidation.validate(fixture.value.jsonBytes(), as: type, envelope: OCPIResponse.self)
        #expect(report.violations.map(\.pointer).sorted() == fixture.violations.sorted(), "\(report.violations)")
    }

    /// Every object of 2.3.0 has a broken fixture.
    @Test func everyObjectHasABrokenFixture() throws {
        var broken = Set<String>()
        for url in Fixtures.files("invalid") {
            broken.insert(try JSONDecoder().decode(InvalidFixture.self, from: Data(contentsOf: url)).type)
        }
        let objects: Set<String> = [
            "Credentials", "Location", "EVSE", "Connector", "Parking", "Session", "ChargingPreferences", "CDR", "Tariff",
            "AuthorizationInfo", "Token", "CancelReservation", "CommandResponse", "CommandResult", "ReserveNow", "StartSession",
            "StopSession", "UnlockConnector", "ChargingProfileResponse", "ActiveChargingProfileResult", "ChargingProfileResult",
            "ClearProfileResult", "SetChargingProfile", "ClientInfo", "InvoiceReconciliationRecord", "Terminal",
            "FinancialAdviceConfirmation",
        ]
        #expect(objects.subtracting(broken).sorted() == [])
    }

    @Test func theMessagesSayWhatIsWrong() throws {
        let connector = try Connector.decodeAndValidate(Data(#"{"id": "1", "standard": "X-ACME", "format": "CABLE", "power_type": "AC_4_PHASE", "max_voltage": 230, "max_amperage": 16, "last_updated": "2024-03-01T12:00:00Z"}"#.utf8))
        #expect(connector.violations.map(\.description) == ["/power_type: 'AC_4_PHASE' is not a value of PowerType"])
        let record = try InvoiceReconciliationRecord.decodeAndValidate(Data(#"{"country_code": "NL", "party_id": "GRX", "id": "I1", "invoice_id": "2024-17", "cdrs": [], "last_updated": "2024-04-01T00:00:00Z"}"#.utf8))
        #expect(record.violations.map(\.description) == ["/cdrs: must have at least one element"])
        let confirmation = try FinancialAdviceConfirmation.decodeAndValidate(Data(#"{"id": "F1", "authorization_reference": "A1", "total_costs": {"before_taxes": 1}, "currency": "EUR", "eft_data": [""], "capture_status_code": "SUCCESS", "last_updated": "2024-04-01T00:00:00Z"}"#.utf8))
        #expect(confirmation.violations.map(\.pointer) == ["/eft_data/0"])
    }

    @Test func aPatchNeedsLastUpdated() throws {
        #expect(try TerminalPatch.decodeAndValidate(Data(#"{"location_ids": ["L1"], "last_updated": "2024-03-01T12:00:00Z"}"#.utf8)).violations == [])
        #expect(try TerminalPatch.decodeAndValidate(Data(#"{"location_ids": ["L1"]}"#.utf8)).violations.map(\.description) == [
            "/last_updated: is required but missing",
        ])
    }
}

/// Open enums (the text's OpenEnum): a value 2.3.0 does not list is kept as it came and is
/// valid; a closed enum keeps such a value too, and validation reports it.
@Suite struct OpenEnumTests {
    @Test func anUnlistedValueOfAnOpenEnumIsKeptAndValid() throws {
        let json = #"{"id": "1", "standard": "X-ACME-PLUG", "format": "CABLE", "power_type": "DC", "max_voltage": 920, "max_amperage": 500, "capabilities": ["X-ACME-AUTOCHARGE"], "last_updated": "2024-03-01T12:00:00Z"}"#
        let decoded = try Connector.decodeAndValidate(Data(json.utf8))
        #expect(decoded.violations == [])
        let connector = try #require(decoded.value)
        #expect(connector.standard == .unrecognized("X-ACME-PLUG"))
        #expect(connector.standard.isKnown == false)
        #expect(connector.capabilities == [.unrecognized("X-ACME-AUTOCHARGE")])
        // Written back exactly as it came, and read back the same.
        #expect(String(decoding: connector.jsonBytes(), as: UTF8.self).contains(#""standard":"X-ACME-PLUG""#))
        #expect(try Connector.decodeJSON(connector.jsonBytes()).value == connector)
        #if FoundationCodable
        #expect(try JSONDecoder().decode(Connector.self, from: JSONEncoder().encode(connector)) == connector)
        #endif
    }

    @Test func anUnlistedValueOfAClosedEnumIsKeptAndReported() throws {
        let json = #"{"id": "1", "standard": "IEC_62196_T2", "format": "BRAIDED", "power_type": "AC_3_PHASE", "max_voltage": 400, "max_amperage": 32, "last_updated": "2024-03-01T12:00:00Z"}"#
        let decoded = try Connector.decodeAndValidate(Data(json.utf8))
        #expect(decoded.violations.map(\.description) == ["/format: 'BRAIDED' is not a value of ConnectorFormat"])
        #expect(decoded.value?.format == .unrecognized("BRAIDED"))
    }

    @Test func everyOpenEnumOfTheTextIsOpen() {
        // An unlisted value in each open enum, in the fields that use it: no violation.
        let token = #"{"country_code": "DE", "party_id": "KWL", "uid": "X1", "type": "X-KWL-PLATE", "contract_id": "C1", "issuer": "K", "valid": true, "whitelist": "ALWAYS", "last_updated": "2024-03-01T12:00:00Z"}"#
        #expect((try? Token.decodeAndValidate(Data(token.utf8)).violations) == [])
        let endpoint = #"{"identifier": "x-grx-parking", "role": "SENDER", "url": "https://example.com/x"}"#
        #expect((try? Endpoint.decodeAndValidate(Data(endpoint.utf8)).violations) == [])
        let version = #"{"version": "2.4.0", "url": "https://example.com/2.4.0"}"#
        #expect((try? Version.decodeAndValidate(Data(version.utf8)).violations) == [])
        let image = #"{"url": "https://example.com/i.png", "category": "X-DRONE-VIEW", "type": "png"}"#
        #expect((try? Image.decodeAndValidate(Data(image.utf8)).violations) == [])
        let impact = #"{"category": "X-PARTICULATES", "amount": 0.2}"#
        #expect((try? EnvironmentalImpact.decodeAndValidate(Data(impact.utf8)).violations) == [])
        #expect(CommandType(rawValue: "X-GRX-REBOOT") == .unrecognized("X-GRX-REBOOT"))
        // Closed ones stay closed: a Role or an InterfaceRole of one's own is refused.
        let role = #"{"identifier": "locations", "role": "BOTH", "url": "https://example.com/x"}"#
        #expect((try? Endpoint.decodeAndValidate(Data(role.utf8)).violations.map(\.pointer)) == ["/role"])
    }
}
