import Foundation
import OCPIRuntime

/// The checks of a partner's SENDER interface: its list read to the end (or `--max-objects`),
/// every object validated, pagination and filters, objects by id, an unknown id, the token rule.
extension CheckRun {
    func checkSender(subject: String, url: String, operations: [OperationCatalog.Operation]) async {
        guard let release,
            let list = operations.first(where: { $0.method == "GET" && $0.isPaginated && $0.pathParameters.isEmpty }),
            let typeName = list.dataType, let model = release.models[typeName]
        else {
            skip(subject, .objects, "the interface has no list to read (its operations are called by the partner's counterpart only)")
            return
        }
        let connection = connection(url)
        func crawl(_ query: [(String, String)], limit: Int = options.maxObjects) async -> Crawl {
            await Crawl.read(model, url: url, query: query, limit: limit, connection: connection, transport: transport)
        }

        let main = await crawl([])
        if let failure = main.failure, main.objects.isEmpty {
            fail(subject, .objects, "the list could not be read: \(failure)", request: main.pages.last)
        } else {
            judgeObjects(subject: subject, typeName: typeName, crawl: main)
        }
        // Pages small enough that the list has several, with a filter that every object passes,
        // so that Link is seen between pages and keeping the query.
        // Three pages at most, each no larger than the partner's own pages.
        let known = main.objects.count
        var crawls = [main]
        if known >= 2 {
            let partnerLimit = main.pages.first?.headers[.ocpiLimit].flatMap { Int($0) } ?? known
            let pageSize = max(1, min((known + 2) / 3, partnerLimit))
            var paged = await crawl([("date_from", "1970-01-01T00:00:00Z"), ("limit", String(pageSize))], limit: min(known, 3 * pageSize))
            // The filter keeps every object: the list read whole says how many remain.
            if main.completed { paged.knownTotal = known }
            crawls.append(paged)
        }
        let capped = await request(.get, connection.url(for: "/", parameters: [:], query: [("limit", String(Self.excessiveLimit))]))
        judgePagination(subject: subject, crawls: crawls, capped: capped)
        await checkDateFilters(subject: subject, objects: main.objects.map(\.json), crawl: { await crawl($0) })
        await checkByID(subject: subject, operations: operations, list: list, objects: main.objects.map(\.json), connection: connection)
        await checkAuthentication(subject: subject, url: connection.url(for: "/", parameters: [:], query: [("limit", "1")]))
    }

    /// A `limit` no partner's maximum reaches.
    static let excessiveLimit = 1_000_000

    /// Every object valid by the release's validator, each violation with its JSON pointer.
    private func judgeObjects(subject: String, typeName: String, crawl: Crawl) {
        let broken = crawl.objects.enumerated().filter { !$0.element.violations.isEmpty }
        let count = crawl.objects.count
        let stopped = crawl.completed ? "" : crawl.failure.map { " (reading stopped: \($0))" } ?? " (--max-objects reached)"
        guard let first = broken.first else {
            if let failure = crawl.failure {
                fail(subject, .objects, "\(count) \(typeName) objects valid, then the list could not be read on: \(failure)", request: crawl.pages.last)
            } else {
                pass(
                    subject, .objects,
                    count == 0 ? "the list is empty: no \(typeName) to validate" : "\(count) \(typeName) object\(count == 1 ? "" : "s") valid\(stopped)")
            }
            return
        }
        let lines = broken.prefix(5).map { index, object in
            let page = crawl.page(of: index).map { "page \($0.number), " } ?? ""
            return "\(object.json.objectName) (\(page)object \(index + 1)): " + Self.describe(object.violations, limit: 3)
        }
        let more = broken.count > 5 ? "; and \(broken.count - 5) more objects" : ""
        fail(
            subject, .objects, "\(broken.count) of \(count) \(typeName) objects break the spec: " + lines.joined(separator: " | ") + more,
            request: crawl.page(of: first.offset)?.exchange
        )
    }

