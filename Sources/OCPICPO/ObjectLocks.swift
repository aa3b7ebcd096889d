import Synchronization

/// Writes to one object, one at a time: a change to an EVSE reads the whole location, changes
/// it and writes it back, so two changes to the same location at once would lose one of them.
/// Changes to other objects go on meanwhile. This orders the writes (and their pushes) of one
/// process; between instances sharing a database, `StoredObjects.update` keeps every change by
/// writing only over the revision it read.
final class ObjectLocks: Sendable {
    private let tails = Mutex<[String: FirstAnswer<Void>]>([:])

    func withLock<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        let done = FirstAnswer<Void>()
        let previous = tails.withLock { tails in
            defer { tails[key] = done }
            return tails[key]
        }
        if let previous { await previous.value }
        defer {
            tails.withLock { tails in
                if tails[key] === done { tails[key] = nil }
            }
            done.give(())
        }
        return try await body()
    }
}
