import Foundation
import OCPI221
import OCPIAsyncHTTPClient
@testable import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import OCPITestSupport
import Testing

/// The operator's console over real HTTP: signing in, what it refuses (no cookie, no CSRF token,
/// malformed forms), what it shows (a registered eMSP whose pushes fail, with the failure and
/// its error, read from the store by any instance on it), what it does (catch-up, invite,
/// unregister), and how it escapes what it prints; and the same page as headless Chromium
/// renders it after signing in through its form.
@Suite(.holdsResources) struct ConsoleTests {
    // MARK: Helpers

    /// A request to the console: a cookie, a form body, nothing followed.
    static func request(
        _ cpo: CPOPeer, _ method: String, _ path: String, cookie: String? = nil, form: String? = nil,
        contentType: String = "application/x-www-form-urlencoded"
    ) async throws -> RawResponse {
        var headers = HTTPFields()
        if let cookie { headers.append(HTTPField(name: .cookie, value: cookie)) }
        if form != nil { headers[.contentType] = contentType }
        var transport = HTTPClientTransport(client: testClient, timeout: .seconds(30))
        transport.maximumRedirects = 0
        let response = try await transport.send(
            OCPIClientRequest(method: try httpMethod(method), url: cpo.baseURL + path, headerFields: headers, body: form.map { Array($0.utf8) })
        )
        return RawResponse(response)
    }

    /// Signs in with the admin token; the `Cookie` header value to send from then on.
    static func signIn(_ cpo: CPOPeer) async throws -> String {
        let response = try await request(cpo, "POST", "/admin/sign-in", form: "token=" + QueryString.escape(CPOPeer.adminToken))
        #expect(response.status == 303)
        let setCookie = try #require(response.headers[.setCookie])
        return String(setCookie.prefix { $0 != ";" })
    }

