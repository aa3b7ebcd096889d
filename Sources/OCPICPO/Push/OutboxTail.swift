import OCPIStore
import Synchronization

/// The newest changes of the outbox, read from the store once for every partner's stream.
///
/// Each change wakes every stream, and each used to read the outbox after its own cursor: with
/// fifty partners, fifty queries for one change, on the store's threads, beside the operator's
/// next write. Now one reader (`run()`) reads what was appended since its last look, when this
/// process wrote a change (`changed()`) or every `pollInterval` (changes other processes wrote),
/// keeps the newest `capacity` of them, and only then wakes the streams. A stream whose cursor
/// is within the kept changes is served from memory; one further behind (a partner catching up
/// after an outage) reads the store as before.
final class OutboxTail: Sendable {
    private struct State {
        /// The kept changes, in order: every change after `floor` up to `head`.
        var entries: [OutboxEntry] = []
        /// Where the kept changes begin; `nil` until the first look at the store.
        var floor: Int64?
        var head: Int64 = 0
    }

    private let store: SQLStore
    let capacity: Int
    private let state = Mutex(State())
    private let wakeup = Wakeup()

    init(store: SQLStore, capacity: Int) {
        self.store = store
        self.capacity = max(1, capacity)
    }

    /// The position of the newest change seen (0 before the first look).
    var head: Int64 { state.withLock { $0.head } }

    /// This process wrote a change: the reader looks at the store now.
    func changed() {
        wakeup.signal()
    }

    /// Reads the store until `isStopped`, calling `advanced` after each look that found new
    /// changes (the streams are woken there).
    func run(pollInterval: Duration, isStopped: @Sendable () -> Bool, advanced: @Sendable () -> Void, failed: @Sendable (any Error) -> Void) async {
        while !isStopped() {
            do {
                if try await look() { advanced() }
            } catch {
                failed(error)
            }
            await wakeup.wait(atMost: pollInterval)
        }
    }

    /// Reads what was appended since the last look; whether anything was.
    func look() async throws -> Bool {
        guard let head = state.withLock({ $0.floor == nil ? nil : $0.head }) else {
            // The first look starts at the present: older changes are read from the store by
            // the streams that still need them.
            let head = try await store.outboxHead()
            state.withLock { state in
                state.floor = head
                state.head = head
            }
            return true
        }
        var after = head
        var found = false
        while true {
            let entries = try await store.outbox(after: after, limit: capacity)
            guard let last = entries.last else { break }
            append(entries)
            found = true
            after = last.position
            if entries.count < capacity { break }
        }
        return found
    }

    private func append(_ entries: [OutboxEntry]) {
        state.withLock { state in
            // Only what follows the kept changes (a look that raced another adds nothing twice).
            let new = entries.drop { $0.position <= state.head }
            guard let last = new.last else { return }
            state.entries.append(contentsOf: new)
            state.head = last.position
            let excess = state.entries.count - capacity
            if excess > 0 {
                state.floor = state.entries[excess - 1].position
                state.entries.removeFirst(excess)
            }
        }
    }

    /// Up to `limit` changes after `position`, in order: from memory when they are kept,
    /// otherwise from the store.
    func entries(after position: Int64, limit: Int) async throws -> [OutboxEntry] {
        let kept = state.withLock { state -> [OutboxEntry]? in
            guard let floor = state.floor, position >= floor else { return nil }
            // The first kept change after `position` (positions ascend, with gaps).
            var low = 0
            var high = state.entries.count
            while low < high {
                let middle = (low + high) / 2
                if state.entries[middle].position <= position { low = middle + 1 } else { high = middle }
            }
            return Array(state.entries[low..<min(state.entries.count, low + max(1, limit))])
        }
        if let kept { return kept }
        return try await store.outbox(after: position, limit: limit)
    }
}
