import OCPI221
import OCPIRuntime
import OCPIStore

/// Reads and writes of OCPI objects in the store, shared by every module: writes are validated
/// strictly and stored as canonical JSON; reads send the stored bytes as they are.
struct StoredObjects: Sendable {
    let store: SQLStore

    /// A page of a list, straight from the stored bytes; the filter's module is the one that
    /// holds `Element`s. `seek`: where the request's `Link` said the page begins (the
    /// request context's), and the page says where the next one does.
    func page<Element: StoredModel>(
        _ filter: ObjectFilter, offset: Int, limit: Int, seek: PageSeek?, as _: Element.Type
    ) async throws -> OCPIPage<Element> {
        try Element.requireModule(filter.module)
        let (objects, total, next) = try await store.listJSON(filter, offset: offset, limit: limit, seek: seek)
        return OCPIPage(stored: objects.map(StoredJSON.init(canonical:)), totalCount: total, next: next)
    }

    /// A page of a list as values, for a partner on another release than the stored one (its
    /// objects are converted one by one); with the size of the whole list and where the next
    /// page begins (`seek` as for `page`).
    func pageValues<Element: StoredModel>(
        _ filter: ObjectFilter, offset: Int, limit: Int, seek: PageSeek?, as _: Element.Type
    ) async throws -> (items: [Element], total: Int, next: PageSeek?) {
        try Element.requireModule(filter.module)
        let (objects, total, next) = try await store.listJSON(filter, offset: offset, limit: limit, seek: seek)
        let items = try objects.map { bytes in
            guard let value = try Element.decodeJSON(bytes).value else { throw OCPIError(.serverError, "a stored \(Element.ocpiName) cannot be read") }
            return value
        }
        return (items, total, next)
    }

    /// A page of a list for a partner on another release than the stored one, for conversions
    /// that need more than the object (2.1.1's sessions embed their location): the page's
    /// objects, as stored, given to `convert` all at once, so that it can read what they share
    /// once; with the size of the whole list and where the next page begins. Conversions of the
    /// object alone use `pageConverted`, which converts each stored version once.
    func pageConvertedTogether<Element: StoredModel, Converted: JSONEncodable>(
        _ filter: ObjectFilter, offset: Int, limit: Int, seek: PageSeek?, as type: Element.Type,
        _ convert: ([Element]) async throws -> [Converted]
    ) async throws -> OCPIPage<Converted> {
        let (items, total, next) = try await pageValues(filter, offset: offset, limit: limit, seek: seek, as: type)
        return OCPIPage(items: try await convert(items), totalCount: total, next: next)
    }

    /// A page of a list for a partner on another release: each object converted by `convert`,
    /// which must depend on the stored object alone (a generated conversion without given
    /// values). Each stored version is converted once and kept by the store
    /// (`SQLStore.listJSON(...convertedAs:...)`), so a page that did not change costs about what
    /// a page of stored bytes does.
    func pageConverted<Stored: StoredModel, Served: JSONEncodable>(
        _ filter: ObjectFilter, offset: Int, limit: Int, seek: PageSeek?, from _: Stored.Type, _ convert: (Stored) -> Served
    ) async throws -> OCPIPage<Served> {
        try Stored.requireModule(filter.module)
        let (objects, total, next) = try await store.listJSON(
            filter, offset: offset, limit: limit, seek: seek, convertedAs: Served.self
        ) { bytes in convert(try Self.decode(Stored.self, bytes)).jsonBytes() }
        return OCPIPage(encodedItems: objects, totalCount: total, next: next)
    }

    /// The object at `key` for a partner on another release, converted as `pageConverted`
    /// converts (and keeps) a page's; from the last second's reads, as a partner's GET is.
    func converted<Stored: StoredModel, Served: JSONEncodable>(
        _ key: ObjectKey, from _: Stored.Type, _ convert: (Stored) -> Served
    ) async throws -> OCPIReply<Served>? {
        try Stored.requireModule(key.module)
        guard let stored = try await store.recent(key) else { return nil }
        return .ok(encoded: try store.converted(stored, as: Served.self) { convert(try Self.decode(Stored.self, $0)).jsonBytes() })
    }

    private static func decode<T: OCPIModel>(_: T.Type, _ bytes: [UInt8]) throws -> T {
        guard let value = try T.decodeJSON(bytes).value else { throw OCPIError(.serverError, "a stored \(T.ocpiName) cannot be read") }
        return value
    }

