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

    /// Foundation `Codable` is an opt-in (the package trait FoundationCodable): outside comments,
    /// generated Swift names it only inside `#if FoundationCodable`, where each module's
    /// conformances are, so that the default build compiles none of it.
    @Test(arguments: ["2.1.1", "2.2.1", "2.3.0"])
    func codableIsCompiledOnlyWithItsTrait(release: String) throws {
        let files = Generator().generate(try loadRepositorySpec(release)).filter { $0.path.hasSuffix(".swift") }
        var outside: [String] = []
        var conformances = 0
        for file in files {
            var conditions: [Substring] = []
            for (index, line) in file.contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let text = line.drop { $0 == " " }
                if text.hasPrefix("#if ") {
                    conditions.append(text.dropFirst(4))
                } else if text.hasPrefix("#endif") {
                    _ = conditions.popLast()
                } else if conditions.contains("FoundationCodable") {
                    if text.contains(": Codable {") { conformances += 1 }
                } else if !text.hasPrefix("//"), ["Codable", "CodingKey", "any Decoder", "any Encoder"].contains(where: text.contains) {
                    outside.append("\(file.path):\(index + 1): \(text)")
                }
            }
            #expect(conditions.isEmpty, "\(file.path): an #if without its #endif")
        }
        #expect(outside == [])
        #expect(files.contains { $0.path.hasSuffix("+Codable.swift") })
        // Under the trait, every model, PATCH type and enum has its conformance.
        let declarations = files.flatMap { $0.contents.split(separator: "\n") }.filter { $0.hasPrefix("public struct ") || $0.hasPrefix("public enum ") }
        let types = declarations.filter { $0.hasSuffix(": OCPIModel {") || $0.hasSuffix(": OCPIEnumeration {") }
        #expect(!types.isEmpty && conformances == types.count)
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
