import Foundation
import OCPIRuntime
@testable import OCPIStore
import OCPITestSupport
import SQLKit
import Testing

/// The write-ahead log is copied into the database file by a connection of its own, not in the
/// commit of whichever write crosses SQLite's mark (which waited about 20 ms for it).
@Suite(.holdsResources) struct WALCheckpointTests {
    @Test func theLogIsCopiedIntoTheFileOffTheWritersPath() async throws {
        let location = try TestDatabase.sqlite.makeLocation()
        defer { TestDatabase.sqlite.remove(location) }
        guard case .sqlite(let path) = location else { return }
        let store = try await SQLStore.open(location)
        do {
            // The writer checkpoints itself only far later than SQLite's 1,000 pages.
            let pages = try await store.query("PRAGMA wal_autocheckpoint").first()?.decode(column: "wal_autocheckpoint", as: Int.self)
            #expect(pages == WALCheckpoints.writerFallbackPages)
            func fileSize() throws -> Int { (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
            let before = try fileSize()
            // About 400 pages of objects: under the writer's mark, so only the checkpointer
            // copies them into the file.
            let padding = String(repeating: "x", count: 4000)
            let objects = (0..<400).map { index in
                StoredObject(
                    key: ObjectKey(module: .tariffs, countryCode: "NL", partyID: "SOC", id: "T\(index)"),
                    lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000), json: Array("{\"padding\":\"\(padding)\"}".utf8)
                )
            }
            _ = try await store.transaction { try await store.putAll(objects) }
            let deadline = ContinuousClock.now + .seconds(10)
            while try fileSize() < before + 400 * 4000, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try fileSize() >= before + 400 * 4000, "the file holds the objects while the store is open")
        } catch {
            try await store.shutdown()
            throw error
        }
        try await store.shutdown()
    }
}
