import Foundation
import OCPIAsyncHTTPClient
import OCPICheck
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

/// The checker against a CPO built from the generated route tables: correct, every check
/// passes; with one defect injected, that defect is reported by its check and nothing else is.
/// Serialized: twenty servers checked at once loaded a two-core machine enough that other
/// suites' timing-bound tests (three SQLite stores opening together) failed beside them.
@Suite(.serialized, .holdsResources) struct DefectTests {
    static func check(
        _ versionsURL: String, token: String = DefectServer.token, party: PartyIdentity = DefectServer.emsp, write: Bool, maxObjects: Int = 1000
    ) async -> CheckReport {
        let transport = RecordingTransport(HTTPClientTransport(timeout: .seconds(10)), timeLimit: .seconds(120))
        let options = CheckOptions(
            versionsURL: versionsURL, token: token, write: write, maxObjects: maxObjects, countryCode: party.countryCode, partyID: party.partyID
        )
        return await Checker(options: options, transport: transport).run()
    }

    static func failures(_ report: CheckReport) -> Set<String> {
        Set(report.failed.map { "\($0.subject) \($0.check)" })
    }

    @Test(arguments: [false, true])
    func aCorrectPartnerPassesEveryCheck(write: Bool) async throws {
        try await DefectServer(defect: nil).run { versionsURL in
            let report = await Self.check(versionsURL, write: write)
            #expect(report.failed.isEmpty, "\(TextReport.render(report))")
            #expect(report.exitStatus == 0)
            #expect(report.version == "2.2.1")
            #expect(report.role == "CPO")
            let passed = Set(report.passed.map { "\($0.subject) \($0.check)" })
            // The checks that matter ran and passed, not only nothing failed.
            for check in [
                "objects", "pagination.headers", "pagination.total-count", "pagination.link", "pagination.limit", "filter.date_from",
                "filter.date_to", "by-id", "unknown-id", "auth.no-token", "auth.wrong-token", "envelope",
            ] {
                #expect(passed.contains("locations SENDER \(check)"), "locations SENDER \(check) did not pass")
            }
            #expect(passed.contains("tariffs SENDER objects"))
            #expect(passed.contains("tokens RECEIVER unknown-id"))
            if write {
                for check in ["write.put", "write.get", "write.patch", "write.malformed-json", "write.invalid-object"] {
                    #expect(passed.contains("tokens RECEIVER \(check)"), "tokens RECEIVER \(check) did not pass")
                }
                #expect(report.leftBehind.count == 1, "the test token (Tokens has no DELETE)")
            } else {
                #expect(report.skipped.contains { $0.subject == "tokens RECEIVER" && $0.check == "write.put" && $0.detail.contains("--write") })
            }
            // Every page of the locations was followed through Link (page size 1 of 3).
            let link = report.passed.first { $0.subject == "locations SENDER" && $0.check == "pagination.link" }
            #expect(link?.detail.contains("2 Link headers") == true, "\(link?.detail ?? "")")
            #expect(report.timings.contains { $0.subject == "locations SENDER" && $0.requests > 5 })
        }
    }

    @Test(arguments: Defect.allCases)
    func eachDefectIsCaughtByItsCheckAndNothingElse(_ defect: Defect) async throws {
        try await DefectServer(defect: defect).run { versionsURL in
            let report = await Self.check(versionsURL, write: defect.needsWrite)
            let expected = "\(defect.caughtBy.subject) \(defect.caughtBy.check)"
            #expect(Self.failures(report) == [expected], "\(TextReport.render(report))")
            #expect(report.exitStatus == 1)
            let failure = report.failed.first
            #expect(failure?.request != nil, "a failure names the request that showed it")
        }
    }

    /// Reading stops at `--max-objects`; what could not be judged is not failed.
    @Test func maxObjectsBoundsEveryList() async throws {
        try await DefectServer(defect: nil).run { versionsURL in
            let report = await Self.check(versionsURL, write: false, maxObjects: 1)
            #expect(report.failed.isEmpty, "\(TextReport.render(report))")
            let objects = report.passed.first { $0.subject == "locations SENDER" && $0.check == "objects" }
            #expect(objects?.detail.hasPrefix("1 Location object valid") == true, "\(objects?.detail ?? "")")
        }
    }

    /// Nobody answers: the run cannot be completed (exit status 2), and says why.
    @Test func anUnreachablePartnerCannotBeChecked() async throws {
        let port = try LiveServer.freePort()
        let report = await Self.check("http://127.0.0.1:\(port)/ocpi/versions", write: false)
        #expect(report.exitStatus == 2)
        #expect(report.abortedBecause?.contains("did not answer") == true, "\(report.abortedBecause ?? "")")
    }
}
