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

    /// Starts `work` and returns at once; posts its result, or `onTimeout` after `timeout`.
    func deliver<Result: OCPIModel>(
        to responseURL: String, for partnerID: String?, timeout: Duration, onTimeout: Result,
        _ work: @escaping @Sendable () async -> Result,
        post: @escaping @Sendable (OCPIConnection, String, Result) async throws -> Void
    ) {
        Task {
            let result = await Self.firstOf(timeout, work) ?? onTimeout
            do {
                guard let partnerID, let partner = try await registry.partner(id: partnerID), let token = partner.outgoingToken else {
                    logger.warning("no credentials to deliver a result with", metadata: ["response_url": .string(responseURL)])
                    return
                }
                let connection = OCPIConnection(transport: transport, endpointURL: responseURL, token: token, tokenEncoding: partner.tokenEncoding)
                try await post(connection, responseURL, result)
            } catch {
                logger.warning("result not delivered", metadata: ["response_url": .string(responseURL), "error": "\(error)"])
            }
        }
    }

    /// The value of `work`, or nil when `timeout` passes first. `work` is cancelled then, but not
    /// waited for: a charge point that never answers must not hold the result back.
    static func firstOf<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
        let first = FirstAnswer<T?>()
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
