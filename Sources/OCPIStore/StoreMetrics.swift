import CoreMetrics
import OCPIRuntime
import Synchronization

/// The store's timings (`ocpi_store_duration_seconds`) and failures (`ocpi_store_errors_total`),
/// by the store method that sent the statement. A method's handlers are made the first time it
/// runs, so that a statement only records: the backend's lookup by name and labels stays off
/// every read.
final class StoreMetrics: Sendable {
    static let durationMetric = "ocpi_store_duration_seconds"
    static let errorsMetric = "ocpi_store_errors_total"

    private let factory: any MetricsFactory
    private let durations = Mutex<[String: any TimerHandler]>([:])
    private let errors = Mutex<[String: any CounterHandler]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func recordDuration(_ operation: String, _ duration: Duration) {
        let handler = durations.withLock { durations in
            if let handler = durations[operation] { return handler }
            let handler = factory.makeTimer(label: Self.durationMetric, dimensions: [("operation", operation)])
            durations[operation] = handler
            return handler
        }
        handler.recordNanoseconds(duration.nanoseconds)
    }

    func recordError(_ operation: String) {
        let handler = errors.withLock { errors in
            if let handler = errors[operation] { return handler }
            let handler = factory.makeCounter(label: Self.errorsMetric, dimensions: [("operation", operation)])
            errors[operation] = handler
            return handler
        }
        handler.increment(by: 1)
    }
}
