import Foundation
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// How a partner writes its credentials token is known from the release of the module it calls
/// (2.1.1 as it is, 2.2.1 in base64) and from its own setting (`parties token-encoding`), never
/// guessed from whether the token happens to decode.
@Suite(.holdsResources) struct TokenFormTests {
    /// 64 hex digits, as `TokenGenerator` makes them: valid base64 too.
    static let hexToken = String(repeating: "0123456789abcdef", count: 4)

    static func status(_ cpo: CPOPeer, _ path: String, _ header: String) async throws -> Int {
        try await send("GET", cpo.baseURL + path, authorization: header).status
    }

    @Test func eachReleaseTakesItsOwnFormAndAPartnerSetToRawIsTakenAsItIs() async throws {
        let databaseArgument = try TestDatabase.sqlite.makeDatabaseArgument()
        let location = StoreLocation.sqlite(path: databaseArgument)
        defer { TestDatabase.sqlite.remove(location) }
        let cpo = try await CPOPeer.open(database: location, releases: [.v2_1_1, .v2_2_1])
        try await cpo.run {
            try await cpo.server.registry.insert(PartnerRecord(
                id: "emsp-221", status: .registered, incomingToken: Self.hexToken, version: "2.2.1",
                roles: [.init(role: .emsp, countryCode: "DE", partyID: "NEW")]
            ))
            try await cpo.server.registry.insert(PartnerRecord(
                id: "emsp-211", status: .registered, incomingToken: "token-of-a-2.1.1-partner", version: "2.1.1",
                roles: [.init(role: .emsp, countryCode: "DE", partyID: "OLD")], tokenEncoding: .raw
            ))
            let base64 = CredentialsToken.header(for: Self.hexToken, encoding: .base64)
            let raw = CredentialsToken.header(for: Self.hexToken, encoding: .raw)
            #expect(Data(base64Encoded: Self.hexToken) != nil, "the token decodes as base64: no guessing tells its form")

            // A 2.2.1 partner: base64 on 2.2.1's modules; as it is, refused there.
            #expect(try await Self.status(cpo, "/ocpi/cpo/2.2.1/locations", base64) == 200)
            #expect(try await Self.status(cpo, "/ocpi/cpo/2.2.1/locations", raw) == 401)
            // The versions and credentials modules take either form (registration, upgrades).
            #expect(try await Self.status(cpo, "/ocpi/versions", raw) == 200)
            #expect(try await Self.status(cpo, "/ocpi/2.2.1", raw) == 200)
            #expect(try await Self.status(cpo, "/ocpi/cpo/2.2.1/credentials", raw) == 200)

            // A 2.1.1 partner: as it is on 2.1.1's modules; in base64, refused there.
            let old211 = CredentialsToken.header(for: "token-of-a-2.1.1-partner", encoding: .raw)
            let old211Encoded = CredentialsToken.header(for: "token-of-a-2.1.1-partner", encoding: .base64)
            #expect(try await Self.status(cpo, "/ocpi/cpo/2.1.1/locations", old211) == 200)
            #expect(try await Self.status(cpo, "/ocpi/cpo/2.1.1/locations", old211Encoded) == 401)

            // A known token in the wrong form is told which form the release takes; an unknown
            // one only that it is unknown.
            let wrongForm211 = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.1.1/locations", authorization: old211Encoded)
            #expect(wrongForm211.statusCode == 2000 && wrongForm211.text.contains("as it is, not base64-encoded"), "\(wrongForm211.text)")
            let wrongForm221 = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/locations", authorization: raw)
            #expect(wrongForm221.text.contains("base64-encoded (Token <base64 of the token>)"), "\(wrongForm221.text)")
            let unknown = try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/locations", authorization: CredentialsToken.header(for: "nobody", encoding: .base64))
            #expect(unknown.status == 401 && unknown.text.contains("Unknown or malformed credentials token"), "\(unknown.text)")

            // The operator sets the 2.2.1 partner to raw (a platform that never encodes): its
            // token as it is is taken on 2.2.1 too, and base64 still is.
            let set = try await BuiltExecutable.run("ocpi-cpo", ["parties", "token-encoding", "emsp-221", "--raw", "--database", databaseArgument])
            #expect(set.status == 0 && set.output.contains("emsp-221: token raw"), "\(set.output)\(set.error)")
            #expect(try await cpo.server.registry.partner(id: "emsp-221")?.tokenEncoding == .raw)
            // (The server reads a partner written by another process within a second.)
            try await CommandFlowTests.eventually("the raw token taken on 2.2.1") {
                (try? await Self.status(cpo, "/ocpi/cpo/2.2.1/locations", raw)) == 200
            }
            #expect(try await Self.status(cpo, "/ocpi/cpo/2.2.1/locations", base64) == 200)
        }
    }
}
