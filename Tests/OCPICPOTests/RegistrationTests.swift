import Foundation
import OCPI221
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// The credentials handshake in both directions, and what the tokens open afterwards, over real
/// HTTP between the CPO server and an eMSP built from the generated code.
@Suite(.holdsResources) struct RegistrationTests {
    @Test func anEMSPRegistersPullsPushesAndUnregisters() async throws {
        let cpo = try await CPOPeer.open()
        let emsp = try EMSPPeer()
        try await cpo.run {
            try await emsp.run {
                let tokenA = try await cpo.server.registry.invite().token
                // The eMSP starts the handshake with token A.
                let partner = try await emsp.credentials.register(versionsURL: cpo.server.profile.versionsURL, tokenA: tokenA)
                #expect(partner.status == .registered)
                #expect(partner.version == "2.2.1")
                #expect(partner.roles.map(\.role.rawValue) == ["CPO"])
                #expect(Set(partner.endpoints.map(\.identifier.rawValue)) == [
                    "credentials", "locations", "sessions", "cdrs", "tariffs", "tokens", "commands", "chargingprofiles", "hubclientinfo",
                ])
                let tokenC = try #require(partner.outgoingToken)
                // The CPO knows the eMSP now, with its roles and endpoints.
                let known = try #require(try await cpo.server.registry.partners().first { $0.status == .registered })
                #expect(known.roles.map { "\($0.countryCode)/\($0.partyID)" } == ["DE/MSP"])
                #expect(known.endpoints.map(\.identifier) == [.credentials])
                // What the eMSP reads of the CPO in 2.2.1 is valid by 2.2.1's validators.
                let ours = try await CredentialsSenderClient(connection: cpo.connection("credentials", token: tokenC)).getCredentials()
                #expect(ours.token == tokenC && ours.validate().isEmpty, "\(ours.validate())")
                #expect(ours.roles.map { "\($0.countryCode)/\($0.partyID) \($0.role.rawValue)" } == ["NL/SOC CPO"], "\(ours.roles)")
                let versionsClient = VersionsSenderClient(connection: cpo.connection("credentials", token: tokenC).at(cpo.server.profile.versionsURL))
                let versions = try await versionsClient.getVersions()
                #expect(!versions.isEmpty && versions.allSatisfy { $0.validate().isEmpty })
                let details = try await VersionsSenderClient(connection: cpo.connection("credentials", token: tokenC).at(cpo.baseURL + "/ocpi/2.2.1")).getVersionDetails()
                #expect(details.validate().isEmpty, "\(details.validate())")

                // Pull every sender module, page by page.
                let locations = try await LocationsSenderClient(connection: cpo.connection("locations", token: tokenC)).getLocations(limit: 1).collect()
                #expect(locations.map(\.id) == ["UTR-STATION", "UTR-MALIEBAAN", "UTR-JAARBEURS"])
                #expect(locations.allSatisfy { $0.validate().isEmpty }, "\(locations.map { $0.validate() })")
                let tariffs = try await TariffsSenderClient(connection: cpo.connection("tariffs", token: tokenC)).getTariffs().collect()
                #expect(tariffs.map(\.id) == ["AC-STANDARD", "DC-FAST"])
                #expect(tariffs.allSatisfy { $0.validate().isEmpty }, "\(tariffs.map { $0.validate() })")
                let evse = try await LocationsSenderClient(connection: cpo.connection("locations", token: tokenC)).getEVSE(locationID: "UTR-STATION", evseUID: "UTR-STATION-3")
                #expect(evse.connectors.count == 2)

                // Push a token, read it back, patch it.
                let tokens = TokensReceiverClient(connection: cpo.connection("tokens", token: tokenC))
                let token = makeToken(uid: "04A1B2C3D4")
                #expect(try await tokens.putToken(countryCode: "DE", partyID: "MSP", tokenUID: token.uid, body: token).httpStatus == 201)
                #expect(try await tokens.putToken(countryCode: "DE", partyID: "MSP", tokenUID: token.uid, body: token).httpStatus == 200)
                #expect(try await tokens.getToken(countryCode: "DE", partyID: "MSP", tokenUID: token.uid, type: .rfid) == token)
                let patch = TokenPatch(valid: false, lastUpdated: OCPIDateTime(secondsSince1970: 1_700_000_100))
                try await tokens.patchToken(countryCode: "DE", partyID: "MSP", tokenUID: token.uid, body: patch)
                #expect(try await tokens.getToken(countryCode: "DE", partyID: "MSP", tokenUID: token.uid).valid == false)

                // Another party's tokens are out of this eMSP's reach: a URL naming a party that is
                // not in its credentials is refused (2001, pointing at the country code).
                let foreign = makeToken(uid: "FOREIGN", countryCode: "FR", partyID: "OTH")
                await #expect(throws: OCPIClientError.self) {
                    try await tokens.putToken(countryCode: "FR", partyID: "OTH", tokenUID: "FOREIGN", body: foreign)
                }
                let foreignGet = try await send("GET", "\(cpo.baseURL)/ocpi/cpo/2.2.1/tokens/FR/OTH/FOREIGN", authorization: CredentialsToken.header(for: tokenC))
                #expect(foreignGet.statusCode == 2001)
                #expect(String(decoding: foreignGet.body, as: UTF8.self).contains("country_code"))

