import Foundation

/// The hand-written 2.1.1 JSON fixtures, written from the 2.1.1 tables (never generated).
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

    /// The fixture's type: its file name up to the first `-`, without `.json`.
    static func typeName(_ url: URL) -> String {
        String(url.deletingPathExtension().lastPathComponent.split(separator: "-").first ?? "")
    }
}
