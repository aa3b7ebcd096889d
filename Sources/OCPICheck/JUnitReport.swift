import Foundation

/// The report as JUnit XML, which CI systems show as test results: a suite per subject, a
/// test case per check.
public enum JUnitReport {
    public static func render(_ report: CheckReport) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml +=
            #"<testsuites name="ocpi-check \#(escape(report.versionsURL))" tests="\#(report.results.count)" failures="\#(report.failed.count)" skipped="\#(report.skipped.count)" time="\#(String(format: "%.3f", report.seconds))">"#
            + "\n"
        for subject in report.subjects {
            let results = report.results.filter { $0.subject == subject }
            let failures = results.filter { $0.outcome == .failed }.count
            let skipped = results.filter { $0.outcome == .skipped }.count
            xml += #"  <testsuite name="\#(escape(subject))" tests="\#(results.count)" failures="\#(failures)" skipped="\#(skipped)">"# + "\n"
            for result in results {
                let name = #"name="\#(escape(result.check))" classname="\#(escape("ocpi-check." + subject.replacingOccurrences(of: " ", with: ".")))""#
                switch result.outcome {
                case .passed:
                    xml += "    <testcase \(name)/>\n"
                case .failed:
                    xml += "    <testcase \(name)>\n"
                    xml +=
                        #"      <failure message="\#(escape(result.detail))">\#(escape([result.detail, result.request].compactMap { $0 }.joined(separator: "\n")))</failure>"#
                        + "\n"
                    xml += "    </testcase>\n"
                case .skipped:
                    xml += "    <testcase \(name)>\n"
                    xml += #"      <skipped message="\#(escape(result.detail))"/>"# + "\n"
                    xml += "    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        if let reason = report.abortedBecause {
            xml +=
                #"  <testsuite name="run" tests="1" failures="0" errors="1"><testcase name="run" classname="ocpi-check"><error message="\#(escape(reason))"/></testcase></testsuite>"#
                + "\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    /// Text for an XML attribute or element; control characters XML cannot hold are dropped.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\n", "\t": escaped.unicodeScalars.append(scalar)
            default: if scalar.value >= 0x20 { escaped.unicodeScalars.append(scalar) }
            }
        }
        return escaped
    }
}
