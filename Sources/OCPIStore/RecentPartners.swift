import Synchronization

/// What was made of partners found by their token, each kept for `lifetime`. Forgetting all
/// starts a new generation: a lookup that began before a change to a partner must not put back
/// what it read from before the change.
final class RecentPartners: Sendable {
    private struct Entry {
        let partner: any Sendable
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation = 0
    }

    /// More tokens than any platform has partners; past it the oldest are not worth sorting out.
    private static let capacity = 4096
    private let lifetime: Duration
    private let state = Mutex(State())

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    var generation: Int { state.withLock { $0.generation } }

    func value(for token: String, at now: ContinuousClock.Instant) -> (any Sendable)? {
        state.withLock { state in
            guard let entry = state.entries[token], entry.expires > now else { return nil }
            return entry.partner
        }
    }

    func remember(_ partner: any Sendable, for token: String, at now: ContinuousClock.Instant, generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[token] = Entry(partner: partner, expires: now + lifetime)
        }
    }

    func forgetAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }
}
