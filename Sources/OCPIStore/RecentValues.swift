import Synchronization

/// Values read from the database, each kept for `lifetime` after it was read, within a budget
/// (`capacity`, in whatever unit `remember` is told each value costs: one per partner, bytes per
/// object). Forgetting starts a new generation: a read that began before a write must not put
/// back what it found from before the write.
final class RecentValues<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let cost: Int
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var cost = 0
        var generation = 0
    }

    private let lifetime: Duration
    private let capacity: Int
    private let state = Mutex(State())

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Taken before reading the database, handed back to `remember`.
    var generation: Int { state.withLock { $0.generation } }

    func value(for key: Key, at now: ContinuousClock.Instant) -> Value? {
        state.withLock { state in
            guard let entry = state.entries[key], entry.expires > now else { return nil }
            return entry.value
        }
    }

    /// Keeps `value` unless something was forgotten since `generation` was taken. Past the
    /// budget everything goes: sorting out the oldest is not worth it for what is a second's
    /// worth of reads.
    func remember(_ value: Value, for key: Key, cost: Int = 1, at now: ContinuousClock.Instant, generation: Int) {
        guard cost <= capacity else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            if let old = state.entries[key] { state.cost -= old.cost }
            if state.cost + cost > capacity {
                state.entries.removeAll(keepingCapacity: true)
                state.cost = 0
            }
            state.entries[key] = Entry(value: value, cost: cost, expires: now + lifetime)
            state.cost += cost
        }
    }

    func forget(_ key: Key) {
        state.withLock { state in
            if let old = state.entries.removeValue(forKey: key) { state.cost -= old.cost }
            state.generation += 1
        }
    }

    func forgetAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.cost = 0
            state.generation += 1
        }
    }
}
