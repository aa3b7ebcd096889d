import OCPIRuntime

/// The rule that our own objects carry our own country code and party id, for every way an
/// object enters the server (admin API, import).
struct OwnParty: Sendable {
    let party: PartyIdentity

    init(_ party: PartyIdentity) {
        self.party = party
    }

    func violations(countryCode: String?, partyID: String?) -> [Violation] {
        var violations: [Violation] = []
        if let countryCode, countryCode.uppercased() != party.countryCode {
            violations.append(Violation(path: JSONPath([.key("country_code")]), message: "must be this CPO's country code \(party.countryCode), not '\(countryCode)'"))
        }
        if let partyID, partyID.uppercased() != party.partyID {
            violations.append(Violation(path: JSONPath([.key("party_id")]), message: "must be this CPO's party id \(party.partyID), not '\(partyID)'"))
        }
        return violations
    }

    func require(countryCode: String?, partyID: String?) throws {
        let found = violations(countryCode: countryCode, partyID: partyID)
        if !found.isEmpty { throw OCPIError.invalid(found) }
    }
}
