import OCPIRuntime
import Testing

/// The position of a page that `Link` carries (`seek`): written and read back, bound to its
/// offset, and never passed on from the request to the next page's link.
@Suite struct PageSeekTests {
    @Test func aPositionIsTwoWholeNumbers() {
        #expect(PageSeek("4950.123456") == PageSeek(offset: 4950, after: 123_456))
        #expect(PageSeek(offset: 50, after: 7).description == "50.7")
        for malformed in ["", "50", "50.", ".7", "50.7.1", "-50.7", "50.-7", "+50.7", "5 0.7", "50.7x", "a.b", "99999999999999999999.1"] {
            #expect(PageSeek(malformed) == nil, "\(malformed)")
        }
        #expect(PageSeek(query: [("offset", "50"), ("seek", "1.2"), ("seek", "50.9")]) == PageSeek(offset: 50, after: 9), "the last one, as for any parameter")
        #expect(PageSeek(query: [("offset", "50"), ("seek", "garbage")]) == nil)
        #expect(PageSeek(query: [("offset", "50")]) == nil)
    }

    private func link(offset: Int, returned: Int, query: [(String, String)], next: PageSeek?) -> String? {
        PaginationPolicy(maximumLimit: 100).headers(
            offset: offset, limit: 50, returned: returned, totalCount: 1000, publicURL: "https://cpo.example/locations", query: query, next: next
        )[.ocpiLink]
    }

    @Test func theLinkCarriesTheNextPagesPositionOnlyWhenItIsThatOffsets() {
        #expect(
            link(offset: 0, returned: 50, query: [("limit", "50")], next: PageSeek(offset: 50, after: 812))
                == "<https://cpo.example/locations?offset=50&limit=50&seek=50.812>; rel=\"next\""
        )
        #expect(
            link(offset: 0, returned: 50, query: [("limit", "50")], next: nil) == "<https://cpo.example/locations?offset=50&limit=50>; rel=\"next\"",
            "a handler that knows no position: offsets as before"
        )
        #expect(
            link(offset: 0, returned: 49, query: [("limit", "50")], next: PageSeek(offset: 50, after: 812))
                == "<https://cpo.example/locations?offset=49&limit=50>; rel=\"next\"",
            "a position for another offset than the link's is left out"
        )
        #expect(
            link(offset: 50, returned: 50, query: [("date_from", "2030-01-01T00:00:00Z"), ("offset", "50"), ("seek", "50.812"), ("limit", "50")],
                next: nil)
                == "<https://cpo.example/locations?date_from=2030-01-01T00%3A00%3A00Z&offset=100&limit=50>; rel=\"next\"",
            "the request's own position is never passed on to the next page"
        )
        #expect(
            link(offset: 50, returned: 50, query: [("offset", "50"), ("seek", "50.812")], next: PageSeek(offset: 100, after: 900))
                == "<https://cpo.example/locations?offset=100&limit=50&seek=100.900>; rel=\"next\""
        )
    }
}
