import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

/// Pagination over real HTTP: the generated client crawls by following `Link`.
@Suite(.holdsResources) struct PaginationTests {
    @Test(arguments: [7, 50, 100, 250])
    func crawlingWhileObjectsAreAddedSkipsAndRepeatsNothing(limit: Int) async throws {
        let book = LocationBook()
        for index in 0..<1000 { await book.add(makeLocation("L\(index)", updated: 1_700_000_000 + Int64(index))) }
        try await TestServer.run([("/ocpi/cpo/2.2.1", OCPIRoutes.locationsSender(book))]) { base in
            let client = LocationsSenderClient(connection: TestServer.connection(base + "/ocpi/cpo/2.2.1/locations"))
            var seen: [String] = []
            var added = 0
            for try await location in client.getLocations(limit: limit) {
                seen.append(location.id)
                // Another object arrives every 10 objects read.
                if seen.count % 10 == 0 {
                    await book.add(makeLocation("N\(added)", updated: 1_800_000_000 + Int64(added)))
                    added += 1
                }
            }
            #expect(Set(seen).count == seen.count, "an object was repeated")
            let originals = (0..<1000).map { "L\($0)" }
            #expect(Set(originals).isSubset(of: Set(seen)), "an object was skipped")
            #expect(seen.prefix(1000).elementsEqual(originals))
        }
    }

    @Test func linkKeepsTheFiltersAndLimitIsCapped() async throws {
        let book = LocationBook()
        for index in 0..<300 { await book.add(makeLocation("L\(index)", updated: 1_700_000_000 + Int64(index))) }
        try await TestServer.run([("/ocpi/cpo/2.2.1", OCPIRoutes.locationsSender(book))], maximumLimit: 100) { base in
            let url = base + "/ocpi/cpo/2.2.1/locations?date_from=2023-11-14T22:15:00Z&date_to=2023-11-14T22:18:20Z&limit=500"
            let first = try await send(.get, url)
            #expect(first.status == 200)
            #expect(first.statusCode == 1000)
            // date_from inclusive (1700000100), date_to exclusive (1700000300): 200 objects.
            #expect(first.headers[.ocpiTotalCount] == "200")
            #expect(first.headers[.ocpiLimit] == "100")
            let link = try #require(first.headers[.ocpiLink])
            #expect(link == "<\(base)/ocpi/cpo/2.2.1/locations?date_from=2023-11-14T22%3A15%3A00Z&date_to=2023-11-14T22%3A18%3A20Z&offset=100&limit=100>; rel=\"next\"")
            let next = try #require(PaginationPolicy.nextURL(fromLink: link))
            let second = try await send(.get, next)
            #expect(second.headers[.ocpiTotalCount] == "200")
            #expect(second.headers[.ocpiLink] == nil, "the last page has no Link")
            if case .array(let items)? = second.envelope?["data"] {
                #expect(items.count == 100)
                #expect(items.first?["id"] == .string("L200"))
            } else {
                Issue.record("no data list")
            }
        }
    }

    @Test func theClientReportsTheTotalAndPages() async throws {
        let book = LocationBook()
        for index in 0..<25 { await book.add(makeLocation("L\(index)", updated: 1_700_000_000 + Int64(index))) }
        try await TestServer.run([("/ocpi/cpo/2.2.1", OCPIRoutes.locationsSender(book))], maximumLimit: 10) { base in
            let client = LocationsSenderClient(connection: TestServer.connection(base + "/ocpi/cpo/2.2.1/locations"))
            var iterator = client.getLocations().makeAsyncIterator()
            var count = 0
            while try await iterator.next() != nil { count += 1 }
            #expect(count == 25)
            #expect(iterator.pagesFetched == 3)
            #expect(iterator.totalCount == 25)
        }
    }

    /// A handler that knows where its pages begin (a store's row numbers) gets the position the
    /// request's `Link` carried in its context, and the next page's `Link` carries the one it
    /// says; a malformed `seek` is ignored rather than refused.
    @Test func theLinkCarriesWhereTheNextPageBeginsAndTheHandlerGetsIt() async throws {
        let book = SeekingBook(count: 250)
        try await TestServer.run([("/ocpi/cpo/2.2.1", OCPIRoutes.locationsSender(book))], maximumLimit: 100) { base in
            let list = base + "/ocpi/cpo/2.2.1/locations"
            let first = try await send(.get, list + "?limit=100")
            let link = try #require(first.headers[.ocpiLink])
            #expect(link == "<\(list)?offset=100&limit=100&seek=100.1099>; rel=\"next\"", "row numbers start at 1000")
            #expect(await book.seeks.last == .some(nil))

            let second = try await send(.get, try #require(PaginationPolicy.nextURL(fromLink: link)))
            #expect(await book.seeks.last == PageSeek(offset: 100, after: 1099))
            #expect(ids(second).first == "L100")
            #expect(second.headers[.ocpiLink] == "<\(list)?offset=200&limit=100&seek=200.1199>; rel=\"next\"", "its own position is not passed on")

            // A client that moves the offset of a link it was given and keeps the rest: the
            // handler has the position, for offset 100, and goes by the offset.
            let edited = try await send(.get, list + "?offset=150&limit=100&seek=100.1099")
            #expect(ids(edited).first == "L150")
            #expect(edited.headers[.ocpiLink] == nil)

            let malformed = try await send(.get, list + "?offset=100&limit=100&seek=100")
            #expect(malformed.status == 200)
            #expect(await book.seeks.last == .some(nil))
            #expect(ids(malformed).first == "L100")
        }
    }

    private func ids(_ response: RawResponse) -> [String] {
        guard case .array(let items)? = response.envelope?["data"] else { return [] }
        return items.compactMap { item in
            if case .string(let id)? = item["id"] { id } else { nil }
        }
    }
}

/// Locations numbered like a store's rows (from 1000), whose pages begin at the position a
/// request's `seek` names when it is the requested offset's, and say where the next begins.
actor SeekingBook: LocationsSender {
    let locations: [Location]
    private(set) var seeks: [PageSeek?] = []

    init(count: Int) {
        locations = (0..<count).map { makeLocation("L\($0)", updated: 1_700_000_000 + Int64($0)) }
    }

    func getLocations(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Location> {
        seeks.append(context.seek)
        let start = if let seek = context.seek, seek.offset == offset { Int(seek.after) - 1000 + 1 } else { offset }
        let page = Array(locations.dropFirst(start).prefix(limit))
        let next = page.isEmpty ? nil : PageSeek(offset: offset + page.count, after: Int64(1000 + start + page.count - 1))
        return OCPIPage(items: page, totalCount: locations.count, next: next)
    }

    func getLocation(_ context: OCPIRequestContext, locationID: String) async throws -> OCPIReply<Location> {
        throw OCPIError.notFound("Location \(locationID)")
    }

    func getEVSE(_ context: OCPIRequestContext, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        throw OCPIError.notFound("EVSE \(evseUID)")
    }

    func getConnector(_ context: OCPIRequestContext, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        throw OCPIError.notFound("Connector \(connectorID)")
    }
}
