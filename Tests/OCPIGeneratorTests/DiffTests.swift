import Foundation
import OCPIGenerator
import Testing

/// `ocpi-gen diff`: every kind of change between two small in-memory releases, each with its
/// classification (`DiffRules`), then the real 2.1.1 → 2.2.1 diff against the 2.2.1 changelog.
@Suite struct DiffTests {
    typealias C = SpecChange.Compatibility

    /// The snippet release, and the same with `parking.yaml` edited by `edit` (and other files).
    func diff(_ edit: (String) -> String = { $0 }, files: [String: String] = [:], oldFiles: [String: String] = [:]) throws -> SpecDiff {
        let old = try SpecChecker.loadAndCheck(Snippet.source(oldFiles)).get()
        var newFiles = files
        newFiles["parking.yaml"] = edit(files["parking.yaml"] ?? Snippet.parking)
        let new = try SpecChecker.loadAndCheck(Snippet.source(newFiles)).get()
        return SpecDiffer().diff(old: old, new: new)
    }

    /// The snippet with one field line of `Space` replaced.
    func replacing(_ old: String, with new: String) -> (String) -> String {
        { text in
            precondition(text.contains(old), "the snippet has no \(old)")
            return text.replacingOccurrences(of: old, with: new)
        }
    }

    func only(_ diff: SpecDiff) throws -> SpecChange {
        #expect(diff.changes.count == 1, "\(diff.changes.map(\.description))")
        return try #require(diff.changes.first)
    }

    func expect(_ change: SpecChange, _ kind: SpecChange.Kind, _ subject: SpecChange.Subject, _ item: String,
                sender: C, receiver: C, aspect: String? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(change.kind == kind, sourceLocation: sourceLocation)
        #expect(change.subject == subject, sourceLocation: sourceLocation)
        #expect(change.item == item, sourceLocation: sourceLocation)
        #expect(change.aspect == aspect, sourceLocation: sourceLocation)
        #expect(change.sender == sender, "sender: \(change.reason)", sourceLocation: sourceLocation)
        #expect(change.receiver == receiver, "receiver: \(change.reason)", sourceLocation: sourceLocation)
    }

    static let idLine = #"- {name: id, type: CiString(36), card: "1", doc: Identifier.}"#
    static let namesLine = #"- {name: names, type: DisplayText, card: "*", doc: Names.}"#

    // MARK: Nothing

    @Test func aReleaseHasNoChangesAgainstItself() throws {
        #expect(try diff().changes == [])
        let spec = try loadRepositorySpec("2.1.1")
        #expect(SpecDiffer().diff(old: spec, new: spec).changes == [])
    }

    // MARK: Fields

    @Test func optionalFieldAddedIsCompatibleForBoth() throws {
        let change = try only(diff(replacing(Self.idLine, with: Self.idLine + "\n      - {name: label, type: string(20), card: \"?\", doc: A label.}")))
        expect(change, .added, .field, "Space.label", sender: .compatible, receiver: .compatible)
        #expect(change.module == "parking")
        #expect(change.new == #"string(20) "?""#)
    }

    @Test func requiredFieldAddedBreaksTheReceiver() throws {
        let change = try only(diff(replacing(Self.idLine, with: Self.idLine + "\n      - {name: level, type: int, card: \"1\", doc: The floor.}")))
        expect(change, .added, .field, "Space.level", sender: .compatible, receiver: .breaking)
    }

    @Test func requiredFieldRemovedBreaksTheSender() throws {
        let change = try only(diff(replacing("      " + Self.idLine + "\n", with: "")))
        expect(change, .removed, .field, "Space.id", sender: .breaking, receiver: .compatible)
    }

    @Test func optionalFieldRemovedIsCompatibleForBoth() throws {
        let change = try only(diff(replacing("      " + Self.namesLine + "\n", with: "")))
        expect(change, .removed, .field, "Space.names", sender: .compatible, receiver: .compatible)
    }

