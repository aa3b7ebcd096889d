import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

/// Every row of the error table in `OCPIError`, over real HTTP: HTTP status, OCPI status code and
/// the envelope.
@Suite(.holdsResources) struct ErrorPathTests {
    static let locationJSON = String(decoding: makeLocation("LOC1", updated: 1_700_000_000, countryCode: "DE", partyID: "MSP").jsonBytes(), as: UTF8.self)

    func withServer(stack: TestServer.Stack = .inMemory, _ body: @Sendable (String, ReceivedLocations) async throws -> Void) async throws {
        let received = ReceivedLocations()
        let book = LocationBook()
        await book.add(makeLocation("KNOWN", updated: 1_700_000_000))
        try await TestServer.run([
            ("/ocpi/cpo/2.2.1", OCPIRoutes.locationsSender(book) + OCPIRoutes.tokensReceiver(EmptyTokens())),
            ("/ocpi/emsp/2.2.1", OCPIRoutes.locationsReceiver(received)),
        ], maximumBodySize: 64 * 1024, stack: stack) { base in try await body(base, received) }
    }

    /// The errors raised around the routes (no route, wrong method, body too large, no token)
    /// are envelopes on every stack. Hummingbird's router answers a known path with another
    /// method as it does an unknown path (404); ours says 405.
    @Test(arguments: TestServer.Stack.allCases) func theErrorsAroundTheRoutesAreEnvelopesOnBothServers(stack: TestServer.Stack) async throws {
        try await withServer(stack: stack) { base, _ in
            let unknown = try await send(.get, base + "/ocpi/cpo/2.2.1/nothing")
            #expect(unknown.status == 404 && unknown.statusCode == 2000, "\(stack)")
            let method = try await send(.delete, base + "/ocpi/cpo/2.2.1/locations")
            #expect(method.status == (stack == .hummingbird ? 404 : 405) && method.statusCode == 2000, "\(stack): HTTP \(method.status)")
            let large = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1", body: String(repeating: " ", count: 64 * 1024 + 1))
            #expect(large.status == 413 && large.statusCode == 2000, "\(stack)")
            let anonymous = try await send(.get, base + "/ocpi/cpo/2.2.1/locations", token: nil)
            #expect(anonymous.status == 401 && anonymous.statusCode == 2000, "\(stack)")
            let bad = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1", body: "{")
            #expect(bad.status == 400 && bad.statusCode == 2001, "\(stack)")
            for response in [unknown, method, large, anonymous, bad] {
                #expect(response.headers[.contentType] == "application/json" && response.headers[.ocpiRequestID] != nil, "\(stack)")
            }
        }
    }

    @Test func successEnvelope() async throws {
        try await withServer { base, _ in
            let response = try await send(.get, base + "/ocpi/cpo/2.2.1/locations/KNOWN")
            #expect(response.status == 200)
            #expect(response.statusCode == 1000)
            #expect(response.envelope?["data"]?["id"] == .string("KNOWN"))
            #expect(response.envelope?["timestamp"] != nil)
            #expect(response.headers[.contentType] == "application/json")
        }
    }

    @Test func putAnswers201WhenCreatedAnd200WhenUpdated() async throws {
        try await withServer { base, received in
            let url = base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1"
            let created = try await send(.put, url, body: Self.locationJSON, headers: [.contentType: "application/json; charset=utf-8"])
            #expect(created.status == 201)
            #expect(created.statusCode == 1000)
            #expect(created.envelope?["data"] == nil, "a push response defines no data")
            let updated = try await send(.put, url, body: Self.locationJSON, headers: [.contentType: "application/json"])
            #expect(updated.status == 200)
            #expect(await received.locations.count == 1)
        }
    }

    @Test func bodyThatIsNotJSONIsHTTP400() async throws {
        try await withServer { base, _ in
            let response = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1", body: "{\"id\": ")
            #expect(response.status == 400)
            #expect(response.statusCode == 2001)
        }
    }

    @Test func validJSONThatBreaksTheRulesIsHTTP200With2001AndTheViolations() async throws {
        try await withServer { base, received in
            let broken = Self.locationJSON.replacingOccurrences(of: "\"address\":\"Street 1\",", with: "")
            let response = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1", body: broken)
            #expect(response.status == 200)
            #expect(response.statusCode == 2001)
            #expect(response.envelope?["data"] == .array([.object([
                .init(key: "path", value: .string("/address")), .init(key: "message", value: .string("is required but missing")),
            ])]))
            #expect(await received.locations.isEmpty, "nothing stored")
        }
    }

    @Test func urlAndBodyMustAgree() async throws {
        try await withServer { base, _ in
            let wrongID = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/OTHER", body: Self.locationJSON)
            #expect(wrongID.status == 200)
            #expect(wrongID.statusCode == 2001)
            #expect(wrongID.envelope?["data"]?.firstPath == "/id")
            let wrongParty = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/DE/XXX/LOC1", body: Self.locationJSON)
            #expect(wrongParty.statusCode == 2001)
            #expect(wrongParty.envelope?["data"]?.firstPath == "/party_id")
            // CiString: the same id in another case is the same id.
            let otherCase = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/de/msp/loc1", body: Self.locationJSON)
            #expect(otherCase.statusCode == 1000)
        }
    }

    @Test func patchWithoutLastUpdatedIs2001() async throws {
        try await withServer { base, _ in
            _ = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1", body: Self.locationJSON)
            let response = try await send(.patch, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1", body: #"{"name": "New name"}"#)
            #expect(response.status == 200)
            #expect(response.statusCode == 2001)
            #expect(response.envelope?["data"]?.firstPath == "/last_updated")
        }
    }

    @Test(arguments: ["limit=abc", "limit=-5", "offset=1.5", "date_from=notadate", "date_to=2024-01-01T00:00:00%2B02:00"])
    func unparseableQueryParametersAreHTTP400With2001(_ query: String) async throws {
        try await withServer { base, _ in
            let response = try await send(.get, base + "/ocpi/cpo/2.2.1/locations?" + query)
            #expect(response.status == 400)
            #expect(response.statusCode == 2001)
        }
    }

    @Test func unknownObjectsAre404WithTheModulesCode() async throws {
        try await withServer { base, _ in
            let location = try await send(.get, base + "/ocpi/cpo/2.2.1/locations/NOPE")
            #expect(location.status == 404)
            #expect(location.statusCode == 2003)
            let evse = try await send(.get, base + "/ocpi/cpo/2.2.1/locations/KNOWN/NOPE")
            #expect(evse.statusCode == 2003)
            let token = try await send(.get, base + "/ocpi/cpo/2.2.1/tokens/DE/MSP/NOPE")
            #expect(token.status == 404)
            #expect(token.statusCode == 2004)
            let path = try await send(.get, base + "/ocpi/cpo/2.2.1/nothing/here")
            #expect(path.status == 404)
            #expect(path.statusCode == 2000)
        }
    }

    @Test func credentialsAreRequiredAndTokenAOpensOnlyRegistration() async throws {
        try await withServer { base, _ in
            let url = base + "/ocpi/cpo/2.2.1/locations/KNOWN"
            for token in [nil, "unknown-token", TestServer.registrationToken] as [String?] {
                let response = try await send(.get, url, token: token)
                #expect(response.status == 401, "\(token ?? "no token")")
                #expect(response.statusCode == 2000)
            }
            // A partner that sends its token raw (not base64) is understood too.
            let raw = try await send(.get, url, token: nil, headers: [.authorization: "Token \(TestServer.emspToken)"])
            #expect(raw.status == 200)
        }
    }

    @Test func unexpectedErrorsAre500With3000AndNoInternals() async throws {
        try await withServer { base, _ in
            let response = try await send(.get, base + "/ocpi/cpo/2.2.1/tokens/DE/MSP/BOOM")
            #expect(response.status == 500)
            #expect(response.statusCode == 3000)
            let message = String(decoding: response.body, as: UTF8.self)
            #expect(!message.contains("Boom"))
        }
    }

    @Test func oversizedBodiesAreRefusedBeforeDecoding() async throws {
        try await withServer { base, _ in
            let huge = "{\"name\": \"" + String(repeating: "x", count: 100_000) + "\"}"
            let response = try await send(.patch, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1", body: huge)
            #expect(response.status == 413)
            #expect(response.statusCode == 2000)
        }
    }

    @Test func theLenientPolicyAcceptsWhatCanBeRead() async throws {
        try await withServer { base, received in
            let tooLong = Self.locationJSON.replacingOccurrences(of: "\"city\":\"Utrecht\"", with: "\"city\":\"" + String(repeating: "U", count: 60) + "\"")
            let strict = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/DE/MSP/LOC1", body: tooLong)
            #expect(strict.statusCode == 2001)
            // The partner "other" is judged leniently: accepted, the violation recorded.
            let otherJSON = tooLong.replacingOccurrences(of: "\"country_code\":\"DE\",\"party_id\":\"MSP\"", with: "\"country_code\":\"FR\",\"party_id\":\"OTH\"")
            let lenient = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/FR/OTH/LOC1", token: TestServer.otherToken, body: otherJSON)
            #expect(lenient.statusCode == 1000)
            #expect(await received.lastContext?.acceptedViolations.map(\.pointer) == ["/city"])

            // What cannot be read is refused even so: a placeholder would stand in for it.
            let unreadable = [
                ("a timestamp that is not one", "\"last_updated\":\"", "\"last_updated\":\"yesterday\",\"x\":\""),
                ("a number out of range", "\"max_voltage\":230", "\"max_voltage\":99999999999999999999999"),
                ("a value of the wrong kind", "\"publish\":true", "\"publish\":\"yes\""),
                ("a required field missing", "\"address\":\"Street 1\",", ""),
            ]
            for (what, field, replacement) in unreadable {
                let broken = otherJSON.replacingOccurrences(of: field, with: replacement)
                #expect(broken != otherJSON, "\(what): the fixture changed")
                let answer = try await send(.put, base + "/ocpi/emsp/2.2.1/locations/FR/OTH/LOC1", token: TestServer.otherToken, body: broken)
                #expect(answer.statusCode == 2001, "\(what): \(String(decoding: answer.body, as: UTF8.self))")
            }
        }
    }
}

extension JSONValue {
    /// The `path` of the first violation in an error's data.
    var firstPath: String? {
        if case .array(let items) = self, case .string(let path)? = items.first?["path"] { return path }
        return nil
    }
}
