import Foundation
import OCPITestSupport
import OCPIGenerator
import Testing

/// The HTML reference as a real browser reads it: headless Chromium loads a generated page from
/// disk and dumps the DOM it built. Skipped when Chromium is not installed, except on CI (`CI`
/// set), where a missing browser is a failure.
@Suite struct DocsBrowserTests {
    static let browser = InstalledChromium.executable
    static let onCI = InstalledChromium.isRequired

    struct BrowserFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes the reference of the repository's 2.2.1 spec to a new folder.
    func writeDocs() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-docs-\(UUID().uuidString)")
        for page in DocsRenderer().render(try loadRepositorySpec(), conversions: try loadRepositoryConversions("2.2.1")) {
            let url = folder.appendingPathComponent(page.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(page.contents.utf8).write(to: url)
        }
        return folder
    }

    /// Runs Chromium headless on `arguments` plus a throwaway profile, with a time limit;
    /// returns what it printed on standard output.
    func chromium(_ arguments: [String], profile: URL) async throws -> String {
        let browser = try #require(Self.browser, "chromium is not installed (apt-get install chromium)")
        let timeout = URL(fileURLWithPath: "/usr/bin/timeout")
        let command = [browser.path, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)"] + arguments
        // On a thread of its own (see BuiltExecutable.runProcess): a browser takes its time.
        let outcome = FileManager.default.isExecutableFile(atPath: timeout.path)
            ? try await BuiltExecutable.runProcess(timeout, ["120"] + command)
            : try await BuiltExecutable.runProcess(browser, Array(command.dropFirst()))
        guard outcome.status == 0 else {
            throw BrowserFailed(description: "chromium exited with status \(outcome.status)")
        }
        return outcome.output
    }

    @Test(.enabled(if: DocsBrowserTests.browser != nil || DocsBrowserTests.onCI, "chromium is not installed and CI is not set"))
    func chromiumShowsTheEVSETableOfTheLocationsPage() async throws {
        let folder = try writeDocs()
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = folder.appendingPathComponent(".profile")
        let page = folder.appendingPathComponent("locations.html")

        let dom = try await chromium(["--dump-dom", page.absoluteString], profile: profile)
        // The browser parsed the page into the document we meant: the title, the EVSE section
        // and its table rows, and cross-links resolved to the other pages' anchors.
        #expect(dom.contains("<title>Locations · OCPI 2.2.1</title>"))
        #expect(dom.contains("<h1>Locations</h1>"))
        #expect(dom.contains("<section class=\"type\" id=\"EVSE\">"))
        #expect(dom.contains("<h3>EVSE<span class=\"kind\">object</span></h3>"))
        for field in ["uid", "evse_id", "status", "connectors", "last_updated"] {
            #expect(dom.contains("<tr id=\"EVSE.\(field)\"><td><code>\(field)</code></td>"), "no row EVSE.\(field)")
        }
        #expect(dom.contains("<tr id=\"EVSE.connectors\"><td><code>connectors</code></td><td><a href=\"locations.html#Connector\"><code>Connector</code></a></td>"))
        #expect(dom.contains("<a href=\"types.html#DisplayText\"><code>DisplayText</code></a>"))
        #expect(dom.contains("<span class=\"method GET\">GET</span><code>/locations</code>"))
        // No script ran or was needed.
        #expect(!dom.contains("<script"))

        let screenshot = folder.appendingPathComponent("locations.png")
        _ = try await chromium(["--screenshot=\(screenshot.path)", "--window-size=1200,1600", "--hide-scrollbars", page.absoluteString], profile: profile)
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 20_000, "a 1200x1600 page of tables is more than a blank image")
    }
}
