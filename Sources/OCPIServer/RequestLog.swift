import Foundation
import Logging
import OCPIRuntime

/// The one log line and the metrics of every answered request.
///
/// The line's message is always `request`; what happened is in its metadata, so that a
/// structured handler (`StructuredLogHandler`) writes it as fields: `method`, `path`, `status`,
/// `ocpi_status`, `module`, `operation`, `party`, `duration_ms`, `request_id`,
/// `correlation_id`, and `error` when something unexpected happened (logged as an error).
/// Headers are never logged: the Authorization header carries a credentials token.
package struct RequestLog: Sendable {
    let logger: Logger
    /// The route's (or, for requests no route took, the `-` route's).
    let metrics: RouteMetrics
    /// The logger's handler when it is a `StructuredLogHandler` that writes a request's line
    /// as it is: then the line is written without going through `Logger.Metadata`, whose
    /// dictionary, sorting and casts were most of the cost of logging a request.
    private let direct: StructuredLogHandler?

    init(logger: Logger, metrics: RouteMetrics) {
        self.logger = logger
        self.metrics = metrics
        direct = (logger.handler as? StructuredLogHandler).flatMap { $0.writesDirectly(.info) ? $0 : nil }
    }

    /// The log of requests no route took (unknown path or method, a body too large, bytes that
    /// are not HTTP), counted under the `-` route.
    package static func unrouted(logger: Logger, metrics: RequestMetrics) -> RequestLog {
        RequestLog(logger: logger, metrics: metrics.route(module: RequestMetrics.unrouted, operation: RequestMetrics.unrouted))
    }

    package func record(
        method: String, path: Substring, _ response: OCPIServerResponse, party: OCPIParty?, ids: RequestIDs,
        since start: ContinuousClock.Instant, unexpected: (any Error)? = nil
    ) {
        let duration = ContinuousClock.now - start
        metrics.record(status: response.status.code, statusCode: response.statusCode, duration: duration)
        let milliseconds = duration.fractionalMilliseconds
        if unexpected == nil, let direct {
            // The fields in key order, as `StructuredLogHandler.line` sorts them.
            direct.line(level: .info, message: "request") { writer in
                writer.key("correlation_id")
                writer.string(ids.correlation)
                writer.key("duration_ms")
                writer.raw(String(describing: milliseconds).utf8)
                writer.key("method")
                writer.string(method)
                writer.key("module")
                writer.string(metrics.module)
                if let statusCode = response.statusCode {
                    writer.key("ocpi_status")
                    writer.int(statusCode)
                }
                writer.key("operation")
                writer.string(metrics.operation)
                writer.key("party")
                writer.string(party?.id ?? "-")
                writer.key("path")
                writer.string(path)
                writer.key("request_id")
                writer.string(ids.request)
                writer.key("status")
                writer.int(response.status.code)
            }
            return
        }
        var metadata: Logger.Metadata = [
            "method": .string(method),
            "path": .string(String(path)),
            "status": .stringConvertible(response.status.code),
            "module": .string(metrics.module),
            "operation": .string(metrics.operation),
            "party": .string(party?.id ?? "-"),
            "duration_ms": .stringConvertible(milliseconds),
            "request_id": .string(ids.request),
            "correlation_id": .string(ids.correlation),
        ]
        if let statusCode = response.statusCode { metadata["ocpi_status"] = .stringConvertible(statusCode) }
        if let unexpected {
            metadata["error"] = .string(String(describing: unexpected))
            logger.error("request", metadata: metadata)
        } else {
            logger.info("request", metadata: metadata)
        }
    }
}
