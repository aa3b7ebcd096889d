import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

/// Every operation of every module, in both roles, over real HTTP on loopback: one server
/// assembled from all 18 generated route tables (handlers in EveryEndpointHandlers.swift), called
/// by the generated clients. For each operation the test checks what the handler received (typed
/// path and query parameters, typed body) and that the client got back, typed, exactly what the
/// handler answered (data, or the HTTP status of a no-data answer).
@Suite(.holdsResources) struct EveryEndpointTests {
    @Test(arguments: EveryEndpoint.Module.allCases)
    func everyOperationOfTheModuleWorksEndToEnd(_ module: EveryEndpoint.Module) async throws {
        let recorder = EndpointRecorder()
        try await TestServer.run(EveryEndpoint.mounts(recorder)) { root in
            try await EveryEndpoint.exercise(module, Harness(root: root, recorder: recorder))
        }
        let expected = Set(EveryEndpoint.routeTables.flatMap(\.routes).filter { $0.module.rawValue == module.rawValue }.map(OperationKey.init))
        let recorded = await recorder.operations
        #expect(!expected.isEmpty)
        #expect(recorded == expected, "missing: \(expected.subtracting(recorded).sorted()); unexpected: \(recorded.subtracting(expected).sorted())")
    }

    /// Module URLs published with a trailing slash are used as they are: a call on the module's
    /// own URL keeps the slash, a call below it adds no second one (every generated client, with
    /// the requests' URLs as sent); published without, nothing gains a slash.
    @Test(arguments: [true, false])
    func everyGeneratedClientUsesModuleURLsAsPublished(_ trailingSlash: Bool) async throws {
        let recorder = EndpointRecorder()
        let sent = RecordingTransport()
        try await TestServer.run(EveryEndpoint.mounts(recorder)) { root in
            let harness = Harness(root: root, recorder: recorder, trailingSlash: trailingSlash, transport: sent)
            for module in EveryEndpoint.Module.allCases {
                try await EveryEndpoint.exercise(module, harness)
            }
            let endpoints = EveryEndpoint.routeTables.map { harness.endpoint($0.interface.module, $0.interface.role) }
            let urls = sent.urls
            #expect(urls.count >= 52)
            for url in urls {
                let path = String(url.dropFirst(root.count).prefix { $0 != "?" })
                #expect(!path.contains("//"), "\(url)")
                // Every call is on its module's URL or below it (run-time URLs too, in this harness).
                #expect(endpoints.contains { url.hasPrefix(trailingSlash ? $0 : $0 + "/") || url.prefix { $0 != "?" } == $0 }, "\(url)")
                if !trailingSlash { #expect(!path.hasSuffix("/"), "\(url)") }
            }
            let moduleCalls = urls.filter { url in endpoints.contains { url.prefix { $0 != "?" } == $0 } }
            #expect(!moduleCalls.isEmpty, "calls on a module's own URL (lists, credentials)")
        }
    }

    @Test func thereAre52OperationsAndEveryOneIsExercised() async throws {
        let tables = EveryEndpoint.routeTables
        let routes = tables.flatMap(\.routes)
        #expect(tables.count == 18)
        #expect(routes.count == 52)
        let expected = Set(routes.map(OperationKey.init))
        #expect(expected.count == 52, "an operation name is used twice")

        let recorder = EndpointRecorder()
        // Once over real HTTP: every operation through the socket, as partners call it.
        try await TestServer.run(EveryEndpoint.mounts(recorder), stack: .ours) { root in
            let harness = Harness(root: root, recorder: recorder)
            for module in EveryEndpoint.Module.allCases {
                try await EveryEndpoint.exercise(module, harness)
            }
        }
        let recorded = await recorder.operations
        for table in tables {
            let wanted = Set(table.routes.map(OperationKey.init))
            let got = recorded.filter { $0.interface == table.interface.name }
            #expect(got == wanted, "\(table.interface.name): missing \(wanted.subtracting(got).sorted()), unexpected \(got.subtracting(wanted).sorted())")
        }
        #expect(recorded == expected)
        #expect(recorded.count == 52)
        // Every request was authenticated as the eMSP whose token the clients use.
        let calls = await recorder.calls
        #expect(calls.allSatisfy { $0.partyID == "emsp" })
    }

    @Test func theMountLayoutFollowsTheSpecRolesAndNothingCollides() throws {
        // The role table used to pick /cpo or /emsp is the spec's.
        let specFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("spec/ocpi-2.2.1")
        for (module, roles) in EveryEndpoint.specRoles {
            let text = try String(contentsOf: specFolder.appendingPathComponent("\(module).yaml"), encoding: .utf8)
            #expect(Self.roles("sender_roles", in: text) == roles.sender, "\(module) sender_roles")
            #expect(Self.roles("receiver_roles", in: text) == roles.receiver, "\(module) receiver_roles")
        }
        #expect(Set(EveryEndpoint.specRoles.keys) == Set(EveryEndpoint.Module.allCases.map(\.rawValue)))

        // Each interface is one generated table whose routes all carry its module and role.
        #expect(Set(EveryEndpoint.interfaces.map(\.name)).count == 18)
        for table in EveryEndpoint.routeTables {
            #expect(!table.routes.isEmpty)
            #expect(table.routes.allSatisfy { $0.module.rawValue == table.interface.module && $0.role?.rawValue == table.interface.role }, "\(table.interface.name)")
        }
        let bases = Dictionary(uniqueKeysWithValues: EveryEndpoint.interfaces.map { ($0.name, $0.base) })
        #expect(bases["locations SENDER"] == EveryEndpoint.cpoBase)
        #expect(bases["locations RECEIVER"] == EveryEndpoint.emspBase)
        #expect(bases["tokens RECEIVER"] == EveryEndpoint.cpoBase)
        #expect(bases["tokens SENDER"] == EveryEndpoint.emspBase)
        #expect(bases["chargingprofiles RECEIVER"] == EveryEndpoint.cpoBase)
        #expect(bases["hubclientinfo RECEIVER"] == EveryEndpoint.cpoBase)
        #expect(bases["hubclientinfo SENDER"] == EveryEndpoint.emspBase)
        #expect(bases["credentials SENDER"] == EveryEndpoint.cpoBase)
        #expect(bases["versions SENDER"] == EveryEndpoint.versionsBase)

        // As mounted, no two routes answer the same method and path pattern; mounted all under
        // one base they would.
        let mounted = EveryEndpoint.routeTables.flatMap { table in table.routes.map { (table.interface.base, $0) } }
        #expect(Self.collisions(mounted).isEmpty, "\(Self.collisions(mounted))")
        let oneBase = EveryEndpoint.routeTables.flatMap { table in table.routes.map { ("/ocpi/2.2.1", $0) } }
        #expect(Self.collisions(oneBase).contains("GET /ocpi/2.2.1/locations/{}/{}/{}"))
        // Run-time URL operations are mounted at /<module>/<operation>/{callback}.
        for route in EveryEndpoint.routeTables.flatMap(\.routes) where route.isRuntimeURL {
            #expect(route.mountPath == "/\(route.module)/\(route.operation)/{callback}")
        }
        #expect(EveryEndpoint.routeTables.flatMap(\.routes).filter(\.isRuntimeURL).count == 5)
    }

    @Test func reservedCharactersInParametersArriveIntact() async throws {
        let recorder = EndpointRecorder()
        // Over real HTTP: the encoding on the wire is what this is about.
        try await TestServer.run(EveryEndpoint.mounts(recorder), stack: .ours) { root in
            let h = Harness(root: root, recorder: recorder)
            // Path parameters: escaped by the client, unescaped once by the server.
            let locations = LocationsSenderClient(connection: h.connection("locations", "SENDER"))
            for id in ["LOC 1", "A+B", "A%41", "a/b", "a?b#c;d", "~x.y_z-"] {
                _ = try await locations.getLocation(locationID: id)
                let call = try await h.call("locations", "SENDER", "get_location")
                #expect(call.argument("location_id", as: String.self) == id)
            }
            // A URL as a query parameter.
            let profiles = ChargingProfilesReceiverClient(connection: h.connection("chargingprofiles", "RECEIVER"))
            for url in ["https://x.example/cb?a=1&b=2", "https://x.example/a+b%20c", "https://x.example/p;q#f"] {
                _ = try await profiles.deleteChargingProfile(sessionID: "SESSION-1", responseURL: url)
                let call = try await h.call("chargingprofiles", "RECEIVER", "delete_charging_profile")
                #expect(call.argument("response_url", as: String.self) == url)
            }
            // A run-time URL minted with an escaped callback.
            let commands = CommandsSenderClient(connection: h.connection("commands", "SENDER"))
            let url = h.runtimeURL("commands", "post_command_result", callback: "RES 1/2+3")
            #expect(url.hasSuffix("/commands/post_command_result/RES%201%2F2%2B3"))
            _ = try await commands.postCommandResult(responseURL: url, body: Fixtures.commandResult(.reserveNow))
            let call = try await h.call("commands", "SENDER", "post_command_result")
            #expect(call.argument("callback", as: String.self) == "RES 1/2+3")
        }
    }

    @Test func theTestValuesAreValid() {
        let url = "https://emsp.example.com/ocpi/emsp/2.2.1/commands/post_command_result/X"
        let values: [any OCPIModel] = [
            Fixtures.connector, Fixtures.evse, Fixtures.location, Fixtures.otherLocation, Fixtures.locationPatch, Fixtures.evsePatch,
            Fixtures.connectorPatch, Fixtures.token, Fixtures.tokenPatch, Fixtures.session, Fixtures.sessionPatch, Fixtures.chargingPreferences,
            Fixtures.tariff, Fixtures.cdr, Fixtures.locationReferences, Fixtures.commandResponse(.startSession), Fixtures.commandResult(.stopSession),
            Fixtures.chargingProfile, Fixtures.activeChargingProfile, Fixtures.credentials(token: "abc"), Fixtures.emspCredentials,
            Fixtures.clientInfo, Fixtures.otherClientInfo, EveryEndpoint.versionDetails(root: "http://127.0.0.1:8080"),
        ] + EveryEndpoint.commands(responseURL: { _ in url }).map(\.body)
        for value in values {
            #expect(value.validate().isEmpty, "\(type(of: value)): \(value.validate())")
        }
    }

    /// `[CPO, EMSP]` from a line `<key>: [CPO, EMSP]` of a spec file.
    static func roles(_ key: String, in text: String) -> [String]? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
              let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]")
        else { return nil }
        return line[line.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Method and path patterns (parameter names left out) that more than one route answers.
    static func collisions(_ mounted: [(String, OCPIRoute)]) -> Set<String> {
        var seen: [String: Int] = [:]
        for (base, route) in mounted {
            let pattern = (base + route.mountPath).split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
            seen["\(route.method.rawValue) \(pattern)", default: 0] += 1
        }
        return Set(seen.filter { $0.value > 1 }.keys)
    }
}

// MARK: - The server under test

/// One generated interface (module and role) and its route table.
struct MountedInterface: Sendable {
    let module: String
    let role: String
    let makeRoutes: @Sendable (EndpointRecorder) -> [OCPIRoute]

