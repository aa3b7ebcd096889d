import Foundation
import OCPI211
import OCPIAsyncHTTPClient
import OCPICheck
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Synchronization
import Testing

/// The checker against an OCPI 2.1.1 CPO assembled from the 2.1.1 route tables: no role in its
/// version details nor its credentials (`--role` says it), the token as it is in
/// `Authorization`, and 2.1.1's own types, validators and test objects, with no code of the
/// checker's for 2.1.1.
@Suite(.holdsResources) struct Release211Tests {
    @Test func a211CPOIsCheckedByItsOwnTypes() async throws {
        try await CPO211.run(brokenLocation: false) { versionsURL in
            let report = await check(versionsURL, role: "cpo")
            #expect(report.failed.isEmpty, "\(TextReport.render(report))")
            #expect(report.version == "2.1.1")
            let passed = Set(report.passed.map { "\($0.subject) \($0.check)" })
            for check in ["objects", "pagination.link", "filter.date_to", "by-id", "unknown-id", "auth.no-token"] {
                #expect(passed.contains("locations SENDER \(check)"), "locations SENDER \(check) did not pass")
            }
            for check in ["write.put", "write.get", "write.patch", "write.invalid-object"] {
                #expect(passed.contains("tokens RECEIVER \(check)"), "tokens RECEIVER \(check) did not pass")
            }
            // Without --role, a 2.1.1 partner's role cannot be known: the run stops, and says why.
            let unknown = await check(versionsURL, role: nil)
            #expect(unknown.exitStatus == 2)
            #expect(unknown.abortedBecause?.contains("--role") == true, "\(unknown.abortedBecause ?? "")")
        }
    }

    @Test func a211LocationBrokenBy211RulesIsReported() async throws {
        try await CPO211.run(brokenLocation: true) { versionsURL in
            let report = await check(versionsURL, role: "cpo")
            #expect(DefectTests.failures(report) == ["locations SENDER objects"], "\(TextReport.render(report))")
            // 2.1.1's Location has `type`, which 2.2.1's has not: the violation is 2.1.1's own.
            #expect(report.failed.first?.detail.contains("/type: is required but missing") == true, "\(report.failed.first?.detail ?? "")")
        }
    }

    func check(_ versionsURL: String, role: String?) async -> CheckReport {
        let transport = RecordingTransport(HTTPClientTransport(timeout: .seconds(10)), timeLimit: .seconds(120))
        let options = CheckOptions(versionsURL: versionsURL, token: CPO211.token, role: role, write: true, countryCode: "DE", partyID: "CHK")
        return await Checker(options: options, transport: transport).run()
    }
}

/// An OCPI 2.1.1 CPO: versions, credentials, locations as SENDER and tokens as RECEIVER.
enum CPO211 {
    static let token = "token-211"

    static func run(brokenLocation: Bool, _ body: @Sendable (String) async throws -> Void) async throws {
        let port = try LiveServer.freePort()
        let root = "http://127.0.0.1:\(port)"
        let configuration = OCPIServerConfiguration(publicURL: root, ownParties: [PartyIdentity(countryCode: "NL", partyID: "CPO")])
        let authenticator = StaticAuthenticator(parties: [
            token: OCPIParty(id: "checker", roles: [.init(party: PartyIdentity(countryCode: "DE", partyID: "CHK"), role: .emsp)])
        ])
        let logger = LiveServer.quietLogger
        var router = HTTPRouter(logger: logger)
        let base = "/ocpi/cpo/2.1.1"
        router.addOCPIRoutes(
            OCPIRoutes.versionsSender(Versions211(root: root)), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: logger)
        let routes =
            OCPIRoutes.credentialsSender(Credentials211()) + OCPIRoutes.locationsSender(Locations211(broken: brokenLocation))
            + OCPIRoutes.tokensReceiver(Tokens211())
        router.addOCPIRoutes(routes, at: base, configuration: configuration, authenticator: authenticator, logger: logger)
        let server = router
        try await LiveServer.run(
            serving: { running in
                OCPIHTTPServer(router: server, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
            }, port: port
        ) {
            try await body(root + "/ocpi/versions")
        }
    }
}

struct Versions211: VersionsSender {
    let root: String

    func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[Version]> {
        .ok([Version(version: .v2_1_1, url: root + "/ocpi/2.1.1")])
    }

    func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<VersionDetails> {
        let base = root + "/ocpi/cpo/2.1.1"
        return .ok(
            VersionDetails(
                version: .v2_1_1,
                endpoints: [
                    Endpoint(identifier: .credentials, url: base + "/credentials"), Endpoint(identifier: .locations, url: base + "/locations"),
                    Endpoint(identifier: .tokens, url: base + "/tokens"),
                ]
            )
        )
    }
}

struct Credentials211: CredentialsSender {
    func getCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<Credentials> {
        .ok(
            Credentials(
                token: CPO211.token, url: "https://cpo.example.com/ocpi/versions", businessDetails: BusinessDetails(name: "2.1.1 CPO"), partyID: "CPO",
                countryCode: "NL"))
    }

