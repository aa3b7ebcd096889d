import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import Testing

/// Pagination over real HTTP: the generated client crawls by following `Link`.
@Suite struct PaginationTests {
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
}
