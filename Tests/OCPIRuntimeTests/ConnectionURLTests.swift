import OCPIRuntime
import Testing

/// Module URLs are used as partners publish them, with or without a trailing slash, and paths
/// below them are joined by single slashes.
@Suite struct ConnectionURLTests {
    struct NoTransport: OCPIClientTransport {
        func send(_ request: OCPIClientRequest) async throws -> OCPIClientResponse { OCPIClientResponse(status: .internalServerError, body: []) }
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

    /// A request's head keeps the URL as it was written: scheme, authority, and the path with the
    /// query, escapes untouched; a URL without a path asks for `/`, and a text that is not a URL
    /// stays whole, for the transport to refuse.
    @Test func aRequestHeadKeepsTheURLAsWritten() {
        let url = "https://p.example:8443/ocpi/cpo/2.2.1/locations/L%201?date_from=2026-01-01T00%3A00%3A00Z&limit=10"
        let request = OCPIClientRequest(method: .get, url: url)
        #expect(request.head.scheme == "https" && request.head.authority == "p.example:8443")
        #expect(request.head.path == "/ocpi/cpo/2.2.1/locations/L%201?date_from=2026-01-01T00%3A00%3A00Z&limit=10")
        #expect(request.url == url)
        #expect(OCPIClientRequest(method: .get, url: "http://p.example").url == "http://p.example/")
        #expect(OCPIClientRequest(method: .get, url: "http://p.example?x=1").head.path == "/?x=1")
        let notAURL = OCPIClientRequest(method: .get, url: "p.example/ocpi")
        #expect(notAURL.head.scheme == nil && notAURL.url == "p.example/ocpi")
        var redirected = request
        redirected.url = "http://q.example/target"
        #expect(redirected.head.authority == "q.example" && redirected.head.path == "/target" && redirected.head.method == .get)
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
