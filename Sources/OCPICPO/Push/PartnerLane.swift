import Synchronization

/// The messages to one partner, sent one after another in the order they were handed over.
final class PartnerLane: Sendable {
    private struct State {
        var tail: Task<Void, Never>?
        /// Jobs handed over and not yet finished (the one running included).
        var queued = 0
        /// Whether a job was turned away since the lane was last empty.
        var full = false
    }

    enum Admission {
        case queued
        /// Turned away; `first` says whether it is the first since the lane was last empty (so
        /// that a partner that keeps the lane full is warned of once, not at every change).
        case full(first: Bool)
    }

    private let state = Mutex(State())
    private let permits: AsyncSemaphore

    init(permits: AsyncSemaphore) {
        self.permits = permits
    }

    /// Runs `job` after every job handed over before it, holding one of the shared permits
    /// while it runs; unless `limit` jobs are queued already, and then not at all.
    @discardableResult
    func enqueue(limit: Int = .max, _ job: @escaping @Sendable () async -> Void) -> Admission {
        state.withLock { state in
            guard state.queued < limit else {
                defer { state.full = true }
                return .full(first: !state.full)
            }
            state.queued += 1
            let previous = state.tail
            state.tail = Task { [permits, self] in
                await previous?.value
                await permits.wait()
                await job()
                await permits.signal()
                self.state.withLock { state in
                    state.queued -= 1
                    if state.queued == 0 { state.full = false }
                }
            }
            return .queued
        }
    }

    /// Waits until every job handed over so far has run.
    func drain() async {
        await state.withLock { $0.tail }?.value
    }
}

/// A counting semaphore for tasks: at most `count` holders at once, the others wait in order.
actor AsyncSemaphore {
    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) {
        available = max(1, count)
    }

    func wait() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func signal() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
