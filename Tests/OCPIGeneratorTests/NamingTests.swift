import Foundation
import OCPIGenerator
import Testing

/// The naming rules, as a table.
@Suite struct NamingTests {
    @Test(arguments: [
        ("country_code", "countryCode"), ("party_id", "partyID"), ("evse_uid", "evseUID"), ("evse_id", "evseID"),
        ("tariff_ids", "tariffIDs"), ("response_url", "responseURL"), ("min_kwh", "minKWh"), ("kwh", "kwh"),
        ("vat", "vat"), ("excl_vat", "exclVAT"), ("id", "id"), ("last_updated", "lastUpdated"), ("cdr_token", "cdrToken"),
        ("energy_mix", "energyMix"), ("url", "url"),
    ])
    func propertyNames(_ field: String, _ swift: String) {
        #expect(SwiftNaming.propertyName(field) == swift)
    }

    @Test(arguments: [
        ("OUT_OF_ORDER", "outOfOrder"), ("OUTOFORDER", "outoforder"), ("AC_1_PHASE", "ac1Phase"), ("IEC_62196_T2", "iec62196T2"),
        ("IEC_62196_T2_COMBO", "iec62196T2Combo"), ("NEMA_5_20", "nema5_20"), ("2.1.1", "v2_1_1"), ("2.2", "v2_2"),
        ("CHADEMO", "chademo"), ("DOMESTIC_A", "domesticA"), ("cdrs", "cdrs"), ("SENDER", "sender"), ("GBT_AC", "gbtAC"), ("GBT_DC", "gbtDC"),
        ("PANTOGRAPH_BOTTOM_UP", "pantographBottomUp"), ("ISO_15118_2_PLUG_AND_CHARGE", "iso15118_2PlugAndCharge"),
    ])
    func caseNames(_ value: String, _ swift: String) {
        #expect(SwiftNaming.caseName(value) == swift)
    }

    @Test(arguments: [("default", "`default`"), ("operator", "`operator`"), ("type", "type"), ("Type", "`Type`")])
    func keywordsAreEscaped(_ name: String, _ swift: String) {
        #expect(SwiftNaming.escaped(name) == swift)
    }

    @Test(arguments: [("Locations", "locations"), ("CDRs", "cdrs"), ("HubClientInfo", "hubClientInfo"), ("ChargingProfiles", "chargingProfiles")])
    func moduleNamesInLowerCamelCase(_ name: String, _ swift: String) {
        #expect(SwiftNaming.lowerCamelModule(name) == swift)
    }

    /// Generated route tables name their module by a constant of the runtime's `OCPIModuleID`: a
    /// release that brings a module without one must fail here, by name, and not as a compiler
    /// error in generated code.
    @Test(arguments: ["2.1.1", "2.2.1", "2.3.0"])
    func everyModuleHasAConstantInTheRuntime(_ release: String) throws {
        let spec = try loadRepositorySpec(release)
        let runtime = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/OCPIRuntime/OCPIModuleID.swift"), encoding: .utf8)
        for file in spec.modules {
            let module = try #require(file.module)
            let declaration = "public static let \(SwiftNaming.moduleConstant(file)) = OCPIModuleID(rawValue: \"\(module)\")"
            #expect(runtime.contains(declaration), "OCPIModuleID has no constant for the \(module) module of \(release): add `\(declaration)`")
        }
    }
}
