import Foundation
import OCPI221
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// No partner can claim a party (country code and party id) that it was not given: one partner
/// per party, whichever way it registers, over real HTTP, on both databases.
@Suite(.holdsResources) struct PartyIdentityTests {
    /// Another platform's credentials as an eMSP of `country/party` would post them.
    static func credentials(of emsp: EMSPPeer, token: String, country: String, party: String) -> String {
        """
        {"token": "\(token)", "url": "\(emsp.profile.versionsURL)",
         "roles": [{"role": "EMSP", "party_id": "\(party)", "country_code": "\(country)", "business_details": {"name": "Someone"}}]}
        """
    }

    static func post(_ cpo: CPOPeer, _ method: String = "POST", token: String, _ body: String) async throws -> RawResponse {
        try await send(method, cpo.baseURL + "/ocpi/cpo/2.2.1/credentials", authorization: CredentialsToken.header(for: token), body: body)
    }

    @Test(arguments: TestDatabase.all)
    func aPartyAnotherPartnerHoldsCannotBeRegisteredOrSwitchedTo(_ database: TestDatabase) async throws {
        let location = try database.makeLocation()
        defer { database.remove(location) }
        let cpo = try await CPOPeer.open(database: location)
        let holder = try EMSPPeer(countryCode: "DE", partyID: "MSP")
        let intruder = try EMSPPeer(countryCode: "FR", partyID: "EVL")
        try await cpo.run {
            try await holder.run {
                try await intruder.run {
                    let holderRecord = try await PushTests.register(holder, with: cpo)

                    // POST with a token A, naming the held party (in another case): refused as a
                    // client error, and the invitation stays as it was.
                    let tokenA = try await cpo.server.registry.invite().token
                    let claimed = try await Self.post(cpo, token: tokenA, Self.credentials(of: intruder, token: await intruder.registry.invite(), country: "de", party: "msp"))
                    #expect(claimed.status == 200 && claimed.statusCode == 2001, "\(claimed.text)")
                    #expect(claimed.text.contains("/roles/0"))
                    #expect(try await cpo.server.registry.partner(incomingToken: tokenA)?.status == .invited)

                    // Registered as its own party, it cannot switch to the held one with PUT.
                    _ = try await intruder.credentials.register(versionsURL: cpo.server.profile.versionsURL, tokenA: tokenA)
                    let tokenC = try #require(try await intruder.registry.partners().first { $0.status == .registered }?.outgoingToken)
                    let switched = try await Self.post(cpo, "PUT", token: tokenC, Self.credentials(of: intruder, token: await intruder.registry.invite(), country: "DE", party: "MSP"))
                    #expect(switched.status == 200 && switched.statusCode == 2001, "\(switched.text)")
                    let intruderRecord = try #require(try await cpo.server.registry.partner(incomingToken: tokenC), "token C still works")
                    #expect(intruderRecord.roles.map { "\($0.countryCode)/\($0.partyID)" } == ["FR/EVL"])

                    // Nor read what the held party owns: its sessions stay the holder's.
                    let sessions = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/sessions", authorization: CredentialsToken.header(for: tokenC))
                    #expect(sessions.status == 200 && sessions.headers[.ocpiTotalCount] == "0")

                    // Nor become this platform.
                    let ours = try await Self.post(cpo, "PUT", token: tokenC, Self.credentials(of: intruder, token: await intruder.registry.invite(), country: "NL", party: "SOC"))
                    #expect(ours.statusCode == 2001 && ours.text.contains("this platform"), "\(ours.text)")

                    let registered = try await cpo.server.registry.partners().filter { $0.status == .registered }
                    #expect(registered.filter { $0.heldParties.contains(PartyIdentity(countryCode: "DE", partyID: "MSP")) }.map(\.id) == [holderRecord.id])
                    #expect(try await cpo.server.store.partyHolder(PartyIdentity(countryCode: "DE", partyID: "MSP")) == holderRecord.id)
                }
            }
        }
    }

