/// A counting semaphore for tasks: at most `count` holders at once, the others wait in order.
/// The pusher bounds how many partners it calls at once with one, and the tests how many of
/// those that hold servers and stores run at once (`HoldsResources`).
public actor AsyncSemaphore {
    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(_ count: Int) {
        available = max(1, count)
    }

    public func wait() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    public func signal() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Runs `body` holding one permit.
    public nonisolated func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await wait()
        do {
            let result = try await body()
            await signal()
            return result
        } catch {
            await signal()
            throw error
        }
    }
}
