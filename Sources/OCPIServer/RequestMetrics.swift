import CoreMetrics
import OCPIRuntime
import Synchronization

/// What a server counts of the requests it answers, through swift-metrics: any backend the
/// embedding application chooses (`ocpi-cpo serve` exposes Prometheus's at `/metrics`).
///
/// Every label comes from a bounded set (the route table's modules and operations, HTTP and OCPI
/// status codes), never from the request's own text, so the number of series stays fixed
/// whatever clients send.
public struct RequestMetrics: Sendable {
    /// Requests answered, by `module`, `operation`, HTTP `status` and OCPI `ocpi_status`.
    public static let requestsTotal = "ocpi_requests_total"
    /// Time from the request's arrival to its response, by `module` and `operation`.
    public static let requestDuration = "ocpi_request_duration_seconds"
    /// The module and operation of a request that matched no route.
    public static let unrouted = "-"

    let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// The metrics of one route, made once when it is mounted.
    func route(module: String, operation: String) -> RouteMetrics {
        RouteMetrics(module: module, operation: operation, factory: factory)
    }
}

/// One route's metrics. Its handlers are made up front (the duration) or once per status pair
/// (the count), so that answering a request only counts: a backend's lookup of a metric by name
/// and labels (Prometheus's takes a lock and checks every name) stays off the request path.
final class RouteMetrics: Sendable {
    let module: String
    let operation: String
    private let factory: any MetricsFactory
    private let duration: any TimerHandler
    /// By HTTP status × 10,000 + OCPI status code (0 for none).
    private let counters = Mutex<[Int: any CounterHandler]>([:])

    init(module: String, operation: String, factory: any MetricsFactory) {
        self.module = module
        self.operation = operation
        self.factory = factory
        duration = factory.makeTimer(label: RequestMetrics.requestDuration, dimensions: [("module", module), ("operation", operation)])
    }

    func record(status: Int, statusCode: Int?, duration elapsed: Duration) {
        let counter = counters.withLock { counters in
            let key = status * 10_000 + (statusCode ?? 0)
            if let counter = counters[key] { return counter }
            let counter = factory.makeCounter(
                label: RequestMetrics.requestsTotal,
                dimensions: [("module", module), ("operation", operation), ("status", String(status)), ("ocpi_status", statusCode.map(String.init) ?? "-")]
            )
            counters[key] = counter
            return counter
        }
        counter.increment(by: 1)
        duration.recordNanoseconds(elapsed.nanoseconds)
    }
}
