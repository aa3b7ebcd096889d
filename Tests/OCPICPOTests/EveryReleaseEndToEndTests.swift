import Foundation
import OCPI211
import OCPI221
import OCPI230
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// Issue 20's end-to-end suite where the per-release tests leave a cell open: the same checks,
/// over real HTTP against one server serving 2.1.1, 2.2.1 and 2.3.0, for a partner of each
/// release, each payload read back by that release's generated validators.
@Suite(.holdsResources) struct EveryReleaseEndToEndTests {
    /// A partner of `release` known to the CPO: its Authorization header, written as its release
    /// writes tokens, and the same token written the other way.
    static func partner(of release: String, on cpo: CPOPeer) async throws -> (authorization: String, otherForm: String) {
        switch release {
        case "2.1.1":
            try await Release211ServingTests.addPartner(to: cpo)
            let token = Release211ServingTests.token
            return ("Token " + token, CredentialsToken.header(for: token, encoding: .base64))
        case "2.3.0":
            try await Release230ServingTests.addPartner(to: cpo)
            let token = Release230ServingTests.token
            return (CredentialsToken.header(for: token, encoding: .base64), "Token " + token)
        default:
            let token = try await ModuleTests.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            return (CredentialsToken.header(for: token, encoding: .base64), "Token " + token)
        }
    }

    /// The objects of a raw answer's `data` list, each decoded and validated as `T`: their ids.
    static func validIDs<T: OCPIModel>(_ response: RawResponse, as _: T.Type, id: (T) -> String) throws -> [String] {
        guard case .array(let items)? = response.envelope?["data"] else {
            Issue.record("no list: \(response.text)")
            return []
        }
        var ids: [String] = []
        for item in items {
            let decoded = try T.decodeAndValidate(item.jsonBytes())
            #expect(decoded.violations.isEmpty, "valid \(T.ocpiName): \(decoded.violations)")
            let value = try #require(decoded.value)
            ids.append(id(value))
        }
        return ids
    }

    /// The ids of a page of locations, each valid by `release`'s validators.
    static func locationIDs(_ release: String, _ response: RawResponse) throws -> [String] {
        switch release {
        case "2.1.1": return try validIDs(response, as: OCPI211.Location.self, id: \.id)
        case "2.3.0": return try validIDs(response, as: OCPI230.Location.self, id: \.id)
        default: return try validIDs(response, as: OCPI221.Location.self, id: \.id)
        }
    }

    /// The ids of a page of tariffs, each valid by `release`'s validators.
    static func tariffIDs(_ release: String, _ response: RawResponse) throws -> [String] {
        switch release {
        case "2.1.1": return try validIDs(response, as: OCPI211.Tariff.self, id: \.id)
        case "2.3.0": return try validIDs(response, as: OCPI230.Tariff.self, id: \.id)
        default: return try validIDs(response, as: OCPI221.Tariff.self, id: \.id)
        }
    }

