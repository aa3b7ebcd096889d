import Foundation
import OCPIRuntime
import OCPIStore
import OCPITestSupport
import Synchronization
import Testing

/// The store's behaviour, the same on every database it runs on.
@Suite(.holdsResources) struct StoreSuite {
    static func object(_ id: String, module: ObjectModule = .tariffs, at seconds: Int64 = 1_700_000_000, owner: String = "", json: String = "{}") -> StoredObject {
        StoredObject(
            key: ObjectKey(module: module, countryCode: "NL", partyID: "SOC", id: id), owner: owner,
            lastUpdated: OCPIDateTime(secondsSince1970: seconds), json: Array(json.utf8)
        )
    }

    /// Opens a new database of the kind, runs `body` on it, and closes it whatever happens.
    static func withStore(_ database: TestDatabase, _ body: (SQLStore, StoreLocation) async throws -> Void) async throws {
        let location = try database.makeLocation()
        defer { database.remove(location) }
        let store = try await SQLStore.open(location)
        try await store.closing { try await body(store, location) }
    }

    /// `withStore` on a new SQLite file, with the file's path.
    static func withSQLiteFile(_ body: (SQLStore, String) async throws -> Void) async throws {
        try await withStore(.sqlite) { store, location in
            guard case .sqlite(let path) = location else {
                Issue.record("an SQLite test database is a file, not \(location)")
                return
            }
            try await body(store, path)
        }
    }

