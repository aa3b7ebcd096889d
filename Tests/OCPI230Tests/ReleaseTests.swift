import Foundation
import OCPI230
import OCPIRuntime
import Testing

/// What the generated target says about itself: OCPI 2.3.0, edition 2, with the optional
/// Payments package, whose module and Tariff field a core-only partner leaves out.
@Suite struct ReleaseTests {
    @Test func theReleaseIs230Edition2() {
        #expect(OCPIRelease.version == "2.3.0")
        #expect(OCPIRelease.edition == "ed2")
        #expect(OCPIRelease.packages == [
            OCPIRelease.Package(name: "payments", version: "1", title: "Payments", modules: ["payments"], addedFields: ["Tariff.preauthorize_amount"]),
        ])
    }

    @Test func theDocumentAndTheReferenceShipWithTheTarget() throws {
        let document = String(decoding: try #require(OCPIRelease.openAPIDocument), as: UTF8.self)
        #expect(document.contains("x-ocpi-package: payments"))
        #expect(OCPIRelease.documentationPage("index.html") != nil)
        #expect(OCPIRelease.documentationPage("payments.html") != nil)
        #expect(OCPIRelease.documentationPage("invoicereconciliation.html") != nil)
    }

    @Test func aTariffWithoutThePackagesFieldIsValid() throws {
        let json = #"{"country_code": "NL", "party_id": "GRX", "id": "T1", "currency": "EUR", "elements": [{"price_components": [{"type": "ENERGY", "price": 0.59, "step_size": 1}]}], "tax_included": "YES", "last_updated": "2024-03-01T12:00:00Z"}"#
        let decoded = try Tariff.decodeAndValidate(Data(json.utf8))
        #expect(decoded.violations == [])
        let tariff = try #require(decoded.value)
        #expect(tariff.preauthorizeAmount == nil)
        // And it is left out when written, so a partner without the package sees no new field.
        #expect(!String(decoding: tariff.jsonBytes(), as: UTF8.self).contains("preauthorize_amount"))
    }

    @Test func thePaymentsModuleHasItsOwnRouteTables() {
        // A server mounts the package's interfaces only by asking for them.
        struct Terminals: PaymentsReceiver {
            func getTerminal(_ context: OCPIRequestContext, terminalID: String) async throws -> OCPIReply<Terminal> { throw OCPIError.notFound("terminal") }
            func postTerminal(_ context: OCPIRequestContext, body: Terminal) async throws -> OCPIReply<OCPINoData> { throw OCPIError.notFound("terminal") }
            func getFinancialAdviceConfirmation(_ context: OCPIRequestContext, financialAdviceConfirmationID: String) async throws -> OCPIReply<FinancialAdviceConfirmation> { throw OCPIError.notFound("terminal") }
            func postFinancialAdviceConfirmation(_ context: OCPIRequestContext, body: FinancialAdviceConfirmation) async throws -> OCPIReply<OCPINoData> { throw OCPIError.notFound("terminal") }
        }
        let routes = OCPIRoutes.paymentsReceiver(Terminals())
        #expect(Set(routes.map(\.module)) == [.payments])
        #expect(routes.count == 4)
    }
}
