import Foundation
import OCPICheck
import OCPIRuntime
import OCPITestSupport
import Testing

/// A CPO checking an eMSP: the eMSP's token list is read and validated, and with `--write` test
/// locations, sessions and tariffs (each built from its schema) are written under the CPO's
/// party, read back and patched, the tariff deleted; CDRs are never sent.
@Suite(.holdsResources) struct EMSPDirectionTests {
    @Test func aCorrectEMSPPassesEveryCheckWithWrite() async throws {
        try await EMSPServer().run { versionsURL in
            let report = await DefectTests.check(versionsURL, token: EMSPServer.token, party: EMSPServer.cpo, write: true)
            #expect(report.failed.isEmpty, "\(TextReport.render(report))")
            #expect(report.role == "EMSP")
            let passed = Set(report.passed.map { "\($0.subject) \($0.check)" })
            for check in ["objects", "pagination.link", "pagination.limit", "filter.date_from", "filter.date_to", "auth.no-token", "envelope"] {
                #expect(passed.contains("tokens SENDER \(check)"), "tokens SENDER \(check) did not pass")
            }
            for subject in ["locations RECEIVER", "sessions RECEIVER", "tariffs RECEIVER"] {
                for check in ["unknown-id", "write.put", "write.get", "write.malformed-json", "write.invalid-object"] {
                    #expect(passed.contains("\(subject) \(check)"), "\(subject) \(check) did not pass")
                }
            }
            #expect(passed.contains("locations RECEIVER write.patch"))
            #expect(passed.contains("sessions RECEIVER write.patch"))
            #expect(passed.contains("tariffs RECEIVER write.delete"))
            #expect(report.skipped.contains { $0.subject == "cdrs RECEIVER" && $0.check == "write.put" })
            // A location and a session cannot be deleted in 2.2.1: named, not hidden.
            #expect(report.leftBehind.count == 2, "\(report.leftBehind)")
            #expect(report.leftBehind.allSatisfy { $0.contains("NL/CHK/OCPI-CHECK-") }, "\(report.leftBehind)")
        }
    }

    @Test func aDELETEThatDeletesNothingIsCaught() async throws {
        try await EMSPServer(deleteIgnored: true).run { versionsURL in
            let report = await DefectTests.check(versionsURL, token: EMSPServer.token, party: EMSPServer.cpo, write: true)
            #expect(DefectTests.failures(report) == ["tariffs RECEIVER write.delete"], "\(TextReport.render(report))")
        }
    }
}