    init(_ module: String, _ role: String, _ makeRoutes: @escaping @Sendable (EndpointRecorder) -> [OCPIRoute]) {
        self.module = module
        self.role = role
        self.makeRoutes = makeRoutes
    }

    var name: String { "\(module) \(role)" }
    var base: String { EveryEndpoint.base(module: module, role: role) }
}

enum EveryEndpoint {
    static let cpoBase = "/ocpi/cpo/2.2.1"
    static let emspBase = "/ocpi/emsp/2.2.1"
    static let versionsBase = "/ocpi"

    enum Module: String, CaseIterable, Sendable {
        case locations, sessions, cdrs, tariffs, tokens, commands, chargingprofiles, credentials, hubclientinfo, versions
    }

    /// `sender_roles` and `receiver_roles` of each module's spec file (checked against spec/).
    static let specRoles: [String: (sender: [String], receiver: [String])] = [
        "cdrs": (["CPO"], ["EMSP"]),
        "chargingprofiles": (["SCSP", "EMSP"], ["CPO"]),
        "commands": (["EMSP"], ["CPO"]),
        "credentials": (["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"], []),
        "hubclientinfo": (["HUB"], ["CPO", "EMSP", "NAP", "NSP", "SCSP", "OTHER"]),
        "locations": (["CPO"], ["EMSP", "NSP"]),
        "sessions": (["CPO"], ["EMSP", "SCSP"]),
        "tariffs": (["CPO"], ["EMSP", "NSP"]),
        "tokens": (["EMSP"], ["CPO"]),
        "versions": (["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"], []),
    ]

