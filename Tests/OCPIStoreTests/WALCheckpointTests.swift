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
        try await StoreSuite.withSQLiteFile { store, path in
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
        }
    }

    /// Under writes that follow each other without a pause, the log still starts over: it is
    /// copied often enough that a write finds it all copied, long before the writer's own
    /// checkpoint (10,000 pages, 40 MB, copied inside a commit) would. The log's file keeps the
    /// largest size the log reached.
    @Test func aFloodOfWritesDoesNotGrowTheLogToTheWritersMark() async throws {
        try await StoreSuite.withSQLiteFile { store, path in
            let end = ContinuousClock.now + .seconds(3)
            let written = try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var count = 0
                        while ContinuousClock.now < end {
                            try await store.put(StoredObject(
                                key: ObjectKey(module: .tokens, countryCode: "DE", partyID: "MSP", id: "W\(writer)-\(count)"),
                                lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_000), json: Array(#"{"uid":"x"}"#.utf8)
                            ))
                            count += 1
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            let logBytes = (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            let fallbackBytes = WALCheckpoints.writerFallbackPages * 4096
            // Without the restarts the log reaches the writer's mark (10,277 pages measured here);
            // with them it stays near `restartPages` (4,405), plus what comes during a copy.
            #expect(logBytes < fallbackBytes * 3 / 4, "\(written) writes in 3 s; the log reached \(logBytes / 4096) pages")
        }
    }
}
