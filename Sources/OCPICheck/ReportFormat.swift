/// The four ways a report is written.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// For a person at a terminal.
    case text
    /// For scripts.
    case json
    /// For CI systems (JUnit XML).
    case junit
    /// One page for a browser.
    case html

    public func render(_ report: CheckReport) -> String {
        switch self {
        case .text: TextReport.render(report)
        case .json: JSONReport.render(report)
        case .junit: JUnitReport.render(report)
        case .html: HTMLReport.render(report)
        }
    }
}
