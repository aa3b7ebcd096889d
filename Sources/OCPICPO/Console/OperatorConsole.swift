import Foundation
import Logging
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPIStore

/// The operator's console: server-rendered HTML at `/admin`, behind the admin token, that shows
/// the partners (their pushes, backlog and last error) and the network, and does what `ocpi-cpo
/// parties` does for them (invite, catch-up, unregister).
///
/// - Signing in (`/admin/sign-in`) with the admin token starts a session (`ConsoleSessions`):
///   a cookie, HttpOnly and SameSite=Strict (and Secure when the public URL is https).
///   `GET /admin` without it is sent to the sign-in form (303).
/// - Every form that changes something carries the session's CSRF token; a POST without the
///   cookie or without the token is refused (403) before anything is done.
/// - Form bodies are read strictly (`ConsoleForm`), and every value printed into a page goes
///   through `ConsoleHTML.escape`. Pages carry no script, and a Content-Security-Policy that
///   would refuse one.
/// - Everything shown is read from the store (partners, objects, push statistics, which every
///   instance on the database adds to), so every instance on one database shows the same.
///
/// The JSON admin API below `/admin/2.2.1` is apart from it: it takes the admin token as a
/// bearer token and ignores the console's cookie.
struct OperatorConsole: Sendable {
    let server: CPOServer
    let sessions: ConsoleSessions
    let logger: Logger
    /// The console's path as the public URL places it (`/admin`, or `/prefix/admin`): for links,
    /// redirects and the cookie's path.
    let base: String

    /// EVSEs listed per page.
    static let evsePageSize = 25
    /// Sessions and CDRs listed.
    static let recentCount = 10
    /// A sign-in lasts this long.
    static let sessionLifetime: Duration = .seconds(12 * 3600)

    init(server: CPOServer, logger: Logger) {
        self.server = server
        self.logger = logger
        let publicURL = server.configuration.publicURL
        base = Self.prefix(of: publicURL) + "/admin"
        sessions = ConsoleSessions(
            store: server.store, lifetime: Self.sessionLifetime, path: base, secure: publicURL.lowercased().hasPrefix("https://")
        )
    }

