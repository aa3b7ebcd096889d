import Foundation
import OCPIRuntime
import SQLKit
import SQLiteKit
import OCPITestSupport
import Synchronization
import Testing

@testable import OCPIStore

/// SQLite's reads on the calling thread (`SQLiteDirectReaders`): what they give back, that they
/// never see an old state, and that a busy file sends them to a reader that waits.
@Suite(.holdsResources) struct SQLiteDirectReadTests {
    /// The fast reads stand on a module sqlite-nio does not export: should a release of it drop
    /// the module, the build goes on without them, and this says so.
    @Test func fileStoresReadOnTheCallingThread() async throws {
        try await StoreSuite.withSQLiteFile { _, path in
            let reads = sqliteFastReads(path: path)
            #expect(reads != nil, "built without VaporCSQLite: every read takes a threaded connection")
            reads?.close()
        }
    }

#if canImport(VaporCSQLite)
    @Test func everyBoundTypeAndColumnTypeComesBackAsWritten() async throws {
        // The store makes the file; the readers read it beside the store's own.
        try await StoreSuite.withSQLiteFile { _, path in
            let readers = SQLiteDirectReaders(path: path)
            defer { readers.close() }
            let binds: [any Encodable & Sendable] = [
                "text é \u{1F50C}", 42, Int64.max, Int32(-7), 2.5, true, Data([0, 1, 2, 255]), [UInt8](), String?.none,
            ]
            let sql = "SELECT ?1 AS text, ?2 AS int, ?3 AS int64, ?4 AS int32, ?5 AS real, ?6 AS flag, ?7 AS blob, ?8 AS empty, ?9 AS absent"
            let rows = try readers.withConnection { try $0.rows(sql, binds) }
            let row = try #require(rows.first)
            #expect(rows.count == 1)
            #expect(try row.decode(column: "text", as: String.self) == "text é \u{1F50C}")
            #expect(try row.decode(column: "int", as: Int.self) == 42)
            #expect(try row.decode(column: "int64", as: Int64.self) == Int64.max)
            #expect(try row.decode(column: "int32", as: Int.self) == -7)
            #expect(try row.decode(column: "real", as: Double.self) == 2.5)
            #expect(try row.decode(column: "flag", as: Bool.self))
            #expect(try row.decode(column: "blob", as: Data.self) == Data([0, 1, 2, 255]))
            #expect(try row.bytes(column: "blob") == [0, 1, 2, 255])
            #expect(try row.bytes(column: "text") == Array("text é \u{1F50C}".utf8), "text reads as its UTF-8")
            #expect(try row.decode(column: "empty", as: Data.self) == Data(), "an empty blob is not NULL")
            #expect(try row.decodeNil(column: "absent"))
            #expect(try row.decode(column: "absent", as: Int?.self) == nil)
            #expect(try row.decode(column: "int", as: Int?.self) == 42)
            #expect(row.allColumns == ["text", "int", "int64", "int32", "real", "flag", "blob", "empty", "absent"])
            #expect(throws: DecodingError.self) { try row.decode(column: "text", as: Int.self) }
            #expect(throws: DecodingError.self) { try row.decode(column: "int64", as: Int32.self) }
            #expect(throws: DecodingError.self) { try row.decode(column: "missing", as: String.self) }
            #expect(throws: SQLiteDirectError.self) { try readers.withConnection { try $0.rows("SELECT ?1", [Date()]) } }
            #expect(throws: SQLiteDirectError.self) { try readers.withConnection { try $0.rows("SELEC 1", []) } }
            #expect(throws: SQLiteDirectError.self, "a read-only connection refuses a write") {
                try readers.withConnection { try $0.rows("DELETE FROM settings", []) }
            }
        }
    }

    @Test func aKeptStatementSeesEveryCommitAndNoOtherBinds() async throws {
        try await StoreSuite.withSQLiteFile { store, _ in
            for round in 0..<20 {
                for id in ["A", "B"] {
                    try await store.put(StoreSuite.object(id, json: #"{"id":"\#(id)","round":\#(round)}"#))
                }
                // The same kept statement, bound anew each time, and each read after the
                // last commit (a statement left unreset would keep its old snapshot).
                for id in ["A", "B"] {
                    let json = try await store.get(ObjectKey(module: .tariffs, countryCode: "NL", partyID: "SOC", id: id))?.json
                    #expect(json == Array(#"{"id":"\#(id)","round":\#(round)}"#.utf8))
                }
                // Offset and limit change from one page to the next.
                let page = try await store.listJSON(ObjectFilter(module: .tariffs), offset: round % 2, limit: 2 - round % 2)
                let ids = round % 2 == 0 ? ["A", "B"] : ["B"]
                #expect(page.total == 2)
                #expect(page.objects == ids.map { Array(#"{"id":"\#($0)","round":\#(round)}"#.utf8) })
            }
            #expect(try await store.get(ObjectKey(module: .tariffs, countryCode: "NL", partyID: "SOC", id: "C")) == nil)
        }
    }

    /// The store's writer runs its statements on a loop every store of the process shares
    /// (`SQLiteWriter`). A write that finds the file held by another process's writer (as
    /// `ocpi-cpo import` holds it) waits for it, and lands, without holding up the writes of
    /// another store meanwhile: SQLite's own busy handler would have slept on that loop.
    @Test func aWriteOnABusyFileWaitsWithoutHoldingUpOtherStores() async throws {
        try await StoreSuite.withSQLiteFile { store, path in
            let other = try SQLiteDirectConnection(path: path, writing: true)
            defer { other.close() }
            _ = try other.rows("BEGIN IMMEDIATE", [])
            let landed = Atomic<Bool>(false)
            let write = Task {
                try await store.put(StoreSuite.object("WAITED"))
                landed.store(true, ordering: .relaxed)
            }
            try await StoreSuite.withStore(.sqlite) { elsewhere, _ in
                let start = ContinuousClock.now
                try await elsewhere.put(StoreSuite.object("ELSEWHERE"))
                #expect(ContinuousClock.now - start < .seconds(5), "another store's write waited for the busy one")
            }
            let landedEarly = landed.load(ordering: .relaxed)
            #expect(!landedEarly, "the write waits while the file is held")
            _ = try other.rows("COMMIT", [])
            try await write.value
            #expect(try await store.get(ObjectKey(module: .tariffs, countryCode: "NL", partyID: "SOC", id: "WAITED")) != nil)
        }
    }

    @Test func aReadOnABusyFileGoesToAReaderThatWaitsForIt() async throws {
        // A store's file is in WAL mode, where readers are never kept out; a file in rollback
        // mode that another connection is writing is busy to every reader until it commits.
        let location = try TestDatabase.sqlite.makeLocation()
        defer { TestDatabase.sqlite.remove(location) }
        guard case .sqlite(let path) = location else { return }
        let writer = try await SQLiteConnection.open(storage: .file(path: path))
        let waiting = try await SQLiteConnection.open(storage: .file(path: path))
        let direct = SQLiteDirectReaders(path: path)
        do {
            try await writer.sql().raw("CREATE TABLE t (v TEXT)").run()
            try await writer.sql().raw("INSERT INTO t (v) VALUES ('before')").run()
            try await waiting.sql().raw("PRAGMA busy_timeout = 10000").run()
            try await writer.sql().raw("BEGIN EXCLUSIVE").run()
            try await writer.sql().raw("UPDATE t SET v = 'after'").run()
            #expect {
                try direct.withConnection { try $0.rows("SELECT v FROM t", []) }
            } throws: { error in
                (error as? SQLiteDirectError)?.isBusy == true
            }
            let database = SQLiteDirectDatabase(readers: direct, fallback: waiting.sql())
            let read = Task { try await database.raw("SELECT v FROM t").all().map { try $0.decode(column: "v", as: String.self) } }
            try await Task.sleep(for: .milliseconds(200))
            try await writer.sql().raw("COMMIT").run()
            #expect(try await read.value == ["after"], "the read waited for the commit instead of failing")
            #expect(try await database.raw("SELECT v FROM t").all().count == 1, "and the next goes direct again")
        } catch {
            Issue.record(error)
        }
        direct.close()
        try await waiting.close()
        try await writer.close()
    }
#endif
}