    /// Versions under /ocpi; an interface under /ocpi/cpo/2.2.1 when "CPO" is among the module's
    /// roles for that side, else under /ocpi/emsp/2.2.1.
    static func base(module: String, role: String) -> String {
        if module == "versions" { return versionsBase }
        let roles = role == "SENDER" ? specRoles[module]?.sender : specRoles[module]?.receiver
        return (roles ?? []).contains("CPO") ? cpoBase : emspBase
    }

    /// All 18 generated interfaces.
    static let interfaces: [MountedInterface] = [
        MountedInterface("locations", "SENDER") { OCPIRoutes.locationsSender(LocationsSenderHandler(recorder: $0)) },
        MountedInterface("locations", "RECEIVER") { OCPIRoutes.locationsReceiver(LocationsReceiverHandler(recorder: $0)) },
        MountedInterface("sessions", "SENDER") { OCPIRoutes.sessionsSender(SessionsSenderHandler(recorder: $0)) },
        MountedInterface("sessions", "RECEIVER") { OCPIRoutes.sessionsReceiver(SessionsReceiverHandler(recorder: $0)) },
        MountedInterface("cdrs", "SENDER") { OCPIRoutes.cdrsSender(CDRsSenderHandler(recorder: $0)) },
        MountedInterface("cdrs", "RECEIVER") { OCPIRoutes.cdrsReceiver(CDRsReceiverHandler(recorder: $0)) },
        MountedInterface("tariffs", "SENDER") { OCPIRoutes.tariffsSender(TariffsSenderHandler(recorder: $0)) },
        MountedInterface("tariffs", "RECEIVER") { OCPIRoutes.tariffsReceiver(TariffsReceiverHandler(recorder: $0)) },
        MountedInterface("tokens", "SENDER") { OCPIRoutes.tokensSender(TokensSenderHandler(recorder: $0)) },
        MountedInterface("tokens", "RECEIVER") { OCPIRoutes.tokensReceiver(TokensReceiverHandler(recorder: $0)) },
        MountedInterface("commands", "SENDER") { OCPIRoutes.commandsSender(CommandsSenderHandler(recorder: $0)) },
        MountedInterface("commands", "RECEIVER") { OCPIRoutes.commandsReceiver(CommandsReceiverHandler(recorder: $0)) },
        MountedInterface("chargingprofiles", "SENDER") { OCPIRoutes.chargingProfilesSender(ChargingProfilesSenderHandler(recorder: $0)) },
        MountedInterface("chargingprofiles", "RECEIVER") { OCPIRoutes.chargingProfilesReceiver(ChargingProfilesReceiverHandler(recorder: $0)) },
        MountedInterface("credentials", "SENDER") { OCPIRoutes.credentialsSender(CredentialsSenderHandler(recorder: $0)) },
        MountedInterface("hubclientinfo", "SENDER") { OCPIRoutes.hubClientInfoSender(HubClientInfoSenderHandler(recorder: $0)) },
        MountedInterface("hubclientinfo", "RECEIVER") { OCPIRoutes.hubClientInfoReceiver(HubClientInfoReceiverHandler(recorder: $0)) },
        MountedInterface("versions", "SENDER") { OCPIRoutes.versionsSender(VersionsSenderHandler(recorder: $0)) },
    ]

    /// What `TestServer.run` mounts: every interface's routes at its base.
    static func mounts(_ recorder: EndpointRecorder) -> [(String, [OCPIRoute])] {
        interfaces.map { ($0.base, $0.makeRoutes(recorder)) }
    }

    /// The generated route tables, for counting and for their mount paths.
    static let routeTables: [(interface: MountedInterface, routes: [OCPIRoute])] = interfaces.map { ($0, $0.makeRoutes(EndpointRecorder())) }

    /// The mounted path of a run-time URL operation, `/<module>/<operation>/<callback>`, taken
    /// from its route's `mountPath`.
    static func runtimePath(_ module: String, _ operation: String, callback: String) -> String {
        guard let route = routeTables.flatMap(\.routes).first(where: { $0.module.rawValue == module && $0.operation == operation && $0.isRuntimeURL }) else {
            return "/no-such-runtime-route/\(module)/\(operation)"
        }
        return route.mountPath.replacingOccurrences(of: "{callback}", with: QueryString.escape(callback))
    }

    static func versions(root: String) -> [Version] {
        [Version(version: .v2_2_1, url: root + versionsBase + "/2.2.1")]
    }

    static func versionDetails(root: String) -> VersionDetails {
        VersionDetails(
            version: .v2_2_1,
            endpoints: interfaces.filter { $0.module != "versions" }.map {
                Endpoint(identifier: ModuleID(rawValue: $0.module), role: InterfaceRole(rawValue: $0.role), url: root + $0.base + "/" + $0.module)
            }
        )
    }

    /// The five commands, each with its body, for one response URL maker.
    static func commands(responseURL: (CommandType) -> String) -> [(command: CommandType, body: any OCPIModel)] {
        [
            (.cancelReservation, CancelReservation(responseURL: responseURL(.cancelReservation), reservationID: "RES-1")),
            (.reserveNow, ReserveNow(
                responseURL: responseURL(.reserveNow), token: Fixtures.token, expiryDate: Fixtures.at(1800), reservationID: "RES-1",
                locationID: "LOC-1", evseUID: "EVSE-1", authorizationReference: "AUTH-2"
            )),
            (.startSession, StartSession(
                responseURL: responseURL(.startSession), token: Fixtures.token, locationID: "LOC-1", evseUID: "EVSE-1", connectorID: "1",
                authorizationReference: "AUTH-1"
            )),
            (.stopSession, StopSession(responseURL: responseURL(.stopSession), sessionID: "SESSION-1")),
            (.unlockConnector, UnlockConnector(responseURL: responseURL(.unlockConnector), locationID: "LOC-1", evseUID: "EVSE-1", connectorID: "1")),
        ]
    }

