import Foundation
import OCPI221
import OCPIAsyncHTTPClient
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

/// After the handshake: rotating credentials with PUT, and what the logs of all of it hold.
@Suite(.holdsResources) struct CredentialsLifecycleTests {
    @Test(arguments: TestDatabase.all)
    func rotatingWithPUTReplacesBothTokensAndNoTokenIsEverLogged(_ database: TestDatabase) async throws {
        let recorder = LogRecorder()
        let port = try LiveServer.freePort()
        let location = try database.makeLocation()
        defer { database.remove(location) }
        let configuration = CPOConfiguration(port: port, database: location, adminToken: "admin-secret-token", demoData: true)
        let server = try await CPOServer.open(configuration, transport: HTTPClientTransport(timeout: .seconds(10)), logger: recorder.logger())
        let cpo = CPOPeer(server: server)
        let emsp = try EMSPPeer()
        var secrets: [String] = ["admin-secret-token"]
        try await cpo.run(logger: recorder.logger()) {
            try await emsp.run {
                let tokenA = try await server.registry.invite().token
                let partner = try await emsp.credentials.register(versionsURL: server.profile.versionsURL, tokenA: tokenA)
                let tokenC = try #require(partner.outgoingToken)
                let tokenB = try #require(try await server.registry.partners().first { $0.status == .registered }?.outgoingToken)
                secrets += [tokenA, tokenB, tokenC]

                // PUT: the eMSP hands over a new token B and gets a new token C.
                // (The eMSP accepts the new token B before it hands it over: the CPO calls back with it.)
                let newTokenB = TokenGenerator.make()
                var rotated = partner
                rotated.setIncomingToken(newTokenB)
                try await emsp.registry.update(rotated)
                let credentials = CredentialsSenderClient(connection: cpo.connection("credentials", token: tokenC))
                let answer = try await credentials.putCredentials(body: emsp.profile.credentials(token: newTokenB))
                let newTokenC = answer.token
                secrets += [newTokenB, newTokenC]
                #expect(newTokenC != tokenC)
                let stored = try #require(try await server.registry.partners().first { $0.status == .registered })
                #expect(stored.outgoingToken == newTokenB, "the CPO calls the eMSP with the new token B")
                #expect(stored.incomingTokenHash == CredentialsTokenDigest.of(newTokenC))

                let old = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/locations", authorization: CredentialsToken.header(for: tokenC))
                #expect(old.status == 401, "the old token C opens nothing")
                #expect(try await LocationsSenderClient(connection: cpo.connection("locations", token: newTokenC)).getLocations().collect().count == 3)
                // A failing request logs too: an unknown token, and the admin API.
                _ = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/tariffs", authorization: CredentialsToken.header(for: "not-a-token-of-anyone"))
                _ = try await send("PATCH", cpo.baseURL + "/admin/2.2.1/locations/UTR-STATION", authorization: "Bearer admin-secret-token", body: "{")
            }
        }
        let lines = recorder.recorded
        #expect(lines.count >= 8, "every request logs a line: \(lines)")
        for secret in secrets {
            let base64 = Data(secret.utf8).base64EncodedString()
            #expect(!lines.contains { $0.contains(secret) || $0.contains(base64) }, "a token in the logs: \(lines.filter { $0.contains(secret) || $0.contains(base64) })")
        }
    }
}
