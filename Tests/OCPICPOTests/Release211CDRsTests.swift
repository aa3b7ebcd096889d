import Foundation
import OCPI211
import OCPI221
import OCPIAsyncHTTPClient
import OCPICPO
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Synchronization
import Testing

/// CDRs with a partner on OCPI 2.1.1, over real HTTP: the CPO serves each eMSP its own CDRs
/// converted from the 2.2.1 store (spec/conversions/2.2.1-2.1.1.yaml, `CDR`) and posts them to a
/// 2.1.1 eMSP that lists a cdrs endpoint, never twice.
@Suite(.holdsResources) struct Release211CDRsTests {
    typealias Serving = Release211ServingTests

    /// A CDR of the eMSP `partyID` of DE, at the demo station or at `location` (a charger the
    /// store does not hold), written `seconds` after 1_900_000_000.
    static func cdr(_ id: String, for partyID: String, at location: String = "UTR-STATION", seconds: Int64 = 0) -> OCPI221.CDR {
        var cdr = ModuleTests.cdr(id, for: "DE", partyID)
        cdr.cdrLocation.id = location
        cdr.lastUpdated = OCPIDateTime(secondsSince1970: 1_900_000_000 + seconds)
        return cdr
    }

    static func post(_ cpo: CPOPeer, _ cdr: OCPI221.CDR) async throws {
        let response = try await PushTests.admin(cpo, "POST", "/cdrs", ModuleTests.json(cdr))
        #expect(response.status == 201, "\(cdr.id): \(response.text)")
    }

    // MARK: Serving

    /// GET cdrs on 2.1.1: the partner's own CDRs only, page by page, each valid 2.1.1; one at
    /// a stored location embeds that location narrowed to the EVSE and connector used, with the
    /// place and plug the CDR recorded; one at a charger the store does not hold embeds a
    /// location built from cdr_location. date_from filters.
    @Test func a211PartnerListsItsOwnCDRsConverted() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await Serving.addPartner(to: cpo)
            let details = try await OCPI211.VersionsSenderClient(connection: Serving.connection(cpo.baseURL + "/ocpi/2.1.1")).getVersionDetails()
            let cdrsURL = try #require(details.endpoints.first { $0.identifier == .cdrs }?.url)
            #expect(cdrsURL == cpo.baseURL + "/ocpi/cpo/2.1.1/cdrs")

            var home = Self.cdr("C-3", for: "OLD", at: "HOME-7", seconds: 3)
            home.cdrLocation.postalCode = nil
            for cdr in [Self.cdr("C-1", for: "OLD", seconds: 1), Self.cdr("C-2", for: "MSP", seconds: 2), home] { try await Self.post(cpo, cdr) }

            let client = OCPI211.CDRsSenderClient(connection: Serving.connection(cdrsURL))
            var cdrs: [OCPI211.CDR] = []
            for try await cdr in client.getCDRs(limit: 1) { cdrs.append(cdr) }
            #expect(cdrs.map(\.id) == ["C-1", "C-3"], "its own, one page at a time")
            for cdr in cdrs {
                #expect(cdr.validate().isEmpty, "\(cdr.id): \(cdr.validate())")
                #expect(cdr.authID == "DE-OLD-C00000001", "the cdr_token's contract")
                #expect(cdr.totalCost == Decimal(string: "2.50"), "without VAT")
                #expect(cdr.stopDateTime == OCPIDateTime(secondsSince1970: ModuleTests.start.secondsSince1970 + 3600))
                #expect(cdr.location.evses.map(\.uid) == ["UTR-STATION-1"] && cdr.location.evses.first?.connectors.map(\.id) == ["1"])
            }

            // At the stored station: what the store knows, with the place and plug the CDR froze.
            let station = try #require(cdrs.first?.location)
            #expect(station.id == "UTR-STATION" && station.type == .parkingGarage && station.name == "Utrecht Centraal P+R")
            #expect(station.coordinates.latitude == "52.089444", "the CDR's coordinates, not the location's (52.08947) of today")
            #expect(station.evses.first?.evseID == "NL*SOC*E1", "the CDR's EVSE ID")
            #expect((station.evses.first?.connectors.first?.voltage ?? 0) > 0, "the stored connector's voltage")

