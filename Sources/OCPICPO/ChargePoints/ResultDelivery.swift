import Logging
import OCPI221
import OCPIRuntime
import OCPIServer
import Synchronization

/// Delivers the outcome of an asynchronous request (a command, a charging profile) to the
/// `response_url` the eMSP gave, with the eMSP's credentials, once the charge point answers or
/// the timeout passes.
struct ResultDelivery: Sendable {
    let registry: StoreRegistry
    let transport: any OCPIClientTransport
    let logger: Logger
    let pending: PendingResults

    /// Starts `work` and returns at once; posts its result, or `onTimeout` after `timeout` or
    /// when the server stops first (`PendingResults.close`); then tells `finished` the result and
    /// whether it was posted.
    func deliver<Result: OCPIModel>(
        to responseURL: String, for partnerID: String?, timeout: Duration, onTimeout: Result,
        _ work: @escaping @Sendable () async -> Result,
        post: @escaping @Sendable (OCPIConnection, String, Result) async throws -> Void,
        finished: (@Sendable (Result, _ posted: Bool) async -> Void)? = nil
    ) {
        let answer = FirstAnswer<Result?>()
        pending.track(expire: { answer.give(nil) }) { [registry, transport, logger] in
            let result = await Self.firstOf(timeout, work, into: answer) ?? onTimeout
            var posted = false
            do {
                if let partnerID, let partner = try await registry.partner(id: partnerID), let token = partner.outgoingToken {
                    let connection = OCPIConnection(transport: transport, endpointURL: responseURL, token: token, tokenEncoding: partner.tokenEncoding)
                    try await post(connection, responseURL, result)
                    posted = true
                } else {
                    logger.warning("no credentials to deliver a result with", metadata: ["response_url": .string(responseURL)])
                }
            } catch {
                logger.warning("result not delivered", metadata: ["response_url": .string(responseURL), "error": "\(error)"])
            }
            await finished?(result, posted)
        }
    }

    /// The value of `work`, or nil when `timeout` passes first. `work` is cancelled then, but not
    /// waited for: a charge point that never answers must not hold the result back.
    static func firstOf<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
        await firstOf(timeout, work, into: FirstAnswer<T?>())
    }

    /// As `firstOf(_:_:)`, with an answer that someone else may give (nil) first.
    static func firstOf<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async -> T, into first: FirstAnswer<T?>) async -> T? {
        let worker = Task { first.give(await work()) }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            first.give(nil)
        }
        let value = await first.value
        worker.cancel()
        timer.cancel()
        return value
    }
}

/// The results a server still owes eMSPs. When it stops, each one still waiting for its charge
/// point is given up as the timeout result (TIMEOUT for a command) and posted, so that no eMSP
/// is left waiting for an answer that a stopped server can never send.
final class PendingResults: Sendable {
    private struct Entry {
        let expire: @Sendable () -> Void
        let task: Task<Void, Never>
    }

    private let entries = Mutex<(closed: Bool, next: Int, running: [Int: Entry])>((false, 0, [:]))

    /// Runs `delivery`; `expire` ends its wait for the charge point (at once when the server
    /// is stopping already).
    func track(expire: @escaping @Sendable () -> Void, _ delivery: @escaping @Sendable () async -> Void) {
        entries.withLock { state in
            let id = state.next
            state.next += 1
            if state.closed { expire() }
            // Its removal waits for this lock, so it always comes after the insertion.
            let task = Task { [self] in
                await delivery()
                _ = entries.withLock { $0.running.removeValue(forKey: id) }
            }
            state.running[id] = Entry(expire: expire, task: task)
        }
    }

    /// Gives up every wait and waits for the results to be posted (each post is bounded by the
    /// client transport's timeout).
    func close() async {
        let running = entries.withLock { state in
            state.closed = true
            return Array(state.running.values)
        }
        for entry in running { entry.expire() }
        for entry in running { await entry.task.value }
    }
}

/// The first of several answers; later ones are dropped.
final class FirstAnswer<Value: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Value, Never>])
        case answered(Value)
    }

    private let state = Mutex(State.waiting([]))

    func give(_ value: Value) {
        let waiting: [CheckedContinuation<Value, Never>] = state.withLock { state in
            guard case .waiting(let waiting) = state else { return [] }
            state = .answered(value)
            return waiting
        }
        for continuation in waiting { continuation.resume(returning: value) }
    }

    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let answered: Value? = state.withLock { state in
                    switch state {
                    case .answered(let value): return value
                    case .waiting(let waiting):
                        state = .waiting(waiting + [continuation])
                        return nil
                    }
                }
                if let answered { continuation.resume(returning: answered) }
            }
        }
    }
}
