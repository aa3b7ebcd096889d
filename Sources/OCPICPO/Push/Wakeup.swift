import Synchronization

/// A signal one task waits for, with a deadline or without: a partner's stream sleeps until the
/// outbox tail has new changes or the pusher's look every `pollInterval` wakes it (for changes
/// other processes wrote, and retries). A signal given while nobody waits is kept for the next
/// wait.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the first signal, after `timeout`, or when the task is cancelled. The timer
    /// is a child task, so it runs where the waiting task prefers to run.
    func wait(atMost timeout: Duration) async {
        if state.withLock({ state in defer { state.pending = false }; return state.pending }) { return }
        await withTaskGroup(of: Void.self) { timer in
            timer.addTask { [self] in
                // Cancelled once the signal came: no second signal for the next wait.
                if (try? await Task.sleep(for: timeout)) != nil { signal() }
            }
            await waitForSignal()
            timer.cancelAll()
        }
    }

    /// Returns at the first signal, or when the task is cancelled. No timer: the streams, which
    /// wait once per change each, are woken by the pusher's one look every `pollInterval`
    /// instead of a sleeping child task each (a task and a timer per partner and change).
    func wait() async {
        await waitForSignal()
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}
