/// The objects of a paginated list, fetched page by page: each page's `Link` header (rel="next")
/// names the next, until a page has none (see `PaginationPolicy.nextPageURL` for partners whose
/// links cannot be used).
public struct OCPIPageSequence<Element: JSONDecodable & Sendable>: AsyncSequence, Sendable {
    /// The objects' type (`Element`, by a name that nested sequences do not shadow).
    public typealias Object = Element

    let connection: OCPIConnection
    let firstURL: String
    let functional: Bool

    public init(connection: OCPIConnection, firstURL: String, functional: Bool) {
        self.connection = connection
        self.firstURL = firstURL
        self.functional = functional
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var pages: Pages

        public mutating func next() async throws -> Element? {
            try await pages.next()?.value
        }

        /// What the last page's headers said.
        public var totalCount: Int? { pages.totalCount }
        public var pagesFetched: Int { pages.pagesFetched }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: Pages(sequence: self, nextURL: firstURL))
    }

    /// Every object of the list.
    public func collect() async throws -> [Element] {
        var all: [Element] = []
        for try await element in self { all.append(element) }
        return all
    }

    /// The same objects, each with what it breaks (always nothing under the strict reading
    /// policy, which throws instead; see `OCPIConnection.readingPolicy`).
    public var withViolations: WithViolations { WithViolations(sequence: self) }

    public struct WithViolations: AsyncSequence, Sendable {
        let sequence: OCPIPageSequence

        public struct AsyncIterator: AsyncIteratorProtocol {
            var pages: Pages

            public mutating func next() async throws -> OCPIRead<Object>? {
                try await pages.next()
            }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(pages: Pages(sequence: sequence, nextURL: sequence.firstURL))
        }

        public func collect() async throws -> [OCPIRead<Object>] {
            var all: [OCPIRead<Object>] = []
            for try await read in self { all.append(read) }
            return all
        }
    }

    /// Walks the pages, following each page's `Link`.
    struct Pages {
        let sequence: OCPIPageSequence
        var nextURL: String?
        var buffer: [OCPIRead<Object>] = []
        var position = 0
        var totalCount: Int?
        var pagesFetched = 0

        mutating func next() async throws -> OCPIRead<Object>? {
            while position >= buffer.count {
                guard let url = nextURL else { return nil }
                let result = try await sequence.connection.send(.get, url: url, body: nil, functional: sequence.functional, as: [Element].self)
                let objects = result.data ?? []
                var violations = [[Violation]](repeating: [], count: objects.count)
                for violation in result.violations {
                    guard case .index(let index)? = violation.path.components.first, objects.indices.contains(index),
                        let own = violation.relative(to: JSONPath([.index(index)]))
                    else { continue }
                    violations[index].append(own)
                }
                buffer = zip(objects, violations).map { OCPIRead(value: $0, violations: $1) }
                position = 0
                pagesFetched += 1
                totalCount = result.headers[.ocpiTotalCount].flatMap(Int.init)
                nextURL = PaginationPolicy.nextPageURL(after: url, link: result.headers[.ocpiLink], received: objects.count, totalCount: totalCount)
                if buffer.isEmpty, nextURL == url { return nil }
            }
            defer { position += 1 }
            return buffer[position]
        }
    }
}

/// An object read from a partner, and what it breaks (JSON pointers within the object).
public struct OCPIRead<Value: Sendable>: Sendable {
    public var value: Value
    public var violations: [Violation]

    public init(value: Value, violations: [Violation]) {
        self.value = value
        self.violations = violations
    }

    public var isValid: Bool { violations.isEmpty }
}
