import Foundation
import OCPIRuntime

/// The checks every interface gets, whatever its module: the envelope of every answer and
/// the credentials token rule.
extension CheckRun {
    /// Every answer to the requests for `subject` since `start` is the release's `Response`
    /// envelope, and its status code goes with the HTTP status (1xxx only with 2xx; an HTTP
    /// error never carries a success). Each check judges its own part of an answer, so a
    /// broken envelope is reported here once, not by every check that saw it.
    func checkEnvelopes(subject: String, since start: Int) async {
        let answered = transport.exchanges(since: start).filter { $0.purpose == subject && $0.status != nil }
        guard !answered.isEmpty else { return }
        var problems: [(Exchange, String)] = []
        for exchange in answered {
            guard let status = exchange.status else { continue }
            guard case .object? = exchange.json else {
                let kind = exchange.headers[.contentType].map { " (\($0))" } ?? ""
                problems.append((exchange, exchange.body.isEmpty ? "no body, so no envelope" : "the body\(kind) is not a JSON envelope"))
                continue
            }
            let violations = validate(exchange, as: "Response").filter { $0.path.components.first != .key("data") }
            if !violations.isEmpty {
                problems.append((exchange, "the envelope breaks the spec: " + Self.describe(violations)))
            } else if let code = exchange.statusCode, !(1000..<5000).contains(code) {
                problems.append((exchange, "status_code \(code) is not an OCPI status code"))
            } else if let code = exchange.statusCode, (1000..<2000).contains(code), !(200..<300).contains(status) {
                problems.append((exchange, "HTTP \(status) with the success status \(code)"))
            }
        }
        if let (first, reason) = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more of \(answered.count) answers)" : ""
            fail(subject, .envelope, reason + more, request: first)
        } else {
            pass(
                subject, .envelope, "\(answered.count) answer\(answered.count == 1 ? "" : "s"), each an envelope whose status code agrees with its HTTP status")
        }
    }

    /// A request without `Authorization`, and one with a token the partner never issued, are
    /// both answered with HTTP 401.
    func checkAuthentication(subject: String, url: String) async {
        for (authorization, rule, what) in [(Authorization.none, CheckRule.noToken, "without Authorization"), (.wrong, .wrongToken, "with an unknown token")] {
            let answer = await request(.get, url, authorization: authorization)
            if answer.status == 401 {
                pass(subject, rule, "a request \(what) is answered with HTTP 401")
            } else if answer.status == nil {
                fail(subject, rule, "a request \(what) got no answer", request: answer)
            } else {
                fail(subject, rule, "a request \(what) is answered with HTTP \(answer.status ?? 0), not 401", request: answer)
            }
        }
    }
}
