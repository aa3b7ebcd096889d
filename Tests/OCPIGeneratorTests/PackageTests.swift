import OCPIGenerator
import Testing
import Yams

/// Optional module packages (`packages:` in the manifest, a folder with `package.yaml`): their
/// modules and the fields their extension files add to the core, loaded, checked, generated and
/// marked in every output.
@Suite struct PackageTests {
    static let manifest = Snippet.manifest + "\npackages:\n  - packages/valet\n"

    static let packageManifest = """
        package: valet
        version: "1"
        title: Valet
        source: test
        doc: Parking by a valet.
        files:
          - valet.yaml
          - parking.yaml
        """

    static let module = """
        module: valet
        title: Valet
        kind: functional
        sender_roles: [CPO]
        receiver_roles: [EMSP]
        doc: The valets of a car park.
        objects:
          - name: Valet
            kind: object
            doc: One valet.
            fields:
              - {name: id, type: CiString(36), card: "1", doc: Identifier.}
              - {name: level, type: ValetLevel, card: "?", doc: How senior.}
              - {name: last_updated, type: DateTime, card: "1", doc: Last change.}
        enums:
          - name: ValetLevel
            doc: Seniority.
            values:
              - {value: JUNIOR, doc: New.}
              - {value: SENIOR, doc: Seasoned.}
        endpoints:
          - role: SENDER
            method: GET
            path: /valet/{valet_id}
            name: get_valet
            doc: One valet.
            params:
              - {name: valet_id, type: CiString(36), doc: The valet.}
            response: {type: Valet, card: "1"}
        """

    static let extensionFile = """
        extends: parking
        doc: Which valet parks in a space.
        objects:
          - name: Space
            add_fields:
              - {name: valet_id, after: id, type: CiString(36), card: "?", doc: The valet who parks here.}
        """

    static func files(_ replacing: [String: String] = [:]) -> [String: String] {
        var files = [
            "ocpi.yaml": manifest,
            "packages/valet/package.yaml": packageManifest,
            "packages/valet/valet.yaml": module,
            "packages/valet/parking.yaml": extensionFile,
        ]
        files.merge(replacing) { _, new in new }
        return files
    }

    func spec(_ replacing: [String: String] = [:]) throws -> Spec {
        try SpecChecker.loadAndCheck(Snippet.source(Self.files(replacing))).get()
    }

    func generated(_ path: String, _ spec: Spec) throws -> String {
        try #require(Generator().generate(spec).first { $0.path == path }, "no \(path)").contents
    }

    // MARK: Loading

    @Test func thePackageIsMergedIntoTheRelease() throws {
        let spec = try spec()
        let package = try #require(spec.packages.first)
        #expect(spec.packages.count == 1)
        #expect(package.name == "valet")
        #expect(package.label == "Valet 1")
        #expect(package.folder == "packages/valet")
        #expect(package.extensions.map(\.extends) == ["parking"])
        #expect(package.extensions.first?.objects.map(\.fields) == [["valet_id"]])
        // The core's files, then the package's module; the extension file is no file of its own.
        #expect(spec.files.map(\.name) == ["types.yaml", "parking.yaml", "packages/valet/valet.yaml"])
        #expect(spec.files.map(\.package) == [nil, nil, "valet"])
        let space = try #require(spec.object(named: "Space"))
        #expect(space.fields.map(\.name) == ["id", "valet_id", "names", "last_updated"])
        #expect(space.fields.map(\.package) == [nil, "valet", nil, nil])
        #expect(space.fields[1].location.file == "snippets/packages/valet/parking.yaml")
        #expect(spec.packageOfFile("valet")?.name == "valet")
        #expect(spec.packageOfFile("parking") == nil)
    }

    @Test func withoutAfterTheFieldGoesLast() throws {
        let spec = try spec(["packages/valet/parking.yaml": Self.extensionFile.replacingOccurrences(of: "after: id, ", with: "")])
        #expect(spec.object(named: "Space")?.fields.map(\.name) == ["id", "names", "last_updated", "valet_id"])
    }

    // MARK: Mistakes

