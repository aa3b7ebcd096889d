import Foundation
import OCPITestSupport
import Testing

/// `ocpi-cpo validate --version 2.3.0` run as a process: the same output and exit statuses as
/// for 2.2.1, judged by the 2.3.0 types (edition 2 with the Payments package).
@Suite struct ValidateCommandTests {
    func run(_ arguments: [String], input: String? = nil) async throws -> BuiltExecutable.Outcome {
        try await BuiltExecutable.run("ocpi-cpo", arguments, input: input)
    }

    @Test func validObjectsListsAndEnvelopesPrintOK() async throws {
        for (type, path) in [("Location", "valid/Location.json"), ("Tariff", "valid/lists/Tariffs.json"), ("Terminal", "valid/envelopes/TerminalsPage.json"), ("InvoiceReconciliationRecord", "valid/InvoiceReconciliationRecord.json")] {
            let outcome = try await run(["validate", "--version", "2.3.0", type, Fixtures.root.appendingPathComponent(path).path])
            #expect(outcome.status == 0, "\(type): \(outcome.output)\(outcome.error)")
            #expect(outcome.output == "OK\n")
        }
    }

    @Test func violationsArePrintedWithTheirPointers() async throws {
        let tariff = #"{"country_code": "NL", "party_id": "GRX", "id": "T1", "currency": "EUR", "min_price": {"excl_vat": 1}, "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}], "last_updated": "2024-01-01T00:00:00Z"}"#
        let outcome = try await run(["validate", "--version", "2.3.0", "Tariff", "-"], input: tariff)
        #expect(outcome.status == 1)
        #expect(outcome.output == """
            /min_price/before_taxes: is required but missing
            /tax_included: is required but missing

            """)
        // The same 2.2.1-shaped tariff is valid for 2.2.1, the default.
        let before = #"{"country_code": "NL", "party_id": "GRX", "id": "T1", "currency": "EUR", "min_price": {"excl_vat": 1}, "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}], "last_updated": "2024-01-01T00:00:00Z"}"#
        #expect(try await run(["validate", "Tariff", "-"], input: before).output == "OK\n")
        #expect(try await run(["validate", "--version", "2.2.1", "Tariff", "-"], input: before).status == 0)
    }

    @Test func openEnumsAcceptValuesOfAPartysOwn() async throws {
        let connector = #"{"id": "1", "standard": "X-ACME-PLUG", "format": "CABLE", "power_type": "DC", "max_voltage": 920, "max_amperage": 500, "last_updated": "2024-03-01T12:00:00Z"}"#
        #expect(try await run(["validate", "--version", "2.3.0", "Connector", "-"], input: connector).output == "OK\n")
        // ConnectorType is closed in 2.2.1.
        let closed = try await run(["validate", "--version", "2.2.1", "Connector", "-"], input: connector)
        #expect(closed.status == 1)
        #expect(closed.output == "/standard: 'X-ACME-PLUG' is not a value of ConnectorType\n")
    }

    @Test func patchBodiesAndTypesOfOneVersionOnly() async throws {
        let patch = try await run(["validate", "--version", "2.3.0", "--patch", "Terminal", "-"], input: #"{"location_ids": ["L1"]}"#)
        #expect(patch.status == 1)
        #expect(patch.output == "/last_updated: is required but missing\n")
        // Terminal is a type of 2.3.0's Payments package, unknown to 2.2.1.
        let unknown = try await run(["validate", "Terminal", "-"], input: "{}")
        #expect(unknown.status == 2)
        #expect(unknown.error.hasPrefix("error: unknown type 'Terminal' in OCPI 2.2.1"))
        let badVersion = try await run(["validate", "--version", "2.4", "Location", "-"], input: "{}")
        #expect(badVersion.status != 0)
        #expect(badVersion.status != 1)
    }

    @Test func version211IsJudgedBy211() async throws {
        // The 2.1.1 types, where Invoice Reconciliation does not exist.
        let outcome = try await run(["validate", "--version", "2.1.1", "DisplayText", "-"], input: #"{"language": "nl", "text": "Laadpaal"}"#)
        #expect(outcome.output == "OK\n")
        let invoice = try await run(["validate", "--version", "2.1.1", "InvoiceReconciliationRecord", "-"], input: "{}")
        #expect(invoice.status == 2)
    }

    @Test func priceSaysClearlyThatItDoesNotPrice230Yet() async throws {
        let outcome = try await run(["price", "--version", "2.3.0", "--cdr", Fixtures.root.appendingPathComponent("valid/CDR.json").path])
        #expect(outcome.status == 1)
        #expect(outcome.output == "")
        #expect(outcome.error.hasPrefix("error: pricing OCPI 2.3.0 is not supported yet"))
    }
}
