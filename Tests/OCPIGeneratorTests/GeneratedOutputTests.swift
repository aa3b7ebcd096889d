import Foundation
import OCPIGenerator
import Testing

/// The committed generated target is what the spec generates now: stale generated code fails here.
@Suite struct GeneratedOutputTests {
    @Test(arguments: [("2.2.1", "Sources/OCPI221"), ("2.1.1", "Sources/OCPI211"), ("2.3.0", "Sources/OCPI230")])
    func committedTargetIsCurrent(release: String, folder: String) throws {
        let spec = try loadRepositorySpec(release)
        let target = repositoryRoot.appendingPathComponent(folder)
        var actual: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: target, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard !url.hasDirectoryPath else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(target.standardizedFileURL.path.count + 1))
            actual[relative] = try String(contentsOf: url, encoding: .utf8)
        }
        let differences = OutputDifference.compare(expected: Generator().generate(spec), actual: actual)
        #expect(differences == [], "run `swift run ocpi-gen generate spec/ocpi-\(release) --output \(folder)`")
    }

    @Test(arguments: ["2.2.1", "2.3.0"])
    func generationIsDeterministic(release: String) throws {
        let spec = try loadRepositorySpec(release)
        #expect(Generator().generate(spec) == Generator().generate(spec))
    }

    @Test func staleMeansGeneratedAndNoLongerProduced() {
        let expected = [GeneratedFile(path: "A.swift", contents: "// \(GeneratedFile.header(for: "x"))\nlet a = 1\n")]
        let actual = [
            "A.swift": "// \(GeneratedFile.header(for: "x"))\nlet a = 2\n",
            "Old.swift": "// \(GeneratedFile.header(for: "x"))\n",
            "Handwritten.swift": "let b = 1\n",
        ]
        #expect(OutputDifference.compare(expected: expected, actual: actual).map(\.description) == [
            "A.swift: changed",
            "Old.swift: stale",
        ])
        #expect(OutputDifference.compare(expected: expected, actual: [:]).map(\.description) == ["A.swift: missing"])
    }
}
