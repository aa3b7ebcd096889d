import Synchronization

/// The messages to one partner, sent one after another in the order they were handed over.
final class PartnerLane: Sendable {
    private let tail = Mutex<Task<Void, Never>?>(nil)
    private let permits: AsyncSemaphore

    init(permits: AsyncSemaphore) {
        self.permits = permits
    }

    /// Runs `job` after every job handed over before it, holding one of the shared permits
    /// while it runs.
    func enqueue(_ job: @escaping @Sendable () async -> Void) {
        tail.withLock { tail in
            let previous = tail
            tail = Task { [permits] in
                await previous?.value
                await permits.wait()
                await job()
                await permits.signal()
            }
        }
    }

    /// Waits until every job handed over so far has run.
    func drain() async {
        await tail.withLock { $0 }?.value
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
