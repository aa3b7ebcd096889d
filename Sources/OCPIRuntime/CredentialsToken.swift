import Foundation

/// The credentials token in the `Authorization` header: `Token <base64 of the token>` in 2.2.1.
/// Some partners (and every 2.1.1 party) send the token as it is; a per-partner policy says how
/// to send ours, and reading accepts both.
public enum CredentialsToken {
    public enum Encoding: String, Sendable, Codable, CaseIterable {
        /// Base64 of the token's UTF-8 bytes, as OCPI 2.2.1 requires.
        case base64
        /// The token as it is (OCPI 2.1.1, and partners that never adopted 2.2's encoding).
        case raw
    }

    /// The header value for a token.
    public static func header(for token: String, encoding: Encoding = .base64) -> String {
        switch encoding {
        case .base64: "Token " + Data(token.utf8).base64EncodedString()
        case .raw: "Token " + token
        }
    }

    /// The candidates a header value may stand for, most likely first: the base64-decoded token
    /// (when the value is valid base64 of printable text), then the value as it is.
    public static func candidates(fromHeader value: String) -> [String] {
        // Every request asks: an ASCII header (as every token is) is read from its bytes.
        if let candidates = value.utf8.withContiguousStorageIfAvailable(asciiCandidates), let candidates { return candidates }
        return anyCandidates(fromHeader: value)
    }

    /// `candidates(fromHeader:)`, each with the form it was written in: the decoded one in
    /// base64, the value as it is raw (always the last).
    public static func candidatesWithForm(fromHeader value: String) -> [(token: String, form: Encoding)] {
        let candidates = candidates(fromHeader: value)
        return candidates.enumerated().map { index, token in (token, index == candidates.count - 1 ? .raw : .base64) }
    }

    /// `candidates(fromHeader:)` of any text.
    static func anyCandidates(fromHeader value: String) -> [String] {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "token" else { return [] }
        let presented = parts[1].trimmingWhitespaceAndNewlines()
        guard !presented.isEmpty else { return [] }
        var candidates: [String] = []
        if let data = Data(base64Encoded: presented), let decoded = String(data: data, encoding: .utf8),
            !decoded.isEmpty, decoded.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E })
        {
            candidates.append(decoded)
        }
        if !candidates.contains(presented) { candidates.append(presented) }
        return candidates
    }

    /// `candidates(fromHeader:)` of a header's bytes, the same as `anyCandidates` finds them
    /// (the tests compare the two); `nil` when a byte is not ASCII.
    private static func asciiCandidates(_ header: UnsafeBufferPointer<UInt8>) -> [String]? {
        guard header.allSatisfy({ $0 < 0x80 }) else { return nil }
        let space = UInt8(ascii: " ")
        var index = 0
        while index < header.count, header[index] == space { index += 1 }
        let scheme = index
        while index < header.count, header[index] != space { index += 1 }
        guard index - scheme == 5, index < header.count else { return [] }
        for (offset, letter) in "token".utf8.enumerated() where header[scheme + offset] | 0x20 != letter { return [] }
        // One space separates; the rest, without white space around it, is what was presented.
        var first = index + 1
        var end = header.count
        // ASCII's white space: tab, line feed, vertical tab, form feed, carriage return, space.
        func isWhitespace(_ byte: UInt8) -> Bool { byte == space || (0x09...0x0D).contains(byte) }
        while first < end, isWhitespace(header[first]) { first += 1 }
        while end > first, isWhitespace(header[end - 1]) { end -= 1 }
        guard first < end else { return [] }
        let presented = UnsafeBufferPointer(rebasing: header[first..<end])
        let raw = String(decoding: presented, as: UTF8.self)
        guard let decoded = base64Printable(presented), decoded != raw else { return [raw] }
        return [decoded, raw]
    }

    /// The text `base64` stands for when it is padded base64 (as Foundation's
    /// `Data(base64Encoded:)` reads it) of printable ASCII without spaces; otherwise `nil`.
    private static func base64Printable(_ base64: UnsafeBufferPointer<UInt8>) -> String? {
        guard !base64.isEmpty, base64.count % 4 == 0 else { return nil }
        let padding = base64[base64.count - 1] == UInt8(ascii: "=") ? (base64[base64.count - 2] == UInt8(ascii: "=") ? 2 : 1) : 0
        let length = base64.count / 4 * 3 - padding
        guard length > 0 else { return nil }
        return String(unsafeUninitializedCapacity: length) { text in
            var written = 0
            var accumulator: UInt32 = 0
            for (position, byte) in base64.enumerated() {
                let sextet: UInt32
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): sextet = UInt32(byte - UInt8(ascii: "A"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): sextet = UInt32(byte - UInt8(ascii: "a")) + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): sextet = UInt32(byte - UInt8(ascii: "0")) + 52
                case UInt8(ascii: "+"): sextet = 62
                case UInt8(ascii: "/"): sextet = 63
                case UInt8(ascii: "=") where position >= base64.count - padding: sextet = 0
                default: return 0
                }
                accumulator = accumulator << 6 | sextet
                guard position % 4 == 3 else { continue }
                for shift in stride(from: 16, through: 0, by: -8) where written < length {
                    let character = UInt8(truncatingIfNeeded: accumulator >> shift)
                    guard (0x21...0x7E).contains(character) else { return 0 }
                    text[written] = character
                    written += 1
                }
                accumulator = 0
            }
            return written
        }.nilIfEmpty
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension Substring {
    /// Without leading and trailing white space, scalar by scalar (every request's token goes
    /// through here; walking it as reversed Characters was a sixth of a request's time).
    func trimmingWhitespaceAndNewlines() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
