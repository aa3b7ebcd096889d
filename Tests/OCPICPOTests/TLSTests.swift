import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import OCPI221
import OCPIAsyncHTTPClient
import OCPICPO
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPITestSupport
import Testing

/// HTTPS without a proxy: the CPO and its partner each with a certificate of their own, made in
/// the test by an authority of its own, registration and pushes over TLS, mutual TLS, and a
/// certificate renewed while the server runs.
@Suite(.holdsResources) struct TLSTests {
    static func serverTLS(_ issued: TestCertificates.Issued, clientAuthority: String? = nil) throws -> ServerTLS {
        try ServerTLS(.init(certificateChain: issued.certificate, privateKey: issued.privateKey, clientCertificateAuthorities: clientAuthority))
    }

    /// A client of its own (shut down by the caller) that trusts `authority` and presents
    /// `certificate` when one is given.
    static func client(trusting authority: String, presenting certificate: TestCertificates.Issued? = nil) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.file(authority)]
        if let certificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.privateKey, format: .pem))
        }
        var configuration = HTTPClientTransport.clientConfiguration
        configuration.tlsConfiguration = tls
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Whether a new client trusting `authority` (and presenting `certificate`) gets 200 from
    /// `url`; a new client each time, since a pooled connection keeps the certificate it was
    /// opened with.
    static func answers(_ url: String, trusting authority: String, presenting certificate: TestCertificates.Issued? = nil) async -> Bool {
        guard let client = try? Self.client(trusting: authority, presenting: certificate) else { return false }
        let status = try? await Self.get(url, with: client).status
        try? await client.shutdown()
        return status == 200
    }

    static func get(_ url: String, with client: HTTPClient) async throws -> OCPIClientResponse {
        try await HTTPClientTransport(client: client, timeout: .seconds(10)).send(OCPIClientRequest(method: .get, url: url))
    }

    @Test func aPartnerRegistersReadsAndIsPushedToOverHTTPS() async throws {
        let cpoAuthority = try await TestCertificates.authority("cpo")
        let emspAuthority = try await TestCertificates.authority("emsp")
        defer {
            cpoAuthority.remove()
            emspAuthority.remove()
        }
        // Each side trusts the other's authority, and nothing else of the kind.
        let cpoTransport = try HTTPClientTransport(trustingAlso: emspAuthority.authority, timeout: .seconds(10))
        let emspTransport = try HTTPClientTransport(trustingAlso: cpoAuthority.authority, timeout: .seconds(10))
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox, tls: Self.serverTLS(try await emspAuthority.issue("emsp")), transport: emspTransport)
        // Opened last: nothing that can throw stands between it and `run`, which closes it.
        let cpo = try await CPOPeer.open(tls: Self.serverTLS(try await cpoAuthority.issue("cpo")), transport: cpoTransport)
        #expect(cpo.server.profile.versionsURL.hasPrefix("https://127.0.0.1:"), "the public URL says https")
        #expect(emsp.profile.publicURL.hasPrefix("https://"))

        try await cpo.run {
            try await emsp.run {
                let token = try await PushTests.registerForToken(emsp, with: cpo)
                let partner = try #require(try await cpo.server.registry.partners().first { $0.status == .registered })
                #expect(partner.endpoints.allSatisfy { $0.url.hasPrefix("https://") }, "the eMSP's endpoints, as it published them")

                // The eMSP reads over HTTPS.
                let locations = LocationsSenderClient(connection: OCPIConnection(
                    transport: emspTransport, endpointURL: "\(cpo.baseURL)/ocpi/cpo/2.2.1/locations", token: token
                ))
                let read = try await locations.getLocations().collect()
                #expect(!read.isEmpty)

                // The operator changes an EVSE (over HTTPS too); the change is pushed to the eMSP's HTTPS.
                let location = try #require(read.first)
                let evse = try #require(location.evses.first)
                let patch = #"{"status":"OUTOFORDER","last_updated":"\#(OCPIDateTime.now())"}"#
                let answer = try await emspTransport.send(OCPIClientRequest(
                    method: .patch, url: "\(cpo.baseURL)/admin/2.2.1/locations/\(location.id)/\(evse.uid)",
                    headerFields: [.authorization: "Bearer \(CPOPeer.adminToken)", .contentType: "application/json"],
                    body: Array(patch.utf8)
                ))
                #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
                // (The eMSP registered after the location was written: it refuses the PATCH of an
                // unknown location, and the CPO then PUTs the whole of it.)
                try await CommandFlowTests.eventually("the EVSE pushed over HTTPS") {
                    await inbox.locations[location.id]?.evses.first { $0.uid == evse.uid }?.status == .outoforder
                }
                #expect(await inbox.calls.contains("PATCH evse \(location.id)/\(evse.uid)"))

                // A client that does not trust the CPO's authority gets no answer: the certificate is checked.
                await #expect(throws: (any Error).self) {
                    _ = try await HTTPClientTransport(timeout: .seconds(10)).send(OCPIClientRequest(method: .get, url: cpo.server.profile.versionsURL))
                }
                // Nor does plain HTTP on the HTTPS port.
                let plain = try? await send("GET", cpo.baseURL.replacingOccurrences(of: "https://", with: "http://") + "/health", authorization: nil)
                #expect(plain == nil || plain?.status != 200)
            }
        }
    }

    @Test func mutualTLSRefusesAClientWithoutACertificateOfTheAuthority() async throws {
        let serverAuthority = try await TestCertificates.authority("server")
        let clientAuthority = try await TestCertificates.authority("clients")
        let otherAuthority = try await TestCertificates.authority("other")
        defer {
            for authority in [serverAuthority, clientAuthority, otherAuthority] { authority.remove() }
        }
        let tls = try Self.serverTLS(try await serverAuthority.issue("cpo"), clientAuthority: clientAuthority.authority)
        let member = try await clientAuthority.issue("hub")
        let stranger = try await otherAuthority.issue("stranger")
        let cpo = try await CPOPeer.open(demoData: false, tls: tls)
        try await cpo.run {
            let health = "\(cpo.baseURL)/health"
            #expect(await !Self.answers(health, trusting: serverAuthority.authority), "no client certificate")
            #expect(await !Self.answers(health, trusting: serverAuthority.authority, presenting: stranger), "a certificate of another authority")
            #expect(await Self.answers(health, trusting: serverAuthority.authority, presenting: member))
        }
    }

    @Test func aRenewedCertificateIsServedAfterAReloadAndABrokenOneIsNot() async throws {
        let first = try await TestCertificates.authority("first")
        let second = try await TestCertificates.authority("second")
        defer {
            first.remove()
            second.remove()
        }
        let issued = try await first.issue("cpo")
        let tls = try Self.serverTLS(issued)
        let cpo = try await CPOPeer.open(demoData: false, tls: tls)
        try await cpo.run {
            let health = "\(cpo.baseURL)/health"
            func answers(trusting authority: String) async -> Bool { await Self.answers(health, trusting: authority) }
            #expect(await answers(trusting: first.authority))
            #expect(await !answers(trusting: second.authority))

            // The renewal (here from another authority) is written over the same files.
            let renewed = try await second.issue("renewed")
            try FileManager.default.removeItem(atPath: issued.certificate)
            try FileManager.default.removeItem(atPath: issued.privateKey)
            try FileManager.default.copyItem(atPath: renewed.certificate, toPath: issued.certificate)
            try FileManager.default.copyItem(atPath: renewed.privateKey, toPath: issued.privateKey)
            #expect(await answers(trusting: first.authority), "nothing changes before the reload")
            try tls.reload()
            #expect(await answers(trusting: second.authority))
            #expect(await !answers(trusting: first.authority))

            // A renewal half-written is refused and the current certificate stays.
            try Data("-----BEGIN CERTIFICATE-----\nbroken\n".utf8).write(to: URL(fileURLWithPath: issued.certificate))
            #expect(throws: ServerTLS.LoadError.self) { try tls.reload() }
            #expect(await answers(trusting: second.authority))
        }
    }

    @Test func serveTakesTheTLSFlagsAndReloadsOnSIGHUP() async throws {
        let first = try await TestCertificates.authority("serve-first")
        let second = try await TestCertificates.authority("serve-second")
        defer {
            first.remove()
            second.remove()
        }
        let issued = try await first.issue("serve")
        let port = try LiveServer.freePort()
        let server = try RunningCommand("ocpi-cpo", [
            "serve", "--database", ":memory:", "--port", "\(port)", "--admin-token", "admin", "--no-demo-data",
            "--tls-certificate", issued.certificate, "--tls-private-key", issued.privateKey,
        ])
        try await server.waitForOutput(containing: "admin token")
        #expect(server.standardOutput.contains("listening on      https://127.0.0.1:\(port)"), "\(server.standardOutput)")
        #expect(try ServeCommandTests.banner(server.standardOutput, "versions URL") == "https://127.0.0.1:\(port)/ocpi/versions")
        let health = "https://127.0.0.1:\(port)/health"
        func answers(trusting authority: String) async -> Bool { await Self.answers(health, trusting: authority) }
        #expect(await answers(trusting: first.authority))

        let renewed = try await second.issue("renewed")
        try FileManager.default.removeItem(atPath: issued.certificate)
        try FileManager.default.removeItem(atPath: issued.privateKey)
        try FileManager.default.copyItem(atPath: renewed.certificate, toPath: issued.certificate)
        try FileManager.default.copyItem(atPath: renewed.privateKey, toPath: issued.privateKey)
        kill(server.processIdentifier, SIGHUP)
        try await CommandFlowTests.eventually("the renewed certificate served") { await answers(trusting: second.authority) }
        #expect(server.isRunning, "SIGHUP reloads, it does not stop the server")
        #expect(try await server.stop(signal: SIGTERM) == 0, "\(server.standardError)")
    }

    /// The handshake is read under the same bounds as a request: a client that opens a
    /// connection and never finishes its handshake (or sends half a ClientHello, or plain HTTP)
    /// is closed after the idle timeout, and the server goes on answering.
    @Test func aHandshakeThatNeverEndsIsClosed() async throws {
        let authority = try await TestCertificates.authority("stall")
        defer { authority.remove() }
        let tls = try Self.serverTLS(try await authority.issue("server"))
        var router = HTTPRouter(logger: LiveServer.quietLogger)
        router.get("/health") { _, _ in HTTPServerResponse(status: 200, contentType: "text/plain", body: Array("ok".utf8)) }
        let port = try LiveServer.freePort()
        try await LiveServer.run(serving: { running in
            OCPIHTTPServer(
                router: router, configuration: .init(port: port, idleTimeout: .seconds(1), readTimeout: .seconds(1), tls: tls),
                logger: LiveServer.serverLogger, onServerRunning: { _ in running() }
            )
        }, port: port) {
            let silent = try RawHTTPConnection(port: port)
            let halfHello = try RawHTTPConnection(port: port)
            halfHello.send("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}")
            let plain = try RawHTTPConnection(port: port)
            plain.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await silent.waitForClose(), "no handshake")
            #expect(await halfHello.waitForClose(), "half a ClientHello")
            #expect(await plain.waitForClose(), "plain HTTP")
            #expect(await Self.answers("https://127.0.0.1:\(port)/health", trusting: authority.authority))
        }
    }

    /// `ocpi-check` against a CPO on HTTPS with a private authority: it passes when told to
    /// trust the authority, and cannot run when not.
    @Test func ocpiCheckReachesAPartnerOfAPrivateAuthority() async throws {
        let authority = try await TestCertificates.authority("check")
        defer { authority.remove() }
        let emsp = try EMSPPeer(transport: try HTTPClientTransport(trustingAlso: authority.authority, timeout: .seconds(10)))
        let cpo = try await CPOPeer.open(tls: Self.serverTLS(try await authority.issue("cpo")))
        try await cpo.run {
            try await emsp.run {
                let token = try await PushTests.registerForToken(emsp, with: cpo)
                let versionsURL = cpo.server.profile.versionsURL
                let trusted = try await BuiltExecutable.run("ocpi-check", [versionsURL, "--token", token, "--tls-ca-bundle", authority.authority])
                #expect(trusted.status == 0, "\(trusted.output)\n\(trusted.error)")
                #expect(trusted.output.contains("0 failed"), "\(trusted.output)")
                let untrusted = try await BuiltExecutable.run("ocpi-check", [versionsURL, "--token", token])
                #expect(untrusted.status == 2, "the certificate is not trusted: the run cannot be completed\n\(untrusted.output)")
                let missing = try await BuiltExecutable.run("ocpi-check", [versionsURL, "--token", token, "--tls-ca-bundle", "/nowhere/ca.pem"])
                #expect(missing.status == 2)
                #expect(missing.error.contains("/nowhere/ca.pem"), "\(missing.error)")
            }
        }
    }

    /// What the issue asks of a clean clone: `ocpi-cpo serve` on HTTPS, a partner on HTTPS
    /// with its own authority (which `--tls-ca-bundle` makes the server trust), registration,
    /// reads and a push, every call over TLS.
    @Test func aPartnerRegistersWithServeAndExchangesDataOverHTTPS() async throws {
        let cpoAuthority = try await TestCertificates.authority("serve-cpo")
        let emspAuthority = try await TestCertificates.authority("serve-emsp")
        defer {
            cpoAuthority.remove()
            emspAuthority.remove()
        }
        let issued = try await cpoAuthority.issue("serve")
        let port = try LiveServer.freePort()
        let server = try RunningCommand("ocpi-cpo", [
            "serve", "--database", ":memory:", "--port", "\(port)", "--admin-token", "admin",
            "--tls-certificate", issued.certificate, "--tls-private-key", issued.privateKey, "--tls-ca-bundle", emspAuthority.authority,
        ])
        try await server.waitForOutput(containing: "admin token")
        let versionsURL = try ServeCommandTests.banner(server.standardOutput, "versions URL")
        let tokenA = try ServeCommandTests.banner(server.standardOutput, "token A")
        let emspTransport = try HTTPClientTransport(trustingAlso: cpoAuthority.authority, timeout: .seconds(10))
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox, tls: Self.serverTLS(try await emspAuthority.issue("emsp")), transport: emspTransport)
        try await emsp.run {
            let partner = try await emsp.credentials.register(versionsURL: versionsURL, tokenA: tokenA)
            let tokenC = try #require(partner.outgoingToken)
            let locations = LocationsSenderClient(connection: OCPIConnection(
                transport: emspTransport, endpointURL: "https://127.0.0.1:\(port)/ocpi/cpo/2.2.1/locations", token: tokenC
            ))
            let location = try #require(try await locations.getLocations().collect().first)
            let evse = try #require(location.evses.first)
            let patch = #"{"status":"BLOCKED","last_updated":"\#(OCPIDateTime.now())"}"#
            let answer = try await emspTransport.send(OCPIClientRequest(
                method: .patch, url: "https://127.0.0.1:\(port)/admin/2.2.1/locations/\(location.id)/\(evse.uid)",
                headerFields: [.authorization: "Bearer admin", .contentType: "application/json"],
                body: Array(patch.utf8)
            ))
            #expect(answer.status == 200)
            try await CommandFlowTests.eventually("the change pushed to the eMSP over HTTPS") {
                await inbox.locations[location.id]?.evses.first { $0.uid == evse.uid }?.status == .blocked
            }
        }
        #expect(try await server.stop(signal: SIGTERM) == 0, "\(server.standardError)")
    }

    @Test func badTLSFlagsAreRefusedWithAMessage() async throws {
        let alone = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--database", ":memory:", "--tls-certificate", "/nowhere/cert.pem"])
        #expect(alone.status != 0)
        #expect(alone.error.contains("--tls-certificate and --tls-private-key go together"), "\(alone.error)")
        let missing = try await BuiltExecutable.run("ocpi-cpo", [
            "serve", "--database", ":memory:", "--tls-certificate", "/nowhere/cert.pem", "--tls-private-key", "/nowhere/key.pem",
        ])
        #expect(missing.status != 0)
        #expect(missing.error.contains("cannot read the TLS certificate chain in /nowhere/cert.pem"), "\(missing.error)")
        let clientCA = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--database", ":memory:", "--tls-client-ca", "/nowhere/ca.pem"])
        #expect(clientCA.error.contains("--tls-client-ca needs --tls-certificate"), "\(clientCA.error)")
        let bundle = try await BuiltExecutable.run("ocpi-cpo", ["serve", "--database", ":memory:", "--tls-ca-bundle", "/nowhere/ca.pem"])
        #expect(bundle.status != 0)
        #expect(bundle.error.contains("cannot read the certificate authorities in /nowhere/ca.pem"), "\(bundle.error)")
    }
}
