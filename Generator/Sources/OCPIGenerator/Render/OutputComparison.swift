/// How a folder of generated code differs from what the spec generates now.
public struct OutputDifference: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The spec generates it; the folder lacks it.
        case missing
        /// Both have it, with other contents.
        case changed
        /// The folder has a generated file that the spec no longer generates.
        case stale
    }

    public var path: String
    public var kind: Kind

    public var description: String { "\(path): \(kind.rawValue)" }

    /// Compares expected files with a folder's current files (relative path → contents).
    /// Files without the generated header are not ours and are never called stale.
    public static func compare(expected: [GeneratedFile], actual: [String: String]) -> [OutputDifference] {
        var differences: [OutputDifference] = []
        let expectedPaths = Set(expected.map(\.path))
        for file in expected {
            guard let current = actual[file.path] else {
                differences.append(OutputDifference(path: file.path, kind: .missing))
                continue
            }
            if current != file.contents {
                differences.append(OutputDifference(path: file.path, kind: .changed))
            }
        }
        for (path, contents) in actual where !expectedPaths.contains(path) && GeneratedFile.isGenerated(contents[...]) {
            differences.append(OutputDifference(path: path, kind: .stale))
        }
        return differences.sorted { $0.path < $1.path }
    }
}