    @Test(arguments: TestDatabase.all)
    func objectsArePutReadAndDeletedByCaseInsensitiveKey(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, _ async throws in
            #expect(try await store.put(Self.object("T1", json: #"{"v":1}"#)) == .created)
            #expect(try await store.put(Self.object("t1", json: #"{"v":2}"#)) == .updated, "ids are CiStrings")
            let key = ObjectKey(module: .tariffs, countryCode: "nl", partyID: "soc", id: "T1")
            #expect(try await store.get(key)?.json == Array(#"{"v":2}"#.utf8), "the bytes come back as they were written")
            #expect(try await store.get(ObjectKey(module: .locations, countryCode: "NL", partyID: "SOC", id: "T1")) == nil, "modules are apart")
            #expect(try await store.delete(key))
            #expect(try await store.delete(key) == false)
            #expect(try await store.get(key) == nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func tokensOfTwoTypesWithOneUIDAreTwoObjects(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, _ async throws in
            let rfid = ObjectKey(module: .tokens, countryCode: "DE", partyID: "MSP", id: "123", kind: "RFID")
            let app = ObjectKey(module: .tokens, countryCode: "DE", partyID: "MSP", id: "123", kind: "APP_USER")
            try await store.put(StoredObject(key: rfid, lastUpdated: OCPIDateTime(secondsSince1970: 1), json: Array("1".utf8)))
            try await store.put(StoredObject(key: app, lastUpdated: OCPIDateTime(secondsSince1970: 1), json: Array("2".utf8)))
            #expect(try await store.get(rfid)?.json == Array("1".utf8))
            #expect(try await store.get(app)?.json == Array("2".utf8))
        }
    }

    @Test(arguments: TestDatabase.all)
    func listsKeepInsertionOrderAndFilterByDateFromInclusiveToExclusive(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, _ async throws in
            for index in 0..<20 {
                try await store.put(Self.object("T\(index)", at: Int64(1000 + index % 5), json: #"{"n":\#(index)}"#))
            }
            // An update keeps the object's place in the list.
            #expect(try await store.put(Self.object("T0", at: 1004)) == .updated)
            let page = try await store.list(ObjectFilter(module: .tariffs), offset: 0, limit: 3)
            #expect(page.objects.map(\.key.id) == ["T0", "T1", "T2"])
            #expect(page.total == 20)
            let next = try await store.list(ObjectFilter(module: .tariffs), offset: 18, limit: 3)
            #expect(next.objects.map(\.key.id) == ["T18", "T19"])
            let inWindow = ObjectFilter(module: .tariffs, dateFrom: OCPIDateTime(secondsSince1970: 1001), dateTo: OCPIDateTime(secondsSince1970: 1003))
            let window = try await store.list(inWindow, offset: 0, limit: 100)
            // 1001 and 1002: four objects each (T0 moved to 1004).
            #expect(window.total == 8)
            #expect(window.objects.allSatisfy { [1001, 1002].contains($0.lastUpdated.secondsSince1970) })
            // What a list endpoint reads: the same page, its JSON alone.
            for (filter, offset) in [(ObjectFilter(module: .tariffs), 17), (inWindow, 2)] {
                let lean = try await store.listJSON(filter, offset: offset, limit: 4)
                let full = try await store.list(filter, offset: offset, limit: 4)
                #expect(lean.objects == full.objects.map(\.json))
                #expect(lean.total == full.total)
            }
        }
    }

    /// A page a client reaches by going on from the page before starts after that page's last
    /// row (found on the index at any depth) rather than skipping rows: the same page while the
    /// list keeps its rows. A delete in this process makes offsets count again; one by another
    /// instance is not seen, and the crawl goes on after the row it was last sent.
    @Test(arguments: TestDatabase.all)
    func aPageThatFollowsTheLastStartsAfterItsLastRow(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, location async throws in
            for index in 0..<10 {
                try await store.put(Self.object("T\(index)"))
            }
            let all = ObjectFilter(module: .tariffs)
            #expect(try await store.list(all, offset: 0, limit: 4).objects.map(\.key.id) == ["T0", "T1", "T2", "T3"])
            #expect(try await store.list(all, offset: 4, limit: 4).objects.map(\.key.id) == ["T4", "T5", "T6", "T7"], "unchanged: the same page")

            let other = try await SQLStore.open(location)
            try await other.closing { () async throws in
                #expect(try await other.delete(StoreSuite.object("T1").key))
            }
            #expect(
                try await store.list(all, offset: 4, limit: 4).objects.map(\.key.id) == ["T4", "T5", "T6", "T7"],
                "after the row the crawl was last sent (T3), though T1 went meanwhile"
            )
            #expect(try await store.listJSON(all, offset: 8, limit: 4).objects.count == 2, "T8 and T9")

            #expect(try await store.delete(StoreSuite.object("T2").key))
            #expect(try await store.list(all, offset: 4, limit: 4).objects.map(\.key.id) == ["T6", "T7", "T8", "T9"], "offsets count again")
            #expect(try await store.list(all, offset: 1, limit: 2).objects.map(\.key.id) == ["T3", "T4"], "an offset no page ended at")
            let total = try await store.list(all, offset: 0, limit: 1).total
            #expect(total == 8)

            // A list counted row by row (a time window) is counted once per crawl: its later
            // pages give the total of its first, as clients expect of X-Total-Count.
            let window = ObjectFilter(module: .tariffs, dateFrom: OCPIDateTime(secondsSince1970: 1_000))
            #expect(try await store.listJSON(window, offset: 0, limit: 4).total == 8)
            try await store.put(Self.object("NEW"))
            #expect(try await store.listJSON(window, offset: 4, limit: 4).total == 8, "the crawl's count")
            #expect(try await store.listJSON(window, offset: 0, limit: 4).total == 9, "a new crawl counts again")
        }
    }

    /// The position a `Link` carries (`seek`) starts the page on any instance, one that served
    /// nothing of the list included: after the row the page before ended on, found on the index,
    /// with the list's filter applied to what follows. A position for another offset than the
    /// one asked for is not used: the offset counts, as for any client that adds up offsets.
    @Test(arguments: TestDatabase.all)
    func aPageStartsAtTheSeekItsLinkCarriedOnAnyInstance(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, location async throws in
            let abc = PartyIdentity(countryCode: "NL", partyID: "ABC")
            func other(_ id: String) -> StoredObject {
                StoredObject(
                    key: ObjectKey(module: .tariffs, countryCode: abc.countryCode, partyID: abc.partyID, id: id),
                    lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000), json: Array("\"\(id)\"".utf8)
                )
            }
            try await store.put(other("X0"))
            for index in 0..<10 { try await store.put(Self.object("T\(index)", json: "\"T\(index)\"")) }
            try await store.put(other("X1"))
            try await store.put(other("X2"))
            let soc = ObjectFilter(module: .tariffs, party: PartyIdentity(countryCode: "NL", partyID: "SOC"))
            let ids = { (page: [[UInt8]]) in page.map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\"", with: "") } }

            let first = try await store.listJSON(soc, offset: 0, limit: 4, seek: nil)
            #expect(ids(first.objects) == ["T0", "T1", "T2", "T3"])
            #expect(first.total == 10)
            let rows = try await store.list(soc, offset: 0, limit: 10).objects
            let next = try #require(first.next)
            #expect(next == PageSeek(offset: 4, after: rows[3].sequence), "after T3, the page's last row")

            // A second instance that served nothing of the list; T1 goes meanwhile, so that the
            // offset alone now starts one row further on.
            let second = try await SQLStore.open(location)
            do {
                #expect(try await second.delete(Self.object("T1").key))
                let linked = try await second.listJSON(soc, offset: 4, limit: 4, seek: next)
                #expect(ids(linked.objects) == ["T4", "T5", "T6", "T7"], "the rows after T3, where the link said")
                #expect(linked.next == PageSeek(offset: 8, after: rows[7].sequence))
                #expect(linked.total == 9)
                let cold = try await SQLStore.open(location)
                let byOffset = try await cold.closing { try await cold.listJSON(soc, offset: 4, limit: 4, seek: nil) }
                #expect(ids(byOffset.objects) == ["T5", "T6", "T7", "T8"], "by the offset alone, on an instance without the position")

                let edited = try await second.listJSON(soc, offset: 2, limit: 2, seek: next)
                #expect(ids(edited.objects) == ["T3", "T4"], "a position for offset 4 is not used at offset 2")
                #expect(edited.next == PageSeek(offset: 4, after: rows[4].sequence))

                let abcList = ObjectFilter(module: .tariffs, party: abc)
                let seeked = try await second.listJSON(abcList, offset: 1, limit: 10, seek: PageSeek(offset: 1, after: rows[0].sequence))
                #expect(ids(seeked.objects) == ["X1", "X2"], "only the list's own rows after the position")
                #expect(try await second.listJSON(abcList, offset: 2, limit: 10, seek: PageSeek(offset: 2, after: Int64.max)).objects.isEmpty)
            } catch {
                try await second.shutdown()
                throw error
            }
            try await second.shutdown()
        }
    }

    @Test(arguments: TestDatabase.all)
    func lastUpdatedKeepsMicroseconds(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, _ async throws in
            let time = try #require(OCPIDateTime("2024-03-31T01:59:59.123456Z"))
            var object = Self.object("T")
            object.lastUpdated = time
            try await store.put(object)
            #expect(try await store.get(object.key)?.lastUpdated == time)
            let before = try await store.list(ObjectFilter(module: .tariffs, dateTo: time), offset: 0, limit: 10)
            let from = try await store.list(ObjectFilter(module: .tariffs, dateFrom: time), offset: 0, limit: 10)
            #expect(before.total == 0)
            #expect(from.total == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func sessionsAreListedOnlyForTheirOwners(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, _ async throws in
            try await store.put(Self.object("S1", module: .sessions, owner: "DE/MSP"))
            try await store.put(Self.object("S2", module: .sessions, owner: "FR/OTH"))
            try await store.put(Self.object("S3", module: .sessions, owner: "DE/MSP"))
            let mine = try await store.list(ObjectFilter(module: .sessions, owners: ["DE/MSP"]), offset: 0, limit: 10)
            #expect(mine.objects.map(\.key.id) == ["S1", "S3"])
            #expect(mine.total == 2)
            let both = try await store.list(ObjectFilter(module: .sessions, owners: ["DE/MSP", "FR/OTH"]), offset: 0, limit: 10)
            #expect(both.total == 3)
            let none = try await store.list(ObjectFilter(module: .sessions, owners: []), offset: 0, limit: 10)
            #expect(none.total == 0, "a partner with no roles owns nothing")
        }
    }

    @Test(arguments: TestDatabase.all)
    func partnersAreFoundByIDAndByTokenAndSettingsAreKept(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, _ async throws in
            try await store.insertPartner(id: "p1", tokenHash: "token-a", parties: [], document: Array(#"{"n":1}"#.utf8))
            try await store.insertPartner(id: "p2", tokenHash: "token-b", parties: [], document: Array(#"{"n":2}"#.utf8))
            #expect(try await store.partner(tokenHash: "token-a") == Array(#"{"n":1}"#.utf8))
            try await store.updatePartner(id: "p1", tokenHash: "token-c", parties: [], document: Array(#"{"n":3}"#.utf8))
            #expect(try await store.partner(tokenHash: "token-a") == nil, "a rotated token opens nothing")
            #expect(try await store.partner(tokenHash: "token-c") == Array(#"{"n":3}"#.utf8))
            #expect(try await store.partner(id: "p2") == Array(#"{"n":2}"#.utf8))
            #expect(try await store.partners().count == 2)
            await #expect(throws: (any Error).self, "a token belongs to one partner") {
                try await store.insertPartner(id: "p3", tokenHash: "token-b", parties: [], document: Array("{}".utf8))
            }
            #expect(try await store.setting("public_url") == nil)
            try await store.setSetting("public_url", "http://a")
            try await store.setSetting("public_url", "http://b")
            #expect(try await store.setting("public_url") == "http://b")
        }
    }

    /// The size a page reports is kept by the database as objects come and go, through every
    /// kind of write and from every store on it; it agrees with counting the rows (which a time
    /// window still does).
    @Test(arguments: TestDatabase.all)
    func listSizesStayExactThroughEveryKindOfWrite(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, location async throws in
            let other = try await SQLStore.open(location)
            try await other.closing { () async throws in
                func object(_ id: String, party: String) -> StoredObject {
                    StoredObject(key: ObjectKey(module: .tariffs, countryCode: "NL", partyID: party, id: id), lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000), json: Array("{}".utf8))
                }
                for index in 0..<12 { try await store.put(object("T\(index)", party: index < 8 ? "SOC" : "ABC")) }
                try await other.put(object("T0", party: "SOC"))  // a replacement
                #expect(try await store.put(object("T1", party: "SOC"), ifRevision: 0) == false, "an insert that finds the object")
                #expect(try await other.put(object("T2", party: "SOC"), ifRevision: 1))
                #expect(try await other.put(object("NEW", party: "SOC"), ifRevision: 0))
                #expect(try await store.delete(object("T3", party: "SOC").key))
                #expect(try await other.delete(object("T3", party: "SOC").key) == false)
                #expect(try await other.delete(object("T9", party: "ABC").key))

                let soc = PartyIdentity(countryCode: "NL", partyID: "SOC")
                let abc = PartyIdentity(countryCode: "nl", partyID: "abc")
                let always = OCPIDateTime(secondsSince1970: 0)
                for reader in [store, other] {
                    #expect(try await reader.list(ObjectFilter(module: .tariffs, party: soc), offset: 0, limit: 1).total == 8)
                    #expect(try await reader.list(ObjectFilter(module: .tariffs, party: abc), offset: 0, limit: 1).total == 3)
                    #expect(try await reader.list(ObjectFilter(module: .tariffs), offset: 0, limit: 1).total == 11)
                    #expect(try await reader.list(ObjectFilter(module: .tariffs, party: soc, dateFrom: always), offset: 0, limit: 1).total == 8, "counted")
                    #expect(try await reader.list(ObjectFilter(module: .locations, party: soc), offset: 0, limit: 1).total == 0)
                }
            }
        }
    }

    /// Who presents a token is remembered for a second: a change through the same store is seen
    /// at once, one through another store on the database (another instance) within the second,
    /// and an unknown token is asked again every time.
    @Test(arguments: TestDatabase.all)
    func partnersByTokenAreRememberedForASecond(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, location async throws in
            let recent = RecentPartners<String>(store: store)
            let decodes = Mutex(0)
            let decode: @Sendable ([UInt8]) -> String = { document in
                decodes.withLock { $0 += 1 }
                return String(decoding: document, as: UTF8.self)
            }
            #expect(try await recent.partner(presenting: "token-a", digest: { $0 }, decode: decode) == nil)
            try await store.insertPartner(id: "p1", tokenHash: "token-a", parties: [], document: Array("one".utf8))
            #expect(try await recent.partner(presenting: "token-a", digest: { $0 }, decode: decode) == "one", "an unknown token is not remembered")
            #expect(try await recent.partner(presenting: "token-a", digest: { $0 }, decode: decode) == "one")
            #expect(decodes.withLock { $0 } == 1, "the second ask is answered from memory")

            try await store.updatePartner(id: "p1", tokenHash: "token-a", parties: [], document: Array("two".utf8))
            #expect(try await recent.partner(presenting: "token-a", digest: { $0 }, decode: decode) == "two", "a change here is seen at once")

            let other = try await SQLStore.open(location)
            try await other.closing { () async throws in
                try await other.updatePartner(id: "p1", tokenHash: "token-b", parties: [], document: Array("three".utf8))
            }
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await recent.partner(presenting: "token-a", digest: { $0 }, decode: decode) == nil, "a token revoked elsewhere stops working within a second")
            #expect(try await recent.partner(presenting: "token-b", digest: { $0 }, decode: decode) == "three")
        }
    }

    /// `recent(_:)` answers from memory for a second on SQLite: every write through the same
    /// store is seen at once, one through another store on the file within the second. On
    /// PostgreSQL it reads the database every time, so another instance's write is seen at once.
    @Test(arguments: TestDatabase.all)
    func recentReadsSeeWritesThroughTheStoreAtOnce(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, location async throws in
            let key = Self.object("R1").key
            #expect(try await store.recent(key) == nil)
            try await store.put(Self.object("R1", json: #"{"v":1}"#))
            #expect(try await store.recent(key)?.json == Array(#"{"v":1}"#.utf8), "an absent object is not remembered")
            #expect(try await store.recent(key)?.json == Array(#"{"v":1}"#.utf8))

            try await store.put(Self.object("r1", json: #"{"v":2}"#))
            #expect(try await store.recent(key)?.json == Array(#"{"v":2}"#.utf8), "put is seen at once, whatever the id's case")
            let revision = try #require(try await store.get(key)).revision
            #expect(try await store.put(Self.object("R1", json: #"{"v":3}"#), ifRevision: revision))
            #expect(try await store.recent(key)?.json == Array(#"{"v":3}"#.utf8), "a conditional put is seen at once")
            #expect(try await store.delete(key))
            #expect(try await store.recent(key) == nil, "a delete is seen at once")

            try await store.put(Self.object("R1", json: #"{"v":4}"#))
            #expect(try await store.recent(key)?.json == Array(#"{"v":4}"#.utf8))
            let other = try await SQLStore.open(location)
            try await other.closing { () async throws in
                try await other.put(Self.object("R1", json: #"{"v":5}"#))
            }
            #expect(try await store.get(key)?.json == Array(#"{"v":5}"#.utf8), "get always reads the database")
            if database == .postgres {
                #expect(try await store.recent(key)?.json == Array(#"{"v":5}"#.utf8), "another instance's write is seen at once")
            }
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await store.recent(key)?.json == Array(#"{"v":5}"#.utf8), "another process's write is seen within a second")
        }
    }

    @Test(arguments: TestDatabase.all)
    func dataAndSchemaSurviveReopeningAndMigrationsRunOnce(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, location async throws in
            try await store.put(Self.object("KEEP"))
            #expect(try await store.schemaVersion() == SQLStore.latestSchemaVersion)
            // A second store on the same database, as a second server instance would open it.
            let again = try await SQLStore.open(location)
            try await again.closing { () async throws in
                #expect(try await again.schemaVersion() == SQLStore.latestSchemaVersion)
                #expect(try await again.get(Self.object("KEEP").key) != nil)
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func instancesStartingTogetherMigrateOnceAndShareWrites(_ database: TestDatabase) async throws {
        let location = try database.makeLocation()
        // Every store that opened is shut down even when another failed to (a store released
        // open trips SQLiteNIO's assertion and takes the whole test process with it).
        let opened = await withTaskGroup(of: Result<SQLStore, any Error>.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do { return .success(try await SQLStore.open(location)) } catch { return .failure(error) }
                }
            }
            return await group.reduce(into: [Result<SQLStore, any Error>]()) { $0.append($1) }
        }
        let stores = opened.compactMap { try? $0.get() }
        if let failure = opened.first(where: { (try? $0.get()) == nil }) {
            for store in stores { try await store.shutdown() }
            _ = try failure.get()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    for item in 0..<20 { try await store.put(Self.object("I\(index)-\(item)")) }
                }
            }
            try await group.waitForAll()
        }
        for store in stores {
            #expect(try await store.list(ObjectFilter(module: .tariffs), offset: 0, limit: 1).total == 60)
            #expect(try await store.schemaVersion() == SQLStore.latestSchemaVersion)
            try await store.shutdown()
        }
    }

    /// Objects converted for a partner on another release: each stored version is converted
    /// once per tag, a page of unchanged objects is spliced from what was kept, and a write gives
    /// the changed object its new conversion at once (its revision is another version).
    /// Single writes run side by side, but never inside another task's transaction: a write sent
    /// while a transaction is open waits for it, and survives its rollback. Writes sent together
    /// outside a transaction all land.
    @Test(arguments: TestDatabase.all)
    func aWriteSentDuringATransactionIsNotPartOfIt(_ database: TestDatabase) async throws {
        struct Abandoned: Error {}
        try await Self.withStore(database) { store, _ async throws in
            let opened = Mutex(false)
            async let transaction: Void = {
                do {
                    try await store.transaction {
                        try await store.put(Self.object("IN-TX"))
                        opened.withLock { $0 = true }
                        try await Task.sleep(for: .milliseconds(300))
                        throw Abandoned()
                    }
                } catch is Abandoned {}
            }()
            while !opened.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            try await store.put(Self.object("BESIDE"))
            try await transaction
            #expect(try await store.get(Self.object("IN-TX").key) == nil, "the transaction was rolled back")
            #expect(try await store.get(Self.object("BESIDE").key) != nil, "the write beside it was not rolled back with it")

            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<50 { group.addTask { try await store.put(Self.object("MANY-\(index)")) } }
                try await group.waitForAll()
            }
            let many = try await store.list(ObjectFilter(module: .tariffs), offset: 0, limit: 100).objects.filter { $0.key.id.hasPrefix("MANY-") }
            #expect(many.count == 50)
        }
    }

    @Test(arguments: TestDatabase.all)
    func convertedObjectsAreConvertedOncePerVersion(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, _ async throws in
            for index in 0..<3 { try await store.put(Self.object("C\(index)", json: #"{"n":\#(index)}"#)) }
            let calls = Mutex(0)
            let convert: ([UInt8]) throws -> [UInt8] = { bytes in
                calls.withLock { $0 += 1 }
                return Array("converted ".utf8) + bytes
            }
            let filter = ObjectFilter(module: .tariffs)
            let first = try await store.listJSON(filter, offset: 0, limit: 10, seek: nil, convertedAs: String.self, convert)
            #expect(first.objects.map { String(decoding: $0, as: UTF8.self) } == [#"converted {"n":0}"#, #"converted {"n":1}"#, #"converted {"n":2}"#])
            #expect(first.total == 3)
            #expect(calls.withLock { $0 } == 3)
            _ = try await store.listJSON(filter, offset: 0, limit: 10, seek: nil, convertedAs: String.self, convert)
            #expect(calls.withLock { $0 } == 3, "nothing converted again")
            _ = try await store.listJSON(filter, offset: 0, limit: 10, seek: nil, convertedAs: Int.self, convert)
            #expect(calls.withLock { $0 } == 6, "another served type is another conversion")

            try await store.put(Self.object("C1", json: #"{"n":11}"#))
            let changed = try await store.listJSON(filter, offset: 0, limit: 10, seek: nil, convertedAs: String.self, convert)
            #expect(changed.objects.map { String(decoding: $0, as: UTF8.self) } == [#"converted {"n":0}"#, #"converted {"n":11}"#, #"converted {"n":2}"#])
            #expect(calls.withLock { $0 } == 7, "only the changed object converted again")

            // One object, as a GET reads it: the same kept versions.
            let one = try #require(try await store.get(Self.object("C1").key))
            #expect(String(decoding: try store.converted(one, as: String.self, convert), as: UTF8.self) == #"converted {"n":11}"#)
            #expect(calls.withLock { $0 } == 7)
            let unsaved = Self.object("C9", json: "{}")
            _ = try store.converted(unsaved, as: String.self, convert)
            _ = try store.converted(unsaved, as: String.self, convert)
            #expect(calls.withLock { $0 } == 9, "an object not read from the store is not kept")
        }
    }

    /// A partner crawling page by page while objects are added and updated sees every object
    /// that existed when it started exactly once.
    @Test(arguments: TestDatabase.all)
    func crawlingWhileWritingSkipsAndRepeatsNothing(_ database: TestDatabase) async throws {
        try await Self.withStore(database) { store, _ async throws in
            for index in 0..<200 { try await store.put(Self.object("O\(index)")) }
            let writer = Task {
                for index in 0..<100 {
                    try await store.put(Self.object("N\(index)"))
                    try await store.put(Self.object("O\(index * 2)", at: 1_800_000_000))
                }
            }
            var seen: [String] = []
            var offset = 0
            while true {
                let page = try await store.list(ObjectFilter(module: .tariffs), offset: offset, limit: 7)
                seen += page.objects.map(\.key.id)
                offset += page.objects.count
                if page.objects.isEmpty || offset >= page.total { break }
            }
            try await writer.value
            #expect(Set(seen).count == seen.count, "nothing repeated")
            #expect(Set((0..<200).map { "O\($0)" }).isSubset(of: Set(seen)), "nothing that existed before was skipped")
        }
    }
}
