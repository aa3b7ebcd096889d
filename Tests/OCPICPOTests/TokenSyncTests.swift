import Foundation
import OCPI221
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// The CPO pulls each eMSP's token list: after the eMSP registers, on an interval, and by hand;
/// valid tokens of the eMSP's own party are stored as if pushed, others refused.
@Suite(.holdsResources) struct TokenSyncTests {
    static func token(_ uid: String, countryCode: String = "DE", partyID: String = "MSP", at seconds: Int64 = 1_700_000_000) -> Token {
        var token = makeToken(uid: uid, countryCode: countryCode, partyID: partyID)
        token.lastUpdated = OCPIDateTime(secondsSince1970: seconds)
        return token
    }

    static func stored(_ cpo: CPOPeer) async throws -> [String] {
        try await cpo.server.store.list(ObjectFilter(module: .tokens), offset: 0, limit: 100).objects.map(\.key.id).sorted()
    }

    @Test func anEMSPsTokensArePulledAfterItRegistersThenOnlyWhatChanged() async throws {
        let cpo = try await CPOPeer.open()
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        for uid in ["T1", "T2", "T3"] { await inbox.issue(Self.token(uid)) }
        await inbox.issue(Self.token("FOREIGN", countryCode: "FR", partyID: "OTH"))
        var invalid = Self.token("BAD")
        invalid.issuer = String(repeating: "x", count: 65)
        await inbox.issue(invalid)
        let sync = Task { try await cpo.server.tokenSync.run() }
        defer { sync.cancel() }
        try await cpo.run {
            try await emsp.run {
                let partner = try await PushTests.register(emsp, with: cpo)
                // Pulled once registered (the server's first round may also have been too early).
                let deadline = ContinuousClock.now + .seconds(10)
                while try await Self.stored(cpo) != ["T1", "T2", "T3"], ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try await Self.stored(cpo) == ["T1", "T2", "T3"], "the foreign and the invalid token are refused")
                let metrics = String(decoding: cpo.server.metrics.emitToBuffer(), as: UTF8.self)
                #expect(metrics.contains(#"ocpi_token_sync_tokens_total{partner="\#(partner.id)",outcome="refused"} 2"#), "\(metrics)")
                #expect(metrics.contains(#"ocpi_token_syncs_total{partner="\#(partner.id)",outcome="ok"}"#))

                let pullsBefore = await inbox.tokenPulls.count
                await inbox.issue(Self.token("T4", at: 1_900_000_000))
                let outcome = try await TokenSync(
                    store: cpo.server.store, registry: cpo.server.registry, transport: cpo.server.transport,
                    ourParty: PartyIdentity(countryCode: "NL", partyID: "SOC"), logger: LiveServer.quietLogger
                ).sync(partnerID: partner.id)
                #expect(outcome == TokenSync.Outcome(received: 1, stored: 1, refused: 0), "only what changed since the last pull")
                let pulls = await inbox.tokenPulls.dropFirst(pullsBefore)
                #expect(pulls.count == 1 && pulls.first?.contains("date_from=20") == true, "\(pulls)")
                #expect(try await Self.stored(cpo) == ["T1", "T2", "T3", "T4"])
            }
        }
    }

    @Test func aPartnerWithoutATokensEndpointOrUnknownIsSaidSo() async throws {
        let cpo = try await CPOPeer.open()
        try await cpo.closing { () async throws in
            let sync = TokenSync(
                store: cpo.server.store, registry: cpo.server.registry, transport: cpo.server.transport,
                ourParty: PartyIdentity(countryCode: "NL", partyID: "SOC"), logger: LiveServer.quietLogger
            )
            await #expect(throws: TokenSync.Failure.self) { try await sync.sync(partnerID: "nobody") }
            try await PushTests.insertLocationsReceiver(cpo, id: "locations-only", url: "http://127.0.0.1:1/locations", partyID: "LOC")
            do {
                try await sync.sync(partnerID: "locations-only")
                Issue.record("synced a partner without a tokens endpoint")
            } catch {
                #expect("\(error)".contains("lists no tokens SENDER endpoint"))
            }
        }
    }

    /// `parties sync-tokens` and `parties policy`, as an operator runs them on the database of a
    /// running server.
    @Test func thePartiesCommandsSyncTokensAndSetPolicies() async throws {
        let databaseArgument = try TestDatabase.sqlite.makeDatabaseArgument()
        let location = StoreLocation.sqlite(path: databaseArgument)
        defer { TestDatabase.sqlite.remove(location) }
        let cpo = try await CPOPeer.open(database: location)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        await inbox.issue(Self.token("CLI-1"))
        try await cpo.run {
            try await emsp.run {
                let partner = try await PushTests.register(emsp, with: cpo)
                let sync = try await BuiltExecutable.run("ocpi-cpo", ["parties", "sync-tokens", partner.id, "--database", databaseArgument])
                #expect(sync.status == 0, "\(sync.error)")
                #expect(sync.output.contains("1 received, 1 stored, 0 refused"), "\(sync.output)")
                let unknown = try await BuiltExecutable.run("ocpi-cpo", ["parties", "sync-tokens", "nobody", "--database", databaseArgument])
                #expect(unknown.status != 0 && unknown.error.contains("no partner with id nobody"), "\(unknown.error)")

                let policy = try await BuiltExecutable.run("ocpi-cpo", ["parties", "policy", partner.id, "--reading", "lenient", "--database", databaseArgument])
                #expect(policy.status == 0 && policy.output.contains("reading lenient, writing strict"), "\(policy.output)\(policy.error)")
                let list = try await BuiltExecutable.run("ocpi-cpo", ["parties", "list", "--database", databaseArgument])
                #expect(list.output.contains("reading:lenient  writing:strict"), "\(list.output)")
                #expect(try await cpo.server.registry.partner(id: partner.id)?.readingPolicy == .lenient)
                let neither = try await BuiltExecutable.run("ocpi-cpo", ["parties", "policy", partner.id, "--database", databaseArgument])
                #expect(neither.status == 64 && neither.error.contains("give --reading, --writing or both"), "\(neither.error)")
            }
        }
    }
}
