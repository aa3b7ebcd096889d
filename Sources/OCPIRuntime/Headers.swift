import HTTPTypes

/// The names of the transport chapter's headers that HTTP itself does not name (`Authorization`
/// and `Location` are swift-http-types' own `.authorization` and `.location`).
extension HTTPField.Name {
    public static let ocpiRequestID = Self(token: "X-Request-ID")
    public static let ocpiCorrelationID = Self(token: "X-Correlation-ID")
    public static let ocpiFromCountryCode = Self(token: "OCPI-from-country-code")
    public static let ocpiFromPartyID = Self(token: "OCPI-from-party-id")
    public static let ocpiToCountryCode = Self(token: "OCPI-to-country-code")
    public static let ocpiToPartyID = Self(token: "OCPI-to-party-id")
    public static let ocpiLink = Self(token: "Link")
    public static let ocpiTotalCount = Self(token: "X-Total-Count")
    public static let ocpiLimit = Self(token: "X-Limit")

    /// A name written in our own source, never one that came over the wire: swift-http-types
    /// refuses a name that is not an RFC 9110 token, which a literal here always is (HeaderTests
    /// reads every one of them, so a typo stops the tests rather than a server).
    package init(token: StaticString) {
        let name = token.description
        guard let valid = Self(name) else { preconditionFailure("'\(name)' is not an HTTP field name") }
        self = valid
    }
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
    public static func read(_ headers: HTTPFields) -> (RoutingHeaders, [Violation]) {
        var violations: [Violation] = []
        func pair(_ countryName: HTTPField.Name, _ partyName: HTTPField.Name) -> PartyIdentity? {
            let country = headers[countryName]
            let party = headers[partyName]
            guard country != nil || party != nil else { return nil }
            var valid = true
            for (name, value, length) in [(countryName, country, 2), (partyName, party, 3)] {
                let path = JSONPath([.key(name.rawName)])
                guard let value else {
                    let other = name == countryName ? partyName : countryName
                    violations.append(Violation(path: path, message: "is required when \(other.rawName) is sent"))
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
            from: pair(.ocpiFromCountryCode, .ocpiFromPartyID),
            to: pair(.ocpiToCountryCode, .ocpiToPartyID)
        )
        return (routing, violations)
    }

    /// The headers to send.
    public var fields: HTTPFields {
        var fields = HTTPFields()
        if let from {
            fields[.ocpiFromCountryCode] = from.countryCode
            fields[.ocpiFromPartyID] = from.partyID
        }
        if let to {
            fields[.ocpiToCountryCode] = to.countryCode
            fields[.ocpiToPartyID] = to.partyID
        }
        return fields
    }
}