    /// The text between `start` and the next `end`.
    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let from = text.range(of: start), let to = text.range(of: end, range: from.upperBound..<text.endIndex) else { return nil }
        return String(text[from.upperBound..<to.lowerBound])
    }

    /// The session's CSRF token, as its page puts it in its forms.
    static func csrf(in page: String) throws -> String {
        try #require(between(page, #"name="csrf" value=""#, "\""))
    }

    /// The eMSP registers (and is pushed one change while it is up), then goes away, and a change
    /// is pushed to it in vain; returns its partner id once the store counts the failure.
    static func registerAndFail(_ emsp: EMSPPeer, with cpo: CPOPeer) async throws -> String {
        var partnerID = ""
        try await emsp.run {
            partnerID = try await PushTests.register(emsp, with: cpo).id
            #expect(try await PushTests.admin(cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-2", #"{"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}"#).status == 200)
            await cpo.server.pusher.drain()
            // Delivered, and counted in the store, before the eMSP goes away (on a busy machine
            // the stream may take a while to start).
            let started = ContinuousClock.now
            while ContinuousClock.now - started < .seconds(20) {
                let summary = try await cpo.server.store.pushSummaries(since: OCPIDateTime.now().adding(.seconds(-3600)))[partnerID]
                if (summary?.counts.delivered ?? 0) > 0 { break }
                try await Task.sleep(for: .milliseconds(100))
                await cpo.server.pusher.drain()
            }
        }
        #expect(try await PushTests.admin(cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", #"{"status": "OUTOFORDER", "last_updated": "2030-01-01T00:00:01Z"}"#).status == 200)
        await cpo.server.pusher.drain()
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(15) {
            let summary = try await cpo.server.store.pushSummaries(since: OCPIDateTime.now().adding(.seconds(-3600)))[partnerID]
            if let summary, summary.counts.failed > 0, summary.lastError != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return partnerID
    }

    // MARK: Over HTTP

    /// Two instances on one database: the failure the first counted, and the session it signed
    /// in, are the second's too.
    @Test(arguments: TestDatabase.all)
    func theConsoleShowsAFailingPartnerAndRefusesWhatIsNotSignedIn(_ database: TestDatabase) async throws {
        let location = try database.makeLocation()
        defer { database.remove(location) }
        let cpo = try await CPOPeer.open(database: location)
        let other = try await cpo.closedIfThrows { try await CPOPeer.open(database: location, demoData: false) }
        let emsp = try EMSPPeer(inbox: EMSPInbox())
        try await cpo.run {
            try await other.run {
                let partnerID = try await Self.registerAndFail(emsp, with: cpo)

                // Without the cookie: to the sign-in form.
                let anonymous = try await Self.request(cpo, "GET", "/admin")
                #expect(anonymous.status == 303)
                #expect(anonymous.headers[.location] == "/admin/sign-in")
                let form = try await Self.request(cpo, "GET", "/admin/sign-in")
                #expect(form.status == 200)
                #expect(form.text.contains(#"name="token""#))
                #expect(form.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)

                // A wrong token, a malformed form, something else than a form: refused, no cookie.
                let wrong = try await Self.request(cpo, "POST", "/admin/sign-in", form: "token=not-the-admin-token")
                #expect(wrong.status == 403)
                #expect(wrong.headers[.setCookie] == nil)
                #expect(wrong.text.contains("not the admin token"))
                for (body, status) in [("token=%zz", 400), ("token=%C3%28", 400), ("token=a&token=b", 400), ("password=x", 400)] {
                    let refused = try await Self.request(cpo, "POST", "/admin/sign-in", form: body)
                    #expect(refused.status == status, "\(body)")
                    #expect(refused.headers[.setCookie] == nil)
                }
                let json = try await Self.request(cpo, "POST", "/admin/sign-in", form: #"{"token": "admin-secret"}"#, contentType: "application/json")
                #expect(json.status == 415)
                let huge = try await Self.request(cpo, "POST", "/admin/sign-in", form: "token=" + String(repeating: "a", count: 20_000))
                #expect(huge.status == 413)

                // The right token: a session cookie, never the token itself.
                let signedIn = try await Self.request(cpo, "POST", "/admin/sign-in", form: "token=" + CPOPeer.adminToken)
                #expect(signedIn.status == 303)
                #expect(signedIn.headers[.location] == "/admin")
                let setCookie = try #require(signedIn.headers[.setCookie])
                #expect(setCookie.hasPrefix("ocpi_console="))
                for attribute in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age=43200"] {
                    #expect(setCookie.contains(attribute), "\(setCookie)")
                }
                #expect(!setCookie.contains("Secure"), "the public URL is http")
                #expect(!setCookie.contains(CPOPeer.adminToken))
                let cookie = String(setCookie.prefix { $0 != ";" })
                #expect(try await Self.request(cpo, "GET", "/admin", cookie: "ocpi_console=" + CPOPeer.adminToken).status == 303, "the admin token is no session")
                #expect(try await Self.request(cpo, "GET", "/admin", cookie: "ocpi_console=" + String(repeating: "0", count: 64)).status == 303)

                // The page, from the other instance: the session and the push statistics are in the store.
                let page = try await Self.request(other, "GET", "/admin", cookie: "theme=dark; " + cookie)
                #expect(page.status == 200)
                #expect(page.headers[.cacheControl] == "no-store")
                let row = try #require(Self.between(page.text, #"id="partner-\#(partnerID)""#, "</tr>"), "\(page.text.prefix(3000))")
                #expect(row.contains("DE/MSP"))
                #expect(row.contains("<td>EMSP</td>"))
                #expect(row.contains("<td>2.2.1</td>"))
                #expect(row.contains(#"<td class="state">registered</td>"#))
                let failed = try #require(Self.between(row, #"<td class="number failed bad">"#, "</td>").flatMap { Int($0) }, "\(row)")
                #expect(failed >= 1)
                let delivered = try #require(Self.between(row, #"<td class="number delivered">"#, "</td>").flatMap { Int($0) }, "\(row)")
                #expect(delivered >= 1, "the change pushed while the eMSP was up")
                #expect(Self.between(row, #"<td class="number backlog">"#, "</td>") == "1", "the location it missed")
                let lastError = try #require(Self.between(row, #"<span class="error">"#, "</span>"))
                #expect(lastError.hasPrefix("locations/NL/SOC/UTR-STATION: "), "\(lastError)")
                #expect(page.text.contains(#"id="count-locations">3<"#))
                #expect(page.text.contains(#"id="status-OUTOFORDER"><td>"#))
                let csrf = try Self.csrf(in: page.text)
                #expect(csrf.count == 64)
                #expect(!page.text.contains(CPOPeer.adminToken), "the page never shows the admin token")

                // A form without the CSRF token, with a wrong one, or without the cookie: refused, nothing changed.
                for (body, sentCookie) in [
                    ("partner=\(partnerID)&catch_up=off", Optional(cookie)),
                    ("partner=\(partnerID)&catch_up=off&csrf=" + String(repeating: "f", count: 64), cookie),
                    ("partner=\(partnerID)&catch_up=off&csrf=\(csrf)", nil),
                ] {
                    let refused = try await Self.request(cpo, "POST", "/admin/catch-up", cookie: sentCookie, form: body)
                    #expect(refused.status == 403, "\(body), cookie: \(sentCookie != nil)")
                    #expect(try await cpo.server.registry.partner(id: partnerID)?.catchUp == true, "nothing changed")
                }
                // With both: done, and every instance reads it.
                let switched = try await Self.request(cpo, "POST", "/admin/catch-up", cookie: cookie, form: "partner=\(partnerID)&catch_up=off&csrf=\(csrf)")
                #expect(switched.status == 303)
                #expect(try await other.server.registry.partner(id: partnerID)?.catchUp == false)
                let after = try await Self.request(cpo, "GET", "/admin", cookie: cookie)
                #expect(Self.between(after.text, #"id="partner-\#(partnerID)""#, "</tr>")?.contains(#"name="catch_up" value="on""#) == true)
                #expect(try await Self.request(cpo, "POST", "/admin/catch-up", cookie: cookie, form: "partner=nobody&catch_up=on&csrf=\(csrf)").status == 404)
                #expect(try await Self.request(cpo, "POST", "/admin/catch-up", cookie: cookie, form: "partner=\(partnerID)&catch_up=maybe&csrf=\(csrf)").status == 400)

                // An invitation: token A and the versions URL, shown once; the token is a working one.
                let invitation = try await Self.request(cpo, "POST", "/admin/invite", cookie: cookie, form: "party=fr%2Fnew&csrf=\(csrf)")
                #expect(invitation.status == 200)
                let tokenA = try #require(Self.between(invitation.text, #"<code id="token-a">"#, "</code>"))
                #expect(Self.between(invitation.text, #"<code id="versions-url">"#, "</code>") == cpo.baseURL + "/ocpi/versions")
                let invited = try #require(try await cpo.server.registry.partner(incomingToken: tokenA))
                #expect(invited.status == .invited)
                #expect(invited.reservedParty == PartyIdentity(countryCode: "FR", partyID: "NEW"))
                let taken = try await Self.request(cpo, "POST", "/admin/invite", cookie: cookie, form: "party=DE/MSP&csrf=\(csrf)")
                #expect(taken.status == 409)
                let hostile = try await Self.request(cpo, "POST", "/admin/invite", cookie: cookie, form: "party=%3Cb%3Ex&csrf=\(csrf)")
                #expect(hostile.status == 400)
                #expect(hostile.text.contains("&lt;b&gt;x"))
                #expect(!hostile.text.contains("<b>x"))

                // Unregistering: the partner is told (it is away: in vain) and forgotten here.
                let unregistered = try await Self.request(cpo, "POST", "/admin/unregister", cookie: cookie, form: "partner=\(partnerID)&csrf=\(csrf)")
                #expect(unregistered.status == 303)
                #expect(try await cpo.server.registry.partner(id: partnerID)?.status == .unregistered)
                #expect(try await Self.request(cpo, "POST", "/admin/unregister", cookie: cookie, form: "partner=\(partnerID)&csrf=\(csrf)").status == 404)

                // The JSON admin API is as it was: the bearer token opens it, the console's cookie does not.
                let patch = #"{"status": "AVAILABLE", "last_updated": "2030-01-01T00:00:02Z"}"#
                #expect(try await send("PATCH", cpo.baseURL + "/admin/2.2.1/locations/UTR-STATION/UTR-STATION-1", authorization: nil, body: patch).status == 401)
                let withCookie = try await Self.request(cpo, "PATCH", "/admin/2.2.1/locations/UTR-STATION/UTR-STATION-1", cookie: cookie, form: patch, contentType: "application/json")
                #expect(withCookie.status == 401)
                #expect(try await PushTests.admin(cpo, "PATCH", "/locations/UTR-STATION/UTR-STATION-1", patch).status == 200)

                // Signing out ends the session on every instance.
                let signedOut = try await Self.request(other, "POST", "/admin/sign-out", cookie: cookie, form: "csrf=\(csrf)")
                #expect(signedOut.status == 303)
                #expect(signedOut.headers[.location] == "/admin/sign-in")
                #expect(signedOut.headers[.setCookie]?.contains("Max-Age=0") == true)
                #expect(try await Self.request(cpo, "GET", "/admin", cookie: cookie).status == 303)
                #expect(try await Self.request(cpo, "POST", "/admin/invite", cookie: cookie, form: "csrf=\(csrf)").status == 403)

            }
        }
    }

    /// Unregistering a partner that answers: it is told (its record of us is unregistered too),
    /// and its token stops working here.
    @Test func unregisteringTellsThePartner() async throws {
        let cpo = try await CPOPeer.open()
        let emsp = try EMSPPeer(inbox: EMSPInbox())
        try await cpo.run {
            try await emsp.run {
                let partner = try await PushTests.register(emsp, with: cpo)
                let tokenC = try await PushTests.tokenC(emsp)
                #expect(try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/locations", authorization: CredentialsToken.header(for: tokenC)).status == 200)
                let cookie = try await Self.signIn(cpo)
                let csrf = try Self.csrf(in: try await Self.request(cpo, "GET", "/admin", cookie: cookie).text)
                let done = try await Self.request(cpo, "POST", "/admin/unregister", cookie: cookie, form: "partner=\(partner.id)&csrf=\(csrf)")
                #expect(done.status == 303)
                #expect(try await cpo.server.registry.partner(id: partner.id)?.status == .unregistered)
                #expect(try await emsp.registry.partners().first?.status == .unregistered, "the eMSP was told")
                #expect(try await send("GET", cpo.baseURL + "/ocpi/cpo/2.2.1/locations", authorization: CredentialsToken.header(for: tokenC)).status == 401)
                let page = try await Self.request(cpo, "GET", "/admin", cookie: cookie)
                #expect(Self.between(page.text, #"id="partner-\#(partner.id)""#, "</tr>")?.contains(#"<td class="state">unregistered</td>"#) == true)
            }
        }
    }

    /// Commands an eMSP sent, as the console lists them: our answer, the charge point's result,
    /// and whether the result reached the eMSP.
    @Test func theConsoleListsCommandsWithTheirResults() async throws {
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast)
        let inbox = EMSPInbox()
        let emsp = try EMSPPeer(inbox: inbox)
        try await cpo.run {
            try await emsp.run {
                let token = try await PushTests.registerForToken(emsp, with: cpo)
                let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: token))
                let start = StartSession(
                    responseURL: CommandFlowTests.resultURL(emsp, "start-1"), token: CommandFlowTests.driver, locationID: "UTR-STATION", evseUID: "UTR-STATION-1"
                )
                #expect(try await commands.postStartSession(body: start).result == .accepted)
                #expect(try await CommandFlowTests.commandResult(inbox, "start-1") == .accepted)
                var foreign = CommandFlowTests.driver
                foreign.countryCode = "FR"
                foreign.partyID = "OTH"
                let refused = StartSession(
                    responseURL: CommandFlowTests.resultURL(emsp, "start-2"), token: foreign, locationID: "UTR-STATION", evseUID: "UTR-STATION-2"
                )
                #expect(try await commands.postStartSession(body: refused).result == .rejected)
                let stop = StopSession(responseURL: CommandFlowTests.resultURL(emsp, "stop-1"), sessionID: "NO-SUCH-SESSION")
                #expect(try await commands.postStopSession(body: stop).result == .unknownSession)
                try await CommandFlowTests.eventually("the result kept") {
                    try await cpo.server.store.recentCommands(limit: 10).contains { $0.result == "ACCEPTED" && $0.delivery == "posted" }
                }

                let cookie = try await Self.signIn(cpo)
                let page = try await Self.request(cpo, "GET", "/admin", cookie: cookie)
                let rows = Array(page.text.components(separatedBy: #"<tr class="command">"#).dropFirst())
                #expect(rows.count == 3, "\(rows)")
                let newest = try #require(rows.first)
                #expect(newest.contains("<code>STOP_SESSION</code>"))
                #expect(newest.contains("session NO-SUCH-SESSION"))
                #expect(newest.contains(#"<span class="status">UNKNOWN_SESSION</span>"#))
                #expect(rows.dropFirst().first?.contains(#"<span class="status">REJECTED</span>"#) == true)
                let first = try #require(rows.last)
                #expect(first.contains("<code>START_SESSION</code>"))
                #expect(first.contains("<td>DE/MSP</td>"))
                #expect(first.contains("<td>UTR-STATION/UTR-STATION-1</td>"))
                #expect(first.contains(#"<td><span class="status">ACCEPTED</span></td><td><span class="status">ACCEPTED</span> <span class="muted">"#), "\(first)")
                #expect(first.contains("<td>yes</td>"), "the result reached the eMSP")
            }
        }
    }

    /// The EVSE list: filtered by status, 25 a page, and the links to the next and previous
    /// pages keep the filter.
    @Test func theEVSEListIsFilteredAndPaged() async throws {
        let cpo = try await CPOPeer.open()
        try await cpo.run {
            var location = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: .now())[0]
            location.id = "PAGED"
            location.evses = (1...40).map { number in
                var evse = location.evses[0]
                evse.uid = "PAGED-\(number)"
                evse.evseID = nil
                evse.status = number % 4 == 0 ? .charging : .available
                return evse
            }
            #expect(try await PushTests.admin(cpo, "PUT", "/locations/PAGED", ModuleTests.json(location)).status == 201)
            let cookie = try await Self.signIn(cpo)
            // 8 demo EVSEs and 30 of these are AVAILABLE: two pages.
            let first = try await Self.request(cpo, "GET", "/admin?status=AVAILABLE", cookie: cookie)
            #expect(first.text.contains("Page 1 of 2 (38 EVSEs)"))
            #expect(first.text.components(separatedBy: #"<tr class="evse">"#).count - 1 == 25)
            #expect(first.text.contains(#"<a rel="next" href="/admin?status=AVAILABLE&amp;page=2#evses">"#))
            #expect(!first.text.contains(#"rel="prev""#))
            #expect(first.text.contains(#"<option value="AVAILABLE" selected>"#))
            let second = try await Self.request(cpo, "GET", "/admin?status=AVAILABLE&page=2", cookie: cookie)
            #expect(second.text.contains("Page 2 of 2 (38 EVSEs)"))
            #expect(second.text.components(separatedBy: #"<tr class="evse">"#).count - 1 == 13)
            #expect(second.text.contains(#"<a rel="prev" href="/admin?status=AVAILABLE&amp;page=1#evses">"#))
            #expect(!second.text.contains(#">CHARGING</span></td><td>"#), "no EVSE of another status")
            let charging = try await Self.request(cpo, "GET", "/admin?status=CHARGING", cookie: cookie)
            #expect(charging.text.contains("Page 1 of 1 (10 EVSEs)"))
            #expect(charging.text.components(separatedBy: #">CHARGING</span></td><td>"#).count - 1 == 10)
            #expect(charging.text.contains(#"<tr id="status-CHARGING"><td>"#))
            #expect(charging.text.contains(#"id="count-evses">48<"#))
            #expect(charging.text.contains(#"id="count-locations">4<"#))
            let blocked = try await Self.request(cpo, "GET", "/admin?status=BLOCKED", cookie: cookie)
            #expect(blocked.text.contains("No EVSE with this status."))
        }
    }

    /// Values from partners and from the operator's own data are printed escaped: a location
    /// named `<script>`, a partner whose business name is markup, a query with markup.
    @Test func hostileValuesArePrintedAsText() async throws {
        let cpo = try await CPOPeer.open()
        try await cpo.run {
            var location = DemoData.locations(for: PartyIdentity(countryCode: "NL", partyID: "SOC"), at: .now())[0]
            location.id = "HOSTILE"
            location.name = #"<script>alert("name")</script>"#
            location.address = #""><img src=x onerror=alert(1)>"#
            #expect(try await PushTests.admin(cpo, "PUT", "/locations/HOSTILE", ModuleTests.json(location)).status == 201)
            try await cpo.server.registry.insert(PartnerRecord(
                id: #"p"><svg onload=alert(2)>"#, status: .registered, incomingToken: TokenGenerator.make(), outgoingToken: "x", version: "2.2.1",
                roles: [.init(role: .emsp, countryCode: "FR", partyID: "EVL", businessName: "</td><script>alert('b')</script>")]
            ))
            let cookie = try await Self.signIn(cpo)
            let page = try await Self.request(cpo, "GET", "/admin?status=AVAILABLE&page=1", cookie: cookie)
            #expect(page.status == 200)
            #expect(!page.text.contains("<script"), "no script element, whatever the data")
            #expect(!page.text.contains("<img"))
            #expect(!page.text.contains("<svg"))
            #expect(page.text.contains("&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;"))
            #expect(page.text.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
            #expect(page.text.contains("&lt;/td&gt;&lt;script&gt;alert(&#39;b&#39;)&lt;/script&gt;"))
            #expect(page.text.contains(#"id="partner-p&quot;&gt;&lt;svg onload=alert(2)&gt;""#))

            for query in ["status=%3Cscript%3E", "page=0", "page=abc", "page=99999999999999999999", "status=%ZZ", "evil=1", "status=A&status=B"] {
                let refused = try await Self.request(cpo, "GET", "/admin?" + query, cookie: cookie)
                #expect(refused.status == 400, "\(query)")
                #expect(!refused.text.contains("<script"), "\(query)")
            }
            // A page past the last shows the last.
            #expect(try await Self.request(cpo, "GET", "/admin?page=500", cookie: cookie).text.contains("Page 1 of 1"))
        }
    }

    /// Behind a public URL on https with a prefix (a proxy that forwards `/cpo/...`), the cookie
    /// is Secure and every link, redirect and cookie path keeps the prefix.
    @Test func behindHTTPSTheCookieIsSecureAndPathsKeepThePrefix() async throws {
        let configuration = CPOConfiguration(
            port: 1, publicURL: "https://ocpi.example.com/cpo", database: .memory, adminToken: "t0ken", demoData: false
        )
        let server = try await CPOServer.open(configuration, logger: LiveServer.quietLogger)
        do {
            let router = server.router(logger: LiveServer.quietLogger)
            let anonymous = await router.respond(to: HTTPServerRequest(method: .get, target: "/admin"))
            #expect(anonymous.status == 303)
            #expect(anonymous.headers[.location] == "/cpo/admin/sign-in")
            let form = await router.respond(to: HTTPServerRequest(method: .get, target: "/admin/sign-in"))
            #expect(String(decoding: form.body, as: UTF8.self).contains(#"action="/cpo/admin/sign-in""#))
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded; charset=UTF-8"]
            let signedIn = await router.respond(
                to: HTTPServerRequest(method: .post, target: "/admin/sign-in", headerFields: headers, body: Array("token=t0ken".utf8))
            )
            #expect(signedIn.status == 303)
            #expect(signedIn.headers[.location] == "/cpo/admin")
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.hasSuffix("; Secure"), "\(cookie)")
            #expect(cookie.contains("; Path=/cpo/admin;"), "\(cookie)")
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test func theEscapingFunctionLeavesNoMarkup() {
        let hostile = [
            #"<script>alert(1)</script>"#, #"" onmouseover="alert(1)"#, "' onfocus='alert(1)", "&lt;already&gt;", "a\u{0}b\u{1B}[31mc\u{7F}",
            "<!--", "]]>", "</textarea>", "\u{202E}evil", "<<script>script>",
        ]
        for text in hostile {
            let escaped = ConsoleHTML.escape(text)
            for forbidden in ["<", ">", "\"", "'", "\u{0}", "\u{1B}", "\u{7F}"] {
                #expect(!escaped.contains(forbidden), "\(text) → \(escaped)")
            }
        }
        #expect(ConsoleHTML.escape(#"<a href="x">Tom & 'Jerry'</a>"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(ConsoleHTML.escape("&amp;") == "&amp;amp;", "escaped again, never taken as markup")
        #expect(ConsoleHTML.escape("Zoë\tline\nnext") == "Zoë\tline\nnext")
    }

    @Test func formsAreReadStrictly() throws {
        let form = try ConsoleForm(Array("token=a%2Bb+c%20d&party=DE%2FMSP&empty=".utf8), allowed: ["token", "party", "empty"])
        #expect(form["token"] == "a+b c d")
        #expect(form["party"] == "DE/MSP")
        #expect(form["empty"] == "")
        #expect(try ConsoleForm(Array("&&token=x&".utf8), allowed: ["token"])["token"] == "x")
        #expect(try ConsoleForm(Array("name=%E2%9C%93".utf8), allowed: ["name"])["name"] == "✓")
        let refused: [[UInt8]] = [
            Array("token=%".utf8), Array("token=%4".utf8), Array("token=%G0".utf8), Array("token=%FF".utf8), Array("token=%C3%28".utf8),
            Array("token=a&token=b".utf8), Array("other=1".utf8), Array("tok%65n=%".utf8),
            [0x74, 0x6F, 0x6B, 0x65, 0x6E, 0x3D, 0xFF, 0xFE],
            Array(String(repeating: "token=1&", count: 17).utf8),
            Array(("token=" + String(repeating: "x", count: ConsoleForm.maximumSize)).utf8),
        ]
        for bytes in refused {
            #expect(throws: ConsoleForm.Malformed.self, "\(String(decoding: bytes.prefix(40), as: UTF8.self))") {
                try ConsoleForm(bytes, allowed: ["token"])
            }
        }
        #expect(QueryString.escape("a b/c&d=é") == "a%20b%2Fc%26d%3D%C3%A9")
        #expect(OperatorConsole.prefix(of: "https://ocpi.example.com/cpo/") == "/cpo")
        #expect(OperatorConsole.prefix(of: "http://127.0.0.1:8080") == "")
    }

    // MARK: In Chromium

    /// Where the screenshot goes: `OCPI_CONSOLE_SCREENSHOT`, or the temporary folder.
    static var screenshotFile: URL {
        if let path = ProcessInfo.processInfo.environment["OCPI_CONSOLE_SCREENSHOT"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-console.png")
    }

    /// After an eMSP registers and a push to it fails, Chromium signs in through the form and
    /// shows the console with that partner, its failure and its error; the browser keeps the
    /// cookie out of scripts' reach (HttpOnly) and same-site only; a screenshot is written.
    @Test(.enabled(if: HeadlessChromium.browser != nil || HeadlessChromium.onCI, "chromium is not installed and CI is not set"))
    func chromiumShowsTheConsoleAfterAPushFails() async throws {
        let browser = try #require(HeadlessChromium.browser, "chromium is not installed (apt-get install chromium)")
        let cpo = try await CPOPeer.open(simulator: CommandFlowTests.fast)
        let emsp = try EMSPPeer(inbox: EMSPInbox())
        try await cpo.run {
            let partnerID = try await Self.registerAndFail(emsp, with: cpo)
            // A command from the eMSP, whose result cannot reach it (it is away).
            let commands = CommandsReceiverClient(connection: cpo.connection("commands", token: try await PushTests.tokenC(emsp)))
            let start = StartSession(
                responseURL: CommandFlowTests.resultURL(emsp, "start-1"), token: CommandFlowTests.driver, locationID: "UTR-MALIEBAAN", evseUID: "UTR-MALIEBAAN-1"
            )
            #expect(try await commands.postStartSession(body: start).result == .accepted)
            try await CommandFlowTests.eventually("the result kept") { try await cpo.server.store.recentCommands(limit: 1).first?.delivery == "failed" }
            #expect(try await PushTests.admin(cpo, "PUT", "/sessions/S-1001", ModuleTests.json(ModuleTests.session("S-1001", for: "DE", "MSP", kwh: 12))).status == 201)
            #expect(try await PushTests.admin(cpo, "POST", "/cdrs", ModuleTests.json(ModuleTests.cdr("CDR-2001", for: "DE", "MSP"))).status == 201)
            await cpo.server.pusher.drain()

            let visit = try await HeadlessChromium.signInAndRead(browser, signInURL: cpo.baseURL + "/admin/sign-in", token: CPOPeer.adminToken)
            #expect(visit.url == cpo.baseURL + "/admin")
            let row = try #require(Self.between(visit.dom, #"id="partner-\#(partnerID)""#, "</tr>"), "\(visit.dom.prefix(2000))")
            #expect(row.contains("DE/MSP"))
            #expect(row.contains("registered"))
            let failed = try #require(Self.between(row, #"<td class="number failed bad">"#, "</td>").flatMap { Int($0) }, "\(row)")
            #expect(failed >= 1)
            #expect(Self.between(row, #"<span class="error">"#, "</span>")?.hasPrefix("locations/NL/SOC/UTR-STATION: ") == true, "\(row)")
            #expect(visit.dom.contains("S-1001"))
            #expect(visit.dom.contains("CDR-2001"))
            #expect(visit.dom.contains("<code>START_SESSION</code>"))
            #expect(visit.scriptCookies == "", "scripts cannot read the session cookie")
            #expect(visit.cookie?.httpOnly == true)
            #expect(visit.cookie?.sameSite == "Strict")
            #expect(visit.cookie?.path == "/admin")
            #expect(visit.screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
            let file = Self.screenshotFile
            try visit.screenshot.write(to: file)
            #expect(FileManager.default.fileExists(atPath: file.path))
        }
    }
}
