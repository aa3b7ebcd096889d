import Foundation

/// The report as JSON, for scripts: the report model as it is, keys in snake case.
public enum JSONReport {
    public static func render(_ report: CheckReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        var document = (try? encoder.encode(Document(report: report))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        document += "\n"
        return document
    }

    /// The report with what a script needs without counting: the exit status and the tally.
    private struct Document: Encodable {
        var report: CheckReport
        var exitStatus: Int32 { report.exitStatus }

        enum CodingKeys: String, CodingKey {
            case exitStatus, passed, failed, skipped, report
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(exitStatus, forKey: .exitStatus)
            try container.encode(report.passed.count, forKey: .passed)
            try container.encode(report.failed.count, forKey: .failed)
            try container.encode(report.skipped.count, forKey: .skipped)
            try container.encode(report, forKey: .report)
        }
    }
}
