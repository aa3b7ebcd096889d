import Foundation
import OCPIGenerator
import Testing

/// `ocpi-gen diff` on 2.3.0: edition 1 (kept in `Fixtures/ocpi-2.3.0-ed1`, Payments inside the
/// core) against edition 2 with the Payments package, pinned change by change; and 2.2.1 against
/// 2.3.0, with the changes checked by hand against the texts.
@Suite struct Release230DiffTests {
    static let edition1 = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ocpi-2.3.0-ed1")

    func loadEdition1() throws -> Spec {
        try SpecChecker.loadAndCheck(SpecSource.read(directory: Self.edition1.path)).get()
    }

    @Test func edition2ChangesExactlyWhatItsTextSays() throws {
        let old = try loadEdition1()
        #expect(old.version == "2.3.0")
        #expect(old.edition == "ed1")
        #expect(old.packages.isEmpty)
        let diff = SpecDiffer().diff(old: old, new: try loadRepositorySpec("2.3.0"))
        // The 2.2.1 errata taken over (longer lengths: new senders may be too long for an ed1
        // receiver), Payments moved out into its package, Invoice Reconciliation added.
        #expect(diff.changes.map { "\($0.module): \($0.description)" } == [
            "locations: changed field Location.address (length string(45) -> string(255)): sender breaking, receiver compatible",
            "locations: changed field Location.state (length string(20) -> string(45)): sender breaking, receiver compatible",
            "cdrs: changed field SignedValue.plain_data (length string(512) -> string(5000)): sender breaking, receiver compatible",
            "tariffs: changed field Tariff.preauthorize_amount [package payments] (package core -> payments): sender compatible, receiver compatible",
            "invoicereconciliation: added module invoicereconciliation (1 object, 0 enums, 5 endpoints): sender compatible, receiver compatible",
            "payments: changed module payments [package payments] (package core -> payments): sender compatible, receiver compatible",
        ])
        let text = DiffRenderer().render(diff, as: .text)
        #expect(text.hasPrefix("OCPI 2.3.0 ed1 -> 2.3.0 ed2 + Payments 1: 6 changes: 3 breaking for senders, 0 breaking for receivers\n"))
    }

    @Test func from221To230() throws {
        let diff = SpecDiffer().diff(old: try loadRepositorySpec("2.2.1"), new: try loadRepositorySpec("2.3.0"))
        func find(_ kind: SpecChange.Kind, _ subject: SpecChange.Subject, _ item: String, aspect: String? = nil) throws -> SpecChange {
            try #require(diff.changes.first { $0.kind == kind && $0.subject == subject && $0.item == item && $0.aspect == aspect }, "no \(kind) \(subject) \(item)")
        }
        func verdict(_ change: SpecChange) -> String { "\(change.sender.rawValue)/\(change.receiver.rawValue)" }
        // Taxes: Price's excl_vat/incl_vat become before_taxes and a list of TaxAmount
        // (types.asciidoc, Price class); Tariff gains tax_included (required) and PriceLimit bounds.
        #expect(verdict(try find(.added, .field, "Price.before_taxes")) == "compatible/breaking")
        #expect(verdict(try find(.removed, .field, "Price.excl_vat")) == "breaking/compatible")
        #expect(verdict(try find(.added, .field, "Price.taxes")) == "compatible/compatible")
        #expect(verdict(try find(.added, .field, "Tariff.tax_included")) == "compatible/breaking")
        let minPrice = try find(.changed, .field, "Tariff.min_price", aspect: "type")
        #expect(minPrice.old == "Price")
        #expect(minPrice.new == "PriceLimit")
        // Enums opened (the text's OpenEnum headings): new senders may send values of their own.
        let opened = try find(.changed, .enumeration, "ConnectorType", aspect: "open")
        #expect(opened.old == "false" && opened.new == "true")
        #expect(verdict(opened) == "breaking/compatible")
        // (VersionNumber is open in both: our decision for 2.2.1, the text's for 2.3.0.)
        #expect(diff.changes.filter { $0.aspect == "open" }.count == 10)
        // Values added to an enum that 2.2.1 closes still break 2.2.1 receivers.
        #expect(verdict(try find(.added, .value, "ConnectorType.SAE_J3400")) == "breaking/compatible")
        #expect(verdict(try find(.added, .value, "TokenType.EMAID")) == "breaking/compatible")
        // Hubs: the HUB role is gone; hub_party_id tells a hub instead.
        #expect(verdict(try find(.removed, .value, "Role.HUB")) == "compatible/breaking")
        #expect(verdict(try find(.added, .field, "Credentials.hub_party_id")) == "compatible/compatible")
        // Locations: parking places, optional.
        #expect(verdict(try find(.added, .field, "Location.parking_places")) == "compatible/compatible")
        // The version-details path follows the version.
        let details = try find(.changed, .endpoint, "SENDER GET /2.3.0", aspect: "path")
        #expect(details.old == "/2.2.1")
        // Modules: Invoice Reconciliation in the core, Payments in its package.
        #expect(try find(.added, .module, "invoicereconciliation").package == nil)
        #expect(try find(.added, .module, "payments").package == "payments")
        #expect(try find(.added, .field, "Tariff.preauthorize_amount").package == "payments")
        #expect(!diff.changes.contains { $0.subject == .object && $0.item == "Terminal" })
        let markdown = DiffRenderer().render(diff, as: .markdown)
        #expect(markdown.hasPrefix("# OCPI 2.2.1 → 2.3.0 + Payments 1\n"))
        #expect(markdown.contains("| added field | `Tariff.preauthorize_amount` (package payments) | number \"?\" | compatible | compatible |"))
    }
}
