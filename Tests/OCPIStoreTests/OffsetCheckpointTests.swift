import Foundation
import OCPIRuntime
@testable import OCPIStore
import OCPITestSupport
import Testing

/// Deep offsets a client computed itself (`OffsetCheckpoints`).
@Suite(.holdsResources) struct OffsetCheckpointTests {
    /// An offset a client computed itself gives the page of that offset, however deep, also
    /// once checkpoints of the list are kept (every thousandth row) and after a delete or an
    /// insert; rows of another party in between do not count.
    @Test(arguments: TestDatabase.all)
    func aDeepOffsetGivesItsPageThroughCheckpoints(_ database: TestDatabase) async throws {
        try await StoreSuite.withStore(database) { store, _ async throws in
            var objects: [StoredObject] = []
            for index in 0..<2500 {
                if index % 300 == 0 {
                    objects.append(StoredObject(
                        key: ObjectKey(module: .tariffs, countryCode: "NL", partyID: "ABC", id: "X\(index)"),
                        lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000), json: Array("\"X\(index)\"".utf8)
                    ))
                }
                objects.append(StoreSuite.object("T\(index)", json: "\"T\(index)\""))
            }
            _ = try await store.putAll(objects)
            let soc = ObjectFilter(module: .tariffs, party: PartyIdentity(countryCode: "NL", partyID: "SOC"))
            let ids = { (offset: Int, limit: Int) async throws -> [String] in
                try await store.listJSON(soc, offset: offset, limit: limit, seek: nil).objects.map {
                    String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\"", with: "")
                }
            }
            var expected = (0..<2500).map { "T\($0)" }
            func check(_ offset: Int, _ comment: Comment) async throws {
                let page = try await ids(offset, 3)
                #expect(page == Array(expected[min(offset, expected.count)..<min(offset + 3, expected.count)]), "\(comment): offset \(offset)")
            }
            for offset in [1000, 1234, 1999, 2000, 2498, 2500, 2600, 999, 0] { try await check(offset, "first walk") }
            #expect(store.offsetCheckpoints.value(for: soc, at: .now)?.seqs.count == 2, "the list was walked once, a checkpoint kept per thousand rows")
            #expect(try await store.listJSON(soc, offset: 1234, limit: 3, seek: nil).total == 2500)

            // A delete moves every later row up: the checkpoints are walked again.
            #expect(try await store.delete(StoreSuite.object("T10").key))
            expected.removeAll { $0 == "T10" }
            #expect(store.offsetCheckpoints.value(for: soc, at: .now) == nil, "a delete forgets them")
            for offset in [1000, 1234, 2497, 2498] { try await check(offset, "after a delete") }
            // An insert comes at the end and moves nothing.
            try await store.put(StoreSuite.object("T9999", json: "\"T9999\""))
            expected.append("T9999")
            for offset in [1234, 2497, 2499] { try await check(offset, "after an insert") }
        }
    }
}
