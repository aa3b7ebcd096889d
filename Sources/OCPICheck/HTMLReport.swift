import Foundation
import OCPIRuntime

/// The report as one HTML page a person opens in a browser: a summary, every failure first,
/// then a table per subject (failures, then passes, then skips), and the request times. No
/// scripts and no external files, so the page can be mailed or attached to a CI run.
public enum HTMLReport {
    public static func render(_ report: CheckReport) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>ocpi-check: \(escape(report.versionsURL))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
            table { border-collapse: collapse; margin-bottom: 2rem; width: 100%; table-layout: fixed; }
            th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; overflow-wrap: anywhere; }
            td.request, td.check { font-family: ui-monospace, monospace; font-size: .9em; }
            tr.failed td.outcome { color: #b00020; font-weight: bold; }
            tr.passed td.outcome { color: #1b7a1b; }
            tr.skipped td.outcome { color: #777; }
            #summary.failed { color: #b00020; }
            #summary.passed { color: #1b7a1b; }
            </style>
            </head>
            <body>
            <h1>ocpi-check</h1>

            """
        let status = report.exitStatus == 0 ? "passed" : "failed"
        html += "<p>Partner <code>\(escape(report.versionsURL))</code>, "
        html += "\(report.version.map { "OCPI \(escape($0))" } ?? "no release"), "
        html += "\(report.role.map { "role \(escape($0))" } ?? "role unknown"), \(report.write ? "with --write" : "read-only").</p>\n"
        html += "<p id=\"summary\" class=\"\(status)\">\(escape(report.tally)) in \(String(format: "%.1f", report.seconds)) s"
        if let reason = report.abortedBecause { html += "; the run could not be completed: \(escape(reason))" }
        html += "</p>\n"
        if !report.failed.isEmpty {
            html += "<section id=\"failures\">\n<h2>Failures</h2>\n"
            html += table(report.failed, showSubject: true)
            html += "</section>\n"
        }
        for subject in report.subjects {
            let results = report.results.filter { $0.subject == subject }
            let ordered = results.filter { $0.outcome == .failed } + results.filter { $0.outcome == .passed } + results.filter { $0.outcome == .skipped }
            html += "<section class=\"subject\" data-subject=\"\(escape(subject))\">\n<h2>\(escape(subject))</h2>\n"
            html += table(ordered, showSubject: false)
            html += "</section>\n"
        }
        if !report.timings.isEmpty {
            html += "<section id=\"timings\">\n<h2>Request times</h2>\n<table>\n<tr><th>subject</th><th>requests</th><th>p50</th><th>p99</th></tr>\n"
            for timing in report.timings {
                html += "<tr><td>\(escape(timing.subject))</td><td>\(timing.requests)</td>"
                html += "<td>\(TextReport.milliseconds(timing.p50Milliseconds))</td><td>\(TextReport.milliseconds(timing.p99Milliseconds))</td></tr>\n"
            }
            html += "</table>\n</section>\n"
        }
        if !report.leftBehind.isEmpty {
            html += "<p id=\"left-behind\">Left on the partner's side: \(escape(report.leftBehind.joined(separator: ", ")))</p>\n"
        }
        html += "</body>\n</html>\n"
        return html
    }

    private static func table(_ results: [CheckResult], showSubject: Bool) -> String {
        // The same column widths in every table, so that the tables read as one.
        var html = "<table>\n<colgroup><col style=\"width: 6rem\">\(showSubject ? "<col style=\"width: 11rem\">" : "")"
        html += "<col style=\"width: 12rem\"><col><col style=\"width: 30%\"><col style=\"width: 4rem\"></colgroup>\n"
        html += "<tr><th>outcome</th>\(showSubject ? "<th>subject</th>" : "")<th>check</th><th>detail</th><th>request</th><th>source</th></tr>\n"
        for result in results {
            html += "<tr class=\"\(result.outcome.rawValue)\"><td class=\"outcome\">\(result.outcome.rawValue)</td>"
            if showSubject { html += "<td>\(escape(result.subject))</td>" }
            // What the check expects, and for a rule why it is one, on hovering its name.
            let rule = CheckRule(rawValue: result.check)
            let title = [rule?.expectation, rule?.reason.map { "Rule: \($0)." }].compactMap { $0 }.joined(separator: ". ")
            html += "<td class=\"check\" title=\"\(escape(title))\">\(escape(result.check))</td><td>\(escape(result.detail))</td>"
            html += "<td class=\"request\">\(escape(result.request ?? ""))</td><td>\(escape(result.source))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func escape(_ text: String) -> String {
        HTMLText.escape(text)
    }
}
