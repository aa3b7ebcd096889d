import CoreMetrics
import OCPIRuntime
import OCPIStore

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

    func record(_ outcome: Outcome, partner: String, module: ObjectModule, since start: ContinuousClock.Instant? = nil) {
        Counter(
            label: Self.pushesTotal, dimensions: [("partner", partner), ("module", module.rawValue), ("outcome", outcome.rawValue)], factory: factory
        ).increment()
        if let start {
            Timer(label: Self.pushDuration, dimensions: [("partner", partner), ("module", module.rawValue)], factory: factory)
                .recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        }
    }
}
