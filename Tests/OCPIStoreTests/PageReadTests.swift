import Foundation
import OCPIRuntime
import OCPITestSupport
import SQLKit
import Testing

@testable import OCPIStore

/// Pages of filtered lists, checked against the list as the test wrote it rather than against
/// another read of the store: whichever way a page is read (its statement, the driver path that
/// answers it, the count beside it), each page must hold exactly the rows of its slice, say the
/// list's size, and say where the next page starts.
@Suite(.holdsResources) struct PageReadTests {
    static let soc = PartyIdentity(countryCode: "NL", partyID: "SOC")
    static let abc = PartyIdentity(countryCode: "DE", partyID: "ABC")

    static func time(_ seconds: Int64) -> OCPIDateTime { OCPIDateTime(secondsSince1970: seconds) }

    static func object(_ index: Int, party: PartyIdentity, module: ObjectModule, at seconds: Int64, version: Int = 1) -> StoredObject {
        // Multi-byte text, so that the bytes must come back as written, not as a re-encoding.
        StoredObject(
            key: ObjectKey(module: module, countryCode: party.countryCode, partyID: party.partyID, id: "O\(index)"),
            lastUpdated: time(seconds), json: Array(#"{"id":"O\#(index)","v":\#(version),"t":"é\#u{1F50C}"}"#.utf8)
        )
    }

    static func matches(_ object: StoredObject, _ filter: ObjectFilter) -> Bool {
        guard object.key.module == filter.module else { return false }
        if let party = filter.party, object.key.countryCode != party.countryCode || object.key.partyID != party.partyID { return false }
        if let from = filter.dateFrom, object.lastUpdated.secondsSince1970 < from.secondsSince1970 { return false }
        if let to = filter.dateTo, object.lastUpdated.secondsSince1970 >= to.secondsSince1970 { return false }
        return true
    }

    static let filters: [ObjectFilter] = [
        ObjectFilter(module: .locations),
        ObjectFilter(module: .locations, party: soc),
        ObjectFilter(module: .tariffs, party: soc),
        ObjectFilter(module: .locations, party: abc, dateFrom: time(1_002)),
        ObjectFilter(module: .locations, party: soc, dateFrom: time(1_001), dateTo: time(1_004)),
        ObjectFilter(module: .locations, dateTo: time(1_003)),
        ObjectFilter(module: .locations, party: abc, dateFrom: time(2_000)),
    ]

    @Test(arguments: TestDatabase.all)
    func everyPageOfAFilteredListIsItsSliceWithTheListsSizeAndTheNextStart(_ database: TestDatabase) async throws {
        try await StoreSuite.withStore(database) { store, location async throws in
            // Two parties and two modules interleaved, times spread over a week of seconds.
            var written: [StoredObject] = []
            for index in 0..<90 {
                let object = Self.object(
                    index, party: index % 3 == 0 ? Self.abc : Self.soc, module: index % 10 == 9 ? .tariffs : .locations, at: 1_000 + Int64(index % 7)
                )
                try await store.put(object)
                written.append(object)
            }
            // An update keeps its row's place with new bytes and a new time; a delete takes the
            // row out of every list and count.
            for index in [4, 20, 41] {
                let updated = Self.object(index, party: written[index].key.partyID == "ABC" ? Self.abc : Self.soc, module: written[index].key.module, at: 1_003, version: 2)
                #expect(try await store.put(updated) == .updated)
                written[index] = updated
            }
            #expect(try await store.delete(written[30].key))
            written.remove(at: 30)
            var sequences: [ObjectKey: Int64] = [:]
            for object in written {
                let stored = try await store.get(object.key)
                sequences[object.key] = try #require(stored).sequence
            }

            for filter in Self.filters {
                let expected = written.filter { Self.matches($0, filter) }
                for limit in [1, 4, 50] {
                    // A crawl following each page's next start, to the empty page after the end.
                    var offset = 0
                    var seek: PageSeek?
                    var pages = 0
                    while true {
                        let page = try await store.listJSON(filter, offset: offset, limit: limit, seek: seek)
                        let slice = Array(expected.dropFirst(offset).prefix(limit))
                        let context = "\(filter) limit \(limit) offset \(offset)"
                        #expect(page.objects == slice.map(\.json), "\(context): the slice's rows, as written")
                        #expect(page.total == expected.count, "\(context): the list's size")
                        let next = slice.last.map { PageSeek(offset: offset + slice.count, after: sequences[$0.key] ?? -1) }
                        #expect(page.next == next, "\(context): the next page starts after the slice's last row")
                        pages += 1
                        guard let next = page.next, pages <= expected.count + 1 else { break }
                        offset = next.offset
                        seek = next
                    }
                    #expect(offset == expected.count, "\(filter) limit \(limit): the crawl reached the end")
                }

                // The other readers of a page: whole objects, and each converted.
                let whole = try await store.list(filter, offset: 1, limit: 4)
                #expect(whole.objects.map(\.json) == expected.dropFirst(1).prefix(4).map(\.json))
                #expect(whole.objects.map(\.key) == expected.dropFirst(1).prefix(4).map(\.key))
                #expect(whole.objects.map(\.lastUpdated.secondsSince1970) == expected.dropFirst(1).prefix(4).map(\.lastUpdated.secondsSince1970))
                #expect(whole.total == expected.count)
                let converted = try await store.listJSON(filter, offset: 0, limit: 50, seek: nil, convertedAs: [UInt8].self) { Array($0.reversed()) }
                #expect(converted.objects == expected.prefix(50).map { Array($0.json.reversed()) })
                #expect(converted.total == expected.count)
            }

            // An instance that served nothing of the lists: every offset counted from the start.
            let cold = try await SQLStore.open(location)
            do {
                for filter in Self.filters {
                    let expected = written.filter { Self.matches($0, filter) }
                    for offset in Set([0, 1, expected.count / 2, max(0, expected.count - 1), expected.count, expected.count + 3]) {
                        let page = try await cold.listJSON(filter, offset: offset, limit: 4, seek: nil)
                        let slice = Array(expected.dropFirst(offset).prefix(4))
                        #expect(page.objects == slice.map(\.json), "\(filter) offset \(offset), cold")
                        #expect(page.total == expected.count, "\(filter) offset \(offset), cold")
                    }
                }
            } catch {
                try await cold.shutdown()
                throw error
            }
            try await cold.shutdown()
        }
    }

    /// On PostgreSQL a read goes to PostgresNIO without postgres-kit between: every type the
    /// store binds and reads comes back as written, and a bind it does not know goes the other
    /// way rather than failing.
    @Test(.enabled(if: TestDatabase.all.contains(.postgres)))
    func postgresReadsBindAndReadEveryTypeTheStoreUses() async throws {
        try await StoreSuite.withStore(.postgres) { store, _ async throws in
            enum Unknown: String, Encodable, Sendable { case red }
            let (row, direct) = try await store.backend.withDatabase(reading: true) { database in
                let row = try await database.raw("""
                    SELECT \(bind: "text é \u{1F50C}") AS text, \(bind: 42) AS int, \(bind: Int64.max) AS int64,
                        \(bind: Data([0, 1, 2, 255])) AS bytes, \(bind: Data()) AS empty, CAST(\(bind: String?.none) AS TEXT) AS absent,
                        CAST(NULL AS BIGINT) AS missing
                    """).first()
                return (row, database is PostgresDirectDatabase)
            }
            #expect(direct, "a read goes the direct way")
            let read = try #require(row)
            #expect(read is PostgresDirectRow)
            #expect(try read.decode(column: "text", as: String.self) == "text é \u{1F50C}")
            #expect(try read.decode(column: "int", as: Int.self) == 42)
            #expect(try read.decode(column: "int64", as: Int64.self) == Int64.max)
            #expect(try read.decode(column: "bytes", as: Data.self) == Data([0, 1, 2, 255]))
            #expect(try directRowBytes(read, column: "bytes") == [0, 1, 2, 255])
            #expect(try directRowBytes(read, column: "text") == Array("text é \u{1F50C}".utf8))
            #expect(try directRowBytes(read, column: "empty") == [], "empty bytes are not NULL")
            #expect(try read.decodeNil(column: "absent"))
            #expect(try read.decode(column: "missing", as: Int64?.self) == nil)
            #expect(try read.decode(column: "int64", as: Int64?.self) == Int64.max)
            #expect(throws: (any Error).self) { try read.decode(column: "text", as: Int.self) }
            #expect(throws: (any Error).self) { try read.decode(column: "nothing", as: Int.self) }
            #expect(read.allColumns == ["text", "int", "int64", "bytes", "empty", "absent", "missing"])

            let unknown = try await store.backend.withDatabase(reading: true) { database in
                try await database.raw("SELECT CAST(\(bind: Unknown.red) AS TEXT) AS value").first()?.decode(column: "value", as: String.self)
            }
            #expect(unknown?.contains("red") == true, "by postgres-kit's Codable encoding")
        }
    }
}
