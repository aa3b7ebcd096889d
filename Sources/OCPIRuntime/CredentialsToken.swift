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
