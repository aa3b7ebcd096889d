import Foundation
import Logging
import NIOCore
import SQLKit
import SQLiteKit
import Synchronization

/// Reads on the calling thread, beside SQLiteNIO's threaded connections: what the store needs of
/// them. Where the build cannot reach the SQLite that sqlite-nio compiles in, there are none and
/// every read takes a threaded connection (slower, the same results); likewise for the writer
/// (`SQLiteFastWriter`).
protocol SQLiteFastReads: Sendable {
    /// The database a read-only statement goes to: these reads, with `fallback` for a busy file.
    func database(fallback: any SQLDatabase) -> any SQLDatabase
    func close()
}

/// The writer's connection used on the calling thread, which is the writers' loop
/// (`SQLiteWriter`): what the store needs of it.
protocol SQLiteFastWriter: Sendable {
    var database: any SQLDatabase { get }
    func close()
}

/// The bytes of a text or blob `column` of a row of our own direct readers, without copying them
/// through `Data`; `nil` for another kind of row. Each kind is tried by its concrete type: a
/// cast to a protocol both conformed to asked the runtime for the conformance of every row, 5%
/// of a page of 50.
func directRowBytes(_ row: any SQLRow, column: String) throws -> [UInt8]? {
    #if canImport(VaporCSQLite)
    if let row = row as? SQLiteDirectRow { return try row.bytes(column: column) }
    #endif
    if let row = row as? PostgresDirectRow { return try row.bytes(column: column) }
    return nil
}

// The SQLite that sqlite-nio compiles in, which its connections (the store's writer among them)
// run on. sqlite-nio exports no product for it, and no package we may use offers a raw handle on
// its connections; it is imported here, and only here, because reads must use the same copy of
// SQLite as the writer: two copies in one process do not see each other's POSIX locks on the
// file, and can corrupt it (so GRDB's SQLite is no way out). Should a release of sqlite-nio rename
// or drop the module, the build goes on without fast reads or writes (`sqliteFastReads(path:)` and
// `sqliteFastWriter` are nil) rather than breaking; StoreTests' direct-read test then fails by
// name, not the build.
#if canImport(VaporCSQLite)
import VaporCSQLite

/// The fast reads of a file store.
func sqliteFastReads(path: String) -> (any SQLiteFastReads)? { SQLiteDirectReaders(path: path) }

/// The writer's connection to `path` (":memory:" for a database of its own in memory), used on
/// the calling thread; answers come back on `eventLoop` where SQLKit asks for a future.
func sqliteFastWriter(path: String, eventLoop: any EventLoop, logger: Logger) throws -> (any SQLiteFastWriter)? {
    SQLiteDirectWriter(connection: try SQLiteDirectConnection(path: path, writing: true), eventLoop: eventLoop, logger: logger)
}


/// SQLite's read-only connections, used on the calling thread: a read by key costs a few
/// microseconds in SQLite, and sending it to a connection's own thread and back (as SQLiteNIO
/// does) cost more than the read, as did preparing its statement anew each time.
///
/// A connection is lent for one statement, which runs to its last row without suspending, so no
/// two threads ever use one at once; there are as many as statements ever ran at the same time
/// (about one per thread). Each keeps its prepared statements. WAL lets them read beside the
/// writer without waiting; in the rare case that SQLite says the file is busy (a recovery, a
/// connection in exclusive locking mode), the statement goes to a threaded reader instead, which
/// may wait for it without holding up the caller's thread.
final class SQLiteDirectReaders: Sendable {
    let path: String
    private let state = Mutex<(idle: [SQLiteDirectConnection], closed: Bool)>(([], false))

    init(path: String) {
        self.path = path
    }

    /// Runs `body` on a connection no one else uses meanwhile.
    func withConnection<T>(_ body: (SQLiteDirectConnection) throws -> T) throws -> T {
        let lent = try state.withLock { state -> SQLiteDirectConnection? in
            if state.closed { throw SQLiteDirectError(status: SQLITE_MISUSE, message: "the store is closed") }
            return state.idle.popLast()
        }
        let connection = try lent ?? SQLiteDirectConnection(path: path)
        defer {
            // A connection given back after the store closed is closed at once.
            let kept = state.withLock { state in
                if state.closed { return false }
                state.idle.append(connection)
                return true
            }
            if !kept { connection.close() }
        }
        return try body(connection)
    }