    /// The pagination rules, over every list read: headers on every page, a total that holds,
    /// `Link` exactly while objects remain (keeping the query), and `limit` capped.
    private func judgePagination(subject: String, crawls: [Crawl], capped: Exchange) {
        let pages = crawls.flatMap(\.pages).filter { $0.status.map { (200..<300).contains($0) } == true } + [capped].filter { Self.succeeded($0) }
        // Headers.
        if let missing = pages.first(where: { Int($0.headers[.ocpiTotalCount] ?? "") == nil || Int($0.headers[.ocpiLimit] ?? "") == nil }) {
            let which = [HTTPField.Name.ocpiTotalCount, .ocpiLimit].filter { Int(missing.headers[$0] ?? "") == nil }.map(\.rawName)
            fail(subject, .paginationHeaders, "\(which.joined(separator: " and ")) missing or not a number", request: missing)
        } else if !pages.isEmpty {
            pass(subject, .paginationHeaders, "\(pages.count) pages, each with X-Total-Count and X-Limit")
        }
        // The total.
        var totalProblem: (String, Exchange)?
        for crawl in crawls where totalProblem == nil {
            let totals = crawl.pages.compactMap { page in page.headers[.ocpiTotalCount].flatMap { Int($0) }.map { ($0, page) } }
            if let first = totals.first, let other = totals.first(where: { $0.0 != first.0 }) {
                totalProblem = ("X-Total-Count changed from \(first.0) to \(other.0) within one list", other.1)
            } else if crawl.completed, let first = totals.first, first.0 != crawl.objects.count {
                totalProblem = ("X-Total-Count says \(first.0), the list held \(crawl.objects.count)", first.1)
            } else if !crawl.completed, let first = totals.first, first.0 < crawl.objects.count {
                totalProblem = ("X-Total-Count says \(first.0), more objects came (\(crawl.objects.count))", first.1)
            }
        }
        if let (problem, page) = totalProblem {
            fail(subject, .paginationTotalCount, problem, request: page)
        } else if !pages.isEmpty {
            pass(subject, .paginationTotalCount, "X-Total-Count held on every page and matched the objects read")
        }
        // Link.
        var linkProblem: (String, Exchange)?
        var linksSeen = 0
        for crawl in crawls where linkProblem == nil {
            linkProblem = linkProblemOf(crawl, linksSeen: &linksSeen)
        }
        if let (problem, page) = linkProblem {
            fail(subject, .paginationLink, problem, request: page)
        } else if !pages.isEmpty {
            pass(
                subject, .paginationLink,
                linksSeen == 0
                    ? "no page had a next one, and none had a Link"
                    : "\(linksSeen) Link headers, each to the next page with the query kept; none on a last page")
        }
        // The limit.
        let limits = crawls.flatMap(\.pages).compactMap { page in page.headers[.ocpiLimit].flatMap { Int($0) }.map { ($0, page) } }
        if let (limit, page) = limits.first(where: { limit, page in (page.data?.elements?.count ?? 0) > limit }) {
            fail(subject, .paginationLimit, "a page held \(page.data?.elements?.count ?? 0) objects with X-Limit \(limit)", request: page)
        } else if capped.status == nil || !Self.succeeded(capped) {
            fail(subject, .paginationLimit, "a request with limit=\(Self.excessiveLimit) was refused instead of capped", request: capped)
        } else if let limit = capped.headers[.ocpiLimit].flatMap({ Int($0) }), limit >= Self.excessiveLimit {
            fail(subject, .paginationLimit, "limit=\(Self.excessiveLimit) was not capped (X-Limit \(limit))", request: capped)
        } else if let limit = capped.headers[.ocpiLimit].flatMap({ Int($0) }), (capped.data?.elements?.count ?? 0) > limit {
            fail(
                subject, .paginationLimit, "limit=\(Self.excessiveLimit) answered \(capped.data?.elements?.count ?? 0) objects with X-Limit \(limit)",
                request: capped)
        } else {
            pass(
                subject, .paginationLimit, "limit=\(Self.excessiveLimit) capped to X-Limit \(capped.headers[.ocpiLimit] ?? "?"); no page over its X-Limit"
            )
        }
    }