    func diagnostics(_ replacing: [String: String]) -> [String] {
        Snippet.diagnostics(Self.files(replacing))
    }

    @Test func aListedPackageNeedsItsManifest() {
        let manifest = Self.manifest + "  - packages/garage\n  - packages/valet\n"
        #expect(diagnostics(["ocpi.yaml": manifest]) == [
            "snippets/ocpi.yaml:10: error: the package 'packages/garage' is listed but has no package.yaml",
            "snippets/ocpi.yaml:11: error: the package 'packages/valet' is listed twice",
        ])
    }

    @Test func everyFileOfAPackageFolderIsListed() {
        #expect(diagnostics(["packages/valet/notes.yaml": "doc: x\n", "packages/other/package.yaml": Self.packageManifest]) == [
            "snippets/packages/other/package.yaml:1: error: the file is not listed in ocpi.yaml or in a package it lists",
            "snippets/packages/valet/notes.yaml:1: error: the file is not listed in ocpi.yaml or in a package it lists",
        ])
    }

    @Test func thePackageManifestHasItsKeys() {
        let manifest = Self.packageManifest
            .replacingOccurrences(of: "version: \"1\"\n", with: "")
            .replacingOccurrences(of: "  - valet.yaml", with: "  - valet.yaml\n  - missing.yaml")
        #expect(diagnostics(["packages/valet/package.yaml": manifest]) == [
            "snippets/packages/valet/package.yaml:1: error: the package manifest is missing 'version'",
            "snippets/packages/valet/package.yaml:7: error: 'missing.yaml' is listed but does not exist",
        ])
    }

    @Test func anExtensionMustFitTheCore() {
        let unknownFile = Self.extensionFile.replacingOccurrences(of: "extends: parking", with: "extends: garage")
        #expect(diagnostics(["packages/valet/parking.yaml": unknownFile]) == [
            "snippets/packages/valet/parking.yaml:1: error: 'extends: garage' names no module or shared file of the core",
        ])
        let unknownObject = Self.extensionFile.replacingOccurrences(of: "name: Space", with: "name: Garage")
        #expect(diagnostics(["packages/valet/parking.yaml": unknownObject]) == [
            "snippets/packages/valet/parking.yaml:4: error: Garage is not an object of parking.yaml",
        ])
        let unknownAfter = Self.extensionFile.replacingOccurrences(of: "after: id", with: "after: floor")
        #expect(diagnostics(["packages/valet/parking.yaml": unknownAfter]) == [
            "snippets/packages/valet/parking.yaml:6: error: 'after: floor' of 'valet_id' is not a field of Space",
        ])
        let existing = Self.extensionFile.replacingOccurrences(of: "name: valet_id", with: "name: names")
        #expect(diagnostics(["packages/valet/parking.yaml": existing]) == [
            "snippets/packages/valet/parking.yaml:6: error: Space already has a field 'names' (snippets/parking.yaml:13)",
        ])
        let required = Self.extensionFile.replacingOccurrences(of: "card: \"?\"", with: "card: \"1\"")
        #expect(diagnostics(["packages/valet/parking.yaml": required]) == [
            "snippets/packages/valet/parking.yaml:6: error: 'valet_id' must be optional (\"?\" or \"*\"): a party without the package leaves it out of Space",
        ])
        let unknownKey = Self.extensionFile.replacingOccurrences(of: "add_fields:", with: "fields:")
        #expect(diagnostics(["packages/valet/parking.yaml": unknownKey]) == [
            "snippets/packages/valet/parking.yaml:4: error: an extended object is missing 'add_fields'",
            "snippets/packages/valet/parking.yaml:5: error: unknown key 'fields' in an extended object (allowed: name, add_fields)",
        ])
    }

    @Test func theCoreCannotUseATypeOfAPackage() {
        let parking = Snippet.parking.replacingOccurrences(of: "{name: names, type: DisplayText, card: \"*\"", with: "{name: names, type: ValetLevel, card: \"*\"")
        #expect(diagnostics(["parking.yaml": parking]) == [
            "snippets/parking.yaml:13: error: field 'names' of Space uses ValetLevel of the package 'valet', which the core cannot depend on",
        ])
        // An extension may use its own package's types and the core's.
        let own = Self.extensionFile.replacingOccurrences(of: "type: CiString(36)", with: "type: ValetLevel")
        #expect(diagnostics(["packages/valet/parking.yaml": own]) == [])
    }

    // MARK: Output

    @Test func swiftMarksThePackagesItems() throws {
        let spec = try spec()
        let parking = try generated("Parking+Models.swift", spec)
        #expect(parking.contains("""
                /// The valet who parks here.
                ///
                /// Added by the optional Valet 1 package (`valet`): a partner without the package leaves it out.
                public var valetID: String?
            """))
        #expect(!parking.contains("Part of the optional"))
        let valet = try generated("Valet+Models.swift", spec)
        #expect(valet.hasPrefix("// Generated by ocpi-gen from spec/ocpi-9.9/packages/valet/valet.yaml. DO NOT EDIT.\n"))
        #expect(valet.contains("""
            /// One valet.
            ///
            /// Part of the optional Valet 1 package (`valet`): only partners that implement the package exchange it.
            ///
            /// - Remark: Generated from `Valet` in spec/ocpi-9.9/packages/valet/valet.yaml.
            public struct Valet: OCPIModel {
            """))
        #expect(try generated("Valet+Routes.swift", spec).contains("/// The SENDER interface of the Valet module, of the optional package Valet 1, as a server implements it"))
        #expect(try generated("Valet+Client.swift", spec).contains("/// Calls a partner's Valet SENDER interface, of the optional package Valet 1."))
        let release = try generated("OCPIRelease.swift", spec)
        #expect(release.contains("""
                public static let packages: [Package] = [
                    Package(name: "valet", version: "1", title: "Valet", modules: ["valet"], addedFields: ["Space.valet_id"]),
                ]
            """))
        // A release without packages says nothing about them.
        let core = try SpecChecker.loadAndCheck(Snippet.source()).get()
        #expect(!(try generated("OCPIRelease.swift", core)).contains("packages"))
    }

    @Test func openAPIMarksThePackagesItems() throws {
        let document = try #require(try Yams.load(yaml: OpenAPIRenderer().render(try spec())) as? [String: Any])
        let info = try #require(document["info"] as? [String: Any])
        let packages = try #require(info["x-ocpi-packages"] as? [[String: Any]])
        #expect(packages.count == 1)
        #expect(packages.first?["name"] as? String == "valet")
        #expect(packages.first?["version"] as? String == "1")
        #expect(packages.first?["modules"] as? [String] == ["valet"])
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        #expect((schemas["Valet"] as? [String: Any])?["x-ocpi-package"] as? String == "valet")
        #expect((schemas["ValetLevel"] as? [String: Any])?["x-ocpi-package"] as? String == "valet")
        let space = try #require(schemas["Space"] as? [String: Any])
        #expect(space["x-ocpi-package"] == nil)
        let properties = try #require(space["properties"] as? [String: Any])
        #expect((properties["valet_id"] as? [String: Any])?["x-ocpi-package"] as? String == "valet")
        #expect((properties["id"] as? [String: Any])?["x-ocpi-package"] == nil)
        let paths = try #require(document["paths"] as? [String: Any])
        let get = try #require((paths["/ocpi/cpo/9.9/valet/{valet_id}"] as? [String: Any])?["get"] as? [String: Any])
        #expect(get["x-ocpi-package"] as? String == "valet")
        let tags = try #require(document["tags"] as? [[String: Any]])
        #expect(tags.first { $0["name"] as? String == "valet" }?["x-ocpi-package"] as? String == "valet")
        #expect(tags.first { $0["name"] as? String == "parking" }?["x-ocpi-package"] == nil)
        // Without packages, no marks at all.
        #expect(!OpenAPIRenderer().render(try SpecChecker.loadAndCheck(Snippet.source()).get()).contains("x-ocpi-package"))
    }

    @Test func theDocsSayWhatEachPackageBrings() throws {
        let pages = Dictionary(uniqueKeysWithValues: DocsRenderer().render(try spec()).map { ($0.path, $0.contents) })
        let index = try #require(pages["index.html"])
        #expect(index.contains("<h2 id=\"packages\">Optional packages</h2>"))
        #expect(index.contains("<section class=\"type\" id=\"package-valet\">"))
        #expect(index.contains("<dt>Fields added to the core</dt><dd><a href=\"parking.html#Space.valet_id\"><code>Space.valet_id</code></a></dd>"))
        #expect(index.contains("<a href=\"valet.html\">Valet</a> <code>valet</code> <span class=\"kind\">Valet 1 package</span>"))
        #expect(try #require(pages["valet.html"]).contains("<dt>Package</dt><dd><a href=\"index.html#package-valet\">Valet 1</a> (optional)</dd>"))
        #expect(try #require(pages["parking.html"]).contains("<p class=\"since\">Added by the optional <a href=\"index.html#package-valet\">Valet 1</a> package.</p>"))
    }

    // MARK: Diff

    @Test func aDiffNamesThePackageOfEachChange() throws {
        let diff = SpecDiffer().diff(old: try SpecChecker.loadAndCheck(Snippet.source()).get(), new: try spec())
        #expect(diff.changes.map(\.description) == [
            "added field Space.valet_id [package valet] (CiString(36) \"?\"): sender compatible, receiver compatible",
            "added module valet [package valet] (1 object, 1 enum, 1 endpoint): sender compatible, receiver compatible",
        ])
        #expect(diff.newPackages == ["Valet 1"])
        let text = DiffRenderer().render(diff, as: .text)
        #expect(text.hasPrefix("OCPI 9.9 -> 9.9 + Valet 1: 2 changes"))
        #expect(text.contains("  + field Space.valet_id (package valet): CiString(36) \"?\"  [sender compatible, receiver compatible]"))
        #expect(DiffRenderer().render(diff, as: .markdown).contains("| added field | `Space.valet_id` (package valet) |"))
    }

    @Test func aModuleOrFieldMovingIntoAPackageIsCompatible() throws {
        // The old release has the valet module and the field in its core.
        let coreManifest = Snippet.manifest.replacingOccurrences(of: "  - parking.yaml", with: "  - parking.yaml\n  - valet.yaml")
        let coreParking = Snippet.parking.replacingOccurrences(
            of: "      - {name: id, type: CiString(36), card: \"1\", doc: Identifier.}",
            with: "      - {name: id, type: CiString(36), card: \"1\", doc: Identifier.}\n      - {name: valet_id, type: CiString(36), card: \"?\", doc: The valet.}"
        )
        let old = try SpecChecker.loadAndCheck(Snippet.source(["ocpi.yaml": coreManifest, "parking.yaml": coreParking, "valet.yaml": Self.module])).get()
        let diff = SpecDiffer().diff(old: old, new: try spec())
        #expect(diff.changes.map(\.description) == [
            "changed field Space.valet_id [package valet] (package core -> valet): sender compatible, receiver compatible",
            "changed module valet [package valet] (package core -> valet): sender compatible, receiver compatible",
        ])
    }

    @Test func editionsOfOneReleaseAreNamedInTheHeader() throws {
        let old = try SpecChecker.loadAndCheck(Snippet.source()).get()
        let manifest = Snippet.manifest.replacingOccurrences(of: "edition: t1", with: "edition: t2")
        let new = try SpecChecker.loadAndCheck(Snippet.source(["ocpi.yaml": manifest])).get()
        #expect(new.edition == "t2")
        let diff = SpecDiffer().diff(old: old, new: new)
        #expect(diff.changes == [])
        #expect(DiffRenderer().render(diff, as: .text) == "OCPI 9.9 t1 -> 9.9 t2: 0 changes: 0 breaking for senders, 0 breaking for receivers\n")
        #expect(DiffRenderer().render(diff, as: .markdown).hasPrefix("# OCPI 9.9 t1 → 9.9 t2\n"))
        #expect(DiffRenderer().render(diff, as: .json).contains("\"old_edition\": \"t1\",\n  \"new_edition\": \"t2\","))
    }
}