    func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.close() }
    }
}

/// A failure SQLite reported to a direct read.
struct SQLiteDirectError: Error, CustomStringConvertible {
    let status: Int32
    let message: String

    /// Another connection holds the file: worth trying again where waiting is allowed.
    var isBusy: Bool {
        let primary = status & 0xFF
        return primary == SQLITE_BUSY || primary == SQLITE_LOCKED
    }

    var description: String { "SQLite error \(status): \(message)" }
}

/// One connection and its prepared statements: read-only, or the writer's. Not for use by two
/// threads at once, which `SQLiteDirectReaders` and `SQLiteDirectWriter` see to.
final class SQLiteDirectConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: PreparedStatement] = [:]
    /// Statements kept per connection. The store's statements are a fixed set apart from lists
    /// of owners (one placeholder each) and page limits (written into the statement), so this is
    /// only reached by unusual filters or limits.
    private static let statementLimit = 64

    private struct PreparedStatement {
        let handle: OpaquePointer
        let columns: SQLiteDirectColumns
    }

    /// `writing`: the writer's, which may create the file; otherwise a read-only one.
    init(path: String, writing: Bool = false) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writing ? SQLITE_OPEN_CREATE : 0)
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open \(path)"
            sqlite_nio_sqlite3_close(handle)
            throw SQLiteDirectError(status: status, message: message)
        }
        self.handle = handle
        // No busy handler: a busy file is reported at once, and the read goes elsewhere (the
        // writer waits for it without blocking its thread). A read sent here by mistake that
        // would write fails instead.
        if writing { return }
        let pragma = sqlite_nio_sqlite3_exec(handle, "PRAGMA query_only = ON", nil, nil, nil)
        guard pragma == SQLITE_OK else {
            let error = SQLiteDirectError(status: pragma, message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.handle) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close(handle) }
        handle = nil
    }

    /// Every row `sql` gives with `binds` (placeholders `?1`, `?2`, ... in order). The statement
    /// is reset before this returns, so that no read transaction stays open between reads.
    func rows(_ sql: String, _ binds: [any Encodable & Sendable]) throws -> [SQLiteDirectRow] {
        let statement = try prepared(sql)
        // Reset, not also `clear_bindings`: every placeholder is bound again on the next use,
        // and clearing expires a statement whose plan looked at a bound value (SQLite marks
        // those for `x = ?` terms its index does not cover), so that every page of a list
        // prepared its statements anew, a tenth of answering it.
        defer { sqlite_nio_sqlite3_reset(statement.handle) }
        for (index, value) in binds.enumerated() {
            try bind(value, at: Int32(index + 1), in: statement.handle)
        }
        var rows: [SQLiteDirectRow] = []
        let count = statement.columns.names.count
        while true {
            let status = sqlite_nio_sqlite3_step(statement.handle)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else { throw failure(status) }
            var values: [SQLiteDirectValue] = []
            values.reserveCapacity(count)
            for column in 0..<Int32(count) {
                values.append(value(statement.handle, column))
            }
            rows.append(SQLiteDirectRow(columns: statement.columns, values: values))
        }
    }

    private func prepared(_ sql: String) throws -> PreparedStatement {
        if let statement = statements[sql] { return statement }
        guard let handle else { throw SQLiteDirectError(status: SQLITE_MISUSE, message: "the connection is closed") }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status) }
        let names = (0..<sqlite_nio_sqlite3_column_count(statement)).map { column in
            sqlite_nio_sqlite3_column_name(statement, column).map { String(cString: $0) } ?? ""
        }
        if statements.count >= Self.statementLimit {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old.handle) }
            statements = [:]
        }
        let prepared = PreparedStatement(handle: statement, columns: SQLiteDirectColumns(names: names))
        statements[sql] = prepared
        return prepared
    }

    private func bind(_ value: any Encodable & Sendable, at index: Int32, in statement: OpaquePointer) throws {
        let status: Int32
        switch value {
        case let text as String:
            status = sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
        case let number as Int:
            status = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case let number as Int64:
            status = sqlite_nio_sqlite3_bind_int64(statement, index, number)
        case let number as Int32:
            status = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case let number as Double:
            status = sqlite_nio_sqlite3_bind_double(statement, index, number)
        case let flag as Bool:
            status = sqlite_nio_sqlite3_bind_int64(statement, index, flag ? 1 : 0)
        case let data as Data:
            status = Self.bindBlob(data, at: index, in: statement)
        case let bytes as [UInt8]:
            status = Self.bindBlob(bytes, at: index, in: statement)
        default:
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .optional, mirror.children.isEmpty else {
                throw SQLiteDirectError(status: SQLITE_MISMATCH, message: "cannot bind a value of type \(type(of: value))")
            }
            status = sqlite_nio_sqlite3_bind_null(statement, index)
        }
        guard status == SQLITE_OK else { throw failure(status) }
    }

    private static func bindBlob(_ bytes: some ContiguousBytes, at index: Int32, in statement: OpaquePointer) -> Int32 {
        bytes.withUnsafeBytes { buffer in
            // An empty buffer may have no address, which SQLite would take for NULL.
            guard let address = buffer.baseAddress, !buffer.isEmpty else { return sqlite_nio_sqlite3_bind_zeroblob(statement, index, 0) }
            return sqlite_nio_sqlite3_bind_blob64(statement, index, address, UInt64(buffer.count), transient)
        }
    }

    private func value(_ statement: OpaquePointer, _ column: Int32) -> SQLiteDirectValue {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER:
            return .integer(sqlite_nio_sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            return .real(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard let blob = sqlite_nio_sqlite3_column_blob(statement, column) else { return .blob([]) }
            return .blob([UInt8](UnsafeRawBufferPointer(start: blob, count: count)))
        default:
            return .null
        }
    }

    private func failure(_ status: Int32) -> SQLiteDirectError {
        SQLiteDirectError(status: status, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "the connection is closed")
    }

    /// SQLite copies what is bound (`SQLITE_TRANSIENT`, a macro Swift does not import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// The column names of a statement's rows, shared by all of them.
final class SQLiteDirectColumns: Sendable {
    let names: [String]

    init(names: [String]) {
        self.names = names
    }
}

enum SQLiteDirectValue: Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One row a direct read gave, its values copied out of SQLite.
struct SQLiteDirectRow: SQLRow {
    let columns: SQLiteDirectColumns
    let values: [SQLiteDirectValue]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.names.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        if case .null = try value(column) { return true }
        return false
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        let value = try value(column)
        if D.self == Data.self, let bytes = value.bytes, let data = Data(bytes) as? D { return data }
        // Every row of a converted page gives its `seq` and `revision`: the integer as it is,
        // without a decoder made and walked for each.
        if D.self == Int64.self, case .integer(let number) = value, let integer = number as? D { return integer }
        return try D(from: SQLiteDirectValueDecoder(value: value, codingPath: [SomeCodingKey(stringValue: column)]))
    }

    /// A text or blob column's bytes as they are stored, without a `Data` between.
    func bytes(column: String) throws -> [UInt8] {
        let value = try value(column)
        guard let bytes = value.bytes else {
            throw DecodingError.typeMismatch([UInt8].self, .init(codingPath: [SomeCodingKey(stringValue: column)], debugDescription: "not text or a blob: \(value)"))
        }
        return bytes
    }

    private func value(_ column: String) throws -> SQLiteDirectValue {
        guard let index = columns.names.firstIndex(of: column) else {
            throw DecodingError.keyNotFound(SomeCodingKey(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column) in \(columns.names)"))
        }
        return values[index]
    }
}

extension SQLiteDirectValue {
    var bytes: [UInt8]? {
        switch self {
        case .blob(let bytes): bytes
        case .text(let text): Array(text.utf8)
        default: nil
        }
    }
}

/// Decodes one column's value: the scalars and optionals the store reads.
private struct SQLiteDirectValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: SQLiteDirectValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw mismatch(type)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw mismatch([Any].self) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try integer(Int64.self) != 0 }
    func decode(_ type: String.Type) throws -> String {
        switch value {
        case .text(let text): return text
        case .blob(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: throw mismatch(type)
        }
    }
    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .real(let number): return number
        case .integer(let number): return Double(number)
        default: throw mismatch(type)
        }
    }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .integer(let number) = value, let exact = T(exactly: number) else { throw mismatch(type) }
        return exact
    }

    private func mismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "the column holds \(value)"))
    }
}