    /// The path of a public URL (`https://host/prefix/` → `/prefix`), without its trailing slash.
    static func prefix(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return "" }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        var path = String(rest[slash...])
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<query]) }
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    func add(to router: inout HTTPRouter) {
        router.get("/admin") { request, _ in await console(request) }
        router.get("/admin/sign-in") { request, _ in await signInForm(request) }
        router.on(.post, "/admin/sign-in") { request, _ in await signIn(request) }
        router.on(.post, "/admin/sign-out") { request, _ in
            await action(request, fields: []) { _, session in
                try await sessions.end(session)
                logger.info("console sign-out")
                return redirect(to: base + "/sign-in", cookie: sessions.clearCookie)
            }
        }
        router.on(.post, "/admin/invite") { request, _ in
            await action(request, fields: ["party"]) { form, _ in try await invite(form) }
        }
        router.on(.post, "/admin/catch-up") { request, _ in
            await action(request, fields: ["partner", "catch_up"]) { form, _ in try await switchCatchUp(form) }
        }
        router.on(.post, "/admin/unregister") { request, _ in
            await action(request, fields: ["partner"]) { form, _ in try await unregister(form) }
        }
    }

    // MARK: Signing in

    private func signInForm(_ request: HTTPServerRequest, refused: Bool = false) async -> HTTPServerResponse {
        let message = refused ? #"<p id="refusal" class="bad">That is not the admin token.</p>"# : ""
        return ConsoleHTML.response(status: refused ? 403 : 200, title: "Sign in: ocpi-cpo console", body: """
            <header class="top"><span class="home">ocpi-cpo console</span><span>\(ConsoleHTML.escape(server.configuration.party.description))</span></header>
            <main>
            <h1>Sign in</h1>
            \(message)
            <form class="panel" method="post" action="\(ConsoleHTML.escape(base + "/sign-in"))">
            <p><label for="token">Admin token</label> <span class="note">(as <code>ocpi-cpo serve</code> printed it, or <code>--admin-token</code>)</span></p>
            <p><input type="password" id="token" name="token" size="70" autocomplete="current-password" required autofocus> <button type="submit">Sign in</button></p>
            </form>
            </main>
            """)
    }

    private func signIn(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        let form: ConsoleForm
        switch readForm(request, fields: ["token"]) {
        case .success(let read): form = read
        case .failure(let refusal): return refusal.response
        }
        let token = server.configuration.adminToken
        guard !token.isEmpty, let given = form["token"], AdminAuthenticator.equal(given, token) else {
            logger.warning("console sign-in refused: wrong admin token")
            return await signInForm(request, refused: true)
        }
        do {
            let session = try await sessions.start()
            logger.info("console sign-in")
            return redirect(to: base, cookie: sessions.setCookie(session))
        } catch {
            return unavailable(error)
        }
    }

    // MARK: Actions

    /// A POST that changes something: refused (403) without a live session's cookie, (415) when
    /// it is not a form, (400) when the form is malformed, and (403) without the session's CSRF
    /// token; otherwise `body` does it.
    private func action(
        _ request: HTTPServerRequest, fields: Set<String>, _ body: (ConsoleForm, String) async throws -> HTTPServerResponse
    ) async -> HTTPServerResponse {
        do {
            guard let session = try await sessions.session(of: request.headers) else {
                return ConsoleHTML.refusal(
                    status: 403, title: "Not signed in", message: "Sign in to the console first (or again: the session has ended).",
                    back: base + "/sign-in", backLabel: "Sign in"
                )
            }
            let form: ConsoleForm
            switch readForm(request, fields: fields.union(["csrf"])) {
            case .success(let read): form = read
            case .failure(let refusal): return refusal.response
            }
            guard ConsoleSessions.checkCSRF(form["csrf"], session: session) else {
                logger.warning("console form refused: missing or wrong CSRF token", metadata: ["path": .string(String(request.path))])
                return ConsoleHTML.refusal(
                    status: 403, title: "Form refused", message: "The form did not carry this session's CSRF token, so nothing was done. Use the console's own forms.",
                    back: base, backLabel: "Back to the console"
                )
            }
            return try await body(form, session)
        } catch {
            return unavailable(error)
        }
    }

    /// The body as a form with these fields, or the page that says why it is not one.
    private func readForm(_ request: HTTPServerRequest, fields: Set<String>) -> Result<ConsoleForm, ConsoleRefusal> {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else {
            return .failure(ConsoleRefusal(ConsoleHTML.refusal(
                status: 415, title: "Not a form", message: "The console takes application/x-www-form-urlencoded forms only.", back: base, backLabel: "Back to the console"
            )))
        }
        guard request.body.count <= ConsoleForm.maximumSize else {
            return .failure(ConsoleRefusal(ConsoleHTML.refusal(
                status: 413, title: "Form too large", message: "A console form is at most \(ConsoleForm.maximumSize) bytes.", back: base, backLabel: "Back to the console"
            )))
        }
        do {
            return .success(try ConsoleForm(request.body, allowed: fields))
        } catch {
            return .failure(ConsoleRefusal(ConsoleHTML.refusal(
                status: 400, title: "Malformed form", message: "The form cannot be read: \(error).", back: base, backLabel: "Back to the console"
            )))
        }
    }

    /// `parties invite [--party CC/PID]`: the new token A and the versions URL, shown this once.
    private func invite(_ form: ConsoleForm) async throws -> HTTPServerResponse {
        let text = (form["party"] ?? "").trimmingCharacters(in: .whitespaces)
        var party: PartyIdentity?
        if !text.isEmpty {
            guard let parsed = StoreRegistry.party(parsing: text) else {
                return ConsoleHTML.refusal(
                    status: 400, title: "Not a party", message: "The party must be COUNTRY_CODE/PARTY_ID, such as DE/MSP, not '\(text.prefix(40))'.",
                    back: base, backLabel: "Back to the console"
                )
            }
            party = parsed
        }
        let invitation: StoreRegistry.Invitation
        do {
            invitation = try await server.registry.invite(as: party)
        } catch let taken as PartyTakenError {
            return ConsoleHTML.refusal(
                status: 409, title: "Party taken", message: "\(taken.party) is held by partner \(taken.holder).", back: base, backLabel: "Back to the console"
            )
        }
        logger.notice("console: partner invited", metadata: ["partner": .string(invitation.partner.id)])
        let versionsURL = server.configuration.publicURL + "/ocpi/versions"
        let reserved = party.map { "<dt>Party</dt><dd>\(ConsoleHTML.escape($0.description)) (the only party this token registers as)</dd>" } ?? ""
        return ConsoleHTML.response(status: 200, title: "Invitation: ocpi-cpo console", body: """
            \(header(session: nil))
            <main>
            <h1>Invitation</h1>
            <p>Give both to the partner, which registers with them (POST of its credentials with this token).
            The token is kept only as a digest: <strong>this is the one time it is shown.</strong></p>
            <div class="panel">
            <dl>
            <dt>Versions URL</dt><dd><code id="versions-url">\(ConsoleHTML.escape(versionsURL))</code></dd>
            <dt>Token A</dt><dd><code id="token-a">\(ConsoleHTML.escape(invitation.token))</code></dd>
            \(reserved)
            </dl>
            </div>
            <p><a href="\(ConsoleHTML.escape(base))#partners">Back to the console</a></p>
            </main>
            """)
    }

    /// `parties catch-up ID --on|--off`.
    private func switchCatchUp(_ form: ConsoleForm) async throws -> HTTPServerResponse {
        let setting = form["catch_up"]
        guard let partnerID = form["partner"], setting == "on" || setting == "off" else {
            return ConsoleHTML.refusal(
                status: 400, title: "Malformed form", message: "The form needs a partner and catch_up (on or off).", back: base, backLabel: "Back to the console"
            )
        }
        guard try await server.registry.setCatchUp(partnerID: partnerID, setting == "on") != nil else {
            return noPartner(partnerID)
        }
        logger.notice("console: catch-up switched", metadata: ["partner": .string(partnerID), "catch_up": .string(setting ?? "")])
        return redirect(to: base + "#partners")
    }

    /// Ends a partner's registration from our side (and tells it), as `parties unregister` does.
    private func unregister(_ form: ConsoleForm) async throws -> HTTPServerResponse {
        guard let partnerID = form["partner"] else {
            return ConsoleHTML.refusal(status: 400, title: "Malformed form", message: "The form needs a partner.", back: base, backLabel: "Back to the console")
        }
        guard let outcome = try await server.credentials(logger: logger).unregister(partnerID: partnerID) else { return noPartner(partnerID) }
        logger.notice("console: partner unregistered", metadata: ["partner": .string(partnerID), "told": "\(outcome)"])
        return redirect(to: base + "#partners")
    }

    private func noPartner(_ id: String) -> HTTPServerResponse {
        ConsoleHTML.refusal(
            status: 404, title: "No such partner", message: "There is no registered partner with id \(id.prefix(80)).", back: base, backLabel: "Back to the console"
        )
    }

    private func redirect(to location: String, cookie: String? = nil) -> HTTPServerResponse {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        if let cookie { headers[.setCookie] = cookie }
        return HTTPServerResponse(status: .seeOther, headerFields: headers)
    }

    /// The store could not be read or written: said so, logged, and nothing claimed done.
    private func unavailable(_ error: any Error) -> HTTPServerResponse {
        logger.error("console: the store failed", metadata: ["error": "\(error)"])
        return ConsoleHTML.refusal(
            status: 503, title: "Store unavailable", message: "The store could not be read or written; try again in a moment.", back: base, backLabel: "Back to the console"
        )
    }

    // MARK: The console page

    private func console(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        do {
            guard let session = try await sessions.session(of: request.headers) else { return redirect(to: base + "/sign-in") }
            let query: ConsoleForm
            do {
                query = try ConsoleForm(Array((request.query ?? "").utf8), allowed: ["status", "page"])
            } catch {
                return ConsoleHTML.refusal(status: 400, title: "Malformed query", message: "The query cannot be read: \(error).", back: base, backLabel: "Back to the console")
            }
            var filter: Status?
            if let text = query["status"], !text.isEmpty {
                let status = Status(rawValue: text)
                guard status.isKnown else {
                    return ConsoleHTML.refusal(status: 400, title: "Unknown status", message: "No EVSE status is called '\(text.prefix(40))'.", back: base, backLabel: "Back to the console")
                }
                filter = status
            }
            var page = 1
            if let text = query["page"], !text.isEmpty {
                guard text.utf8.count <= 7, let number = Int(text), number >= 1 else {
                    return ConsoleHTML.refusal(status: 400, title: "Unknown page", message: "The page must be a number from 1.", back: base, backLabel: "Back to the console")
                }
                page = number
            }
            let body = try await render(session: session, filter: filter, page: page)
            return ConsoleHTML.response(status: 200, title: "ocpi-cpo console: \(server.configuration.party)", body: body)
        } catch {
            return unavailable(error)
        }
    }

    private func header(session: String?) -> String {
        let signOut = session.map { session in
            """
            <form class="inline" method="post" action="\(ConsoleHTML.escape(base + "/sign-out"))">\(csrfField(session))<button type="submit">Sign out</button></form>
            """
        } ?? ""
        return """
            <header class="top"><a class="home" href="\(ConsoleHTML.escape(base))" style="color:#fff;text-decoration:none">ocpi-cpo console</a>\
            <span>\(ConsoleHTML.escape(server.configuration.party.description)) · \(ConsoleHTML.escape(server.configuration.businessName))</span>\(signOut)</header>
            """
    }

    private func csrfField(_ session: String) -> String {
        #"<input type="hidden" name="csrf" value="\#(ConsoleSessions.csrfToken(for: session))">"#
    }

    private func render(session: String, filter: Status?, page: Int) async throws -> String {
        let now = OCPIDateTime.now()
        async let partners = partnersSection(session: session, now: now)
        async let network = networkSection(filter: filter, page: page)
        async let recent = recentSection()
        let adminURLs = AdminAPI.releases.map { release in
            "<code>\(ConsoleHTML.escape(server.configuration.publicURL + AdminAPI.basePath(of: release)))</code> (OCPI \(release))"
        }.joined(separator: ", ")
        return """
            \(header(session: session))
            <main>
            \(try await partners)
            \(try await network)
            \(try await recent)
            </main>
            <footer>Read from the store at \(ConsoleHTML.escape(Self.format(now))); push counts are those of every instance on this database.
            The JSON admin API takes bodies in each release at \(adminURLs).</footer>
            """
    }

    // MARK: Partners

    private func partnersSection(session: String, now: OCPIDateTime) async throws -> String {
        let order: [PartnerRecord.Status: Int] = [.registered: 0, .invited: 1, .unregistered: 2]
        let partners = try await server.registry.partners().sorted {
            (order[$0.status] ?? 3, $0.createdAt) < (order[$1.status] ?? 3, $1.createdAt)
        }
        let summaries = try await server.store.pushSummaries(since: now.adding(.seconds(-3600)))
        var rows = ""
        for partner in partners {
            let summary = summaries[partner.id] ?? PushSummary()
            let registered = partner.status == .registered
            var backlog = "–"
            if registered {
                let pending = try? await server.pusher.pendingObjects(partnerID: partner.id)
                backlog = pending.map { "\($0)" } ?? "?"
            }
            var parties = Array(Set(partner.roles.map { "\($0.countryCode)/\($0.partyID)" })).sorted().joined(separator: ", ")
            if parties.isEmpty { parties = partner.reservedParty.map { "for \($0)" } ?? "–" }
            let names = Set(partner.roles.compactMap(\.businessName)).sorted().joined(separator: ", ")
            let roles = Array(Set(partner.roles.map(\.role.rawValue))).sorted().joined(separator: ", ")
            let counts = summary.counts
            let lastError = summary.lastError.map { failure in
                """
                <span class="muted">\(ConsoleHTML.escape(Self.format(failure.occurredAt)))</span><br><span class="error">\(ConsoleHTML.escape(failure.message))</span>
                """
            } ?? #"<span class="muted">none</span>"#
            let catchUp = registered ? """
                \(partner.catchUp ? #"<span class="good">on</span>"# : #"<span class="muted">off</span>"#)
                <form class="inline" method="post" action="\(ConsoleHTML.escape(base + "/catch-up"))">\(csrfField(session))\
                <input type="hidden" name="partner" value="\(ConsoleHTML.escape(partner.id))">\
                <input type="hidden" name="catch_up" value="\(partner.catchUp ? "off" : "on")">\
                <button type="submit">switch \(partner.catchUp ? "off" : "on")</button></form>
                """ : (partner.catchUp ? "on" : "off")
            let actions = registered ? """
                <form class="inline" method="post" action="\(ConsoleHTML.escape(base + "/unregister"))">\(csrfField(session))\
                <input type="hidden" name="partner" value="\(ConsoleHTML.escape(partner.id))">\
                <button class="danger" type="submit">unregister</button></form>
                """ : ""
            rows += """
                <tr class="partner \(partner.status.rawValue)" id="partner-\(ConsoleHTML.escape(partner.id))">\
                <td><strong>\(ConsoleHTML.escape(parties))</strong>\(names.isEmpty ? "" : "<br><span class=\"muted\">\(ConsoleHTML.escape(names))</span>")\
                <br><code class="muted">\(ConsoleHTML.escape(partner.id))</code></td>\
                <td>\(ConsoleHTML.escape(roles.isEmpty ? "–" : roles))</td>\
                <td>\(ConsoleHTML.escape(partner.version ?? "–"))</td>\
                <td class="state">\(ConsoleHTML.escape(partner.status.rawValue))</td>\
                <td>\(ConsoleHTML.escape(Self.format(OCPIDateTime(partner.createdAt))))</td>\
                <td class="number delivered">\(counts.delivered)</td>\
                <td class="number failed\(counts.failed > 0 ? " bad" : "")">\(counts.failed)</td>\
                <td class="number deferred">\(counts.deferred)</td>\
                <td class="number refused\(counts.refused > 0 ? " bad" : "")">\(counts.refused)</td>\
                <td class="number backlog">\(backlog)</td>\
                <td class="catch-up">\(catchUp)</td>\
                <td class="last-error">\(lastError)</td>\
                <td>\(actions)</td></tr>

                """
        }
        if partners.isEmpty { rows = #"<tr><td colspan="13" class="muted">No partners yet: invite one below.</td></tr>"# }
        return """
            <h2 id="partners">Partners</h2>
            <table>
            <thead><tr><th>Party</th><th>Roles</th><th>Release</th><th>State</th><th>Since</th>\
            <th title="in the last hour">Delivered</th><th title="in the last hour">Failed</th><th title="in the last hour">Deferred</th>\
            <th title="in the last hour">Refused</th><th title="objects not sent yet">Backlog</th><th>Catch-up</th><th>Last error</th><th></th></tr></thead>
            <tbody>
            \(rows)</tbody>
            </table>
            <p class="note">Pushes counted over the last hour, by every instance on this database; the backlog is how many objects the partner has yet to be sent.</p>
            <form class="panel" method="post" action="\(ConsoleHTML.escape(base + "/invite"))">\(csrfField(session))
            <strong>Invite a partner</strong>: a new token A and the versions URL, shown once.
            <label for="party">Only as party</label> <input type="text" id="party" name="party" size="8" maxlength="6" placeholder="DE/MSP">
            <span class="note">(optional)</span> <button type="submit">Invite</button>
            </form>
            """
    }

    // MARK: The network

    private struct EVSERow {
        var location: Location
        var evse: EVSE
    }

    /// Every location of this CPO, read from the store page by page.
    private func locations() async throws -> [Location] {
        var locations: [Location] = []
        var offset = 0
        let filter = ObjectFilter(module: .locations, party: server.configuration.party)
        while true {
            let page = try await server.store.list(filter, offset: offset, limit: 500)
            for object in page.objects {
                if let location = try? Location.decodeJSON(object.json).value { locations.append(location) }
            }
            offset += page.objects.count
            if page.objects.isEmpty || offset >= page.total { return locations }
        }
    }

    private func networkSection(filter: Status?, page: Int) async throws -> String {
        let locations = try await locations()
        var evses: [EVSERow] = []
        var evseCounts: [String: Int] = [:]
        var locationCounts: [String: Int] = [:]
        for location in locations {
            var statuses = Set<String>()
            for evse in location.evses {
                evses.append(EVSERow(location: location, evse: evse))
                evseCounts[evse.status.rawValue, default: 0] += 1
                statuses.insert(evse.status.rawValue)
            }
            for status in statuses { locationCounts[status, default: 0] += 1 }
        }
        let known = Status.knownValues.map(\.rawValue)
        let statuses = known + evseCounts.keys.filter { !known.contains($0) }.sorted()
        var cards = """
            <div class="card">Locations<b id="count-locations">\(locations.count)</b></div><div class="card">EVSEs<b id="count-evses">\(evses.count)</b></div>
            """
        var countRows = ""
        // The statuses some EVSE has (the filter offers every one).
        for status in statuses {
            let count = evseCounts[status] ?? 0
            guard count > 0 else { continue }
            cards += #"<div class="card"><span class="status \#(ConsoleHTML.escape(status))">\#(ConsoleHTML.escape(status))</span><b>\#(count)</b></div>"#
            countRows += """
                <tr id="status-\(ConsoleHTML.escape(status))"><td><a href="\(ConsoleHTML.escape(base + "?status=" + QueryString.escape(status)))#evses">\
                <span class="status \(ConsoleHTML.escape(status))">\(ConsoleHTML.escape(status))</span></a></td>\
                <td class="number">\(count)</td><td class="number">\(locationCounts[status] ?? 0)</td></tr>

                """
        }
        if countRows.isEmpty { countRows = #"<tr><td colspan="3" class="muted">No EVSEs yet.</td></tr>"# }
        let shown = filter.map { status in evses.filter { $0.evse.status == status } } ?? evses
        let pages = max(1, (shown.count + Self.evsePageSize - 1) / Self.evsePageSize)
        let current = min(page, pages)
        var list = ""
        for row in shown.dropFirst((current - 1) * Self.evsePageSize).prefix(Self.evsePageSize) {
            let status = row.evse.status.rawValue
            list += """
                <tr class="evse"><td>\(ConsoleHTML.escape(row.location.name ?? "–"))<br><code class="muted">\(ConsoleHTML.escape(row.location.id))</code></td>\
                <td>\(ConsoleHTML.escape(row.location.address)), \(ConsoleHTML.escape(row.location.city))</td>\
                <td><code>\(ConsoleHTML.escape(row.evse.uid))</code>\(row.evse.evseID.map { "<br><span class=\"muted\">\(ConsoleHTML.escape($0))</span>" } ?? "")</td>\
                <td><span class="status \(ConsoleHTML.escape(status))">\(ConsoleHTML.escape(status))</span></td>\
                <td>\(row.evse.connectors.count)</td>\
                <td>\(ConsoleHTML.escape(Self.format(row.evse.lastUpdated)))</td></tr>

                """
        }
        if list.isEmpty { list = #"<tr><td colspan="6" class="muted">No EVSE\#(filter == nil ? "" : " with this status").</td></tr>"# }
        let options = ([""] + statuses).map { (status: String) -> String in
            let selected = (filter?.rawValue ?? "") == status ? " selected" : ""
            return #"<option value="\#(ConsoleHTML.escape(status))"\#(selected)>\#(ConsoleHTML.escape(status.isEmpty ? "every status" : status))</option>"#
        }.joined()
        func link(_ page: Int) -> String {
            var query = ["page=\(page)"]
            if let filter { query.insert("status=" + QueryString.escape(filter.rawValue), at: 0) }
            return ConsoleHTML.escape(base + "?" + query.joined(separator: "&")) + "#evses"
        }
        let previous = current > 1 ? #"<a rel="prev" href="\#(link(current - 1))">← previous</a>"# : ""
        let next = current < pages ? #"<a rel="next" href="\#(link(current + 1))">next →</a>"# : ""
        return """
            <h2 id="network">The network</h2>
            <div class="cards">\(cards)</div>
            <table style="max-width:520px">
            <thead><tr><th>Status</th><th>EVSEs</th><th>Locations with one</th></tr></thead>
            <tbody>
            \(countRows)</tbody>
            </table>
            <h2 id="evses">EVSEs</h2>
            <form method="get" action="\(ConsoleHTML.escape(base))#evses"><label for="status">Status</label> <select id="status" name="status">\(options)</select> <button type="submit">Filter</button></form>
            <table>
            <thead><tr><th>Location</th><th>Address</th><th>EVSE</th><th>Status</th><th>Connectors</th><th>Last updated</th></tr></thead>
            <tbody>
            \(list)</tbody>
            </table>
            <p class="pages">\(previous)<span id="page">Page \(current) of \(pages) (\(shown.count) EVSEs)</span>\(next)</p>
            """
    }

    // MARK: Sessions, CDRs, commands

    /// The last `recentCount` objects of a module, the newest first.
    private func recent(_ module: ObjectModule) async throws -> [StoredObject] {
        let filter = ObjectFilter(module: module, party: server.configuration.party)
        let total = try await server.store.list(filter, offset: 0, limit: 1).total
        return try await server.store.list(filter, offset: max(0, total - Self.recentCount), limit: Self.recentCount).objects.reversed()
    }

    private func recentSection() async throws -> String {
        var sessionRows = ""
        for object in try await recent(.sessions) {
            guard let session = try? Session.decodeJSON(object.json).value else { continue }
            let cost = session.totalCost.map { "\($0.inclVAT ?? $0.exclVAT) \(session.currency)" } ?? "–"
            sessionRows += """
                <tr class="session"><td><code>\(ConsoleHTML.escape(session.id))</code></td><td>\(ConsoleHTML.escape(object.owner))</td>\
                <td><span class="status">\(ConsoleHTML.escape(session.status.rawValue))</span></td>\
                <td><code>\(ConsoleHTML.escape(session.locationID))</code> / <code>\(ConsoleHTML.escape(session.evseUID))</code></td>\
                <td>\(ConsoleHTML.escape(Self.format(session.startDateTime)))</td><td class="number">\(ConsoleHTML.escape("\(session.kwh)"))</td>\
                <td class="number">\(ConsoleHTML.escape(cost))</td><td>\(ConsoleHTML.escape(Self.format(session.lastUpdated)))</td></tr>

                """
        }
        if sessionRows.isEmpty { sessionRows = #"<tr><td colspan="8" class="muted">No sessions yet.</td></tr>"# }
        var cdrRows = ""
        for object in try await recent(.cdrs) {
            guard let cdr = try? CDR.decodeJSON(object.json).value else { continue }
            let cost = "\(cdr.totalCost.inclVAT ?? cdr.totalCost.exclVAT) \(cdr.currency)"
            cdrRows += """
                <tr class="cdr"><td><code>\(ConsoleHTML.escape(cdr.id))</code></td><td>\(ConsoleHTML.escape(object.owner))</td>\
                <td><code>\(ConsoleHTML.escape(cdr.sessionID ?? "–"))</code></td>\
                <td>\(ConsoleHTML.escape(Self.format(cdr.startDateTime)))</td><td>\(ConsoleHTML.escape(Self.format(cdr.endDateTime)))</td>\
                <td class="number">\(ConsoleHTML.escape("\(cdr.totalEnergy)"))</td><td class="number">\(ConsoleHTML.escape(cost))</td></tr>

                """
        }
        if cdrRows.isEmpty { cdrRows = #"<tr><td colspan="7" class="muted">No CDRs yet.</td></tr>"# }
        return """
            <h2 id="sessions">Last sessions</h2>
            <table>
            <thead><tr><th>Session</th><th>eMSP</th><th>Status</th><th>Location / EVSE</th><th>Started</th><th>kWh</th><th>Cost (incl. VAT)</th><th>Last updated</th></tr></thead>
            <tbody>
            \(sessionRows)</tbody>
            </table>
            <h2 id="cdrs">Last CDRs</h2>
            <table>
            <thead><tr><th>CDR</th><th>eMSP</th><th>Session</th><th>Start</th><th>End</th><th>kWh</th><th>Total cost (incl. VAT)</th></tr></thead>
            <tbody>
            \(cdrRows)</tbody>
            </table>
            <h2 id="commands">Last commands</h2>
            <table>
            <thead><tr><th>Received</th><th>eMSP</th><th>Command</th><th>About</th><th>Answer</th><th>Result</th><th>Result sent</th></tr></thead>
            <tbody>
            \(try await commandRows())</tbody>
            </table>
            <p class="note">Commands are answered at once; the charge point's result follows, and is posted to the eMSP's <code>response_url</code>.
            Kept for a week.</p>
            """
    }

    /// The last commands eMSPs sent, with our answer and the charge point's result.
    private func commandRows() async throws -> String {
        let commands = try await server.store.recentCommands(limit: Self.recentCount)
        guard !commands.isEmpty else { return #"<tr><td colspan="7" class="muted">No commands yet.</td></tr>"# }
        var parties: [String: String] = [:]
        for partner in try await server.registry.partners() {
            parties[partner.id] = Array(Set(partner.roles.map { "\($0.countryCode)/\($0.partyID)" })).sorted().joined(separator: ", ")
        }
        var rows = ""
        for command in commands {
            let party = parties[command.partnerID].flatMap { $0.isEmpty ? nil : $0 } ?? command.partnerID
            let result = command.result.map { result in
                """
                <span class="status">\(ConsoleHTML.escape(result))</span> <span class="muted">\(ConsoleHTML.escape(command.resultAt.map(Self.format) ?? ""))</span>
                """
            } ?? (command.response == "ACCEPTED" ? #"<span class="muted">waiting</span>"# : "–")
            let delivery = switch command.delivery {
            case "posted": "yes"
            case "failed": #"<span class="bad">failed</span>"#
            default: "–"
            }
            rows += """
                <tr class="command"><td>\(ConsoleHTML.escape(Self.format(command.receivedAt)))</td><td>\(ConsoleHTML.escape(party))</td>\
                <td><code>\(ConsoleHTML.escape(command.command))</code></td><td>\(ConsoleHTML.escape(command.target))</td>\
                <td><span class="status">\(ConsoleHTML.escape(command.response))</span></td><td>\(result)</td><td>\(delivery)</td></tr>

                """
        }
        return rows
    }

    /// `2026-12-04 09:12:33 UTC`.
    static func format(_ time: OCPIDateTime) -> String {
        let whole = OCPIDateTime(secondsSince1970: time.secondsSince1970)
        return whole.description.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }
}

/// A page that refuses a request, as an error (for `Result`).
struct ConsoleRefusal: Error {
    let response: HTTPServerResponse

    init(_ response: HTTPServerResponse) {
        self.response = response
    }
}
