import OCPI221
import OCPIRuntime
import OCPIStore

/// Reads and writes of OCPI objects in the store, shared by every module: writes are validated
/// strictly and stored as canonical JSON; reads send the stored bytes as they are.
struct StoredObjects: Sendable {
    let store: SQLStore

    /// A page of a list, straight from the stored bytes.
    func page<Element>(_ filter: ObjectFilter, offset: Int, limit: Int, as _: Element.Type) async throws -> OCPIPage<Element> {
        let (objects, total) = try await store.list(filter, offset: offset, limit: limit)
        return OCPIPage(encodedItems: objects.map(\.json), totalCount: total)
    }

    func load<T: OCPIModel>(_ key: ObjectKey, as _: T.Type) async throws -> T? {
        guard let stored = try await store.get(key) else { return nil }
        return try T.decodeJSON(stored.json).value
    }

    /// Validates (our own output is always strictly valid) and stores.
    @discardableResult
    func save<T: OCPIModel>(_ value: T, key: ObjectKey, owner: String = "", lastUpdated: OCPIDateTime) async throws -> WriteOutcome {
        let violations = value.validate()
        guard violations.isEmpty else { throw OCPIError.invalid(violations) }
        return try await store.put(StoredObject(key: key, owner: owner, lastUpdated: lastUpdated, json: value.jsonBytes()))
    }
}
