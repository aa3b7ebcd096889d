import Foundation
import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// The database a read-only statement is sent to on PostgreSQL: the connection the pool lent,
/// spoken to through PostgresNIO's own query call, its rows' cells handed out as the bytes the
/// server sent.
///
/// The same statements go through postgres-kit otherwise (writes, and reads in a transaction),
/// which answers each row through SQLKit's row protocol and PostgresKit's translation (a dynamic
/// cast per value, a `Data` per stored JSON, copied again into `[UInt8]`). A value this path does
/// not know how to bind sends its statement that way too, so a read is never refused here.
struct PostgresDirectDatabase: SQLDatabase {
    let connection: PostgresConnection
    let fallback: any SQLDatabase

    init(connection: PostgresConnection) {
        self.connection = connection
        self.fallback = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { connection.logger }
    var eventLoop: any EventLoop { connection.eventLoop }
    var dialect: any SQLDialect { PostgresDialect() }
    var queryLogLevel: Logger.Level? { nil }

    /// The statement and its binds as PostgresNIO takes them, or nil when a bind is of a type
    /// PostgresNIO does not encode itself.
    private func postgresQuery(_ query: any SQLExpression) -> PostgresQuery? {
        let (sql, binds) = serialize(query)
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            if let encodable = value as? any PostgresThrowingDynamicTypeEncodable {
                do {
                    try bindings.append(encodable)
                } catch {
                    return nil
                }
            } else if Self.isAbsent(value) {
                bindings.appendNull()
            } else {
                return nil
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// What PostgresNIO logs a statement's progress to: nothing, as the other path is opened with
    /// `queryLogLevel: nil`. No store statement is logged (their values include tokens' digests).
    private static let silent = Logger(label: "ocpi.store.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// An optional without a value, of whichever wrapped type.
    private static func isAbsent(_ value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.isEmpty
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        guard let postgresQuery = postgresQuery(query) else { return try await fallback.execute(sql: query, onRow) }
        let rows = try await connection.query(postgresQuery, logger: Self.silent)
        for try await row in rows {
            onRow(PostgresDirectRow(cells: row.makeRandomAccess()))
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }
}

/// One row of a direct read: its cells as PostgresNIO received them.
struct PostgresDirectRow: SQLRow {
    let cells: PostgresRandomAccessRow

    var allColumns: [String] { cells.map(\.columnName) }

    func contains(column: String) -> Bool { cells.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        !cells.contains(column) || cells[column].bytes == nil
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        let cell = try cell(column)
        // Every value the store reads (integers, text, bytes and their optionals) is one that
        // PostgresNIO decodes itself; anything else is reported rather than guessed at.
        guard let decodable = D.self as? any PostgresDecodable.Type else {
            throw DecodingError.typeMismatch(D.self, .init(codingPath: [SomeCodingKey(stringValue: column)], debugDescription: "not read by a direct read"))
        }
        do {
            guard let value = try cell.decode(decodable) as? D else {
                throw DecodingError.typeMismatch(D.self, .init(codingPath: [SomeCodingKey(stringValue: column)], debugDescription: "the column holds \(cell.dataType)"))
            }
            return value
        } catch let error as PostgresDecodingError {
            throw DecodingError.typeMismatch(D.self, .init(codingPath: [SomeCodingKey(stringValue: column)], debugDescription: String(reflecting: error), underlyingError: error))
        }
    }

    /// A bytea or text column's bytes as the server sent them (binary format), without a `Data`
    /// between.
    func bytes(column: String) throws -> [UInt8] {
        let cell = try cell(column)
        guard let buffer = cell.bytes, [.bytea, .text, .varchar].contains(cell.dataType) else {
            throw DecodingError.typeMismatch([UInt8].self, .init(codingPath: [SomeCodingKey(stringValue: column)], debugDescription: "not bytes or text: \(cell.dataType)"))
        }
        return Array(buffer.readableBytesView)
    }

    private func cell(_ column: String) throws -> PostgresCell {
        guard cells.contains(column) else {
            throw DecodingError.keyNotFound(SomeCodingKey(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column) in \(allColumns)"))
        }
        return cells[column]
    }
}
