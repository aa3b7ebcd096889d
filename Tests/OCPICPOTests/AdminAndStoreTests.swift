import Foundation
import OCPI221
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

@Suite(.holdsResources) struct AdminAndStoreTests {
    static let bearer = "Bearer \(CPOPeer.adminToken)"

    static func locationJSON(_ id: String, countryCode: String = "NL", partyID: String = "SOC") -> String {
        let location = DemoData.locations(for: PartyIdentity(countryCode: countryCode, partyID: partyID), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[1]
        var copy = location
        copy.id = id
        return String(decoding: copy.jsonBytes(), as: UTF8.self)
    }

    @Test func theAdminAPIWritesWhatTheOCPIModulesServe() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        try await cpo.run {
            let admin = cpo.baseURL + "/admin/2.2.1/locations"
            let created = try await send("PUT", admin + "/NEW-1", authorization: Self.bearer, body: Self.locationJSON("NEW-1"))
            #expect(created.status == 201)
            #expect(created.statusCode == 1000)
            #expect(try await send("PUT", admin + "/NEW-1", authorization: Self.bearer, body: Self.locationJSON("NEW-1")).status == 200)
            // An eMSP reads the EVSE (remembered by the store for a second) before and after
            // the change: a write through the server is seen at once.
            let emsp = CredentialsToken.header(for: try await ModuleTests.registerEMSP(cpo, countryCode: "DE", partyID: "MSP"))
            let evse = cpo.baseURL + "/ocpi/cpo/2.2.1/locations/NEW-1/UTR-MALIEBAAN-1"
            #expect(try await send("GET", evse, authorization: emsp).text.contains(#""status":"AVAILABLE""#))
            // An EVSE status change, by PATCH.
            let patch = try await send("PATCH", admin + "/NEW-1/UTR-MALIEBAAN-1", authorization: Self.bearer,
                                       body: #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#)
            #expect(patch.statusCode == 1000)
            #expect(try await send("GET", evse, authorization: emsp).text.contains(#""status":"CHARGING""#))
            let stored = try #require(try await cpo.server.store.get(ObjectKey(module: .locations, countryCode: "NL", partyID: "SOC", id: "NEW-1")))
            let location = try #require(try Location.decodeJSON(stored.json).value)
            #expect(location.evses.first?.status == .charging)
            #expect(location.lastUpdated == OCPIDateTime("2030-01-01T00:00:00Z"), "a change below moves the location's last_updated")
            // A connector added by PUT.
            let connector = #"{"id": "9", "standard": "DOMESTIC_F", "format": "SOCKET", "power_type": "AC_1_PHASE", "max_voltage": 230, "max_amperage": 16, "last_updated": "2030-01-02T00:00:00Z"}"#
            #expect(try await send("PUT", admin + "/NEW-1/UTR-MALIEBAAN-1/9", authorization: Self.bearer, body: connector).status == 201)
        }
    }

    @Test func theAdminAPIRefusesWhatTheSpecRefuses() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        try await cpo.run {
            let admin = cpo.baseURL + "/admin/2.2.1/locations"
            #expect(try await send("PUT", admin + "/X", authorization: nil, body: Self.locationJSON("X")).status == 401)
            #expect(try await send("PUT", admin + "/X", authorization: "Bearer wrong", body: Self.locationJSON("X")).status == 401)
            let foreign = try await send("PUT", admin + "/X", authorization: Self.bearer, body: Self.locationJSON("X", countryCode: "DE", partyID: "ABC"))
            #expect(foreign.status == 200)
            #expect(foreign.statusCode == 2001)
            let mismatch = try await send("PUT", admin + "/Y", authorization: Self.bearer, body: Self.locationJSON("X"))
            #expect(mismatch.statusCode == 2001)
            let invalid = try await send("PUT", admin + "/X", authorization: Self.bearer, body: #"{"id": "X"}"#)
            #expect(invalid.status == 200)
            #expect(invalid.statusCode == 2001)
            let notJSON = try await send("PUT", admin + "/X", authorization: Self.bearer, body: "{")
            #expect(notJSON.status == 400)
            let unknown = try await send("PATCH", admin + "/NOPE/1", authorization: Self.bearer, body: #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#)
            #expect(unknown.status == 404)
            #expect(unknown.statusCode == 2003)
            // OCPI credentials do not open the admin API, nor the admin token OCPI.
            let tokenA = try await cpo.server.registry.invite().token
            #expect(try await send("PUT", admin + "/X", authorization: CredentialsToken.header(for: tokenA), body: Self.locationJSON("X")).status == 401)
            #expect(try await send("GET", cpo.baseURL + "/ocpi/versions", authorization: Self.bearer).status == 401)
        }
    }

    @Test(arguments: TestDatabase.all)
    func dataSurvivesARestart(_ database: TestDatabase) async throws {
        let location = try database.makeLocation()
        defer { database.remove(location) }
        let first = try await CPOPeer.open(database: location, demoData: false)
        let tokenA = try await first.closedIfThrows { try await first.server.registry.invite().token }
        try await first.run {
            let response = try await send("PUT", first.baseURL + "/admin/2.2.1/locations/KEEP", authorization: Self.bearer, body: Self.locationJSON("KEEP"))
            #expect(response.status == 201)
        }

        let second = try await CPOPeer.open(database: location, demoData: false)
        try await second.closing { () async throws in
            #expect(try await second.server.store.schemaVersion() == SQLStore.latestSchemaVersion)
            let kept = try await second.server.store.list(ObjectFilter(module: .locations), offset: 0, limit: 10)
            #expect(kept.objects.map(\.key.id) == ["KEEP"])
            #expect(try await second.server.registry.partner(incomingToken: tokenA) != nil)
        }
    }

    /// Changes to one location at the same time all stay: each reads the location the one
    /// before wrote. (Thirty connectors added at once: a lost update would drop some.)
    @Test func concurrentChangesToOneLocationAreAllKept() async throws {
        let cpo = try await CPOPeer.open(demoData: true)
        try await cpo.run {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        let evse = "UTR-STATION-\(index % 3 + 1)"
                        let connector = #"{"id": "C\#(index)", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE", "max_voltage": 400, "max_amperage": 32, "last_updated": "2030-01-01T00:00:00Z"}"#
                        return try await send("PUT", cpo.baseURL + "/admin/2.2.1/locations/UTR-STATION/\(evse)/C\(index)", authorization: Self.bearer, body: connector).status
                    }
                }
                for try await status in group { #expect(status == 201) }
            }
            let location = try await PushTests.stored(cpo, .locations, "UTR-STATION", as: Location.self)
            let added = location.evses.flatMap(\.connectors).map(\.id).filter { $0.hasPrefix("C") }
            #expect(Set(added) == Set((0..<30).map { "C\($0)" }), "no change was lost")
        }
    }