            // At a charger the store does not hold: built from cdr_location.
            let built = try #require(cdrs.last?.location)
            #expect(built.id == "HOME-7" && built.type == .unknown && built.postalCode == "" && built.address == "Stationsplein 1")
            #expect(built.evses.first?.status == .unknown && built.evses.first?.evseID == "NL*SOC*E1")
            #expect(built.evses.first?.connectors.first?.voltage == 0 && built.evses.first?.connectors.first?.standard == .iec62196T2)

            var recent: [String] = []
            for try await cdr in client.getCDRs(dateFrom: OCPIDateTime(secondsSince1970: 1_900_000_002)) { recent.append(cdr.id) }
            #expect(recent == ["C-3"])

            // The page as raw JSON, as a partner reads it: valid by 2.1.1's generated rules.
            let raw = try await send("GET", cdrsURL, authorization: "Token " + Serving.token)
            #expect(raw.headers[.ocpiTotalCount] == "2", "only its own are counted")
            guard case .array(let items)? = raw.envelope?["data"] else {
                Issue.record("no list: \(raw.text)")
                return
            }
            #expect(items.count == 2)
            for item in items {
                let decoded = try OCPI211.CDR.decodeAndValidate(item.jsonBytes())
                #expect(decoded.value != nil && decoded.violations.isEmpty, "\(decoded.violations)")
            }
        }
    }

    // MARK: Pushes

    /// A 2.1.1 eMSP that receives CDRs: its versions name credentials and cdrs, each CDR posted
    /// is kept and answered with the URL it is kept at.
    final class CDRInbox211: OCPI211.VersionsSender, OCPI211.CDRsReceiver {
        let baseURL: String
        let posted = Mutex<[OCPI211.CDR]>([])

        init(baseURL: String) {
            self.baseURL = baseURL
        }

        func url(_ id: String) -> String { baseURL + "/ocpi/emsp/2.1.1/cdrs/" + id }

        func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI211.Version]> {
            .ok([OCPI211.Version(version: .v2_1_1, url: baseURL + "/ocpi/2.1.1")])
        }

        func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI211.VersionDetails> {
            .ok(OCPI211.VersionDetails(version: .v2_1_1, endpoints: [
                OCPI211.Endpoint(identifier: .credentials, url: baseURL + "/ocpi/emsp/2.1.1/credentials"),
                OCPI211.Endpoint(identifier: .cdrs, url: baseURL + "/ocpi/emsp/2.1.1/cdrs"),
            ]))
        }

        func getCDR(_ context: OCPIRequestContext, callback: String) async throws -> OCPIReply<OCPI211.CDR> {
            throw OCPIError.notFound("not used")
        }

        func postCDR(_ context: OCPIRequestContext, body: OCPI211.CDR) async throws -> OCPIReply<OCPINoData> {
            posted.withLock { $0.append(body) }
            return .created(headers: [.location: url(body.id)])
        }

        var ids: [String] { posted.withLock { $0.map(\.id) } }
    }

    /// Serves `inbox` at `port` while `body` runs.
    static func serve(_ inbox: CDRInbox211, port: Int, _ body: () async throws -> Void) async throws {
        let authenticator = Serving.RawTokenOnly(token: "token-b")
        let configuration = OCPIServerConfiguration(publicURL: inbox.baseURL, ownParties: [PartyIdentity(countryCode: "DE", partyID: "OLD")])
        var router = HTTPRouter(logger: LiveServer.quietLogger)
        router.addOCPIRoutes(OCPIRoutes.versionsSender(inbox), at: "/ocpi", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
        router.addOCPIRoutes(OCPIRoutes.cdrsReceiver(inbox), at: "/ocpi/emsp/2.1.1", configuration: configuration, authenticator: authenticator, logger: LiveServer.quietLogger)
        try await LiveServer.run(serving: { running in
            OCPIHTTPServer(router: router, configuration: .init(port: port), logger: LiveServer.serverLogger, onServerRunning: { _ in running() })
        }, port: port, body)
    }

    /// A 2.1.1 eMSP is POSTed its own CDRs converted (not another eMSP's), and the URL it
    /// answers is kept as its receipt. CDRs written while it is away reach it when it is back,
    /// except one whose receipt the store already holds (as after a restart that lost the push
    /// cursor): a CDR is never posted twice.
    @Test func a211EMSPIsPostedItsOwnCDRsConvertedNeverTwice() async throws {
        let cpo = try await CPOPeer.open(releases: [.v2_1_1, .v2_2_1])
        let port = try LiveServer.freePort()
        let inbox = CDRInbox211(baseURL: "http://127.0.0.1:\(port)")
        try await cpo.run {
            var partnerID = ""
            try await Self.serve(inbox, port: port) {
                let tokenA = try await cpo.server.registry.invite().token
                let credentials = Serving.connection(cpo.baseURL + "/ocpi/cpo/2.1.1/credentials", token: tokenA)
                _ = try await OCPI211.CredentialsSenderClient(connection: credentials).postCredentials(body: Serving.credentials("token-b", emsp: inbox.baseURL))
                partnerID = try #require(try await cpo.server.registry.partners().first { $0.status == .registered }?.id)
                await cpo.server.pusher.drain()

                try await Self.post(cpo, Self.cdr("C-1", for: "OLD", seconds: 1))
                try await Self.post(cpo, Self.cdr("C-OTHER", for: "MSP", seconds: 2))
                await cpo.server.pusher.drain()
                #expect(inbox.ids == ["C-1"], "its own only")
                let posted = try #require(inbox.posted.withLock { $0.first })
                let decoded = try OCPI211.CDR.decodeAndValidate(posted.jsonBytes())
                #expect(decoded.violations.isEmpty, "valid 2.1.1: \(decoded.violations)")
                #expect(posted.authID == "DE-OLD-C00000001" && posted.totalCost == Decimal(string: "2.50"))
                #expect(posted.location.id == "UTR-STATION" && posted.location.evses.map(\.uid) == ["UTR-STATION-1"])
                let receipt = try await cpo.server.store.cdrLocation(partnerID: partnerID, ObjectKey(module: .cdrs, countryCode: "NL", partyID: "SOC", id: "C-1"))
                #expect(receipt == inbox.url("C-1"))
            }

            // Away: two CDRs wait for it, and the store holds its receipt of the second already.
            try await Self.post(cpo, Self.cdr("C-NEW", for: "OLD", seconds: 3))
            try await Self.post(cpo, Self.cdr("C-HELD", for: "OLD", seconds: 4))
            await cpo.server.pusher.drain()
            #expect(inbox.ids == ["C-1"])
            let held = ObjectKey(module: .cdrs, countryCode: "NL", partyID: "SOC", id: "C-HELD")
            try await cpo.server.store.recordCDRLocation(partnerID: partnerID, held, url: inbox.url("C-HELD"))

            try await Self.serve(inbox, port: port) { () async throws -> Void in
                await cpo.server.pusher.catchUp()
                await cpo.server.pusher.drain()
                #expect(inbox.ids == ["C-1", "C-NEW"], "the one it lacks, and only that one")
                #expect(try await cpo.server.pusher.pendingObjects(partnerID: partnerID) == 0)
            }
        }
    }

    // MARK: Commands

    /// A 2.1.1 command's token is owned by the sender's party; a partner whose credentials name
    /// none is refused with 2001 and told why, instead of the token being given an empty owner.
    @Test func aCommandFromAPartnerWithoutAPartyIsRefusedClearly() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast, releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await cpo.server.registry.insert(PartnerRecord(
                id: "emsp-211-nobody", status: .registered, incomingToken: "nobody-token", version: "2.1.1", roles: [], tokenEncoding: .raw
            ))
            let commands = OCPI211.CommandsReceiverClient(connection: Serving.connection(cpo.baseURL + "/ocpi/cpo/2.1.1/commands", token: "nobody-token"))
            let start = OCPI211.StartSession(
                responseURL: "http://127.0.0.1:9/result", token: Release211TokensSessionsTests.token("DRIVER-1"), locationID: "UTR-STATION"
            )
            await #expect {
                _ = try await commands.postStartSession(body: start)
            } throws: { error in
                guard case .refused(_, let code, let message, _) = error as? OCPIClientError else { return false }
                return code == 2001 && message?.contains("Your credentials name no party") == true && message?.contains("DRIVER-1") == true
            }
            #expect(try await cpo.server.store.list(ObjectFilter(module: .sessions), offset: 0, limit: 10).objects.isEmpty, "no session started")
        }
    }
}
