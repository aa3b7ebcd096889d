import Foundation
import OCPIGenerator

/// The repository's root, found from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

/// The spec folder of a release in this repository.
func specFolder(_ release: String = "2.2.1") -> URL {
    repositoryRoot.appendingPathComponent("spec/ocpi-\(release)")
}

/// Loads and checks a release of this repository, or fails with every diagnostic.
func loadRepositorySpec(_ release: String = "2.2.1") throws -> Spec {
    let source = try SpecSource.read(directory: specFolder(release).path)
    return try SpecChecker.loadAndCheck(source).get()
}

/// The conversions of `spec/conversions/` from and to a release of the repository, planned.
func loadRepositoryConversions(_ release: String) throws -> [ConversionPlan] {
    let spec = try loadRepositorySpec(release)
    let load: (String) throws -> Spec = { try SpecChecker.loadAndCheck(SpecSource.read(directory: $0)).get() }
    return try ConversionFiles.plans(for: spec, releaseDirectory: specFolder(release).path, load: load).get()
}

/// A tiny, valid spec folder to which tests add or replace files.
enum Snippet {
    static let manifest = """
        ocpi: "9.9"
        edition: t1
        source: test
        doc: A release made up for tests.
        files:
          - types.yaml
          - parking.yaml
        """

    static let types = """
        shared: types
        title: Types
        doc: Shared types.
        objects:
          - name: DisplayText
            kind: class
            doc: Text for people.
            fields:
              - {name: language, type: string(2), card: "1", exact_length: 2, doc: Language code.}
              - {name: text, type: string(512), card: "1", doc: The text.}
        enums:
          - name: Role
            doc: Party roles.
            values:
              - {value: CPO, doc: Operator.}
              - {value: EMSP, doc: Provider.}
        """

    static let parking = """
        module: parking
        title: Parking
        kind: functional
        sender_roles: [CPO]
        receiver_roles: [EMSP]
        doc: Parking spaces.
        objects:
          - name: Space
            kind: object
            doc: One parking space.
            fields:
              - {name: id, type: CiString(36), card: "1", doc: Identifier.}
              - {name: names, type: DisplayText, card: "*", doc: Names.}
              - {name: last_updated, type: DateTime, card: "1", doc: Last change.}
        endpoints:
          - role: SENDER
            method: GET
            path: /parking/{space_id}
            name: get_space
            doc: One space.
            params:
              - {name: space_id, type: CiString(36), doc: The space.}
            response: {type: Space, card: "1"}
        """

    /// The folder `snippets/` with the default files, `files` replacing or adding some.
    static func source(_ files: [String: String] = [:]) -> SpecSource {
        var all = ["ocpi.yaml": manifest, "types.yaml": types, "parking.yaml": parking]
        all.merge(files) { _, new in new }
        return SpecSource(directory: "snippets", files: all)
    }

    /// The diagnostics of loading and checking, as printed by `ocpi-gen`.
    static func diagnostics(_ files: [String: String]) -> [String] {
        switch SpecChecker.loadAndCheck(source(files)) {
        case .success: []
        case .failure(let errors): errors.diagnostics.map(\.description)
        }
    }
}