    /// Two CPOs' objects on two stores opened on one new database, as two instances have them;
    /// the stores are shut down after `body`.
    static func withTwoInstances(_ database: TestDatabase, _ body: ([CPOObjects]) async throws -> Void) async throws {
        let location = try StoreLocation(parsing: try database.makeDatabaseArgument())
        defer { database.remove(location) }
        let stores = [try await SQLStore.open(location), try await SQLStore.open(location)]
        do {
            try await body(stores.map { CPOObjects(store: $0, party: PartyIdentity(countryCode: "NL", partyID: "SOC")) })
        } catch {
            for store in stores { try? await store.shutdown() }
            throw error
        }
        for store in stores { try await store.shutdown() }
    }

    /// Two instances on one database (each its own store and its own per-process ordering)
    /// change one location at the same time: every change stays, because a write goes only over
    /// the revision it read and is otherwise made again on the newer state.
    @Test(arguments: TestDatabase.all)
    func twoInstancesChangingOneLocationLoseNothing(_ database: TestDatabase) async throws {
        try await Self.withTwoInstances(database) { instances in
            let party = PartyIdentity(countryCode: "NL", partyID: "SOC")
            try await instances[0].putLocation(DemoData.locations(for: party, at: .now())[0])
            let template = try #require(Connector.decodeJSON(Array(#"""
                {"id": "C", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE", "max_voltage": 400, "max_amperage": 32,
                 "last_updated": "2030-01-01T00:00:00Z"}
                """#.utf8)).value)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        var connector = template
                        connector.id = "C\(index)"
                        _ = try await instances[index % 2].putConnector(connector, locationID: "UTR-STATION", evseUID: "UTR-STATION-\(index % 3 + 1)")
                    }
                }
                try await group.waitForAll()
            }
            let patch = try #require(EVSEPatch.decodeJSON(Array(#"{"status": "BLOCKED", "last_updated": "2030-01-02T00:00:00Z"}"#.utf8)).value)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<3 {
                    group.addTask { try await instances[index % 2].patchEVSE(patch, locationID: "UTR-STATION", evseUID: "UTR-STATION-\(index + 1)") }
                }
                try await group.waitForAll()
            }
            let stored = try await instances[1].location("UTR-STATION")
            let added = stored.evses.flatMap(\.connectors).map(\.id).filter { $0.hasPrefix("C") }
            #expect(Set(added) == Set((0..<40).map { "C\($0)" }), "no change was lost")
            #expect(stored.evses.allSatisfy { $0.status == .blocked })
        }
    }

    /// Of two instances posting a CDR with one id at the same time, exactly one succeeds.
    @Test(arguments: TestDatabase.all)
    func aCDRIdIsTakenOnceAcrossInstances(_ database: TestDatabase) async throws {
        try await Self.withTwoInstances(database) { instances in
            let cdr = ModuleTests.cdr("TWICE", for: "DE", "MSP")
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for instance in instances {
                    group.addTask {
                        do {
                            try await instance.postCDR(cdr)
                            return true
                        } catch let error as OCPIError where error.kind == .invalidRequest {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1 && outcomes.count == 2, "one success, one refusal: \(outcomes)")
        }
    }
}

/// The operator's writes are held to `OperatorRules` besides the spec: a negative price, power,
/// voltage or amperage is valid OCPI yet nonsense, and is refused like invalid OCPI.
@Suite(.holdsResources) struct OperatorRulesTests {
    static func location(_ change: (inout Location) -> Void) -> String {
        var location = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[1]
        change(&location)
        return String(decoding: location.jsonBytes(), as: UTF8.self)
    }

    @Test func writesThatMakeNoBusinessSenseAreRefusedWithTheirPointers() async throws {
        let cpo = try await CPOPeer.open(demoData: false)
        try await cpo.run {
            let admin = cpo.baseURL + "/admin/2.2.1"
            let id = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: .now())[1].id
            let negative = try await send("PUT", admin + "/locations/\(id)", authorization: AdminAndStoreTests.bearer, body: Self.location {
                $0.evses[0].connectors[0].maxVoltage = -230
                $0.evses[0].connectors[0].maxAmperage = 0
            })
            #expect(negative.status == 200 && negative.statusCode == 2001, "\(negative.text)")
            #expect(negative.text.contains("/evses/0/connectors/0/max_voltage") && negative.text.contains("/evses/0/connectors/0/max_amperage"), "\(negative.text)")
            #expect(try await cpo.server.store.get(ObjectKey(module: .locations, countryCode: "NL", partyID: "SOC", id: id)) == nil, "nothing is written")

            let patch = try await send("PATCH", admin + "/locations/\(id)", authorization: AdminAndStoreTests.bearer, body: #"{"last_updated": "2030-01-01T00:00:00Z", "evses": [{"uid": "E", "status": "AVAILABLE", "last_updated": "2030-01-01T00:00:00Z", "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE", "max_voltage": 230, "max_amperage": 16, "max_electric_power": -1, "last_updated": "2030-01-01T00:00:00Z"}]}]}"#)
            #expect(patch.statusCode == 2001 && patch.text.contains("/evses/0/connectors/0/max_electric_power"), "\(patch.text)")

            var tariff = DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[0]
            tariff.elements[0].priceComponents[0].price = -0.25
            let cheap = try await send("PUT", admin + "/tariffs/\(tariff.id)", authorization: AdminAndStoreTests.bearer, body: String(decoding: tariff.jsonBytes(), as: UTF8.self))
            #expect(cheap.statusCode == 2001 && cheap.text.contains("/elements/0/price_components/0/price"), "\(cheap.text)")

            // A valid one still goes through.
            #expect(try await send("PUT", admin + "/locations/\(id)", authorization: AdminAndStoreTests.bearer, body: Self.location { _ in }).status == 201)
        }
    }

    @Test func importRefusesAFileWithANegativePrice() async throws {
        var tariff = DemoData.tariffs(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_700_000_000))[0]
        tariff.minPrice = Price(exclVAT: -1, inclVAT: -1.21)
        let cpo = try await CPOPeer.open(demoData: false)
        let reader = CPOImport(store: cpo.server.store, party: PartyIdentity(countryCode: "NL", partyID: "SOC"))
        try await cpo.closing { () async throws in
            do {
                _ = try reader.read(tariff.jsonBytes())
                Issue.record("a tariff with a negative price was read")
            } catch {
                #expect("\(error)".contains("/min_price/excl_vat") && "\(error)".contains("/min_price/incl_vat"), "\(error)")
            }
        }
    }
}
