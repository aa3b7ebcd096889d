import Foundation

/// What one run found: every check with its outcome, the times requests took, and what the
/// checker left on the partner's side. The renderers (text, JSON, JUnit, HTML) all read this.
public struct CheckReport: Sendable, Codable {
    public var versionsURL: String
    /// The release checked, once known.
    public var version: String?
    /// The partner's role (`CPO`, `EMSP`), once known.
    public var role: String?
    public var write: Bool
    public var startedAt: Date
    public var seconds: Double = 0
    public var results: [CheckResult] = []
    public var timings: [Timing] = []
    /// Objects the checker created and could not remove (a module without DELETE).
    public var leftBehind: [String] = []
    /// Why the run stopped before its end, when it did (exit status 2).
    public var abortedBecause: String?

    public init(versionsURL: String, write: Bool, startedAt: Date = Date()) {
        self.versionsURL = versionsURL
        self.write = write
        self.startedAt = startedAt
    }

    public var failed: [CheckResult] { results.filter { $0.outcome == .failed } }
    public var passed: [CheckResult] { results.filter { $0.outcome == .passed } }
    public var skipped: [CheckResult] { results.filter { $0.outcome == .skipped } }

    /// 0 when every check passed, 1 when one failed, 2 when the run could not be completed.
    public var exitStatus: Int32 {
        if abortedBecause != nil { return 2 }
        return failed.isEmpty ? 0 : 1
    }

    /// The interfaces in the order they were checked.
    public var subjects: [String] {
        var seen: [String] = []
        for result in results where !seen.contains(result.subject) { seen.append(result.subject) }
        return seen
    }

    /// `12 passed, 1 failed, 3 skipped`.
    public var tally: String {
        "\(passed.count) passed, \(failed.count) failed, \(skipped.count) skipped"
    }
}

public enum Outcome: String, Sendable, Codable {
    case passed, failed, skipped
}

/// One check of one subject.
public struct CheckResult: Sendable, Codable, Equatable {
    /// What was checked: an interface (`locations SENDER`), `versions` or `credentials`.
    public var subject: String
    /// The check's name (`pagination.link`), the same for every subject it applies to.
    public var check: String
    public var outcome: Outcome
    /// For a pass, what was seen; for a failure, what is wrong; for a skip, why.
    public var detail: String
    /// The request that showed a failure (`GET ... -> HTTP 404, status 2000`).
    public var request: String?
    /// Where the check comes from: `spec` (the generated types, validators and operations) or
    /// `rule` (the table in `CheckRule`, for what the spec data cannot say).
    public var source: String

    public init(subject: String, check: String, outcome: Outcome, detail: String, request: String? = nil, source: String) {
        self.subject = subject
        self.check = check
        self.outcome = outcome
        self.detail = detail
        self.request = request
        self.source = source
    }
}

/// How long the requests for one subject took.
public struct Timing: Sendable, Codable, Equatable {
    public var subject: String
    public var requests: Int
    public var p50Milliseconds: Double
    public var p99Milliseconds: Double

    /// The timing of `durations` (nearest-rank percentiles).
    public init(subject: String, durations: [Duration]) {
        self.subject = subject
        requests = durations.count
        let sorted = durations.map(\.milliseconds).sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
        p50Milliseconds = percentile(0.5)
        p99Milliseconds = percentile(0.99)
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
