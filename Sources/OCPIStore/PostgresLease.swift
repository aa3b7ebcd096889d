import PostgresKit
import Synchronization

/// A connection of the PostgreSQL pool, waited for at most a given time.
///
/// PostgresNIO's `withConnection` waits for a connection as long as it takes: while the server
/// is away the pool keeps reconnecting, and every request of the OCPI server would wait with it,
/// holding its client's connection open. The wait is bounded here rather than in the pool, which
/// has no such setting: a child task leases the connection and hands it over, a timer gives up
/// on it, and the caller runs its statements on the connection in its own task while the child
/// holds the lease. The pool cancels a lease asked for by a cancelled task, so a request that
/// gave up leaves nothing waiting behind it.
enum PostgresLease {
    /// Runs `body` on a connection leased within `wait`; `StoreError.unavailable` when none came.
    static func withConnection<T: Sendable>(
        _ client: PostgresClient, within wait: Duration, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let (leased, handOver) = AsyncStream<PostgresConnection>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let done = Done()
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            // Whatever way this closure ends, the child's lease ends with it (before the group
            // waits for the child).
            defer { done.signal() }
            group.addTask {
                defer { handOver.finish() }
                try await client.withConnection { connection in
                    handOver.yield(connection)
                    handOver.finish()
                    // Not cancellable: the caller may be using the connection until it signals.
                    await done.wait()
                }
            }
            let timer = Task {
                try? await Task.sleep(for: wait)
                handOver.finish()
            }
            defer { timer.cancel() }
            var connections = leased.makeAsyncIterator()
            guard let connection = await connections.next() else {
                // No connection: the lease failed (its error says why) or the time ran out. A
                // connection leased just too late is given back at once.
                done.signal()
                group.cancelAll()
                do {
                    try await group.waitForAll()
                } catch is CancellationError {
                } catch {
                    throw StoreError.unavailable("no PostgreSQL connection: \(String(reflecting: error))")
                }
                throw StoreError.unavailable("no PostgreSQL connection within \(wait)")
            }
            timer.cancel()
            let result = try await body(connection)
            done.signal()
            try await group.waitForAll()
            return result
        }
    }

    /// A one-time signal that a task can wait for without being cancelled out of it.
    private final class Done: Sendable {
        private let state = Mutex<(signalled: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

        func signal() {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.signalled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.signalled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
