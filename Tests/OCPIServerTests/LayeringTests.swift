import Foundation
import Testing

/// The layers of docs/ARCHITECTURE.md, held to what each may import. SwiftPM lets a target
/// import any module its dependencies bring along, so a stack's library could slip into the
/// pipeline without a change to Package.swift; this reads the sources' imports instead.
@Suite struct LayeringTests {
    /// What every layer may import besides its own list: the standard library's neighbours.
    static let everywhere: Set<String> = ["Foundation", "Synchronization", "Dispatch", "Glibc", "Darwin"]

    /// Each layer and the modules it may import.
    static let allowed: [String: Set<String>] = [
        "OCPIRuntime": ["HTTPTypes"],
        "OCPIServer": ["OCPIRuntime", "OCPI211", "OCPI221", "OCPI230", "HTTPTypes", "Crypto", "Logging", "CoreMetrics"],
        "OCPINIOServer": [
            "OCPIRuntime", "OCPIServer", "OCPINIOExecutor", "HTTPTypes", "Logging", "NIOCore", "NIOPosix", "NIOHTTP1", "NIOExtras", "NIOSSL",
            "ServiceLifecycle", "UnixSignals",
        ],
        "OCPIHummingbird": ["OCPIRuntime", "OCPIServer", "HTTPTypes", "Logging", "Hummingbird", "NIOCore"],
        "OCPIAsyncHTTPClient": ["OCPIRuntime", "HTTPTypes", "Logging", "AsyncHTTPClient", "NIOCore", "NIOHTTP1", "NIOSSL"],
        "OCPINIOClient": ["OCPIRuntime", "HTTPTypes", "NIOCore", "NIOPosix", "NIOHTTP1", "NIOSSL"],
    ]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    static let declarationKinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]

    /// The modules the Swift files below `directory` import.
    static func imports(of directory: URL) throws -> [String: [String]] {
        var found: [String: [String]] = [:]
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), words[..<index].allSatisfy({ $0.hasPrefix("@") }) else { continue }
                // `import struct HTTPTypes.HTTPField` imports from the module before the dot.
                let named = words.dropFirst(index + 1).drop { Self.declarationKinds.contains(String($0)) }
                guard let path = named.first, let module = path.split(separator: ".").first else { continue }
                found[String(module), default: []].append(file.lastPathComponent)
            }
        }
        return found
    }

    @Test(arguments: allowed.keys.sorted())
    func aLayerImportsOnlyWhatItMay(_ layer: String) throws {
        let imports = try Self.imports(of: Self.sources.appendingPathComponent(layer))
        #expect(!imports.isEmpty, "no Swift file read in Sources/\(layer)")
        let permitted = Self.allowed[layer, default: []].union(Self.everywhere)
        for (module, files) in imports.sorted(by: { $0.key < $1.key }) where !permitted.contains(module) {
            Issue.record("Sources/\(layer) imports \(module) (in \(files.joined(separator: ", "))), which its layer may not")
        }
    }

    /// The reader above finds an import it must refuse (so the test above can fail).
    @Test func theReaderSeesAnImportOfAStack() throws {
        let imports = try Self.imports(of: Self.sources.appendingPathComponent("OCPINIOServer"))
        #expect(imports["NIOPosix"] != nil)
        #expect(Self.allowed["OCPIServer", default: []].contains("NIOPosix") == false)
    }
}