    @Test(arguments: [
        // old card, new card, sender, receiver
        ("1", "?", C.breaking, C.compatible),
        ("?", "1", C.compatible, C.breaking),
        ("*", "+", C.compatible, C.breaking),
        ("+", "*", C.breaking, C.compatible),
        ("1", "*", C.breaking, C.breaking),
        ("*", "?", C.breaking, C.breaking),
    ])
    func cardinalityChange(old: String, new: String, sender: C, receiver: C) throws {
        let line = { (card: String) in "- {name: level, type: int, card: \"\(card)\", doc: The floor.}" }
        let oldParking = Snippet.parking.replacingOccurrences(of: Self.idLine, with: Self.idLine + "\n      " + line(old))
        let change = try only(diff(replacing(line(old), with: line(new)), files: ["parking.yaml": oldParking], oldFiles: ["parking.yaml": oldParking]))
        expect(change, .changed, .field, "Space.level", sender: sender, receiver: receiver, aspect: "cardinality")
        #expect(change.old == "\"\(old)\"")
        #expect(change.new == "\"\(new)\"")
    }

    @Test(arguments: [
        // new type of `id` (old: CiString(36)), aspect, sender, receiver
        ("CiString(20)", "length", C.compatible, C.breaking),
        ("CiString(50)", "length", C.breaking, C.compatible),
        ("CiString", "length", C.breaking, C.compatible),
        ("string(36)", "type", C.breaking, C.compatible),
        ("string(20)", "type", C.breaking, C.breaking),
        ("URL", "type", C.breaking, C.breaking),
        ("int", "type", C.breaking, C.breaking),
    ])
    func typeAndLengthChange(type: String, aspect: String, sender: C, receiver: C) throws {
        let change = try only(diff(replacing(Self.idLine, with: "- {name: id, type: \(type), card: \"1\", doc: Identifier.}")))
        expect(change, .changed, .field, "Space.id", sender: sender, receiver: receiver, aspect: aspect)
        #expect(change.old == "CiString(36)")
        #expect(change.new == type)
    }

    @Test func numbersWidenOneWayOnly() throws {
        let base = Snippet.parking.replacingOccurrences(of: Self.idLine, with: Self.idLine + "\n      - {name: level, type: int, card: \"1\", doc: The floor.}")
        let toNumber = try only(diff(replacing("type: int", with: "type: number"), files: ["parking.yaml": base], oldFiles: ["parking.yaml": base]))
        expect(toNumber, .changed, .field, "Space.level", sender: .breaking, receiver: .compatible, aspect: "type")
        let numberBase = base.replacingOccurrences(of: "type: int", with: "type: number")
        let toInt = try only(diff(replacing("type: number", with: "type: int"), files: ["parking.yaml": numberBase], oldFiles: ["parking.yaml": numberBase]))
        expect(toInt, .changed, .field, "Space.level", sender: .compatible, receiver: .breaking, aspect: "type")
    }