                // Token A is spent: it opens nothing any more.
                let withA = try await send("GET", "\(cpo.baseURL)/ocpi/versions", authorization: CredentialsToken.header(for: tokenA))
                #expect(withA.status == 401)
                // A second POST is refused: use PUT.
                let again = try await send("POST", "\(cpo.baseURL)/ocpi/cpo/2.2.1/credentials", authorization: CredentialsToken.header(for: tokenC),
                                           body: String(decoding: emsp.profile.credentials(token: "x").jsonBytes(), as: UTF8.self))
                #expect(again.status == 405)

                // Unregister: token C opens nothing either.
                let credentials = CredentialsSenderClient(connection: cpo.connection("credentials", token: tokenC))
                try await credentials.deleteCredentials()
                let afterDelete = try await send("GET", "\(cpo.baseURL)/ocpi/cpo/2.2.1/locations", authorization: CredentialsToken.header(for: tokenC))
                #expect(afterDelete.status == 401)

                // And registering again with a new token A works.
                let secondA = try await cpo.server.registry.invite().token
                let again2 = try await emsp.credentials.register(versionsURL: cpo.server.profile.versionsURL, tokenA: secondA)
                #expect(again2.status == .registered)
                let reloaded = try await LocationsSenderClient(connection: cpo.connection("locations", token: try #require(again2.outgoingToken))).getLocations().collect()
                #expect(reloaded.count == 3)
            }
        }
    }

    @Test func tokenAIsRefusedOnEveryFunctionalModule() async throws {
        let cpo = try await CPOPeer.open()
        try await cpo.run {
            let tokenA = try await cpo.server.registry.invite().token
            for path in ["/ocpi/cpo/2.2.1/locations", "/ocpi/cpo/2.2.1/tariffs", "/ocpi/cpo/2.2.1/tokens/DE/MSP/X"] {
                let response = try await send("GET", cpo.baseURL + path, authorization: CredentialsToken.header(for: tokenA))
                #expect(response.status == 401, "\(path)")
            }
            let versions = try await send("GET", cpo.baseURL + "/ocpi/versions", authorization: CredentialsToken.header(for: tokenA))
            #expect(versions.status == 200)
            // PUT and DELETE before registering are not allowed.
            let put = try await send("PUT", cpo.baseURL + "/ocpi/cpo/2.2.1/credentials", authorization: CredentialsToken.header(for: tokenA),
                                     body: #"{"token": "abc", "url": "http://127.0.0.1:1/versions", "roles": [{"role": "EMSP", "business_details": {"name": "X"}, "party_id": "MSP", "country_code": "DE"}]}"#)
            #expect(put.status == 405)
            let delete = try await send("DELETE", cpo.baseURL + "/ocpi/cpo/2.2.1/credentials", authorization: CredentialsToken.header(for: tokenA))
            #expect(delete.status == 405)
            // A partner whose versions cannot be read gets 3001.
            let post = try await send("POST", cpo.baseURL + "/ocpi/cpo/2.2.1/credentials", authorization: CredentialsToken.header(for: tokenA),
                                      body: #"{"token": "abc", "url": "http://127.0.0.1:1/versions", "roles": [{"role": "EMSP", "business_details": {"name": "X"}, "party_id": "MSP", "country_code": "DE"}]}"#)
            #expect(post.status == 200)
            #expect(post.statusCode == 3001)
        }
    }

    @Test func theCPOStartsTheHandshake() async throws {
        let cpo = try await CPOPeer.open()
        let emsp = try EMSPPeer()
        try await cpo.run {
            try await emsp.run {
                let tokenA = await emsp.registry.invite()
                let partner = try await cpo.server.credentials.register(versionsURL: emsp.profile.versionsURL, tokenA: tokenA)
                #expect(partner.status == .registered)
                #expect(partner.roles.map(\.role.rawValue) == ["EMSP"])
                // The eMSP can now call the CPO with the token we gave it (token B).
                let emspSide = try #require(try await emsp.registry.partners().first { $0.status == .registered })
                let tokenB = try #require(emspSide.outgoingToken)
                #expect(try await LocationsSenderClient(connection: cpo.connection("locations", token: tokenB)).getLocations().collect().count == 3)
                // And the CPO calls the eMSP with the token it answered with.
                #expect(emspSide.incomingTokenHash == CredentialsTokenDigest.of(try #require(partner.outgoingToken)))
            }
        }
    }
}
