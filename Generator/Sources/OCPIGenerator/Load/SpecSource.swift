import Foundation

/// The text of a spec folder, read by the caller: the generator itself works on memory only, so
/// that tests can run it on snippets and the CLI is the one place that touches the disk.
public struct SpecSource: Hashable, Sendable {
    /// The folder as the user named it; diagnostics are prefixed with it.
    public var directory: String
    /// File name → contents, for every `.yaml` file of the folder.
    public var files: [String: String]

    public init(directory: String, files: [String: String]) {
        self.directory = directory
        self.files = files
    }

    public static let manifestName = "ocpi.yaml"

    /// Reads every `.yaml` file directly inside `directory`.
    public static func read(directory: String) throws -> SpecSource {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        var files: [String: String] = [:]
        for name in names where name.hasSuffix(".yaml") {
            files[name] = try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
        }
        return SpecSource(directory: directory, files: files)
    }

    func displayPath(of file: String) -> String {
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }
}
