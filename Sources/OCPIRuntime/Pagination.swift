import Foundation

/// One page of a list, as a handler returns it: the page's objects already encoded (typed values
/// or stored canonical JSON, spliced as they are) and how many objects the whole list holds.
public struct OCPIPage<Element>: Sendable {
    /// The page's items, encoded.
    public private(set) var encodedItems: [[UInt8]]
    /// The size of the whole filtered list, for `X-Total-Count`.
    public var totalCount: Int
    /// Where the page after this one begins in the list's stored order, when the handler knows:
    /// `Link` then carries it (see `PageSeek`).
    public var next: PageSeek?

    /// Items taken on trust, as `OCPIReply.init(httpStatus:data:headers:)` takes its data: for
    /// the package's tests and fakes.
    package init(encodedItems: [[UInt8]], totalCount: Int, next: PageSeek? = nil) {
        self.encodedItems = encodedItems
        self.totalCount = totalCount
        self.next = next
    }
}

extension OCPIPage where Element: JSONEncodable {
    public init(items: [Element], totalCount: Int, next: PageSeek? = nil) {
        self.init(encodedItems: items.map { $0.jsonBytes() }, totalCount: totalCount, next: next)
    }

    /// Stored objects, sent as the store keeps them.
    public init(stored items: [StoredJSON<Element>], totalCount: Int, next: PageSeek? = nil) {
        // A closure, not `\.bytes`: a key path into a generic type is instantiated at run time on
        // every call, 3.5% of a page of 50.
        self.init(encodedItems: items.map { $0.bytes }, totalCount: totalCount, next: next)
    }
}

/// Where a page of a list begins in the server's own order: the page at `offset` holds the rows
/// after the row numbered `after` (a store's insertion sequence). The `Link` to the next page
/// carries it as the query parameter `seek` (`offset.after`), so that whichever instance of the
/// server the next request reaches finds the page on its index at once, however deep, instead of
/// skipping `offset` rows; without it, an instance that did not serve the page before has only
/// the offset to go on.
///
/// The position is bound to its offset: a request whose `offset` is another one (a client that
/// edits the link's offset and keeps the rest) is answered by its offset alone. The list's
/// filters still apply to the rows after `after`, so a position names no row the list would not
/// show; it only says where to start.
public struct PageSeek: Sendable, Hashable, CustomStringConvertible {
    /// The query parameter that carries it.
    public static let parameterName = "seek"

    /// The offset of the page this position starts.
    public var offset: Int
    /// The sequence number of the last row before the page.
    public var after: Int64

    public init(offset: Int, after: Int64) {
        self.offset = offset
        self.after = after
    }

    /// The position written as `offset.after` (both whole numbers, zero or more); `nil` for
    /// anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }),
            let offset = Int(parts[0]), let after = Int64(parts[1])
        else { return nil }
        self.init(offset: offset, after: after)
    }

    /// The position a request's query names, when it names one well-formed (the last `seek`
    /// wins, as for every other parameter); a malformed one is ignored, and the offset counts.
    public init?(query: [(String, String)]) {
        guard let value = query.last(where: { $0.0 == Self.parameterName })?.1 else { return nil }
        self.init(value)
    }

    public var description: String { "\(offset).\(after)" }
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
    /// `Link` to the next one, which keeps every original query parameter and moves `offset`;
    /// with `next`, the position where that page begins (`seek`), when it is the position of
    /// that offset.
    public func headers(
        offset: Int, limit: Int, returned: Int, totalCount: Int, publicURL: String, query: [(String, String)], next: PageSeek? = nil
    ) -> HTTPFields {
        var headers: HTTPFields = [.ocpiTotalCount: String(totalCount), .ocpiLimit: String(limit)]
        let nextOffset = offset + returned
        if returned > 0, nextOffset < totalCount {
            var items = query.filter { $0.0 != "offset" && $0.0 != "limit" && $0.0 != PageSeek.parameterName }
            items.append(("offset", String(nextOffset)))
            items.append(("limit", String(limit)))
            if let next, next.offset == nextOffset {
                items.append((PageSeek.parameterName, next.description))
            }
            headers[.ocpiLink] = "<\(publicURL)?\(QueryString.encode(items))>; rel=\"next\""
        }
        return headers
    }

    /// The URL of `rel="next"` in a `Link` header.
    /// The URL of the page after the one at `url`, which held `received` objects: the `Link`
    /// header's next page when it is on the same origin and path as `url` (a partner's token
    /// goes nowhere else, and a link to another path is not this list), otherwise the same URL
    /// at the next `offset` while `X-Total-Count` says objects remain. Partners' links are not
    /// always usable (extrawest-ocpi's always say https and name the release as a Python enum).
    public static func nextPageURL(after url: String, link: String?, received: Int, totalCount: Int?) -> String? {
        if let linked = nextURL(fromLink: link), let here = URLComponents(string: url), let there = URLComponents(string: linked),
            here.scheme?.lowercased() == there.scheme?.lowercased(), here.host?.lowercased() == there.host?.lowercased(),
            here.port == there.port, here.percentEncodedPath == there.percentEncodedPath
        {
            return linked
        }
        guard let totalCount, received > 0, var components = URLComponents(string: url) else { return nil }
        var items = components.percentEncodedQueryItems ?? []
        let offset = items.last { $0.name == "offset" }.flatMap { $0.value.flatMap(Int.init) } ?? 0
        guard offset + received < totalCount else { return nil }
        items.removeAll { $0.name == "offset" }
        items.append(URLQueryItem(name: "offset", value: String(offset + received)))
        components.percentEncodedQueryItems = items
        return components.string
    }

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
    public static func encode(_ items: [(String, String)]) -> String {
        items.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    /// `text` with every byte but RFC 3986's unreserved ASCII (letters, digits, `-._~`)
    /// percent-encoded, UTF-8 byte by byte.
    public static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        guard !utf8.allSatisfy(isUnreserved) else { return text }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(utf8.count * 3)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in utf8 {
            if isUnreserved(byte) {
                escaped.append(byte)
            } else {
                escaped.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// `a=1&b=x%20y` → [("a", "1"), ("b", "x y")]; `+` stays a plus (OCPI timestamps never hold
    /// one, and some clients send `+` unencoded in offsets they should not send at all). A part
    /// whose escapes are malformed, or do not make UTF-8, is kept as it was written.
    public static func decode(_ query: String) -> [(String, String)] {
        decode(query[...])
    }

    /// `decode` of a request target's query as it stands in the target.
    public static func decode(_ query: Substring) -> [(String, String)] {
        query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return (unescape(parts[0]), parts.count > 1 ? unescape(parts[1]) : "")
        }
    }

    private static func unescape(_ part: Substring.UTF8View) -> String {
        guard part.contains(UInt8(ascii: "%")) else { return String(Substring(part)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(part.count)
        var index = part.startIndex
        while index < part.endIndex {
            let byte = part[index]
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                index = part.index(after: index)
                continue
            }
            let high = part.index(after: index)
            guard high < part.endIndex, part.index(after: high) < part.endIndex,
                let upper = hexValue(part[high]), let lower = hexValue(part[part.index(after: high)])
            else { return String(Substring(part)) }
            bytes.append(upper << 4 | lower)
            index = part.index(high, offsetBy: 2)
        }
        return String(validating: bytes, as: UTF8.self) ?? String(Substring(part))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