    static func exercise(_ module: Module, _ harness: Harness) async throws {
        switch module {
        case .locations: try await locations(harness)
        case .sessions: try await sessions(harness)
        case .cdrs: try await cdrs(harness)
        case .tariffs: try await tariffs(harness)
        case .tokens: try await tokens(harness)
        case .commands: try await commands(harness)
        case .chargingprofiles: try await chargingProfiles(harness)
        case .credentials: try await credentials(harness)
        case .hubclientinfo: try await hubClientInfo(harness)
        case .versions: try await versions(harness)
        }
    }
}

/// The client side of one test: URLs of the running server and the handlers' record.
struct Harness: Sendable {
    let root: String
    let recorder: EndpointRecorder
    /// Whether version details publish module URLs with a trailing slash (as FastAPI does).
    var trailingSlash = false
    var transport: any OCPIClientTransport = TestServer.transport

    /// The module URL of an interface, as version details would give it.
    func endpoint(_ module: String, _ role: String) -> String {
        root + EveryEndpoint.base(module: module, role: role) + "/" + module + (trailingSlash ? "/" : "")
    }

    func connection(_ module: String, _ role: String) -> OCPIConnection {
        TestServer.connection(endpoint(module, role), transport: transport)
    }

    /// The full URL of a run-time URL operation (`…/commands/post_command_result/<callback>`).
    func runtimeURL(_ module: String, _ operation: String, callback: String) -> String {
        let role = EveryEndpoint.routeTables.flatMap(\.routes).first { $0.module.rawValue == module && $0.operation == operation }?.role?.rawValue ?? "SENDER"
        return root + EveryEndpoint.base(module: module, role: role) + EveryEndpoint.runtimePath(module, operation, callback: callback)
    }

    /// The one handler call the last request made: it must be `operation` of `module`/`role`,
    /// authenticated as the eMSP whose token the clients use.
    func call(_ module: String, _ role: String, _ operation: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> RecordedCall {
        let calls = await recorder.takeNew()
        #expect(calls.count == 1, "\(operation): \(calls.count) handler calls", sourceLocation: sourceLocation)
        let call = try #require(calls.last, "\(module) \(role) \(operation) reached no handler", sourceLocation: sourceLocation)
        #expect(call.key == OperationKey(module, role, operation), sourceLocation: sourceLocation)
        #expect(call.partyID == "emsp", sourceLocation: sourceLocation)
        return call
    }

    /// The text parameters the handler got, and no other arguments than those and `others`.
    func expectParameters(
        _ call: RecordedCall, _ expected: KeyValuePairs<String, String>, others: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (name, value) in expected {
            #expect(call.argument(name, as: String.self) == value, "\(call.key): \(name)", sourceLocation: sourceLocation)
        }
        #expect(call.argumentNames == Set(expected.map(\.key)).union(others), "\(call.key)", sourceLocation: sourceLocation)
    }

    /// The client got, typed, what the handler answered.
    func expectReturned<T: Equatable>(_ call: RecordedCall, _ received: T, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(call.httpStatus == 200, sourceLocation: sourceLocation)
        #expect(call.returned(as: T.self) == received, "\(call.key): the client got something else than the handler answered", sourceLocation: sourceLocation)
    }

    /// A no-data answer: the handler's HTTP status reached the client, with OCPI 1000 and no data.
    func expectNoData(_ result: OCPIClientResult<OCPINoData>, _ call: RecordedCall, status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(call.httpStatus == status, sourceLocation: sourceLocation)
        #expect(call.returned == nil, sourceLocation: sourceLocation)
        #expect(result.httpStatus == status, "\(call.key)", sourceLocation: sourceLocation)
        #expect(result.statusCode == 1000, sourceLocation: sourceLocation)
        #expect(result.data == nil, sourceLocation: sourceLocation)
    }

    /// A list request: the filters and page window arrived typed.
    func expectListArguments(
        _ call: RecordedCall, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(call.argumentNames == ["date_from", "date_to", "offset", "limit"], sourceLocation: sourceLocation)
        #expect(call.argument("date_from", as: OCPIDateTime.self) == dateFrom, sourceLocation: sourceLocation)
        #expect(call.argument("date_to", as: OCPIDateTime.self) == dateTo, sourceLocation: sourceLocation)
        #expect(call.argument("offset", as: Int.self) == offset, sourceLocation: sourceLocation)
        #expect(call.argument("limit", as: Int.self) == limit, sourceLocation: sourceLocation)
    }
}

// MARK: - The operations, module by module

extension EveryEndpoint {
    static let from = Fixtures.at(-86_400)
    static let to = Fixtures.at(86_400)

