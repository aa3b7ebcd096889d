/// HTTP header fields, looked up without regard to case, in the order they were added.
public struct HeaderFields: Sendable, Hashable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// The fields of a sequence of named pairs (NIO's `HTTPHeaders`), copied once.
    public init<Pairs: Sequence>(pairs: Pairs) where Pairs.Element == (name: String, value: String) {
        fields = Array(pairs)
    }

    public subscript(name: String) -> String? {
        fields.first { Self.sameName($0.name, name) }?.value
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    /// Replaces every field of that name with one.
    public mutating func set(_ name: String, _ value: String) {
        fields.removeAll { Self.sameName($0.name, name) }
        fields.append((name, value))
    }

    /// Header names are ASCII tokens; they are compared with ASCII letters folded, without
    /// making lowercased copies (a request's lookups went through every field that way).
    static func sameName(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8) { left, right in
            left == right || (left | 0x20 == right | 0x20 && (left | 0x20) >= UInt8(ascii: "a") && (left | 0x20) <= UInt8(ascii: "z"))
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public static func == (lhs: HeaderFields, rhs: HeaderFields) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}

/// The names of the transport chapter's headers.
public enum OCPIHeader {
    public static let authorization = "Authorization"
    public static let requestID = "X-Request-ID"
    public static let correlationID = "X-Correlation-ID"
    public static let fromCountryCode = "OCPI-from-country-code"
    public static let fromPartyID = "OCPI-from-party-id"
    public static let toCountryCode = "OCPI-to-country-code"
    public static let toPartyID = "OCPI-to-party-id"
    public static let link = "Link"
    public static let totalCount = "X-Total-Count"
    public static let limit = "X-Limit"
    public static let location = "Location"
}

/// A party as OCPI names it: a country code and a party id (`NL`, `TNM`).
public struct PartyIdentity: Hashable, Sendable, Codable, CustomStringConvertible {
    public var countryCode: String
    public var partyID: String

    public init(countryCode: String, partyID: String) {
        self.countryCode = countryCode
        self.partyID = partyID
    }

    /// OCPI compares these case-insensitively (CiString); this is the canonical form.
    public var normalized: PartyIdentity {
        PartyIdentity(countryCode: countryCode.uppercased(), partyID: partyID.uppercased())
    }

    public func matches(countryCode: String, partyID: String) -> Bool {
        self.countryCode.caseInsensitiveEquals(countryCode) && self.partyID.caseInsensitiveEquals(partyID)
    }

    public var description: String { "\(countryCode)/\(partyID)" }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}

/// The OCPI routing headers of a request (`OCPI-from-*`, `OCPI-to-*`); peer-to-peer partners
/// send none.
public struct RoutingHeaders: Hashable, Sendable {
    public var from: PartyIdentity?
    public var to: PartyIdentity?

    public init(from: PartyIdentity? = nil, to: PartyIdentity? = nil) {
        self.from = from
        self.to = to
    }

    /// Reads and checks the headers: each pair complete, CiString(2)/(3) with the exact lengths.
    public static func read(_ headers: HeaderFields) -> (RoutingHeaders, [Violation]) {
        var violations: [Violation] = []
        func pair(_ countryName: String, _ partyName: String) -> PartyIdentity? {
            let country = headers[countryName]
            let party = headers[partyName]
            guard country != nil || party != nil else { return nil }
            var valid = true
            for (name, value, length) in [(countryName, country, 2), (partyName, party, 3)] {
                let path = JSONPath([.key(name)])
                guard let value else {
                    violations.append(Violation(path: path, message: "is required when \(name == countryName ? partyName : countryName) is sent"))
                    valid = false
                    continue
                }
                if let message = TextRule(.printableASCII, maxLength: length, exactLength: length).violation(of: value) {
                    violations.append(Violation(path: path, message: message))
                    valid = false
                }
            }
            guard valid, let country, let party else { return nil }
            return PartyIdentity(countryCode: country, partyID: party)
        }
        let routing = RoutingHeaders(
            from: pair(OCPIHeader.fromCountryCode, OCPIHeader.fromPartyID),
            to: pair(OCPIHeader.toCountryCode, OCPIHeader.toPartyID)
        )
        return (routing, violations)
    }

    /// The headers to send.
    public var fields: [(String, String)] {
        var fields: [(String, String)] = []
        if let from {
            fields += [(OCPIHeader.fromCountryCode, from.countryCode), (OCPIHeader.fromPartyID, from.partyID)]
        }
        if let to {
            fields += [(OCPIHeader.toCountryCode, to.countryCode), (OCPIHeader.toPartyID, to.partyID)]
        }
        return fields
    }
}