    @Test func constraintsTightenForTheReceiverAndLoosenForTheSender() throws {
        let exact = try only(diff(replacing(Self.idLine, with: #"- {name: id, type: CiString(36), card: "1", exact_length: 36, doc: Identifier.}"#)))
        expect(exact, .changed, .field, "Space.id", sender: .compatible, receiver: .breaking, aspect: "exact length")
        let patterned = Snippet.parking.replacingOccurrences(of: Self.idLine, with: #"- {name: id, type: CiString(36), card: "1", pattern: "[A-Z]+", doc: Identifier.}"#)
        let removed = try only(diff({ _ in Snippet.parking }, oldFiles: ["parking.yaml": patterned]))
        expect(removed, .changed, .field, "Space.id", sender: .breaking, receiver: .compatible, aspect: "pattern")
        let other = try only(diff(replacing("[A-Z]+", with: "[0-9]+"), files: ["parking.yaml": patterned], oldFiles: ["parking.yaml": patterned]))
        expect(other, .changed, .field, "Space.id", sender: .breaking, receiver: .breaking, aspect: "pattern")
        let bounded = Snippet.parking.replacingOccurrences(of: Self.idLine, with: Self.idLine + "\n      - {name: level, type: int, card: \"1\", min: 0, max: 10, doc: The floor.}")
        let higher = try only(diff(replacing("max: 10", with: "max: 20"), files: ["parking.yaml": bounded], oldFiles: ["parking.yaml": bounded]))
        expect(higher, .changed, .field, "Space.level", sender: .breaking, receiver: .compatible, aspect: "maximum")
        let raised = try only(diff(replacing("min: 0", with: "min: 1"), files: ["parking.yaml": bounded], oldFiles: ["parking.yaml": bounded]))
        expect(raised, .changed, .field, "Space.level", sender: .compatible, receiver: .breaking, aspect: "minimum")
    }

    // MARK: Objects and enums

    @Test func enumValuesAddedBreakTheSenderRemovedTheReceiver() throws {
        let withHub = Snippet.types + "\n      - {value: HUB, doc: A hub.}"
        let added = try only(diff(files: ["types.yaml": withHub]))
        expect(added, .added, .value, "Role.HUB", sender: .breaking, receiver: .compatible)
        #expect(added.module == "types")
        let removed = try only(diff(oldFiles: ["types.yaml": withHub]))
        expect(removed, .removed, .value, "Role.HUB", sender: .compatible, receiver: .breaking)
    }

    @Test func objectsAndEnumsAddedByThemselvesAreCompatible() throws {
        let types = Snippet.types.replacingOccurrences(of: "enums:", with: [
            "  - name: Money", "    kind: class", "    doc: An amount.", "    fields:",
            "      - {name: amount, type: number, card: \"1\", doc: The amount.}",
            "enums:", "  - name: Colour", "    doc: Colours.", "    values:", "      - {value: RED, doc: Red.}",
        ].joined(separator: "\n"))
        let changes = try diff(files: ["types.yaml": types]).changes
        #expect(changes.map(\.description) == [
            "added object Money (1 field): sender compatible, receiver compatible",
            "added enum Colour (1 value): sender compatible, receiver compatible",
        ])
    }

    @Test func theTypesOfANewSharedFileAreListedOneByOne() throws {
        let money = [
            "shared: money", "title: Money", "doc: Amounts.", "objects:", "  - name: Money", "    kind: class",
            "    doc: An amount.", "    fields:", "      - {name: amount, type: number, card: \"1\", doc: The amount.}",
        ].joined(separator: "\n")
        let changes = try diff(files: ["ocpi.yaml": Snippet.manifest + "\n  - money.yaml", "money.yaml": money]).changes
        #expect(changes.map(\.description) == ["added object Money (1 field): sender compatible, receiver compatible"])
        #expect(changes.first?.module == "money")
    }

    @Test func anEnumRenamedWithTheSameValuesIsCompatible() throws {
        let renamed = Snippet.types.replacingOccurrences(of: "name: Role", with: "name: Roles")
        let field = "\n      - {name: role, type: Role, card: \"1\", doc: Who.}"
        let oldParking = Snippet.parking.replacingOccurrences(of: Self.idLine, with: Self.idLine + field)
        let newParking = Snippet.parking.replacingOccurrences(of: Self.idLine, with: Self.idLine + field.replacingOccurrences(of: "Role,", with: "Roles,"))
        let changes = try diff(files: ["types.yaml": renamed, "parking.yaml": newParking], oldFiles: ["parking.yaml": oldParking]).changes
        let retyped = try #require(changes.first { $0.item == "Space.role" })
        expect(retyped, .changed, .field, "Space.role", sender: .compatible, receiver: .compatible, aspect: "type")
        #expect(changes.contains { $0.kind == .added && $0.subject == .enumeration && $0.item == "Roles" })
        #expect(changes.contains { $0.kind == .removed && $0.subject == .enumeration && $0.item == "Role" })
    }

    // MARK: Modules and endpoints

    @Test func aModuleAddedIsOneCompatibleChange() throws {
        let manifest = Snippet.manifest + "\n  - garage.yaml"
        let garage = Snippet.parking
            .replacingOccurrences(of: "module: parking", with: "module: garage")
            .replacingOccurrences(of: "title: Parking", with: "title: Garage")
            .replacingOccurrences(of: "name: Space", with: "name: Bay")
            .replacingOccurrences(of: "type: Space", with: "type: Bay")
            .replacingOccurrences(of: "/parking/", with: "/garage/")
        let changes = try diff(files: ["ocpi.yaml": manifest, "garage.yaml": garage]).changes
        #expect(changes.map(\.description) == ["added module garage (1 object, 0 enums, 1 endpoint): sender compatible, receiver compatible"])
        let removed = try SpecDiffer().diff(
            old: SpecChecker.loadAndCheck(Snippet.source(["ocpi.yaml": manifest, "garage.yaml": garage])).get(),
            new: SpecChecker.loadAndCheck(Snippet.source()).get()
        ).changes
        #expect(removed.map(\.description) == ["removed module garage (1 object, 0 enums, 1 endpoint): sender compatible, receiver compatible"])
    }

    static let listEndpoint = """

          - role: SENDER
            method: GET
            path: /parking
            name: get_spaces
            doc: All spaces.
            paginated: true
            response: {type: Space, card: "*"}
            query:
              - {name: offset, type: int, required: false, doc: First.}
        """

    @Test func endpointAddedBreaksTheSenderRemovedTheReceiver() throws {
        let added = try only(diff { $0 + Self.listEndpoint })
        expect(added, .added, .endpoint, "SENDER GET /parking", sender: .breaking, receiver: .compatible)
        let removed = try only(diff(oldFiles: ["parking.yaml": Snippet.parking + Self.listEndpoint]))
        expect(removed, .removed, .endpoint, "SENDER GET /parking", sender: .compatible, receiver: .breaking)
    }

    @Test func pathChangedBreaksBothAndAParameterRenameNeither() throws {
        let moved = try diff(replacing("path: /parking/{space_id}", with: "path: /parking/spaces/{space_id}")).changes
        #expect(moved.count == 1)
        let change = try #require(moved.first)
        expect(change, .changed, .endpoint, "SENDER GET /parking/spaces/{space_id}", sender: .breaking, receiver: .breaking, aspect: "path")
        #expect(change.old == "/parking/{space_id}")
        #expect(change.new == "/parking/spaces/{space_id}")
        let renamed = try only(diff { $0.replacingOccurrences(of: "space_id", with: "id") })
        expect(renamed, .changed, .pathParameter, "SENDER GET /parking/{id} {id}", sender: .compatible, receiver: .compatible, aspect: "name")
    }

    @Test func pathParameterTypesFollowTheValueRules() throws {
        let change = try only(diff(replacing("{name: space_id, type: CiString(36)", with: "{name: space_id, type: CiString(10)")))
        expect(change, .changed, .pathParameter, "SENDER GET /parking/{space_id} {space_id}", sender: .compatible, receiver: .breaking, aspect: "length")
    }

    @Test func requiredQueryParametersBreakTheReceiverOptionalOnesNobody() throws {
        let withList = Snippet.parking + Self.listEndpoint
        let item = "SENDER GET /parking ?date_from"
        let extra = { (required: Bool) in "\n      - {name: date_from, type: DateTime, required: \(required), doc: Since.}" }
        let optional = try only(diff({ $0 + extra(false) }, files: ["parking.yaml": withList], oldFiles: ["parking.yaml": withList]))
        expect(optional, .added, .queryParameter, item, sender: .compatible, receiver: .compatible)
        let required = try only(diff({ $0 + extra(true) }, files: ["parking.yaml": withList], oldFiles: ["parking.yaml": withList]))
        expect(required, .added, .queryParameter, item, sender: .compatible, receiver: .breaking)
        let removed = try only(diff(files: ["parking.yaml": withList], oldFiles: ["parking.yaml": withList + extra(true)]))
        expect(removed, .removed, .queryParameter, item, sender: .breaking, receiver: .compatible)
        let madeRequired = try only(diff({ $0 + extra(true) }, files: ["parking.yaml": withList], oldFiles: ["parking.yaml": withList + extra(false)]))
        expect(madeRequired, .changed, .queryParameter, item, sender: .compatible, receiver: .breaking, aspect: "required")
        let madeOptional = try only(diff({ $0 + extra(false) }, files: ["parking.yaml": withList], oldFiles: ["parking.yaml": withList + extra(true)]))
        expect(madeOptional, .changed, .queryParameter, item, sender: .breaking, receiver: .compatible, aspect: "required")
    }

    @Test func responsesAndPaginationChanges() throws {
        let withList = Snippet.parking + Self.listEndpoint
        let unpaged = try only(diff(replacing("    paginated: true\n", with: ""), files: ["parking.yaml": withList], oldFiles: ["parking.yaml": withList]))
        expect(unpaged, .changed, .endpoint, "SENDER GET /parking", sender: .breaking, receiver: .breaking, aspect: "paginated")
        let noData = try only(diff(replacing("    response: {type: Space, card: \"1\"}\n", with: ""), files: ["parking.yaml": withList], oldFiles: ["parking.yaml": withList]))
        expect(noData, .removed, .response, "SENDER GET /parking/{space_id}", sender: .breaking, receiver: .compatible)
        let listed = try only(diff(replacing("response: {type: Space, card: \"1\"}", with: "response: {type: Space, card: \"*\"}")))
        expect(listed, .changed, .response, "SENDER GET /parking/{space_id}", sender: .breaking, receiver: .breaking, aspect: "cardinality")
    }

    // MARK: Output

    @Test func everyFormatSaysTheSameThing() throws {
        let diff = try diff(replacing(Self.idLine, with: Self.idLine + "\n      - {name: level, type: int, card: \"1\", doc: The floor.}"))
        let renderer = DiffRenderer()
        #expect(renderer.render(diff, as: .text) == """
            OCPI 9.9 -> 9.9: 1 change: 0 breaking for senders, 1 breaking for receivers

            parking:
              + field Space.level: int "1"  [sender compatible, receiver BREAKING]

            """)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(renderer.render(diff, as: .json).utf8)) as? [String: Any])
        #expect(json["old"] as? String == "9.9")
        let changes = try #require(json["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["kind"] as? String == "added")
        #expect(changes.first?["item"] as? String == "Space.level")
        #expect(changes.first?["sender"] as? String == "compatible")
        #expect(changes.first?["receiver"] as? String == "breaking")
        #expect(changes.first?["aspect"] is NSNull)
        let markdown = renderer.render(diff, as: .markdown)
        #expect(markdown.hasPrefix("# OCPI 9.9 → 9.9\n"))
        #expect(markdown.contains("| added field | `Space.level` | int \"1\" | compatible | **breaking** |"))
        let empty = SpecDiff(oldVersion: "1", newVersion: "2", changes: [])
        #expect(try JSONSerialization.jsonObject(with: Data(renderer.render(empty, as: .json).utf8)) is [String: Any])
    }

    // MARK: 2.1.1 → 2.2.1, against the 2.2.1 changelog

    @Test func releaseDiffReportsWhatTheChangelogLists() throws {
        let diff = SpecDiffer().diff(old: try loadRepositorySpec("2.1.1"), new: try loadRepositorySpec("2.2.1"))
        func find(_ kind: SpecChange.Kind, _ subject: SpecChange.Subject, _ item: String, aspect: String? = nil) throws -> SpecChange {
            try #require(diff.changes.first { $0.kind == kind && $0.subject == subject && $0.item == item && $0.aspect == aspect }, "no \(kind) \(subject) \(item)")
        }
        // New modules.
        expect(try find(.added, .module, "chargingprofiles"), .added, .module, "chargingprofiles", sender: .compatible, receiver: .compatible)
        expect(try find(.added, .module, "hubclientinfo"), .added, .module, "hubclientinfo", sender: .compatible, receiver: .compatible)
        #expect(!diff.changes.contains { $0.subject == .object && $0.item == "ChargingProfile" })
        // Locations: publish added (required), type renamed to parking_type (optional), owner fields added.
        expect(try find(.added, .field, "Location.publish"), .added, .field, "Location.publish", sender: .compatible, receiver: .breaking)
        expect(try find(.added, .field, "Location.parking_type"), .added, .field, "Location.parking_type", sender: .compatible, receiver: .compatible)
        expect(try find(.removed, .field, "Location.type"), .removed, .field, "Location.type", sender: .breaking, receiver: .compatible)
        expect(try find(.added, .field, "Location.country_code"), .added, .field, "Location.country_code", sender: .compatible, receiver: .breaking)
        expect(try find(.added, .field, "Connector.max_electric_power"), .added, .field, "Connector.max_electric_power", sender: .compatible, receiver: .compatible)
        // Hours: the choice is gone, twentyfourseven always required.
        let hours = try find(.changed, .field, "Hours.twentyfourseven", aspect: "cardinality")
        expect(hours, .changed, .field, "Hours.twentyfourseven", sender: .compatible, receiver: .breaking, aspect: "cardinality")
        // New enum values, and removed ones.
        expect(try find(.added, .value, "PowerType.AC_2_PHASE"), .added, .value, "PowerType.AC_2_PHASE", sender: .breaking, receiver: .compatible)
        expect(try find(.added, .value, "Capability.START_SESSION_CONNECTOR_REQUIRED"), .added, .value, "Capability.START_SESSION_CONNECTOR_REQUIRED", sender: .breaking, receiver: .compatible)
        expect(try find(.added, .value, "CommandType.CANCEL_RESERVATION"), .added, .value, "CommandType.CANCEL_RESERVATION", sender: .breaking, receiver: .compatible)
        expect(try find(.removed, .value, "CdrDimensionType.FLAT"), .removed, .value, "CdrDimensionType.FLAT", sender: .compatible, receiver: .breaking)
        expect(try find(.removed, .value, "CommandResponseType.TIMEOUT"), .removed, .value, "CommandResponseType.TIMEOUT", sender: .compatible, receiver: .breaking)
        // CDRs: stop_date_time renamed end_date_time; new optional cost fields; Tokens: auth_id renamed contract_id.
        expect(try find(.removed, .field, "CDR.stop_date_time"), .removed, .field, "CDR.stop_date_time", sender: .breaking, receiver: .compatible)
        expect(try find(.added, .field, "CDR.end_date_time"), .added, .field, "CDR.end_date_time", sender: .compatible, receiver: .breaking)
        expect(try find(.added, .field, "CDR.total_fixed_cost"), .added, .field, "CDR.total_fixed_cost", sender: .compatible, receiver: .compatible)
        expect(try find(.added, .field, "Token.contract_id"), .added, .field, "Token.contract_id", sender: .compatible, receiver: .breaking)
        expect(try find(.removed, .field, "Token.auth_id"), .removed, .field, "Token.auth_id", sender: .breaking, receiver: .compatible)
        expect(try find(.added, .field, "ChargingPeriod.tariff_id"), .added, .field, "ChargingPeriod.tariff_id", sender: .compatible, receiver: .compatible)
        // Types and lengths: ids became CiString(36); ReserveNow.reservation_id an int no more.
        let locationID = try find(.changed, .field, "Location.id", aspect: "type")
        #expect(locationID.old == "string(39)")
        #expect(locationID.new == "CiString(36)")
        #expect(locationID.receiver == .breaking)
        expect(try find(.changed, .field, "ReserveNow.reservation_id", aspect: "type"), .changed, .field, "ReserveNow.reservation_id", sender: .breaking, receiver: .breaking, aspect: "type")
        expect(try find(.changed, .field, "CDR.total_cost", aspect: "type"), .changed, .field, "CDR.total_cost", sender: .breaking, receiver: .breaking, aspect: "type")
        // Allowed was renamed AllowedType with the same values: compatible on the wire.
        expect(try find(.changed, .field, "AuthorizationInfo.allowed", aspect: "type"), .changed, .field, "AuthorizationInfo.allowed", sender: .compatible, receiver: .compatible, aspect: "type")
        // Endpoints: version details moved, Tariffs PATCH removed, charging preferences added,
        // the Tokens type parameter added, the CANCEL_RESERVATION route added.
        let details = try find(.changed, .endpoint, "SENDER GET /2.2.1", aspect: "path")
        #expect(details.old == "/2.1.1")
        #expect(details.sender == .breaking && details.receiver == .breaking)
        expect(try find(.removed, .endpoint, "RECEIVER PATCH /tariffs/{country_code}/{party_id}/{tariff_id}"), .removed, .endpoint, "RECEIVER PATCH /tariffs/{country_code}/{party_id}/{tariff_id}", sender: .compatible, receiver: .breaking)
        expect(try find(.added, .endpoint, "SENDER PUT /sessions/{session_id}/charging_preferences"), .added, .endpoint, "SENDER PUT /sessions/{session_id}/charging_preferences", sender: .breaking, receiver: .compatible)
        let tokenType = "RECEIVER PUT /tokens/{country_code}/{party_id}/{token_uid} ?type"
        expect(try find(.added, .queryParameter, tokenType), .added, .queryParameter, tokenType, sender: .compatible, receiver: .compatible)
        let cancel = "RECEIVER POST /commands/{command} /commands/CANCEL_RESERVATION"
        expect(try find(.added, .operation, cancel), .added, .operation, cancel, sender: .breaking, receiver: .compatible)
        // The command callback now takes a CommandResult instead of a CommandResponse.
        let callback = try find(.changed, .body, "SENDER POST {response_url}", aspect: "type")
        #expect(callback.old == "CommandResponse")
        #expect(callback.new == "CommandResult")
        // Transport: the unknown-token and hub codes, the request and routing headers.
        expect(try find(.added, .statusCode, "2004"), .added, .statusCode, "2004", sender: .compatible, receiver: .compatible)
        expect(try find(.added, .statusCode, "4001"), .added, .statusCode, "4001", sender: .compatible, receiver: .compatible)
        expect(try find(.added, .header, "X-Request-ID"), .added, .header, "X-Request-ID", sender: .compatible, receiver: .compatible)
        expect(try find(.added, .header, "OCPI-to-party-id"), .added, .header, "OCPI-to-party-id", sender: .compatible, receiver: .compatible)
        #expect(!diff.changes.contains { $0.subject == .header && $0.item == "Authorization" })
        #expect(diff.hasBreakingChanges)
    }

    // MARK: The command

    @Test func theCommandExitsZeroUnlessAskedToFailOnBreakingChanges() async throws {
        let cli = CommandLineTests()
        let text = try await cli.run(["diff", "spec/ocpi-2.1.1", "spec/ocpi-2.2.1"])
        #expect(text.status == 0, "\(text.error)")
        #expect(text.output.hasPrefix("OCPI 2.1.1 -> 2.2.1: "))
        #expect(text.output.contains("  + module chargingprofiles: "))
        let json = try await cli.run(["diff", "spec/ocpi-2.1.1", "spec/ocpi-2.2.1", "--format", "json"])
        #expect(json.status == 0)
        #expect(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) is [String: Any])
        let markdown = try await cli.run(["diff", "spec/ocpi-2.1.1", "spec/ocpi-2.2.1", "--format", "markdown"])
        #expect(markdown.output.hasPrefix("# OCPI 2.1.1 → 2.2.1"))
        #expect(try await cli.run(["diff", "spec/ocpi-2.1.1", "spec/ocpi-2.2.1", "--fail-on-breaking"]).status == 1)
        #expect(try await cli.run(["diff", "spec/ocpi-2.2.1", "spec/ocpi-2.2.1", "--fail-on-breaking"]).status == 0)
        let broken = try await cli.run(["diff", "spec/ocpi-2.1.1", "spec/no-such-release"])
        #expect(broken.status == 1)
        #expect(broken.error.contains("spec/no-such-release"))
        #expect(broken.output == "")
        #expect(try await cli.run(["diff", "spec/ocpi-2.1.1", "spec/ocpi-2.2.1", "--format", "yaml"]).status != 0)
    }
}