    /// `parties invite --party`: the token A registers only as that party, which no other
    /// invitation can then reserve.
    @Test func anInvitationForAPartyRegistersOnlyAsIt() async throws {
        let cpo = try await CPOPeer.open()
        let emsp = try EMSPPeer(countryCode: "DE", partyID: "ABC")
        try await cpo.run {
            try await emsp.run {
                let reserved = PartyIdentity(countryCode: "DE", partyID: "ABC")
                let invitation = try await cpo.server.registry.invite(as: reserved)
                await #expect(throws: PartyTakenError.self) { _ = try await cpo.server.registry.invite(as: reserved) }

                let other = try await Self.post(cpo, token: invitation.token, Self.credentials(of: emsp, token: "b", country: "DE", party: "XYZ"))
                #expect(other.statusCode == 2001 && other.text.contains("DE/ABC only"), "\(other.text)")
                let partner = try await emsp.credentials.register(versionsURL: cpo.server.profile.versionsURL, tokenA: invitation.token)
                #expect(partner.status == .registered)
                #expect(try await cpo.server.store.partyHolder(reserved) == invitation.partner.id)
            }
        }
    }

    /// Registration we start (`parties register`) with a platform that answers as a party
    /// another partner holds: refused, and that platform is unregistered again.
    @Test func registeringWithAPlatformThatClaimsAHeldPartyIsRefused() async throws {
        let cpo = try await CPOPeer.open()
        let holder = try EMSPPeer(countryCode: "DE", partyID: "MSP")
        let lookalike = try EMSPPeer(countryCode: "DE", partyID: "MSP")
        try await cpo.run {
            try await holder.run {
                try await lookalike.run {
                    let holderRecord = try await PushTests.register(holder, with: cpo)
                    let tokenA = await lookalike.registry.invite()
                    await #expect(throws: OCPIError.self) {
                        _ = try await cpo.server.credentials.register(versionsURL: lookalike.profile.versionsURL, tokenA: tokenA)
                    }
                    let records = try await cpo.server.registry.partners()
                    #expect(records.filter { $0.status == .registered }.map(\.id) == [holderRecord.id])
                    #expect(records.contains { $0.status == .unregistered })
                    // The look-alike was told: it holds no registered partner any more.
                    #expect(try await lookalike.registry.partners().allSatisfy { $0.status != .registered })
                }
            }
        }
    }

    /// Tokens are kept as digests: the database files hold none of them, yet GET credentials
    /// answers with the token the partner presented.
    @Test func theDatabaseHoldsNoToken() async throws {
        let location = try TestDatabase.sqlite.makeLocation()
        defer { TestDatabase.sqlite.remove(location) }
        guard case .sqlite(let path) = location else { return }
        let cpo = try await CPOPeer.open(database: location)
        let emsp = try EMSPPeer()
        var tokens: [String] = []
        try await cpo.run {
            try await emsp.run {
                let open = try await cpo.server.registry.invite().token
                let tokenA = try await cpo.server.registry.invite().token
                _ = try await emsp.credentials.register(versionsURL: cpo.server.profile.versionsURL, tokenA: tokenA)
                let tokenC = try await PushTests.tokenC(emsp)
                tokens = [open, tokenA, tokenC]
                let credentials = try await CredentialsSenderClient(connection: cpo.connection("credentials", token: tokenC)).getCredentials()
                #expect(credentials.token == tokenC)
            }
        }
        var bytes: [UInt8] = []
        for suffix in ["", "-wal"] { bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))).map(Array.init) ?? [] }
        #expect(!bytes.isEmpty)
        for token in tokens {
            #expect(bytes.firstRange(of: Array(token.utf8)) == nil, "a token is in the database files")
        }
        // The open invitation's token A and the eMSP's token C are found by their digests.
        for token in [tokens[0], tokens[2]] {
            #expect(bytes.firstRange(of: Array(CredentialsTokenDigest.of(token).utf8)) != nil)
        }
    }

    /// Who presents a token is remembered for a second, but not while the partner is between
    /// invitation and registration: registered by another process (`parties register`), its
    /// token opens its modules at once.
    @Test func aPartnerRegisteredElsewhereIsSeenAtOnce() async throws {
        let location = try TestDatabase.sqlite.makeLocation()
        defer { TestDatabase.sqlite.remove(location) }
        let serving = try await SQLStore.open(location)
        try await serving.closing { () async throws in
            let other = try await SQLStore.open(location)
            try await other.closing { () async throws in
                let invitation = try await StoreRegistry(store: other).invite()
                #expect(try await StoreRegistry(store: serving).partner(incomingToken: invitation.token)?.status == .invited)
                var registered = invitation.partner
                registered.status = .registered
                registered.roles = [.init(role: .emsp, countryCode: "DE", partyID: "NEW")]
                try await StoreRegistry(store: other).update(registered)
                #expect(try await StoreRegistry(store: serving).partner(incomingToken: invitation.token)?.status == .registered)
            }
        }
    }
}