    /// 13 operations: 4 of the SENDER (CPO), 9 of the RECEIVER (eMSP).
    static func locations(_ h: Harness) async throws {
        let sender = LocationsSenderClient(connection: h.connection("locations", "SENDER"))

        let listed = try await sender.getLocations(dateFrom: from, dateTo: to, offset: 5, limit: 20).collect()
        var call = try await h.call("locations", "SENDER", "get_locations")
        h.expectListArguments(call, dateFrom: from, dateTo: to, offset: 5, limit: 20)
        #expect(listed == [Fixtures.location, Fixtures.otherLocation])
        h.expectReturned(call, listed)

        let location = try await sender.getLocation(locationID: "LOC-1")
        call = try await h.call("locations", "SENDER", "get_location")
        h.expectParameters(call, ["location_id": "LOC-1"])
        #expect(location == Fixtures.location)
        h.expectReturned(call, location)

        let evse = try await sender.getEVSE(locationID: "LOC-1", evseUID: "EVSE-1")
        call = try await h.call("locations", "SENDER", "get_evse")
        h.expectParameters(call, ["location_id": "LOC-1", "evse_uid": "EVSE-1"])
        #expect(evse == Fixtures.evse)
        h.expectReturned(call, evse)

        let connector = try await sender.getConnector(locationID: "LOC-1", evseUID: "EVSE-1", connectorID: "1")
        call = try await h.call("locations", "SENDER", "get_connector")
        h.expectParameters(call, ["location_id": "LOC-1", "evse_uid": "EVSE-1", "connector_id": "1"])
        #expect(connector == Fixtures.connector)
        h.expectReturned(call, connector)

        let receiver = LocationsReceiverClient(connection: h.connection("locations", "RECEIVER"))

        var result = try await receiver.putLocation(countryCode: "NL", partyID: "CPO", locationID: "LOC-1", body: Fixtures.location)
        call = try await h.call("locations", "RECEIVER", "put_location")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1"], others: ["body"])
        #expect(call.argument("body", as: Location.self) == Fixtures.location)
        h.expectNoData(result, call, status: 201)

        result = try await receiver.putEVSE(countryCode: "NL", partyID: "CPO", locationID: "LOC-1", evseUID: "EVSE-1", body: Fixtures.evse)
        call = try await h.call("locations", "RECEIVER", "put_evse")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1", "evse_uid": "EVSE-1"], others: ["body"])
        #expect(call.argument("body", as: EVSE.self) == Fixtures.evse)
        h.expectNoData(result, call, status: 201)

        result = try await receiver.putConnector(countryCode: "NL", partyID: "CPO", locationID: "LOC-1", evseUID: "EVSE-1", connectorID: "1", body: Fixtures.connector)
        call = try await h.call("locations", "RECEIVER", "put_connector")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1", "evse_uid": "EVSE-1", "connector_id": "1"], others: ["body"])
        #expect(call.argument("body", as: Connector.self) == Fixtures.connector)
        h.expectNoData(result, call, status: 201)

        result = try await receiver.patchLocation(countryCode: "NL", partyID: "CPO", locationID: "LOC-1", body: Fixtures.locationPatch)
        call = try await h.call("locations", "RECEIVER", "patch_location")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1"], others: ["body"])
        #expect(call.argument("body", as: LocationPatch.self) == Fixtures.locationPatch)
        h.expectNoData(result, call, status: 200)

        result = try await receiver.patchEVSE(countryCode: "NL", partyID: "CPO", locationID: "LOC-1", evseUID: "EVSE-1", body: Fixtures.evsePatch)
        call = try await h.call("locations", "RECEIVER", "patch_evse")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1", "evse_uid": "EVSE-1"], others: ["body"])
        #expect(call.argument("body", as: EVSEPatch.self) == Fixtures.evsePatch)
        h.expectNoData(result, call, status: 200)

        result = try await receiver.patchConnector(countryCode: "NL", partyID: "CPO", locationID: "LOC-1", evseUID: "EVSE-1", connectorID: "1", body: Fixtures.connectorPatch)
        call = try await h.call("locations", "RECEIVER", "patch_connector")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1", "evse_uid": "EVSE-1", "connector_id": "1"], others: ["body"])
        #expect(call.argument("body", as: ConnectorPatch.self) == Fixtures.connectorPatch)
        h.expectNoData(result, call, status: 200)

        let stored = try await receiver.getLocation(countryCode: "NL", partyID: "CPO", locationID: "LOC-1")
        call = try await h.call("locations", "RECEIVER", "get_location")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1"])
        #expect(stored == Fixtures.location)
        h.expectReturned(call, stored)

        let storedEVSE = try await receiver.getEVSE(countryCode: "NL", partyID: "CPO", locationID: "LOC-1", evseUID: "EVSE-1")
        call = try await h.call("locations", "RECEIVER", "get_evse")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1", "evse_uid": "EVSE-1"])
        #expect(storedEVSE == Fixtures.evse)
        h.expectReturned(call, storedEVSE)

        let storedConnector = try await receiver.getConnector(countryCode: "NL", partyID: "CPO", locationID: "LOC-1", evseUID: "EVSE-1", connectorID: "1")
        call = try await h.call("locations", "RECEIVER", "get_connector")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "location_id": "LOC-1", "evse_uid": "EVSE-1", "connector_id": "1"])
        #expect(storedConnector == Fixtures.connector)
        h.expectReturned(call, storedConnector)
    }

