import Foundation

/// The report for a person at a terminal: one line per check (a failure with its reason and the
/// request that showed it, a skip with why), the times requests took, and a summary.
public enum TextReport {
    public static func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        let release = report.version.map { "OCPI \($0)" } ?? "no release"
        let role = report.role.map { ", partner role \($0)" } ?? ""
        lines.append("ocpi-check \(report.versionsURL): \(release)\(role), \(report.write ? "with --write" : "read-only")")
        let subjectWidth = min(28, report.results.map(\.subject.count).max() ?? 0)
        let checkWidth = min(24, report.results.map(\.check.count).max() ?? 0)
        for result in report.results {
            let mark =
                switch result.outcome {
                case .passed: "PASS"
                case .failed: "FAIL"
                case .skipped: "SKIP"
                }
            lines.append("\(mark)  \(pad(result.subject, subjectWidth))  \(pad(result.check, checkWidth))  \(result.detail)")
            if let request = result.request, result.outcome == .failed {
                lines.append(String(repeating: " ", count: 6 + subjectWidth + 2) + request)
            }
        }
        if !report.timings.isEmpty {
            lines.append("")
            for timing in report.timings {
                lines.append(
                    "time  \(pad(timing.subject, subjectWidth))  \(timing.requests) request\(timing.requests == 1 ? "" : "s"), p50 \(milliseconds(timing.p50Milliseconds)), p99 \(milliseconds(timing.p99Milliseconds))"
                )
            }
        }
        if !report.leftBehind.isEmpty {
            lines.append("")
            lines.append("left on the partner's side: " + report.leftBehind.joined(separator: ", "))
        }
        lines.append("")
        if let reason = report.abortedBecause {
            lines.append("could not run to the end: \(reason)")
        }
        lines.append("\(report.tally) in \(String(format: "%.1f", report.seconds)) s")
        return lines.joined(separator: "\n") + "\n"
    }

    static func milliseconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.1f ms", value) : String(format: "%.0f ms", value)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