    /// What breaks the Link rule in one list read: a page with objects after it must name the
    /// next page in `Link` (the same origin and path, the query's filters kept); the last page
    /// must not have one. Whether a page follows is judged by the pages that came.
    private func linkProblemOf(_ crawl: Crawl, linksSeen: inout Int) -> (String, Exchange)? {
        let counts = crawl.pageCounts
        let filters = crawl.query.filter { $0.0 != "offset" && $0.0 != "limit" }
        for (index, page) in crawl.pages.enumerated() where Self.succeeded(page) {
            let header = page.headers[.ocpiLink]
            let remaining: Bool?
            if index + 1 < crawl.pages.count {
                remaining = counts[index + 1] > 0
            } else if crawl.completed {
                remaining = false
            } else {
                // Stopped early: whether objects remain after this page is known, or
                // X-Total-Count's word.
                let through = counts.prefix(index + 1).reduce(0, +)
                remaining = (crawl.knownTotal ?? page.headers[.ocpiTotalCount].flatMap { Int($0) }).map { $0 > through }
            }
            guard let header else {
                if remaining == true { return ("page \(index + 1) has no Link, but objects followed it", page) }
                continue
            }
            linksSeen += 1
            guard let next = PaginationPolicy.nextURL(fromLink: header), let here = URLComponents(string: page.url), let there = URLComponents(string: next),
                here.host?.lowercased() == there.host?.lowercased(), here.port == there.port, here.percentEncodedPath == there.percentEncodedPath
            else {
                return ("page \(index + 1) has a Link that does not name the next page of this list: \(header)", page)
            }
            if remaining == false { return ("page \(index + 1) is the last, yet has a Link: \(header)", page) }
            let kept = QueryString.decode(there.percentEncodedQuery ?? "")
            if let lost = filters.first(where: { filter in !kept.contains { $0.0 == filter.0 && $0.1 == filter.1 } }) {
                return ("page \(index + 1)'s Link drops the query's \(lost.0)=\(lost.1): \(header)", page)
            }
        }
        return nil
    }

    /// `date_from` keeps what changed at or after it, `date_to` what changed before it: asked
    /// at the latest and the earliest `last_updated` read, so that both lists stay short.
    private func checkDateFilters(subject: String, objects: [JSONValue], crawl: ([(String, String)]) async -> Crawl) async {
        let dated = objects.compactMap { object in object.lastUpdated.map { (object, $0, object["last_updated"]?.string ?? "") } }
        guard let latest = dated.max(by: { $0.1 < $1.1 }), let earliest = dated.min(by: { $0.1 < $1.1 }) else {
            skip(subject, .dateFrom, "no objects with last_updated to filter by")
            skip(subject, .dateTo, "no objects with last_updated to filter by")
            return
        }
        let from = await crawl([("date_from", latest.2)])
        if let failure = from.failure {
            fail(subject, .dateFrom, "date_from=\(latest.2) could not be read: \(failure)", request: from.pages.last)
        } else if let early = from.objects.first(where: { ($0.json.lastUpdated ?? latest.1) < latest.1 }) {
            fail(
                subject, .dateFrom, "with date_from=\(latest.2), \(early.json.objectName) came with last_updated \(early.json["last_updated"]?.string ?? "")",
                request: from.pages.first)
        } else if from.completed, !from.objects.contains(where: { $0.json.objectName == latest.0.objectName }) {
            fail(subject, .dateFrom, "with date_from=\(latest.2), \(latest.0.objectName), last updated then, is missing", request: from.pages.first)
        } else {
            pass(
                subject, .dateFrom,
                "date_from=\(latest.2): \(from.objects.count) object\(from.objects.count == 1 ? "" : "s"), none earlier, the one updated then included")
        }
        let to = await crawl([("date_to", earliest.2)])
        if let failure = to.failure {
            fail(subject, .dateTo, "date_to=\(earliest.2) could not be read: \(failure)", request: to.pages.last)
        } else if let late = to.objects.first(where: { ($0.json.lastUpdated ?? earliest.1) >= earliest.1 }) {
            let inclusive = late.json.lastUpdated == earliest.1 ? " (date_to is inclusive)" : ""
            fail(
                subject, .dateTo,
                "with date_to=\(earliest.2), \(late.json.objectName) came with last_updated \(late.json["last_updated"]?.string ?? "")\(inclusive)",
                request: to.pages.first)
        } else {
            pass(subject, .dateTo, "date_to=\(earliest.2): \(to.objects.count) object\(to.objects.count == 1 ? "" : "s"), none at or after it")
        }
    }