    /// 5 operations: 2 of the SENDER (CPO), 3 of the RECEIVER (eMSP).
    static func sessions(_ h: Harness) async throws {
        let sender = SessionsSenderClient(connection: h.connection("sessions", "SENDER"))

        // No offset or limit sent: the handler gets offset 0 and the server's maximum limit.
        let listed = try await sender.getSessions(dateFrom: from).collect()
        var call = try await h.call("sessions", "SENDER", "get_sessions")
        h.expectListArguments(call, dateFrom: from, dateTo: nil, offset: 0, limit: 100)
        #expect(listed == [Fixtures.session])
        h.expectReturned(call, listed)

        let preferences = try await sender.putChargingPreferences(sessionID: "SESSION-1", body: Fixtures.chargingPreferences)
        call = try await h.call("sessions", "SENDER", "put_charging_preferences")
        h.expectParameters(call, ["session_id": "SESSION-1"], others: ["body"])
        #expect(call.argument("body", as: ChargingPreferences.self) == Fixtures.chargingPreferences)
        #expect(preferences == .departureRequired)
        h.expectReturned(call, preferences)

        let receiver = SessionsReceiverClient(connection: h.connection("sessions", "RECEIVER"))

        var result = try await receiver.putSession(countryCode: "NL", partyID: "CPO", sessionID: "SESSION-1", body: Fixtures.session)
        call = try await h.call("sessions", "RECEIVER", "put_session")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "session_id": "SESSION-1"], others: ["body"])
        #expect(call.argument("body", as: Session.self) == Fixtures.session)
        h.expectNoData(result, call, status: 201)

        result = try await receiver.patchSession(countryCode: "NL", partyID: "CPO", sessionID: "SESSION-1", body: Fixtures.sessionPatch)
        call = try await h.call("sessions", "RECEIVER", "patch_session")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "session_id": "SESSION-1"], others: ["body"])
        #expect(call.argument("body", as: SessionPatch.self) == Fixtures.sessionPatch)
        h.expectNoData(result, call, status: 200)

        let stored = try await receiver.getSession(countryCode: "NL", partyID: "CPO", sessionID: "SESSION-1")
        call = try await h.call("sessions", "RECEIVER", "get_session")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "session_id": "SESSION-1"])
        #expect(stored == Fixtures.session)
        h.expectReturned(call, stored)
    }

    /// 3 operations: 1 of the SENDER (CPO), 2 of the RECEIVER (eMSP), one at a run-time URL.
    static func cdrs(_ h: Harness) async throws {
        let sender = CDRsSenderClient(connection: h.connection("cdrs", "SENDER"))
        let listed = try await sender.getCDRs(dateTo: to, limit: 1).collect()
        var call = try await h.call("cdrs", "SENDER", "get_cdrs")
        h.expectListArguments(call, dateFrom: nil, dateTo: to, offset: 0, limit: 1)
        #expect(listed == [Fixtures.cdr])
        h.expectReturned(call, listed)

        let receiver = CDRsReceiverClient(connection: h.connection("cdrs", "RECEIVER"))
        let posted = try await receiver.postCDR(body: Fixtures.cdr)
        call = try await h.call("cdrs", "RECEIVER", "post_cdr")
        h.expectParameters(call, [:], others: ["body"])
        #expect(call.argument("body", as: CDR.self) == Fixtures.cdr)
        h.expectNoData(posted, call, status: 201)

        // The CDR's URL is the Location the receiver answered: the run-time URL of get_cdr.
        let cdrURL = try #require(posted.headers[.location])
        #expect(cdrURL == h.runtimeURL("cdrs", "get_cdr", callback: "CDR-1"))
        let fetched = try await receiver.getCDR(cdrURL: cdrURL)
        call = try await h.call("cdrs", "RECEIVER", "get_cdr")
        h.expectParameters(call, ["callback": "CDR-1"])
        #expect(fetched == Fixtures.cdr)
        h.expectReturned(call, fetched)
    }

    /// 4 operations: 1 of the SENDER (CPO), 3 of the RECEIVER (eMSP).
    static func tariffs(_ h: Harness) async throws {
        let sender = TariffsSenderClient(connection: h.connection("tariffs", "SENDER"))
        let listed = try await sender.getTariffs().collect()
        var call = try await h.call("tariffs", "SENDER", "get_tariffs")
        h.expectListArguments(call, dateFrom: nil, dateTo: nil, offset: 0, limit: 100)
        #expect(listed == [Fixtures.tariff])
        h.expectReturned(call, listed)

        let receiver = TariffsReceiverClient(connection: h.connection("tariffs", "RECEIVER"))

        var result = try await receiver.putTariff(countryCode: "NL", partyID: "CPO", tariffID: "TARIFF-1", body: Fixtures.tariff)
        call = try await h.call("tariffs", "RECEIVER", "put_tariff")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "tariff_id": "TARIFF-1"], others: ["body"])
        #expect(call.argument("body", as: Tariff.self) == Fixtures.tariff)
        h.expectNoData(result, call, status: 201)

        let stored = try await receiver.getTariff(countryCode: "NL", partyID: "CPO", tariffID: "TARIFF-1")
        call = try await h.call("tariffs", "RECEIVER", "get_tariff")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "tariff_id": "TARIFF-1"])
        #expect(stored == Fixtures.tariff)
        h.expectReturned(call, stored)

        result = try await receiver.deleteTariff(countryCode: "NL", partyID: "CPO", tariffID: "TARIFF-1")
        call = try await h.call("tariffs", "RECEIVER", "delete_tariff")
        h.expectParameters(call, ["country_code": "NL", "party_id": "CPO", "tariff_id": "TARIFF-1"])
        h.expectNoData(result, call, status: 200)
    }

    /// 5 operations: 2 of the SENDER (eMSP), 3 of the RECEIVER (CPO).
    static func tokens(_ h: Harness) async throws {
        let sender = TokensSenderClient(connection: h.connection("tokens", "SENDER"))

        let listed = try await sender.getTokens(dateFrom: from, dateTo: to, offset: 0, limit: 50).collect()
        var call = try await h.call("tokens", "SENDER", "get_tokens")
        h.expectListArguments(call, dateFrom: from, dateTo: to, offset: 0, limit: 50)
        #expect(listed == [Fixtures.token])
        h.expectReturned(call, listed)

        let authorized = try await sender.postAuthorize(tokenUID: "TOKEN-1", type: .rfid, body: Fixtures.locationReferences)
        call = try await h.call("tokens", "SENDER", "post_authorize")
        h.expectParameters(call, ["token_uid": "TOKEN-1"], others: ["type", "body"])
        #expect(call.argument("type", as: TokenType.self) == .rfid)
        #expect(call.argument("body", as: LocationReferences.self) == Fixtures.locationReferences)
        #expect(authorized.allowed == .allowed)
        #expect(authorized.location == Fixtures.locationReferences)
        h.expectReturned(call, authorized)

        // Without the optional type and body: both arrive as nil.
        let bare = try await sender.postAuthorize(tokenUID: "TOKEN-1")
        call = try await h.call("tokens", "SENDER", "post_authorize")
        h.expectParameters(call, ["token_uid": "TOKEN-1"], others: ["type", "body"])
        #expect(call.argument("type", as: TokenType.self) == nil)
        #expect(call.argument("body", as: LocationReferences.self) == nil)
        #expect(bare.allowed == .notAllowed)
        #expect(bare.location == nil)
        h.expectReturned(call, bare)

        let receiver = TokensReceiverClient(connection: h.connection("tokens", "RECEIVER"))

        var result = try await receiver.putToken(countryCode: "DE", partyID: "MSP", tokenUID: "TOKEN-1", type: .rfid, body: Fixtures.token)
        call = try await h.call("tokens", "RECEIVER", "put_token")
        h.expectParameters(call, ["country_code": "DE", "party_id": "MSP", "token_uid": "TOKEN-1"], others: ["type", "body"])
        #expect(call.argument("type", as: TokenType.self) == .rfid)
        #expect(call.argument("body", as: Token.self) == Fixtures.token)
        h.expectNoData(result, call, status: 201)

        result = try await receiver.patchToken(countryCode: "DE", partyID: "MSP", tokenUID: "TOKEN-1", body: Fixtures.tokenPatch)
        call = try await h.call("tokens", "RECEIVER", "patch_token")
        h.expectParameters(call, ["country_code": "DE", "party_id": "MSP", "token_uid": "TOKEN-1"], others: ["type", "body"])
        #expect(call.argument("type", as: TokenType.self) == nil)
        #expect(call.argument("body", as: TokenPatch.self) == Fixtures.tokenPatch)
        h.expectNoData(result, call, status: 200)

        let stored = try await receiver.getToken(countryCode: "DE", partyID: "MSP", tokenUID: "TOKEN-1", type: .appUser)
        call = try await h.call("tokens", "RECEIVER", "get_token")
        h.expectParameters(call, ["country_code": "DE", "party_id": "MSP", "token_uid": "TOKEN-1"], others: ["type"])
        #expect(call.argument("type", as: TokenType.self) == .appUser)
        #expect(stored == Fixtures.token)
        h.expectReturned(call, stored)
    }

    /// 6 operations: the 5 commands of the RECEIVER (CPO), each followed by its result posted to
    /// the SENDER's (eMSP's) run-time URL that the command carried as response_url.
    static func commands(_ h: Harness) async throws {
        let receiver = CommandsReceiverClient(connection: h.connection("commands", "RECEIVER"))
        let results = CommandsSenderClient(connection: h.connection("commands", "SENDER"))
        let callback = { (command: CommandType) in "\(command.rawValue)-42" }

        for (command, body) in commands(responseURL: { h.runtimeURL("commands", "post_command_result", callback: callback($0)) }) {
            let response: CommandResponse
            let responseURL: String
            let operation = "post_\(command.rawValue.lowercased())"
            switch body {
            case let body as CancelReservation:
                response = try await receiver.postCancelReservation(body: body)
                responseURL = body.responseURL
                let call = try await h.call("commands", "RECEIVER", operation)
                #expect(call.argument("body", as: CancelReservation.self) == body)
                h.expectReturned(call, response)
            case let body as ReserveNow:
                response = try await receiver.postReserveNow(body: body)
                responseURL = body.responseURL
                let call = try await h.call("commands", "RECEIVER", operation)
                #expect(call.argument("body", as: ReserveNow.self) == body)
                h.expectReturned(call, response)
            case let body as StartSession:
                response = try await receiver.postStartSession(body: body)
                responseURL = body.responseURL
                let call = try await h.call("commands", "RECEIVER", operation)
                #expect(call.argument("body", as: StartSession.self) == body)
                h.expectReturned(call, response)
            case let body as StopSession:
                response = try await receiver.postStopSession(body: body)
                responseURL = body.responseURL
                let call = try await h.call("commands", "RECEIVER", operation)
                #expect(call.argument("body", as: StopSession.self) == body)
                h.expectReturned(call, response)
            case let body as UnlockConnector:
                response = try await receiver.postUnlockConnector(body: body)
                responseURL = body.responseURL
                let call = try await h.call("commands", "RECEIVER", operation)
                #expect(call.argument("body", as: UnlockConnector.self) == body)
                h.expectReturned(call, response)
            default:
                Issue.record("no client call for \(command)")
                continue
            }
            #expect(response == Fixtures.commandResponse(command))
            #expect(responseURL.hasPrefix(h.root + EveryEndpoint.emspBase + "/commands/post_command_result/"))

            // The CPO answers later at the response_url it was given.
            let outcome = Fixtures.commandResult(command)
            let posted = try await results.postCommandResult(responseURL: responseURL, body: outcome)
            let call = try await h.call("commands", "SENDER", "post_command_result")
            h.expectParameters(call, ["callback": callback(command)], others: ["body"])
            #expect(call.argument("body", as: CommandResult.self) == outcome)
            h.expectNoData(posted, call, status: 200)
        }
    }

    /// 7 operations: 3 of the RECEIVER (CPO), each answered later at the SENDER's run-time URL it
    /// was given (3 result operations), and the SENDER's PUT of a changed active profile.
    static func chargingProfiles(_ h: Harness) async throws {
        let receiver = ChargingProfilesReceiverClient(connection: h.connection("chargingprofiles", "RECEIVER"))
        let sender = ChargingProfilesSenderClient(connection: h.connection("chargingprofiles", "SENDER"))

        let activeURL = h.runtimeURL("chargingprofiles", "post_active_charging_profile_result", callback: "SESSION-1-get")
        let asked = try await receiver.getActiveChargingProfile(sessionID: "SESSION-1", duration: 900, responseURL: activeURL)
        var call = try await h.call("chargingprofiles", "RECEIVER", "get_active_charging_profile")
        h.expectParameters(call, ["session_id": "SESSION-1", "response_url": activeURL], others: ["duration"])
        #expect(call.argument("duration", as: Int.self) == 900)
        #expect(asked == ChargingProfileResponse(result: .accepted, timeout: 30))
        h.expectReturned(call, asked)

        let activeResult = ActiveChargingProfileResult(result: .accepted, profile: Fixtures.activeChargingProfile)
        var result = try await sender.postActiveChargingProfileResult(responseURL: activeURL, body: activeResult)
        call = try await h.call("chargingprofiles", "SENDER", "post_active_charging_profile_result")
        h.expectParameters(call, ["callback": "SESSION-1-get"], others: ["body"])
        #expect(call.argument("body", as: ActiveChargingProfileResult.self) == activeResult)
        h.expectNoData(result, call, status: 200)

        let set = SetChargingProfile(
            chargingProfile: Fixtures.chargingProfile,
            responseURL: h.runtimeURL("chargingprofiles", "post_charging_profile_result", callback: "SESSION-1-set")
        )
        let setAnswer = try await receiver.putChargingProfile(sessionID: "SESSION-1", body: set)
        call = try await h.call("chargingprofiles", "RECEIVER", "put_charging_profile")
        h.expectParameters(call, ["session_id": "SESSION-1"], others: ["body"])
        #expect(call.argument("body", as: SetChargingProfile.self) == set)
        #expect(setAnswer == ChargingProfileResponse(result: .accepted, timeout: 45))
        h.expectReturned(call, setAnswer)

        let setResult = ChargingProfileResult(result: .rejected)
        result = try await sender.postChargingProfileResult(responseURL: set.responseURL, body: setResult)
        call = try await h.call("chargingprofiles", "SENDER", "post_charging_profile_result")
        h.expectParameters(call, ["callback": "SESSION-1-set"], others: ["body"])
        #expect(call.argument("body", as: ChargingProfileResult.self) == setResult)
        h.expectNoData(result, call, status: 200)

        let clearURL = h.runtimeURL("chargingprofiles", "post_clear_profile_result", callback: "SESSION-1-clear")
        let cleared = try await receiver.deleteChargingProfile(sessionID: "SESSION-1", responseURL: clearURL)
        call = try await h.call("chargingprofiles", "RECEIVER", "delete_charging_profile")
        h.expectParameters(call, ["session_id": "SESSION-1", "response_url": clearURL])
        #expect(cleared == ChargingProfileResponse(result: .unknownSession, timeout: 60))
        h.expectReturned(call, cleared)

        let clearResult = ClearProfileResult(result: .unknown)
        result = try await sender.postClearProfileResult(responseURL: clearURL, body: clearResult)
        call = try await h.call("chargingprofiles", "SENDER", "post_clear_profile_result")
        h.expectParameters(call, ["callback": "SESSION-1-clear"], others: ["body"])
        #expect(call.argument("body", as: ClearProfileResult.self) == clearResult)
        h.expectNoData(result, call, status: 200)

        result = try await sender.putActiveChargingProfile(sessionID: "SESSION-1", body: Fixtures.activeChargingProfile)
        call = try await h.call("chargingprofiles", "SENDER", "put_active_charging_profile")
        h.expectParameters(call, ["session_id": "SESSION-1"], others: ["body"])
        #expect(call.argument("body", as: ActiveChargingProfile.self) == Fixtures.activeChargingProfile)
        h.expectNoData(result, call, status: 201)
    }

    /// 4 operations of the SENDER (the only role of a configuration module).
    static func credentials(_ h: Harness) async throws {
        let client = CredentialsSenderClient(connection: h.connection("credentials", "SENDER"))

        let current = try await client.getCredentials()
        var call = try await h.call("credentials", "SENDER", "get_credentials")
        h.expectParameters(call, [:])
        #expect(current == Fixtures.credentials(token: "token-C-for-the-emsp"))
        h.expectReturned(call, current)

        let registered = try await client.postCredentials(body: Fixtures.emspCredentials)
        call = try await h.call("credentials", "SENDER", "post_credentials")
        h.expectParameters(call, [:], others: ["body"])
        #expect(call.argument("body", as: Credentials.self) == Fixtures.emspCredentials)
        #expect(registered == Fixtures.credentials(token: "token-C-after-post"))
        h.expectReturned(call, registered)

        var renewed = Fixtures.emspCredentials
        renewed.token = "token-B-renewed"
        let updated = try await client.putCredentials(body: renewed)
        call = try await h.call("credentials", "SENDER", "put_credentials")
        h.expectParameters(call, [:], others: ["body"])
        #expect(call.argument("body", as: Credentials.self) == renewed)
        #expect(updated == Fixtures.credentials(token: "token-C-after-put"))
        h.expectReturned(call, updated)

        let deleted = try await client.deleteCredentials()
        call = try await h.call("credentials", "SENDER", "delete_credentials")
        h.expectParameters(call, [:])
        h.expectNoData(deleted, call, status: 200)
    }

    /// 3 operations: 1 of the SENDER (hub), 2 of the RECEIVER (a connected party, here the CPO).
    static func hubClientInfo(_ h: Harness) async throws {
        let sender = HubClientInfoSenderClient(connection: h.connection("hubclientinfo", "SENDER"))
        let listed = try await sender.getClientInfos(dateFrom: from, offset: 1, limit: 10).collect()
        var call = try await h.call("hubclientinfo", "SENDER", "get_client_infos")
        h.expectListArguments(call, dateFrom: from, dateTo: nil, offset: 1, limit: 10)
        #expect(listed == [Fixtures.clientInfo, Fixtures.otherClientInfo])
        h.expectReturned(call, listed)

        let receiver = HubClientInfoReceiverClient(connection: h.connection("hubclientinfo", "RECEIVER"))
        let put = try await receiver.putClientInfo(countryCode: "FR", partyID: "OTH", body: Fixtures.clientInfo)
        call = try await h.call("hubclientinfo", "RECEIVER", "put_client_info")
        h.expectParameters(call, ["country_code": "FR", "party_id": "OTH"], others: ["body"])
        #expect(call.argument("body", as: ClientInfo.self) == Fixtures.clientInfo)
        h.expectNoData(put, call, status: 201)

        let stored = try await receiver.getClientInfo(countryCode: "FR", partyID: "OTH")
        call = try await h.call("hubclientinfo", "RECEIVER", "get_client_info")
        h.expectParameters(call, ["country_code": "FR", "party_id": "OTH"])
        #expect(stored == Fixtures.clientInfo)
        h.expectReturned(call, stored)
    }

    /// 2 operations of the SENDER: the versions list, then the details at the URL it gave.
    static func versions(_ h: Harness) async throws {
        let list = try await VersionsSenderClient(connection: TestServer.connection(h.root + versionsBase + "/versions")).getVersions()
        var call = try await h.call("versions", "SENDER", "get_versions")
        h.expectParameters(call, [:])
        #expect(list == EveryEndpoint.versions(root: h.root))
        h.expectReturned(call, list)

        let detailsURL = try #require(list.first { $0.version == .v2_2_1 }?.url)
        let details = try await VersionsSenderClient(connection: TestServer.connection(detailsURL)).getVersionDetails()
        call = try await h.call("versions", "SENDER", "get_version_details")
        h.expectParameters(call, [:])
        #expect(details == EveryEndpoint.versionDetails(root: h.root))
        #expect(details.endpoints.count == 17)
        h.expectReturned(call, details)
        // Each advertised endpoint is where the harness's clients go (the harness that adds a
        // trailing slash adds it to these).
        for endpoint in details.endpoints {
            #expect(endpoint.url + (h.trailingSlash ? "/" : "") == h.endpoint(endpoint.identifier.rawValue, endpoint.role.rawValue))
        }
    }
}

