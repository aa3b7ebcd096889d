import CoreMetrics
import OCPIRuntime
import OCPIStore
import Synchronization

/// What the pusher counts, through swift-metrics: every message to a partner by its outcome, and
/// how long the partner took to answer.
struct PushMetrics: Sendable {
    /// Messages to partners, by `partner` (its id in `ocpi-cpo parties list`), `module` and `outcome`.
    static let pushesTotal = "ocpi_pushes_total"
    /// Time a partner took to answer a push, by `partner` and `module` (deferred ones are not timed).
    static let pushDuration = "ocpi_push_duration_seconds"

    enum Outcome: String {
        /// The partner took the message.
        case delivered
        /// The partner refused a PATCH and was sent our current object instead.
        case resynchronised
        /// A catch-up sent the partner the current state of an object it had missed.
        case caughtUp = "caught_up"
        /// The partner answered with a refusal that would not change if asked again.
        case refused
        /// The partner did not answer, or answered with a server error: it is caught up later.
        case failed
        /// The partner was unreachable a moment ago, or has `maximumQueuedPerPartner` messages
        /// waiting: the change waits for the catch-up.
        case deferred
        /// As `deferred`, for a partner switched off catch-ups: the change is not sent.
        case dropped
    }

    let factory: any MetricsFactory
    /// The same counts by partner and minute, and each partner's last error, for the store (the
    /// console shows them, whichever instance pushed).
    let tally = PushTally()
    private let handles = Handles()

    func record(_ outcome: Outcome, partner: String, module: ObjectModule, since start: ContinuousClock.Instant? = nil) {
        tally.add(outcome, partner: partner)
        handles.counter(partner: partner, module: module, outcome: outcome, factory: factory).increment()
        if let start {
            handles.timer(partner: partner, module: module, factory: factory).recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        }
    }

    /// Each partner's counters and timers, made once. Making a handle asks the factory, which
    /// builds a key of the label and dimensions and takes its own lock: a few percent of a
    /// push's CPU when done per push. A partner has at most one handle per module and outcome.
    private final class Handles: Sendable {
        private struct Key: Hashable {
            let partner: String
            let module: ObjectModule
            let outcome: Outcome?
        }

        private let counters = Mutex<[Key: Counter]>([:])
        private let timers = Mutex<[Key: Timer]>([:])

        func counter(partner: String, module: ObjectModule, outcome: Outcome, factory: any MetricsFactory) -> Counter {
            counters.withLock { counters in
                let key = Key(partner: partner, module: module, outcome: outcome)
                if let counter = counters[key] { return counter }
                let counter = Counter(
                    label: PushMetrics.pushesTotal, dimensions: [("partner", partner), ("module", module.rawValue), ("outcome", outcome.rawValue)],
                    factory: factory
                )
                counters[key] = counter
                return counter
            }
        }

        func timer(partner: String, module: ObjectModule, factory: any MetricsFactory) -> Timer {
            timers.withLock { timers in
                let key = Key(partner: partner, module: module, outcome: nil)
                if let timer = timers[key] { return timer }
                let timer = Timer(label: PushMetrics.pushDuration, dimensions: [("partner", partner), ("module", module.rawValue)], factory: factory)
                timers[key] = timer
                return timer
            }
        }
    }
}

/// What the pushes of this instance came to since the pusher last wrote it to the store: counts
/// by partner and minute, and each partner's last error. Counting is a lock and a dictionary
/// entry; the pusher writes it all to the store in one transaction about once a second
/// (`CPOPusher.saveStatistics()`), off every request's path.
final class PushTally: Sendable {
    private struct State {
        var counts: [PushMinute: PushCounts] = [:]
        var errors: [String: PushFailure] = [:]
    }

    private let state = Mutex(State())
    /// An error's text in the store is cut to this many characters.
    static let maximumErrorLength = 500

    func add(_ outcome: PushMetrics.Outcome, partner: String, at time: OCPIDateTime = .now()) {
        let minute = PushMinute(partnerID: partner, at: time)
        state.withLock { state in
            switch outcome {
            case .delivered, .resynchronised, .caughtUp: state.counts[minute, default: PushCounts()].delivered += 1
            case .failed: state.counts[minute, default: PushCounts()].failed += 1
            case .deferred, .dropped: state.counts[minute, default: PushCounts()].deferred += 1
            case .refused: state.counts[minute, default: PushCounts()].refused += 1
            }
        }
    }

    /// Notes the error a push to `partner` met (the latest one wins).
    func failed(partner: String, object: ObjectKey, error: any Error, at time: OCPIDateTime = .now()) {
        var message = "\(object): \(error)"
        if message.count > Self.maximumErrorLength { message = String(message.prefix(Self.maximumErrorLength - 1)) + "…" }
        state.withLock { $0.errors[partner] = PushFailure(occurredAt: time, message: message) }
    }

    /// What was counted since the last call, which starts counting afresh.
    func take() -> (counts: [PushMinute: PushCounts], errors: [String: PushFailure]) {
        state.withLock { state in
            defer { state = State() }
            return (state.counts, state.errors)
        }
    }

    /// Puts back what a failed write to the store took, so that it is written next time.
    func restore(_ taken: (counts: [PushMinute: PushCounts], errors: [String: PushFailure])) {
        state.withLock { state in
            for (minute, count) in taken.counts {
                var current = state.counts[minute, default: PushCounts()]
                current.delivered += count.delivered
                current.failed += count.failed
                current.deferred += count.deferred
                current.refused += count.refused
                state.counts[minute] = current
            }
            for (partner, failure) in taken.errors where state.errors[partner] == nil {
                state.errors[partner] = failure
            }
        }
    }
}
