import Foundation
import OCPI211
import OCPI221
import OCPI230
import OCPIAsyncHTTPClient
import OCPICPO
import OCPIConversions
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

/// Issue 20's end to end, on the built executable: three eMSPs on three releases register with
/// one running `ocpi-cpo serve` (which serves all three by default), and each reads, writes and
/// is pushed in its own release, from one store.
@Suite(.holdsResources) struct ThreeReleasesServeTests {
    static let adminToken = "three-releases-admin"

    /// A token A minted by `ocpi-cpo parties invite` on the server's database.
    static func invite(_ database: String) async throws -> String {
        let invited = try await BuiltExecutable.run("ocpi-cpo", ["parties", "invite", "--database", database, "--json"])
        #expect(invited.status == 0, "\(invited.error)")
        guard case .string(let token)? = try JSONValue.decodeJSON(Array(invited.output.utf8)).value?["token"] else {
            Issue.record("no token in \(invited.output)")
            throw CancellationError()
        }
        return token
    }

    @Test func threePartnersOnThreeReleasesReadWriteAndArePushedEachInItsOwn() async throws {
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("three-releases-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        }
        let port = try LiveServer.freePort()
        let server = try RunningCommand(
            "ocpi-cpo", ["serve", "--port", "\(port)", "--database", database, "--admin-token", Self.adminToken, "--log-level", "warning"]
        )
        try await server.waitForOutput(containing: "admin token")
        do {
            try await Self.exercise(base: "http://127.0.0.1:\(port)", database: database)
        } catch {
            _ = try? await server.stop()
            throw error
        }
        #expect(try await server.stop() == 0, "\(server.standardError)")
    }

    static func exercise(base: String, database: String) async throws {
        let admin = "Bearer " + adminToken
        let received230 = Release230ServingTests.Received230()
        let received211 = Release211ServingTests.Received211()
        let inbox221 = EMSPInbox()
        let emsp221 = try EMSPPeer(inbox: inbox221)
        try await emsp221.run {
            let routes230 = OCPIRoutes.locationsReceiver(received230) + OCPIRoutes.tariffsReceiver(received230)
            try await Release230ServingTests.serveEMSP(tokenB: "token-b-of-new", extra: routes230) { emsp230 in
                try await Release211ServingTests.serveEMSP(tokenB: "token-b-of-old", received: received211) { emsp211, _ in
                    // Each registers on its release, with a token A of its own.
                    _ = try await emsp221.credentials.register(versionsURL: base + "/ocpi/versions", tokenA: try await invite(database))
                    let tokenC221 = try await PushTests.tokenC(emsp221)
                    let credentials230 = Release230ServingTests.connection(base + "/ocpi/cpo/2.3.0/credentials", token: try await invite(database))
                    let tokenC230 = try await OCPI230.CredentialsSenderClient(connection: credentials230)
                        .postCredentials(body: Release230ServingTests.credentials("token-b-of-new", emsp: emsp230)).token
                    let credentials211 = Release211ServingTests.connection(base + "/ocpi/cpo/2.1.1/credentials", token: try await invite(database))
                    let tokenC211 = try await OCPI211.CredentialsSenderClient(connection: credentials211)
                        .postCredentials(body: Release211ServingTests.credentials("token-b-of-old", emsp: emsp211)).token
                    let list = try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", database])
                    for release in ["2.1.1", "2.2.1", "2.3.0"] { #expect(list.output.contains(release), "parties list shows \(release): \(list.output)") }

                    // The operator writes a location once; each reads it in its release.
                    var written = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: OCPIDateTime(secondsSince1970: 1_900_000_000))[0]
                    written.id = "ONE-PLACE"
                    #expect(try await send("PUT", base + "/admin/2.2.1/locations/ONE-PLACE", authorization: admin, body: ModuleTests.json(written)).status == 201)
                    let read221 = try await OCPI221.LocationsSenderClient(connection: Release230ServingTests.connection(base + "/ocpi/cpo/2.2.1/locations", token: tokenC221))
                        .getLocation(locationID: "ONE-PLACE")
                    let read230 = try await OCPI230.LocationsSenderClient(connection: Release230ServingTests.connection(base + "/ocpi/cpo/2.3.0/locations", token: tokenC230))
                        .getLocation(locationID: "ONE-PLACE")
                    let read211 = try await OCPI211.LocationsSenderClient(connection: Release211ServingTests.connection(base + "/ocpi/cpo/2.1.1/locations", token: tokenC211))
                        .getLocation(locationID: "ONE-PLACE")
                    #expect(read221 == written)
                    #expect(read230.validate().isEmpty && read230 == Conversion221To230().convert(read221), "\(read230.validate())")
                    #expect(read211.validate().isEmpty && read211 == Conversion221To211().convert(read221), "\(read211.validate())")

                    // Each writes a token of its own in its release, and reads it back so.
                    let tokens221 = OCPI221.TokensReceiverClient(connection: Release230ServingTests.connection(base + "/ocpi/cpo/2.2.1/tokens", token: tokenC221))
                    _ = try await tokens221.putToken(countryCode: "DE", partyID: "MSP", tokenUID: "T221", body: makeToken(uid: "T221"))
                    #expect(try await tokens221.getToken(countryCode: "DE", partyID: "MSP", tokenUID: "T221").uid == "T221")
                    let tokens230 = OCPI230.TokensReceiverClient(connection: Release230ServingTests.connection(base + "/ocpi/cpo/2.3.0/tokens", token: tokenC230))
                    _ = try await tokens230.putToken(countryCode: "DE", partyID: "NEW", tokenUID: "T230", body: Release230ModulesTests.token("T230"))
                    #expect(try await tokens230.getToken(countryCode: "DE", partyID: "NEW", tokenUID: "T230").contractID == "DE-NEW-CT230")
                    let tokens211 = OCPI211.TokensReceiverClient(connection: Release211ServingTests.connection(base + "/ocpi/cpo/2.1.1/tokens", token: tokenC211))
                    _ = try await tokens211.putToken(countryCode: "DE", partyID: "OLD", tokenUID: "T211", body: Release211TokensSessionsTests.token("T211"))
                    #expect(try await tokens211.getToken(countryCode: "DE", partyID: "OLD", tokenUID: "T211").authID == "DE-OLD-CT211")

                    // An EVSE changes: each is pushed in its release (2.2.1 the EVSE, the others
                    // the whole location).
                    let evseUID = try #require(written.evses.first?.uid)
                    let patched = try await send(
                        "PATCH", base + "/admin/2.2.1/locations/ONE-PLACE/\(evseUID)", authorization: admin,
                        body: #"{"status": "CHARGING", "last_updated": "2030-04-01T00:00:00Z"}"#
                    )
                    #expect(patched.status == 200)
                    try await CommandFlowTests.eventually("the three pushes", seconds: 60) {
                        let old = received211.locations.withLock { $0["ONE-PLACE"] }?.evses.first { $0.uid == evseUID }?.status == .charging
                        let new = received230.locations.withLock { $0["ONE-PLACE"] }?.evses.first { $0.uid == evseUID }?.status == .charging
                        let current = await inbox221.locations["ONE-PLACE"]?.evses.first { $0.uid == evseUID }?.status == .charging
                        return old && new && current
                    }
                    let now221 = try await OCPI221.LocationsSenderClient(connection: Release230ServingTests.connection(base + "/ocpi/cpo/2.2.1/locations", token: tokenC221))
                        .getLocation(locationID: "ONE-PLACE")
                    let pushed211 = try #require(received211.locations.withLock { $0["ONE-PLACE"] })
                    let pushed230 = try #require(received230.locations.withLock { $0["ONE-PLACE"] })
                    #expect(pushed211.validate().isEmpty && pushed211 == Conversion221To211().convert(now221), "\(pushed211.validate())")
                    #expect(pushed230.validate().isEmpty && pushed230 == Conversion221To230().convert(now221), "\(pushed230.validate())")
                    #expect(await inbox221.locations["ONE-PLACE"]?.evses == now221.evses)
                }
            }
        }
    }
}
