import Foundation
import OCPI221
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// A driver presents a token at a simulated charge point: the CPO decides from the tokens eMSPs
/// pushed and each token's whitelist rule, and asks the eMSP in real time where the rule says
/// so or the token is unknown.
@Suite(.holdsResources) struct RealTimeAuthorizationTests {
    static func present(_ cpo: CPOPeer, _ uid: String, evse: String = "UTR-STATION-1") async throws -> (allowed: String?, sessionID: String?) {
        let response = try await PushTests.admin(cpo, "POST", "/simulator/locations/UTR-STATION/\(evse)/present", #"{"uid": "\#(uid)", "type": "RFID"}"#)
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        guard case .string(let allowed)? = response.envelope?["data"]?["allowed"] else { return (nil, nil) }
        if case .string(let session)? = response.envelope?["data"]?["session_id"] { return (allowed, session) }
        return (allowed, nil)
    }

    /// A CPO with quick charge points and one eMSP registered with it, for `body`.
    static func withEMSP(_ body: (CPOPeer, EMSPInbox) async throws -> Void) async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                _ = try await PushTests.register(emsp, with: cpo)
                try await body(cpo, inbox)
            }
        }
    }

    static func token(_ uid: String, whitelist: WhitelistType) -> Token {
        var token = CommandFlowTests.driver
        token.uid = uid
        token.whitelist = whitelist
        return token
    }

    @Test func anUnknownTokenIsAuthorizedByItsEMSPAndTheSessionRecordsIt() async throws {
        try await Self.withEMSP { cpo, inbox in
        await inbox.issue(Self.token("CARD-1", whitelist: .never))
        let (allowed, sessionID) = try await Self.present(cpo, "CARD-1")
        #expect(allowed == "ALLOWED")
        let id = try #require(sessionID)
        #expect(await inbox.calls.contains("POST authorize CARD-1"))
        try await CommandFlowTests.eventually("the session at the eMSP") { await inbox.sessions[id] != nil }
        let session = try #require(await inbox.sessions[id])
        #expect(session.authMethod == .authRequest)
        #expect(session.authorizationReference == "AUTH-CARD-1")
        #expect(session.cdrToken.uid == "CARD-1")

        let (refused, none) = try await Self.present(cpo, "NOBODY-KNOWS", evse: "UTR-STATION-2")
        #expect(refused == "NOT_ALLOWED")
        #expect(none == nil)
        }
    }

    /// An eMSP (DE/MSP) that answers an authorization with a token of another party (NL/OTH,
    /// or DE/OTH) is not taken at its word: the driver is NOT_ALLOWED and no session starts,
    /// none is stored under the other party and none is pushed, as a 2.3.0 eMSP's answer is
    /// treated. The answer the CPO took is valid 2.2.1 (the generated routes sent it), so only
    /// the party refuses it; the eMSP's own token still starts a session, owned by its party.
    @Test func anAnswerNamingAnotherPartysTokenStartsNoSession() async throws {
        try await Self.withEMSP { cpo, inbox in
        for (uid, country, party) in [("STOLEN-1", "NL", "OTH"), ("STOLEN-2", "DE", "OTH")] {
            var foreign = Self.token(uid, whitelist: .never)
            foreign.countryCode = country
            foreign.partyID = party
            #expect(foreign.validate().isEmpty, "\(foreign.validate())")
            await inbox.issue(foreign)
        }
        await inbox.issue(Self.token("OWN-1", whitelist: .never))

        for (uid, evse) in [("STOLEN-1", "UTR-STATION-1"), ("STOLEN-2", "UTR-STATION-2")] {
            let stolen = try await Self.present(cpo, uid, evse: evse)
            #expect(await inbox.calls.contains("POST authorize \(uid)"), "the eMSP was asked")
            #expect(stolen.allowed == "NOT_ALLOWED" && stolen.sessionID == nil, "\(uid): \(stolen)")
        }
        let owners = try await cpo.server.store.list(ObjectFilter(module: .sessions), offset: 0, limit: 10).objects.map(\.owner)
        #expect(owners.isEmpty, "no session under another party")

        let own = try await Self.present(cpo, "OWN-1", evse: "UTR-STATION-3")
        #expect(own.allowed == "ALLOWED")
        let id = try #require(own.sessionID)
        let stored = try #require(try await cpo.server.store.get(ObjectKey(module: .sessions, countryCode: "NL", partyID: "SOC", id: id)))
        #expect(stored.owner == "DE/MSP")
        try await CommandFlowTests.eventually("the session at the eMSP") { await inbox.sessions[id] != nil }
        let pushed = try #require(await inbox.sessions[id])
        #expect(pushed.validate().isEmpty && pushed.cdrToken.uid == "OWN-1", "\(pushed.validate())")
        #expect(await inbox.sessions.count == 1, "only its own session was pushed")
        }
    }

    @Test func theWhitelistRuleDecidesWhenToAskAndWhatToDoWhenTheEMSPIsAway() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            var tokenC = ""
            try await emsp.run {
                tokenC = try await PushTests.registerForToken(emsp, with: cpo)
                let tokens = TokensReceiverClient(connection: cpo.connection("tokens", token: tokenC))
                for (uid, rule) in [("ALWAYS-1", WhitelistType.always), ("OFFLINE-1", .allowedOffline), ("NEVER-1", .never)] {
                    _ = try await tokens.putToken(countryCode: "DE", partyID: "MSP", tokenUID: uid, body: Self.token(uid, whitelist: rule))
                }
                // ALWAYS: allowed from the list, the eMSP is not asked.
                let always = try await Self.present(cpo, "ALWAYS-1")
                #expect(always.allowed == "ALLOWED")
                #expect(await !inbox.calls.contains("POST authorize ALWAYS-1"))
            }
            // The eMSP is away now.
            let offline = try await Self.present(cpo, "OFFLINE-1", evse: "UTR-STATION-2")
            #expect(offline.allowed == "ALLOWED", "ALLOWED_OFFLINE: allowed when the eMSP cannot be asked")
            let never = try await Self.present(cpo, "NEVER-1", evse: "UTR-STATION-3")
            #expect(never.allowed == "NOT_ALLOWED", "NEVER: only the eMSP may say yes")
            #expect(never.sessionID == nil)
            // A token the eMSP blocked is refused locally.
            var blocked = Self.token("BLOCKED-1", whitelist: .always)
            blocked.valid = false
            _ = try await TokensReceiverClient(connection: cpo.connection("tokens", token: tokenC))
                .putToken(countryCode: "DE", partyID: "MSP", tokenUID: "BLOCKED-1", body: blocked)
            #expect(try await Self.present(cpo, "BLOCKED-1", evse: "UTR-STATION-3").allowed == "BLOCKED")
        }
    }
}
