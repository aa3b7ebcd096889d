import CoreMetrics
import OCPIRuntime

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

    let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// A request that matched no route: its module and operation are `-`.
    public static let unrouted = "-"

    public func record(module: String, operation: String, status: Int, statusCode: Int?, duration: Duration) {
        Counter(
            label: Self.requestsTotal,
            dimensions: [
                ("module", module), ("operation", operation), ("status", String(status)), ("ocpi_status", statusCode.map(String.init) ?? "-"),
            ],
            factory: factory
        ).increment()
        Timer(label: Self.requestDuration, dimensions: [("module", module), ("operation", operation)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }
}
