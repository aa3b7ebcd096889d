import Foundation
import OCPIRuntime

/// One list read page by page through the generated client machinery (`OCPIPageSequence`,
/// read leniently), with the pages as they came: what the pagination checks judge.
struct Crawl {
    /// The query of the first request.
    var query: [(String, String)]
    /// Every page's exchange, in order (the last may be the empty page after the end).
    var pages: [Exchange] = []
    /// Every object read, with what it breaks and its JSON (as read).
    var objects: [(json: JSONValue, violations: [Violation])] = []
    /// Whether the list was read to its end (not stopped by `--max-objects` or an error).
    var completed = false
    /// Why the list could not be read to its end, when it could not.
    var failure: String?
    /// How many objects the list holds, when another reading of it told (a reading stopped
    /// early is judged by this rather than by `X-Total-Count`).
    var knownTotal: Int?

    /// How many objects each page held.
    var pageCounts: [Int] { pages.map { $0.data?.elements?.count ?? 0 } }

    /// Reads the list at `url` with `query`, up to `limit` objects, as `T`.
    static func read<T: OCPIModel>(
        _: T.Type, url: String, query: [(String, String)], limit: Int, connection: OCPIConnection, transport: RecordingTransport
    ) async -> Crawl {
        var crawl = Crawl(query: query)
        let start = transport.count
        let firstURL = connection.url(for: "/", parameters: [:], query: query)
        let sequence = OCPIPageSequence<T>(connection: connection, firstURL: firstURL, functional: true).withViolations
        do {
            var reads = sequence.makeAsyncIterator()
            while crawl.objects.count < limit {
                guard let read = try await reads.next() else {
                    crawl.completed = true
                    break
                }
                let json = (try? JSONValue.decodeJSON(read.value.jsonBytes()).value) ?? .null
                crawl.objects.append((json, read.violations))
            }
        } catch {
            crawl.failure = "\(error)"
        }
        crawl.pages = transport.exchanges(since: start)
        return crawl
    }

    /// The page that held object `index`, for pointing at it.
    func page(of index: Int) -> (number: Int, exchange: Exchange)? {
        var seen = 0
        for (number, count) in pageCounts.enumerated() {
            seen += count
            if index < seen { return (number + 1, pages[number]) }
        }
        return nil
    }
}

extension JSONValue {
    /// How the report names an object: its country, party and id (or uid).
    var objectName: String {
        let parts = ["country_code", "party_id", "id", "uid"].compactMap { self[$0]?.string }
        return parts.isEmpty ? "an object" : parts.joined(separator: "/")
    }

    /// `last_updated`, which every object of a paginated list has.
    var lastUpdated: OCPIDateTime? {
        self["last_updated"]?.string.flatMap(OCPIDateTime.init)
    }
}
