/// The objects of a paginated list, fetched page by page: each page's `Link` header (rel="next")
/// names the next, until a page has none.
public struct OCPIPageSequence<Element: JSONDecodable & Sendable>: AsyncSequence, Sendable {
    let connection: OCPIConnection
    let firstURL: String
    let functional: Bool

    public init(connection: OCPIConnection, firstURL: String, functional: Bool) {
        self.connection = connection
        self.firstURL = firstURL
        self.functional = functional
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: OCPIPageSequence
        var nextURL: String?
        var buffer: [Element] = []
        var position = 0
        /// What the last page's headers said.
        public private(set) var totalCount: Int?
        public private(set) var pagesFetched = 0

        public mutating func next() async throws -> Element? {
            while position >= buffer.count {
                guard let url = nextURL else { return nil }
                let result = try await sequence.connection.send("GET", url: url, body: nil, functional: sequence.functional, as: [Element].self)
                buffer = result.data ?? []
                position = 0
                pagesFetched += 1
                totalCount = result.headers[OCPIHeader.totalCount].flatMap(Int.init)
                nextURL = PaginationPolicy.nextURL(fromLink: result.headers[OCPIHeader.link])
                if buffer.isEmpty, nextURL == url { return nil }
            }
            defer { position += 1 }
            return buffer[position]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self, nextURL: firstURL)
    }

    /// Every object of the list.
    public func collect() async throws -> [Element] {
        var all: [Element] = []
        for try await element in self { all.append(element) }
        return all
    }
}
