import ArgumentParser
import Foundation
import OCPIGenerator

@main
struct OCPIGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpi-gen",
        abstract: "Reads an OCPI release described in spec/ and generates Swift code and OpenAPI from it.",
        discussion: "Every subcommand first loads and checks SPEC_DIR; problems are printed as FILE:LINE: error: MESSAGE and exit with status 1.",
        subcommands: [Check.self, Generate.self, Convert.self, OpenAPI.self, Diff.self, Docs.self]
    )
}

struct SpecDirectory: ParsableArguments {
    @Argument(help: "The spec folder of one release, e.g. spec/ocpi-2.2.1.")
    var specDirectory: String

    /// Loads and checks the folder; prints every problem and exits 1 when there is any.
    func load() throws -> Spec {
        try Self.load(specDirectory)
    }

    static func load(_ specDirectory: String) throws -> Spec {
        let source: SpecSource
        do {
            source = try SpecSource.read(directory: specDirectory)
        } catch {
            printError("\(specDirectory): error: cannot read the folder: \(error.localizedDescription)")
            throw ExitCode.failure
        }
        switch SpecChecker.loadAndCheck(source) {
        case .success(let spec):
            return spec
        case .failure(let errors):
            printError(errors.description)
            let count = errors.diagnostics.count
            printError("\(count) error\(count == 1 ? "" : "s") in \(specDirectory)")
            throw ExitCode.failure
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checks a spec folder; with --output, also that the generated code in DIR is current."
    )

    @OptionGroup var spec: SpecDirectory

    @Option(name: .long, help: "The generated target to compare with what the spec generates now.")
    var output: String?

    func run() throws {
        let loaded = try spec.load()
        // The conversions from and to this release (spec/conversions/): every difference between
        // the releases has its rule.
        if case .failure(let errors) = try ConversionFiles.plans(for: loaded, releaseDirectory: spec.specDirectory, load: SpecDirectory.load) {
            printError(errors.description)
            let count = errors.diagnostics.count
            printError("\(count) error\(count == 1 ? "" : "s") in the conversions of \(loaded.version)")
            throw ExitCode.failure
        }
        guard let output else { return }
        let expected = Generator().generate(loaded)
        let differences = OutputDifference.compare(expected: expected, actual: try OutputFolder.read(output))
        guard differences.isEmpty else {
            for difference in differences {
                printError("\(OutputFolder.join(output, difference.path)): error: \(difference.kind.rawValue) (run `ocpi-gen generate \(spec.specDirectory) --output \(output)`)")
            }
            throw ExitCode.failure
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes the generated target: Swift sources and Resources/openapi.yaml; deletes stale generated files."
    )

    @OptionGroup var spec: SpecDirectory

    @Option(name: .long, help: "The generated target's folder, e.g. Sources/OCPI221.")
    var output: String

    func run() throws {
        let loaded = try spec.load()
        let expected = Generator().generate(loaded)
        let differences = OutputDifference.compare(expected: expected, actual: try OutputFolder.read(output))
        let contents = Dictionary(uniqueKeysWithValues: expected.map { ($0.path, $0.contents) })
        for difference in differences {
            let path = OutputFolder.join(output, difference.path)
            switch difference.kind {
            case .missing, .changed:
                try OutputFolder.write(contents[difference.path] ?? "", to: path)
            case .stale:
                try FileManager.default.removeItem(atPath: path)
            }
            print("\(difference.kind == .stale ? "deleted" : "wrote") \(path)")
        }
    }
}

struct OpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Writes the OpenAPI 3.1 document of a release."
    )

    @OptionGroup var spec: SpecDirectory

    @Option(name: .long, help: "Where to write the document; standard output when left out.")
    var output: String?

    func run() throws {
        let document = OpenAPIRenderer().render(try spec.load())
        if let output {
            try OutputFolder.write(document, to: output)
        } else {
            print(document, terminator: "")
        }
    }
}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lists what changed between two releases, each change classified as breaking or compatible for senders and receivers.",
        discussion: "Exits 0 whatever it finds; with --fail-on-breaking, exits 1 when a change is breaking for senders or receivers."
    )

    @Argument(help: "The spec folder of the older release, e.g. spec/ocpi-2.1.1.")
    var oldSpecDirectory: String

    @Argument(help: "The spec folder of the newer release, e.g. spec/ocpi-2.2.1.")
    var newSpecDirectory: String

    @Option(name: .long, help: "text (for people), json (for tools) or markdown (for a changelog).")
    var format: DiffRenderer.Format = .text

    @Flag(name: .long, help: "Exit 1 when any change is breaking.")
    var failOnBreaking = false

    func run() throws {
        // Both folders are checked, and the problems of both printed, before giving up.
        let old = Result { try SpecDirectory.load(oldSpecDirectory) }
        let new = Result { try SpecDirectory.load(newSpecDirectory) }
        let diff = SpecDiffer().diff(old: try old.get(), new: try new.get())
        print(DiffRenderer().render(diff, as: format), terminator: "")
        if failOnBreaking, diff.hasBreakingChanges {
            throw ExitCode.failure
        }
    }
}