    /// A partner of each release pages through the locations (and the tariffs) as its release says: `X-Total-Count`
    /// and `X-Limit` on every page, a `Link` to the next page on the same path that keeps the
    /// query's filter, none on the last; every location valid by the release's validators. A
    /// malformed page parameter is an OCPI error with its pointer (never a server error nor a
    /// silently ignored value), and the token written in the other release's form is refused.
    @Test(arguments: ["2.1.1", "2.2.1", "2.3.0"])
    func eachReleasePagesTheLocationsWithLinkAndTotalCount(_ release: String) async throws {
        let cpo = try await CPOPeer.open()
        try await cpo.run {
            let (authorization, otherForm) = try await Self.partner(of: release, on: cpo)
            let path = cpo.baseURL + "/ocpi/cpo/\(release)/locations"

            let first = try await send("GET", path + "?date_from=2000-01-01T00:00:00Z&limit=2", authorization: authorization)
            #expect(first.status == 200 && first.statusCode == 1000, "\(first.text)")
            #expect(first.headers[.ocpiTotalCount] == "3" && first.headers[.ocpiLimit] == "2", "\(first.headers)")
            let firstIDs = try Self.locationIDs(release, first)
            #expect(firstIDs.count == 2)
            let next = try #require(PaginationPolicy.nextURL(fromLink: first.headers[.ocpiLink]), "a Link to the next page: \(first.headers)")
            #expect(next.hasPrefix(path + "?"), "the same list: \(next)")
            let query = QueryString.decode(try #require(URLComponents(string: next)?.percentEncodedQuery))
            #expect(query.contains { $0 == ("offset", "2") } && query.contains { $0 == ("limit", "2") }, "\(next)")
            #expect(query.contains { $0 == ("date_from", "2000-01-01T00:00:00Z") }, "the filter kept: \(next)")

            let last = try await send("GET", next, authorization: authorization)
            #expect(last.status == 200 && last.headers[.ocpiTotalCount] == "3", "\(last.headers)")
            #expect(last.headers[.ocpiLink] == nil, "the last page names no next one")
            let lastIDs = try Self.locationIDs(release, last)
            #expect(lastIDs.count == 1)
            #expect(Set(firstIDs + lastIDs).count == 3, "each location once: \(firstIDs + lastIDs)")

            // The tariffs likewise, one a page.
            let tariffs = cpo.baseURL + "/ocpi/cpo/\(release)/tariffs"
            let firstTariff = try await send("GET", tariffs + "?limit=1", authorization: authorization)
            #expect(firstTariff.headers[.ocpiTotalCount] == "2" && firstTariff.headers[.ocpiLimit] == "1", "\(firstTariff.headers)")
            let nextTariff = try #require(PaginationPolicy.nextURL(fromLink: firstTariff.headers[.ocpiLink]), "\(firstTariff.headers)")
            #expect(nextTariff.hasPrefix(tariffs + "?") && nextTariff.contains("offset=1"), "\(nextTariff)")
            let lastTariff = try await send("GET", nextTariff, authorization: authorization)
            #expect(lastTariff.headers[.ocpiLink] == nil && lastTariff.headers[.ocpiTotalCount] == "2", "\(lastTariff.headers)")
            let tariffIDs = try Self.tariffIDs(release, firstTariff) + Self.tariffIDs(release, lastTariff)
            #expect(tariffIDs.sorted() == ["AC-STANDARD", "DC-FAST"], "\(tariffIDs)")

            // Bad page parameters, and a filter that is no date.
            for bad in ["offset=-1", "limit=many", "limit=-5", "offset=x", "date_from=yesterday"] {
                let refused = try await send("GET", path + "?" + bad, authorization: authorization)
                #expect(refused.status == 400 && refused.statusCode == 2001, "\(release) \(bad): \(refused.text)")
                #expect(refused.text.contains(#""path":"/"#), "\(release) \(bad): \(refused.text)")
            }
            // The token written as another release writes it.
            let wrongForm = try await send("GET", path, authorization: otherForm)
            #expect(wrongForm.status == 401 && wrongForm.text.contains("This release's modules take the credentials token"), "\(wrongForm.text)")
        }
    }

    /// Registration in each release refuses a credentials body of another release at the pointer
    /// of what that release lacks (2.1.1's single party where 2.2.1 and 2.3.0 want `roles`, and
    /// the reverse), before anything is called or recorded: token A registers nobody.
    @Test(arguments: ["2.1.1", "2.2.1", "2.3.0"])
    func aCredentialsBodyOfAnotherReleaseIsRefusedAtItsPointer(_ release: String) async throws {
        let cpo = try await CPOPeer.open()
        try await cpo.run {
            let tokenA = try await cpo.server.registry.invite().token
            let url = "http://127.0.0.1:1/ocpi/versions"
            let withRoles = #"{"token": "token-b", "url": "\#(url)", "roles": [{"role": "EMSP", "business_details": {"name": "Other"}, "party_id": "OTH", "country_code": "DE"}]}"#
            let oneParty = #"{"token": "token-b", "url": "\#(url)", "business_details": {"name": "Other"}, "party_id": "OTH", "country_code": "DE"}"#
            let (body, pointer) = release == "2.1.1" ? (withRoles, "/party_id") : (oneParty, "/roles")
            let refused = try await send("POST", cpo.baseURL + "/ocpi/cpo/\(release)/credentials", authorization: "Token " + tokenA, body: body)
            #expect(refused.statusCode == 2001, "\(release): \(refused.text)")
            #expect(refused.text.contains(#""path":"\#(pointer)""#), "\(release): \(refused.text)")
            #expect(try await cpo.server.registry.partners().allSatisfy { $0.status != .registered }, "nobody registered")
        }
    }

    /// A 2.2.1 eMSP reads each module a CPO sends (version details, locations, tariffs, its
    /// sessions and CDRs, page by page) and writes and reads its tokens, over real HTTP with the
    /// generated 2.2.1 clients, each object valid by the generated 2.2.1 validators (the clients
    /// read shapes strictly, rules only here); another eMSP's sessions and CDRs never come, and a
    /// token of a party it does not hold is refused at its pointer and not stored.
    @Test func a221PartnerReadsEveryModuleEachValidBy221Validators() async throws {
        let cpo = try await CPOPeer.open()
        try await cpo.run {
            let mine = try await ModuleTests.registerEMSP(cpo, countryCode: "DE", partyID: "MSP")
            _ = try await ModuleTests.registerEMSP(cpo, countryCode: "FR", partyID: "OTH")
            let details = try await OCPI221.VersionsSenderClient(connection: cpo.connection("unused", token: mine).at(cpo.baseURL + "/ocpi/2.2.1"))
                .getVersionDetails()
            #expect(details.validate().isEmpty && details.version == .v2_2_1, "\(details.validate())")
            for module in [OCPI221.ModuleID.locations, .tariffs, .sessions, .cdrs, .tokens, .commands] {
                #expect(details.endpoints.contains { $0.identifier == module }, "\(module)")
            }

            for (id, party) in [("S1", "MSP"), ("S2", "OTH"), ("S3", "MSP")] {
                let country = party == "MSP" ? "DE" : "FR"
                #expect(try await PushTests.admin(cpo, "PUT", "/sessions/\(id)", ModuleTests.json(ModuleTests.session(id, for: country, party, kwh: 2))).status == 201)
            }
            for (id, party) in [("C1", "MSP"), ("C2", "OTH")] {
                let country = party == "MSP" ? "DE" : "FR"
                #expect(try await PushTests.admin(cpo, "POST", "/cdrs", ModuleTests.json(ModuleTests.cdr(id, for: country, party))).status == 201)
            }

            var locations: [OCPI221.Location] = []
            for try await location in OCPI221.LocationsSenderClient(connection: cpo.connection("locations", token: mine)).getLocations(limit: 2) {
                locations.append(location)
            }
            #expect(locations.count == 3)
            for location in locations { #expect(location.validate().isEmpty, "\(location.id): \(location.validate())") }
            var tariffs: [OCPI221.Tariff] = []
            for try await tariff in OCPI221.TariffsSenderClient(connection: cpo.connection("tariffs", token: mine)).getTariffs(limit: 1) { tariffs.append(tariff) }
            #expect(tariffs.map(\.id).sorted() == ["AC-STANDARD", "DC-FAST"])
            for tariff in tariffs { #expect(tariff.validate().isEmpty, "\(tariff.id): \(tariff.validate())") }

            let sessions = try await OCPI221.SessionsSenderClient(connection: cpo.connection("sessions", token: mine)).getSessions(limit: 1).collect()
            #expect(sessions.map(\.id) == ["S1", "S3"], "its own, one page at a time")
            for session in sessions { #expect(session.validate().isEmpty, "\(session.id): \(session.validate())") }
            let cdrs = try await OCPI221.CDRsSenderClient(connection: cpo.connection("cdrs", token: mine)).getCDRs().collect()
            #expect(cdrs.map(\.id) == ["C1"])
            for cdr in cdrs { #expect(cdr.validate().isEmpty, "\(cdr.id): \(cdr.validate())") }
            let raw = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/cdrs?limit=1", authorization: CredentialsToken.header(for: mine))
            #expect(raw.headers[.ocpiTotalCount] == "1" && raw.headers[.ocpiLink] == nil, "another eMSP's CDR is not counted: \(raw.headers)")
            #expect(try Self.validIDs(raw, as: OCPI221.CDR.self, id: \.id) == ["C1"])

            let tokens = OCPI221.TokensReceiverClient(connection: cpo.connection("tokens", token: mine))
            var token = CommandFlowTests.driver
            token.uid = "E2E-221"
            _ = try await tokens.putToken(countryCode: "DE", partyID: "MSP", tokenUID: token.uid, body: token)
            let read = try await tokens.getToken(countryCode: "DE", partyID: "MSP", tokenUID: token.uid)
            #expect(read.validate().isEmpty && read == token, "\(read.validate())")
            // Another party's token, in the URL and the body alike: refused, not stored.
            var foreign = token
            foreign.uid = "E2E-FOREIGN"
            foreign.countryCode = "FR"
            foreign.partyID = "OTH"
            let refused = try await send(
                "PUT", cpo.baseURL + "/ocpi/cpo/2.2.1/tokens/FR/OTH/E2E-FOREIGN", authorization: CredentialsToken.header(for: mine), body: ModuleTests.json(foreign)
            )
            #expect(refused.statusCode == 2001 && refused.text.contains(#""path":"/"#), "\(refused.text)")
            let stored = try await cpo.server.store.list(ObjectFilter(module: .tokens), offset: 0, limit: 10).objects
            #expect(stored.count == 1, "only its own token: \(stored.map(\.owner))")
        }
    }
}

extension OCPIConnection {
    /// The same connection to another URL.
    func at(_ url: String) -> OCPIConnection {
        var connection = self
        connection.endpointURL = url
        return connection
    }
}
