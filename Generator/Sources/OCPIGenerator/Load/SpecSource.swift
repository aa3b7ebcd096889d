import Foundation

/// The text of a spec folder, read by the caller: the generator itself works on memory only, so
/// that tests can run it on snippets and the CLI is the one place that touches the disk.
public struct SpecSource: Hashable, Sendable {
    /// The folder as the user named it; diagnostics are prefixed with it.
    public var directory: String
    /// Path within the folder → contents, for every `.yaml` file of the folder and its
    /// subfolders (`locations.yaml`, `packages/payments/package.yaml`).
    public var files: [String: String]

    public init(directory: String, files: [String: String]) {
        self.directory = directory
        self.files = files
    }

    public static let manifestName = "ocpi.yaml"

    /// The manifest of a package, inside the package's folder.
    public static let packageManifestName = "package.yaml"

    /// Reads every `.yaml` file inside `directory` and its subfolders (packages live in
    /// subfolders).
    public static func read(directory: String) throws -> SpecSource {
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        // Throws for a folder that does not exist, where the enumerator would say nothing.
        _ = try FileManager.default.contentsOfDirectory(atPath: root.path)
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "yaml", try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            files[relative] = try String(contentsOf: url, encoding: .utf8)
        }
        return SpecSource(directory: directory, files: files)
    }

    func displayPath(of file: String) -> String {
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }
}
