import Foundation

/// One page of a list, as a handler returns it: the page's objects already encoded (typed values
/// or stored canonical JSON, spliced as they are) and how many objects the whole list holds.
public struct OCPIPage<Element>: Sendable {
    public var encodedItems: [[UInt8]]
    /// The size of the whole filtered list, for `X-Total-Count`.
    public var totalCount: Int

    public init(encodedItems: [[UInt8]], totalCount: Int) {
        self.encodedItems = encodedItems
        self.totalCount = totalCount
    }
}

extension OCPIPage where Element: JSONEncodable {
    public init(items: [Element], totalCount: Int) {
        self.init(encodedItems: items.map { $0.jsonBytes() }, totalCount: totalCount)
    }
}

/// The pagination rules of the transport chapter, applied by the server.
public struct PaginationPolicy: Sendable, Hashable {
    /// The largest page the server hands out (`X-Limit`); a larger `limit` is capped to it.
    public var maximumLimit: Int

    public init(maximumLimit: Int = 100) {
        self.maximumLimit = max(1, maximumLimit)
    }

    /// The effective `limit` for a requested one.
    public func limit(for requested: Int?) -> Int {
        min(requested ?? maximumLimit, maximumLimit)
    }

    /// The headers of a page: `X-Total-Count`, `X-Limit` and, unless this is the last page,
    /// `Link` to the next one, which keeps every original query parameter and moves `offset`.
    public func headers(
        offset: Int, limit: Int, returned: Int, totalCount: Int, publicURL: String, query: [(String, String)]
    ) -> [(String, String)] {
        var headers = [(OCPIHeader.totalCount, String(totalCount)), (OCPIHeader.limit, String(limit))]
        let nextOffset = offset + returned
        if returned > 0, nextOffset < totalCount {
            var items = query.filter { $0.0 != "offset" && $0.0 != "limit" }
            items.append(("offset", String(nextOffset)))
            items.append(("limit", String(limit)))
            headers.append((OCPIHeader.link, "<\(publicURL)?\(QueryString.encode(items))>; rel=\"next\""))
        }
        return headers
    }

    /// The URL of `rel="next"` in a `Link` header.
    public static func nextURL(fromLink value: String?) -> String? {
        guard let value else { return nil }
        for part in value.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingWhitespaceAndNewlines() }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let parameters = pieces.dropFirst().map { $0.replacingOccurrences(of: " ", with: "").lowercased() }
            if parameters.contains("rel=\"next\"") || parameters.contains("rel=next") {
                return String(target.dropFirst().dropLast())
            }
        }
        return nil
    }
}

/// Query strings: percent-encoding the way URLs need it.
public enum QueryString {
    private static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    public static func encode(_ items: [(String, String)]) -> String {
        items.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `a=1&b=x%20y` → [("a", "1"), ("b", "x y")]; `+` stays a plus (OCPI timestamps never hold
    /// one, and some clients send `+` unencoded in offsets they should not send at all).
    public static func decode(_ query: String) -> [(String, String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (name, value)
        }
    }
}
