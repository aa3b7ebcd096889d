import Foundation
import OCPIRuntime

/// The hand-written 2.3.0 JSON fixtures, written from the 2.3.0 tables (edition 2 of the core and
/// the Payments package; never generated).
enum Fixtures {
    static let root: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func files(_ folder: String) -> [URL] {
        let directory = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0) }
    }

    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }

    /// The fixture's type: its file name without `.json`.
    static func typeName(_ url: URL) -> String {
        url.deletingPathExtension().lastPathComponent
    }
}

/// An `invalid/` fixture: a value and the JSON pointers of every field that breaks a rule. Values
/// of open enums that the release does not list may appear in it: they are valid, so they are
/// not among the pointers.
struct InvalidFixture: Decodable {
    var type: String
    var patch: Bool
    var value: JSONValue
    var violations: [String]
}
