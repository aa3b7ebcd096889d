import Foundation
import OCPICheck
import OCPITestSupport
import Testing

/// The HTML report as a person sees it: headless Chromium loads it from disk and dumps the DOM
/// it built, which must show the failures first, then a table per subject with its failures
/// before its passes and skips. Skipped when Chromium is not installed, except on CI (`CI`
/// set), where a missing browser is a failure.
@Suite(.holdsResources) struct HTMLReportBrowserTests {
    static let browser = InstalledChromium.executable
    static let onCI = InstalledChromium.isRequired

    /// The DOM Chromium built from `page`.
    func dom(of page: URL) async throws -> String {
        let browser = try #require(Self.browser, "chromium is not installed (apt-get install chromium)")
        let profile = page.deletingLastPathComponent().appendingPathComponent(".profile")
        let command = [browser.path, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)", "--dump-dom", page.absoluteString]
        let timeout = URL(fileURLWithPath: "/usr/bin/timeout")
        let outcome =
            FileManager.default.isExecutableFile(atPath: timeout.path)
            ? try await BuiltExecutable.runProcess(timeout, ["120"] + command)
            : try await BuiltExecutable.runProcess(browser, Array(command.dropFirst()))
        #expect(outcome.status == 0, "chromium exited with status \(outcome.status): \(outcome.error)")
        return outcome.output
    }

    /// The outcomes of the rows of each table of `html`, in order, by the section they are in.
    static func rows(in html: String) -> [(section: String, outcomes: [String])] {
        html.components(separatedBy: "<section").dropFirst().map { section in
            let head = String(section.prefix { $0 != ">" })
            let outcomes = section.components(separatedBy: "<tr class=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            return (head, outcomes)
        }
    }

    @Test(.enabled(if: HTMLReportBrowserTests.browser != nil || HTMLReportBrowserTests.onCI, "chromium is not installed and CI is not set"))
    func chromiumShowsTheFailuresFirst() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-check-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("report.html")
        try await DefectServer(defect: .missingLink).run { versionsURL in
            let report = await DefectTests.check(versionsURL, write: true)
            #expect(report.failed.count == 1)
            try Data(HTMLReport.render(report).utf8).write(to: page)
        }
        let dom = try await dom(of: page)
        #expect(dom.contains("<title>ocpi-check: http://127.0.0.1:"), "\(dom.prefix(500))")
        #expect(dom.contains(#"<p id="summary" class="failed">"#))
        let sections = Self.rows(in: dom)
        #expect(sections.first?.section.contains(#"id="failures""#) == true, "the failures come first: \(sections.map(\.section))")
        #expect(sections.first?.outcomes == ["failed"])
        let subjects = sections.filter { $0.section.contains(#"class="subject""#) }
        #expect(subjects.count >= 5, "a table per subject: \(sections.map(\.section))")
        for subject in subjects {
            let order = ["failed": 0, "passed": 1, "skipped": 2]
            let ranks = subject.outcomes.compactMap { order[$0] }
            #expect(ranks == ranks.sorted(), "failures, then passes, then skips in \(subject.section): \(subject.outcomes)")
        }
        let locations = try #require(subjects.first { $0.section.contains("locations SENDER") })
        #expect(locations.outcomes.first == "failed")
        #expect(dom.contains(#"id="timings""#))
    }
}