    /// Each GET by id of the interface returns what the list holds for the same object (an
    /// EVSE or connector is found inside its location), and an unknown id is answered 404
    /// with the module's status code.
    private func checkByID(
        subject: String, operations: [OperationCatalog.Operation], list: OperationCatalog.Operation, objects: [JSONValue], connection: OCPIConnection
    ) async {
        let byID = operations.filter { $0.method == "GET" && !$0.pathParameters.isEmpty && $0.dataType != nil && !$0.dataIsList }
        guard !byID.isEmpty, let release else {
            skip(subject, .byID, "the interface has no GET by id")
            skip(subject, .unknownID, "the interface has no GET by id")
            return
        }
        for operation in byID {
            guard let typeName = operation.dataType, let model = release.models[typeName] else { continue }
            guard let (parameters, expected) = objects.lazy.compactMap({ Self.bind(operation.pathParameters, in: $0) }).first else {
                skip(subject, .byID, "\(operation.name): no object read has what its path needs (\(operation.pathParameters.joined(separator: ", ")))")
                continue
            }
            let url = connection.url(for: operation.path, parameters: parameters)
            let (problem, exchange) = await compare(model, at: url, with: expected)
            let name = "\(operation.name) \(operation.pathParameters.compactMap { parameters[$0] }.joined(separator: "/"))"
            if let problem {
                fail(subject, .byID, "\(name): \(problem)", request: exchange)
            } else {
                pass(subject, .byID, "\(name) equals its copy in the list")
            }
        }
        // The unknown id, on the shortest path.
        guard let operation = byID.min(by: { $0.pathParameters.count < $1.pathParameters.count }) else { return }
        var parameters: [String: String] = [:]
        for name in operation.pathParameters { parameters[name] = "OCPI-CHECK-UNKNOWN-\(runID)" }
        let answer = await request(.get, connection.url(for: operation.path, parameters: parameters))
        judgeUnknown(subject: subject, module: operation.module, operation: operation.name, answer: answer)
    }

    /// HTTP 404, and the module's status code when the answer is an envelope (a missing
    /// envelope is the envelope check's to report).
    func judgeUnknown(subject: String, module: String, operation: String, answer: Exchange) {
        let expected = release?.notFoundCodes[module] ?? 2000
        if answer.status != 404 {
            fail(subject, .unknownID, "\(operation) of an unknown id answered HTTP \(answer.status.map(String.init) ?? "nothing"), not 404", request: answer)
        } else if let code = answer.statusCode, code != expected {
            fail(subject, .unknownID, "\(operation) of an unknown id answered status \(code), not \(expected)", request: answer)
        } else {
            pass(subject, .unknownID, "\(operation) of an unknown id answered HTTP 404\(answer.statusCode.map { ", status \($0)" } ?? "")")
        }
    }

    /// Fetches `url` as `T` through the connection (read leniently) and compares it with
    /// `expected`, the same object's JSON from the list: the problem, if any, and the exchange.
    func compare<T: OCPIModel>(_: T.Type, at url: String, with expected: JSONValue) async -> (String?, Exchange?) {
        let start = transport.count
        let result: OCPIClientResult<T>
        do {
            result = try await connection(url).send(.get, url: url, body: nil, functional: true, as: T.self)
        } catch {
            return ("\(error)", transport.exchanges(since: start).last)
        }
        let exchange = transport.exchanges(since: start).last
        guard let fetched = result.data else { return ("the answer has no data", exchange) }
        guard let copy = (try? T.decodeJSON(expected.jsonBytes()))?.value else { return ("the list's copy cannot be read as \(T.ocpiName)", exchange) }
        guard fetched != copy else { return (nil, exchange) }
        let fetchedJSON = (try? JSONValue.decodeJSON(fetched.jsonBytes()).value) ?? .null
        let copyJSON = (try? JSONValue.decodeJSON(copy.jsonBytes()).value) ?? .null
        let keys = Set((fetchedJSON.members ?? []).map(\.key) + (copyJSON.members ?? []).map(\.key))
        let differing = keys.filter { fetchedJSON[$0] != copyJSON[$0] }.sorted().map { "/" + $0 }
        return ("differs from its copy in the list at \(differing.joined(separator: ", "))", exchange)
    }

    /// The values of `parameters` taken from `object`, and the object the path names: the
    /// first parameter from the object itself (`location_id` from `id`), each further one from
    /// the first element of the list it names (`evse_uid` from `evses[0].uid`).
    static func bind(_ parameters: [String], in object: JSONValue) -> ([String: String], JSONValue)? {
        var node = object
        var values: [String: String] = [:]
        for (index, parameter) in parameters.enumerated() {
            let parts = parameter.split(separator: "_")
            guard let field = parts.last.map(String.init) else { return nil }
            if index > 0 {
                let list = parts.dropLast().joined(separator: "_") + "s"
                guard let first = node[list]?.elements?.first else { return nil }
                node = first
            }
            guard let value = node[parameter]?.string ?? node[field]?.string else { return nil }
            values[parameter] = value
        }
        return (values, node)
    }
}