    /// The stored bytes of the object at `key`, whose module holds `T`s, with its owner; `recent`
    /// as for `load`.
    func json<T: StoredModel>(_ key: ObjectKey, as _: T.Type, recent: Bool = false) async throws -> (json: StoredJSON<T>, owner: String)? {
        try T.requireModule(key.module)
        guard let stored = try await recent ? store.recent(key) : store.get(key) else { return nil }
        return (StoredJSON(canonical: stored.json), stored.owner)
    }

    /// `recent`: a partner's GET, which may be answered from the last second's reads
    /// (`SQLStore.recent(_:)`); never for a read-modify-write.
    func load<T: OCPIModel>(_ key: ObjectKey, as _: T.Type, recent: Bool = false) async throws -> T? {
        guard let stored = try await recent ? store.recent(key) : store.get(key) else { return nil }
        return try T.decodeJSON(stored.json).value
    }

    /// Validates (our own output is always strictly valid) and stores.
    @discardableResult
    func save<T: OCPIModel>(_ value: T, key: ObjectKey, owner: String = "", lastUpdated: OCPIDateTime) async throws -> WriteOutcome {
        try await store.put(try Self.validated(value, key: key, owner: owner, lastUpdated: lastUpdated))
    }

    /// Validates and stores only over `revision` (0: only when there is none); whether it did.
    func save<T: OCPIModel>(_ value: T, key: ObjectKey, owner: String = "", lastUpdated: OCPIDateTime, ifRevision revision: Int64) async throws -> Bool {
        try await store.put(try Self.validated(value, key: key, owner: owner, lastUpdated: lastUpdated), ifRevision: revision)
    }

    private static func validated<T: OCPIModel>(_ value: T, key: ObjectKey, owner: String, lastUpdated: OCPIDateTime) throws -> StoredObject {
        let violations = value.validate()
        guard violations.isEmpty else { throw OCPIError.invalid(violations) }
        return StoredObject(key: key, owner: owner, lastUpdated: lastUpdated, json: value.jsonBytes())
    }

    /// How often a read-modify-write is tried before giving up to writers that keep winning.
    static let maximumAttempts = 32

    /// Reads the object at `key`, lets `change` modify it, and writes it back only if nobody
    /// wrote it meanwhile; otherwise reads it again and repeats the change on the new state. So
    /// two writers (two instances on one database) changing one location never lose either
    /// change. `nil` when there is no such object; `change` may throw to refuse.
    ///
    /// `then` runs in the transaction of the write that succeeds (the outbox's append).
    func update<T: OCPIModel, Result>(
        _ key: ObjectKey, as _: T.Type, owner: (T) -> String = { _ in "" }, lastUpdated: (T) -> OCPIDateTime,
        _ change: (inout T) throws -> Result, then: (T, Result) async throws -> Void = { _, _ in }
    ) async throws -> (value: T, result: Result)? {
        for _ in 0..<Self.maximumAttempts {
            guard let stored = try await store.get(key), var value = try T.decodeJSON(stored.json).value else { return nil }
            let result = try change(&value)
            let written = try await store.transaction {
                guard try await save(value, key: key, owner: owner(value), lastUpdated: lastUpdated(value), ifRevision: stored.revision) else { return false }
                try await then(value, result)
                return true
            }
            if written { return (value, result) }
        }
        throw OCPIError(.serverError, "\(key) kept changing under this write; it was not made")
    }
}

/// The OCPI object each module of the store holds: the one table that pairs them, so that stored
/// bytes go out only as the type they were written as (`StoredJSON<Location>` from `.locations`).
protocol StoredModel: OCPIModel {
    static var storedModule: ObjectModule { get }
}

extension StoredModel {
    /// Refuses a read of another module's objects as this type: a mistake of ours, answered as
    /// a server error rather than with the wrong object.
    static func requireModule(_ module: ObjectModule) throws(OCPIError) {
        guard module == storedModule else {
            throw OCPIError(.serverError, "\(module.rawValue) objects read as \(ocpiName)")
        }
    }
}

extension Location: StoredModel { static var storedModule: ObjectModule { .locations } }
extension Tariff: StoredModel { static var storedModule: ObjectModule { .tariffs } }
extension Session: StoredModel { static var storedModule: ObjectModule { .sessions } }
extension CDR: StoredModel { static var storedModule: ObjectModule { .cdrs } }
extension Token: StoredModel { static var storedModule: ObjectModule { .tokens } }
extension ClientInfo: StoredModel { static var storedModule: ObjectModule { .clientinfo } }
