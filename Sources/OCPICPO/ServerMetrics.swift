import Foundation
import OCPIServer
import NIOCore
import Prometheus

/// The server's metrics in Prometheus's text format at `GET /metrics`, for an operator's
/// Prometheus to scrape:
///
/// | metric | kind | labels |
/// |---|---|---|
/// | `ocpi_requests_total` | counter | `module`, `operation`, `status`, `ocpi_status` |
/// | `ocpi_request_duration_seconds` | histogram | `module`, `operation` |
/// | `ocpi_pushes_total` | counter | `partner`, `module`, `outcome` |
/// | `ocpi_push_duration_seconds` | histogram | `partner`, `module` |
/// | `ocpi_store_duration_seconds` | histogram | `operation` |
/// | `ocpi_store_errors_total` | counter | `operation` |
/// | `process_resident_memory_bytes` | gauge | |
///
/// The endpoint needs no token, as Prometheus exporters usually do not: it shows volumes,
/// status codes and partner ids, never an object or a token. Keep it off the public side of a
/// proxy when partner ids are not to be seen.
public enum ServerMetrics {
    /// The swift-metrics factory over `registry`; histograms get buckets from a quarter of a
    /// millisecond (a read answered from the database) to ten seconds (a partner's timeout).
    static func factory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        return factory
    }

    /// Prometheus's text exposition format, version 0.0.4.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func addEndpoint(to router: inout HTTPRouter, registry: PrometheusCollectorRegistry) {
        let memory = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "process", metricName: "resident_memory", unitName: "bytes", helpText: "Resident memory of the server process, in bytes."
            )
        )
        router.get("/metrics") { _, _ in
            if let bytes = residentMemory() { memory.set(Double(bytes)) }
            return HTTPServerResponse(status: 200, contentType: contentType, body: registry.emitToBuffer())
        }
    }

    /// The process's resident set size, from `/proc/self/statm` (Linux); `nil` elsewhere.
    static func residentMemory() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