    func postCredentials(_ context: OCPIRequestContext, body: Credentials) async throws -> OCPIReply<Credentials> {
        throw OCPIError(.methodNotAllowed, "Already registered")
    }

    func putCredentials(_ context: OCPIRequestContext, body: Credentials) async throws -> OCPIReply<Credentials> {
        throw OCPIError(.methodNotAllowed, "Not now")
    }

    func deleteCredentials(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError(.methodNotAllowed, "Not now")
    }
}

struct Locations211: LocationsSender {
    let broken: Bool

    /// Two locations as 2.1.1 writes them (a `type`, no party), the first with an EVSE.
    static let locations: [[UInt8]] = [
        #"{"id": "LOC-1", "type": "ON_STREET", "address": "Oudegracht 1", "city": "Utrecht", "postal_code": "3511 AA", "country": "NLD", "coordinates": {"latitude": "52.090740", "longitude": "5.121420"}, "evses": [{"uid": "EVSE-1", "status": "AVAILABLE", "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE", "voltage": 230, "amperage": 32, "last_updated": "2026-01-01T00:00:00Z"}], "last_updated": "2026-01-01T00:00:00Z"}], "last_updated": "2026-01-01T00:00:00Z"}"#,
        #"{"id": "LOC-2", "type": "PARKING_LOT", "address": "Neude 2", "city": "Utrecht", "postal_code": "3512 AD", "country": "NLD", "coordinates": {"latitude": "52.093000", "longitude": "5.118900"}, "last_updated": "2026-01-01T00:10:00Z"}"#,
    ].map { Array($0.utf8) }

    var objects: [(bytes: [UInt8], location: Location)] {
        Self.locations.enumerated().compactMap { index, bytes in
            let text =
                broken && index == 1
                ? Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #""type": "PARKING_LOT", "#, with: "").utf8) : bytes
            return (try? Location.decodeJSON(text).value).flatMap { $0 }.map { (text, $0) }
        }
    }

    func getLocations(_ context: OCPIRequestContext, dateFrom: OCPIDateTime?, dateTo: OCPIDateTime?, offset: Int, limit: Int) async throws -> OCPIPage<Location>
    {
        let matching = objects.filter { object in
            dateFrom.map { object.location.lastUpdated >= $0 } ?? true && dateTo.map { object.location.lastUpdated < $0 } ?? true
        }
        return OCPIPage(encodedItems: matching.dropFirst(offset).prefix(limit).map(\.bytes), totalCount: matching.count)
    }

    func getLocation(_ context: OCPIRequestContext, locationID: String) async throws -> OCPIReply<Location> {
        guard let object = objects.first(where: { $0.location.id == locationID }) else { throw OCPIError.notFound("Location") }
        return .ok(encoded: object.bytes)
    }

    func getEVSE(_ context: OCPIRequestContext, locationID: String, evseUID: String) async throws -> OCPIReply<EVSE> {
        guard let evse = objects.first(where: { $0.location.id == locationID })?.location.evses.first(where: { $0.uid == evseUID }) else {
            throw OCPIError.notFound("EVSE")
        }
        return .ok(evse)
    }

    func getConnector(_ context: OCPIRequestContext, locationID: String, evseUID: String, connectorID: String) async throws -> OCPIReply<Connector> {
        guard let evse = objects.first(where: { $0.location.id == locationID })?.location.evses.first(where: { $0.uid == evseUID }),
            let connector = evse.connectors.first(where: { $0.id == connectorID })
        else { throw OCPIError.notFound("Connector") }
        return .ok(connector)
    }
}

final class Tokens211: TokensReceiver {
    private let stored = Mutex<[String: [UInt8]]>([:])

    func getToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String) async throws -> OCPIReply<Token> {
        guard let bytes = stored.withLock({ $0["\(countryCode)/\(partyID)/\(tokenUID)"] }) else { throw OCPIError(.notFound, "Token not found") }
        return .ok(encoded: bytes)
    }

    func putToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, body: Token) async throws -> OCPIReply<OCPINoData> {
        stored.withLock { $0["\(countryCode)/\(partyID)/\(tokenUID)"] = body.jsonBytes() }
        return .ok
    }

    func patchToken(_ context: OCPIRequestContext, countryCode: String, partyID: String, tokenUID: String, body: TokenPatch) async throws -> OCPIReply<
        OCPINoData
    > {
        let key = "\(countryCode)/\(partyID)/\(tokenUID)"
        guard let bytes = stored.withLock({ $0[key] }), case .object(var members)? = try? JSONValue.decodeJSON(bytes).value,
            case .object(let changes)? = try? JSONValue.decodeJSON(body.jsonBytes()).value
        else { throw OCPIError(.notFound, "Token not found") }
        for change in changes {
            if let index = members.firstIndex(where: { $0.key == change.key }) { members[index].value = change.value } else { members.append(change) }
        }
        stored.withLock { $0[key] = JSONValue.object(members).jsonBytes() }
        return .ok
    }
}
