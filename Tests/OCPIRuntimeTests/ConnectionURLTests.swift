import OCPIRuntime
import Testing

/// Module URLs are used as partners publish them, with or without a trailing slash, and paths
/// below them are joined by single slashes.
@Suite struct ConnectionURLTests {
    struct NoTransport: OCPIClientTransport {
        func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse { OCPIClientResponse(status: 500, headers: HeaderFields(), body: []) }
    }

    static func url(_ endpoint: String, _ path: String, _ parameters: [String: String] = [:], query: [(String, String)] = []) -> String {
        OCPIConnection(transport: NoTransport(), endpointURL: endpoint, token: "t").url(for: path, parameters: parameters, query: query)
    }

    @Test func aTrailingSlashIsKeptOnTheModuleURLAndNotDoubledBelowIt() {
        let parameters = ["country_code": "NL", "party_id": "SOC", "location_id": "L 1"]
        for endpoint in ["https://p.example/ocpi/cpo/2.2.1/locations", "https://p.example/ocpi/cpo/2.2.1/locations/"] {
            #expect(Self.url(endpoint, "/locations") == endpoint, "the module's own URL, exactly")
            #expect(Self.url(endpoint, "/locations", query: [("limit", "10")]) == endpoint + "?limit=10")
            #expect(Self.url(endpoint, "/locations/{country_code}/{party_id}/{location_id}", parameters) == "https://p.example/ocpi/cpo/2.2.1/locations/NL/SOC/L%201")
        }
        #expect(Self.url("https://p.example/credentials/", "/credentials") == "https://p.example/credentials/")
        #expect(Self.url("https://p.example/x", "{response_url}", ["response_url": "https://e.example/r/1"]) == "https://e.example/r/1")
    }
}

/// The next page of a list: the partner's `Link` when it can be used, otherwise the next offset
/// while `X-Total-Count` says objects remain.
@Suite struct NextPageTests {
    @Test func aUsableLinkIsFollowed() {
        let url = "http://p.example/ocpi/cpo/2.2.1/tokens/?limit=50"
        let link = #"<http://p.example/ocpi/cpo/2.2.1/tokens/?offset=50&limit=50>; rel="next""#
        #expect(PaginationPolicy.nextPageURL(after: url, link: link, received: 50, totalCount: 120) == "http://p.example/ocpi/cpo/2.2.1/tokens/?offset=50&limit=50")
        #expect(PaginationPolicy.nextPageURL(after: url, link: link, received: 50, totalCount: nil) != nil, "a usable link needs no count")
    }

    /// A link to another scheme, host or path is not followed (our token would go there): the
    /// next offset is asked of the same URL instead.
    @Test func anUnusableLinkGivesWayToTheNextOffset() {
        let url = "http://p.example/ocpi/emsp/2.2.1/tokens/?date_from=2026-01-01T00%3A00%3A00Z&limit=50"
        for link in [
            #"<https://p.example/ocpi/emsp/2.2.1/tokens/?offset=50>; rel="next""#,
            #"<http://evil.example/ocpi/emsp/2.2.1/tokens/?offset=50>; rel="next""#,
            #"<http://p.example/ocpi/cpo/VersionNumber.v_2_2_1/ModuleID.tokens?offset=50>; rel="next""#,
            "", nil,
        ] as [String?] {
            #expect(
                PaginationPolicy.nextPageURL(after: url, link: link, received: 50, totalCount: 120)
                    == "http://p.example/ocpi/emsp/2.2.1/tokens/?date_from=2026-01-01T00%3A00%3A00Z&limit=50&offset=50", "\(link ?? "nil")"
            )
        }
        let second = "http://p.example/t?offset=50&limit=50"
        #expect(PaginationPolicy.nextPageURL(after: second, link: nil, received: 50, totalCount: 120) == "http://p.example/t?limit=50&offset=100")
        #expect(PaginationPolicy.nextPageURL(after: "http://p.example/t?offset=100&limit=50", link: nil, received: 20, totalCount: 120) == nil, "the last page")
        #expect(PaginationPolicy.nextPageURL(after: second, link: nil, received: 0, totalCount: 120) == nil, "an empty page ends it")
        #expect(PaginationPolicy.nextPageURL(after: second, link: nil, received: 50, totalCount: nil) == nil, "no link, no count: the end")
    }
}