/// The database a read-only statement is sent to on SQLite: a direct connection, or the threaded
/// reader when the file is busy.
struct SQLiteDirectDatabase: SQLDatabase {
    let readers: SQLiteDirectReaders
    let fallback: any SQLDatabase

    var logger: Logger { fallback.logger }
    var eventLoop: any EventLoop { fallback.eventLoop }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    /// The rows of `query`, or nil when SQLite says the file is busy.
    private func directRows(_ query: any SQLExpression) throws -> [SQLiteDirectRow]? {
        let (sql, binds) = serialize(query)
        do {
            return try readers.withConnection { try $0.rows(sql, binds) }
        } catch let error as SQLiteDirectError where error.isBusy {
            return nil
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        guard let rows = try directRows(query) else {
            return try await fallback.execute(sql: query, onRow)
        }
        for row in rows { onRow(row) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            guard let rows = try directRows(query) else { return fallback.execute(sql: query, onRow) }
            for row in rows { onRow(row) }
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }
}

extension SQLiteDirectReaders: SQLiteFastReads {
    func database(fallback: any SQLDatabase) -> any SQLDatabase {
        SQLiteDirectDatabase(readers: self, fallback: fallback)
    }
}

/// The store's writer on the calling thread, with its statements kept prepared. Through
/// SQLiteNIO every write went to the connection's thread and back and was prepared anew: the
/// preparing alone was 13% of the CPU of a PUT of a token (docs/PERFORMANCE.md). The writer runs
/// the statements of whoever holds its turn on the writers' loop (`SQLiteWriter`), where they
/// take a few microseconds each; one that has to wait for another process's lock must not hold
/// that thread, so SQLite has no busy handler here and a busy statement is tried again after a
/// pause that does not block it (`StoreBackend.retryingWhileBusy`), for as long as SQLiteNIO's
/// writer waited (ten seconds).
final class SQLiteDirectWriter: SQLiteFastWriter {
    /// Held for each statement. Whoever holds the writer's turn runs on one thread anyway; the
    /// lock makes sure of it at no cost worth counting.
    private let connection: Mutex<SQLiteDirectConnection>
    private let eventLoop: any EventLoop
    private let logger: Logger

    static let busyPatience = Duration.seconds(10)

    init(connection: SQLiteDirectConnection, eventLoop: any EventLoop, logger: Logger) {
        self.connection = Mutex(connection)
        self.eventLoop = eventLoop
        self.logger = logger
    }

    var database: any SQLDatabase { SQLiteDirectWriterDatabase(writer: self, eventLoop: eventLoop, logger: logger) }

    /// The rows of one statement. A cancelled task's statement is refused, as SQLiteNIO refuses
    /// it (the store's transactions rely on that: `StoreBackend.uncancelled`).
    func rows(_ sql: String, _ binds: [any Encodable & Sendable]) async throws -> [SQLiteDirectRow] {
        try Task.checkCancellation()
        return try await StoreBackend.retryingWhileBusy(for: Self.busyPatience) { try connection.withLock { try $0.rows(sql, binds) } }
    }

    func close() {
        connection.withLock { $0.close() }
    }
}

/// SQLKit's database over the direct writer.
struct SQLiteDirectWriterDatabase: SQLDatabase {
    let writer: SQLiteDirectWriter
    let eventLoop: any EventLoop
    let logger: Logger

    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        for row in try await writer.rows(sql, binds) { onRow(row) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }
}

#else
func sqliteFastReads(path: String) -> (any SQLiteFastReads)? { nil }
func sqliteFastWriter(path: String, eventLoop: any EventLoop, logger: Logger) throws -> (any SQLiteFastWriter)? { nil }
#endif