extension DiffRenderer.Format: ExpressibleByArgument {}

struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes a static HTML reference of a release: index.html, one page per spec file and, when spec/conversions/ names the release, conversions.html (what each conversion does and loses); deletes stale pages.",
        discussion: "The pages need no JavaScript and no other file; open DIR/index.html or serve DIR as it is."
    )

    @OptionGroup var spec: SpecDirectory

    @Option(name: .long, help: "The folder to write the pages to, e.g. .build/docs.")
    var output: String

    func run() throws {
        let loaded = try spec.load()
        // The conversions from and to the release get a page of their own (what each loses).
        let conversions: [ConversionPlan]
        switch try ConversionFiles.plans(for: loaded, releaseDirectory: spec.specDirectory, load: SpecDirectory.load) {
        case .success(let plans): conversions = plans
        case .failure(let errors):
            printError(errors.description)
            throw ExitCode.failure
        }
        let pages = DocsRenderer().render(loaded, conversions: conversions)
        let differences = OutputDifference.compare(expected: pages, actual: try OutputFolder.read(output))
        let contents = Dictionary(uniqueKeysWithValues: pages.map { ($0.path, $0.contents) })
        for difference in differences {
            let path = OutputFolder.join(output, difference.path)
            switch difference.kind {
            case .missing, .changed:
                try OutputFolder.write(contents[difference.path] ?? "", to: path)
            case .stale:
                try FileManager.default.removeItem(atPath: path)
            }
            print("\(difference.kind == .stale ? "deleted" : "wrote") \(path)")
        }
    }
}

/// The only code that touches the output folder.
enum OutputFolder {
    /// Every regular file below `folder`, by path relative to it; empty when it does not exist.
    static func read(_ folder: String) throws -> [String: String] {
        let root = URL(fileURLWithPath: folder, isDirectory: true).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return [:]
        }
        var files: [String: String] = [:]
        for case let url as URL in enumerator {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            // A file that is not UTF-8 text is not ours; give it contents that never match.
            files[relative] = (try? String(contentsOf: url, encoding: .utf8)) ?? "\u{0}"
        }
        return files
    }

    static func write(_ contents: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url, options: .atomic)
    }

    static func join(_ folder: String, _ path: String) -> String {
        folder.hasSuffix("/") ? folder + path : folder + "/" + path
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes the Swift conversion of a rules file (spec/conversions/FROM-TO.yaml) between two releases; with --check, only checks that it is current.",
        discussion: "The releases are read from the folders beside the rules' folder (spec/ocpi-FROM, spec/ocpi-TO). A difference between them without a rule is an error at its line."
    )

    @Argument(help: "The rules file, e.g. spec/conversions/2.2.1-2.1.1.yaml.")
    var rules: String

    @Option(name: .long, help: "The conversions target's folder, e.g. Sources/OCPIConversions.")
    var output: String

    @Flag(name: .long, help: "Write nothing; fail when the file in --output differs from what the rules generate.")
    var check = false

    func run() throws {
        let file: GeneratedFile
        switch try ConversionFiles.swift(rulesPath: rules, load: SpecDirectory.load) {
        case .failure(let errors):
            printError(errors.description)
            let count = errors.diagnostics.count
            printError("\(count) error\(count == 1 ? "" : "s") in \(rules)")
            throw ExitCode.failure
        case .success(let generated):
            file = generated
        }
        let path = OutputFolder.join(output, file.path)
        let current = try? String(contentsOfFile: path, encoding: .utf8)
        if check {
            guard current == file.contents else {
                printError("\(path): error: \(current == nil ? "missing" : "changed") (run `ocpi-gen convert \(rules) --output \(output)`)")
                throw ExitCode.failure
            }
            return
        }
        if current != file.contents {
            try OutputFolder.write(file.contents, to: path)
            print("wrote \(path)")
        }
    }
}
