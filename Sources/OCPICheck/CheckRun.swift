import Foundation
import OCPIRuntime

/// The state of one run, used by one task from start to end: what discovery found, the results
/// so far, and what the checker created on the partner's side.
final class CheckRun {
    let options: CheckOptions
    let transport: RecordingTransport
    var report: CheckReport
    var release: CheckedRelease?
    var catalog: OperationCatalog?
    var tokenEncoding: CredentialsToken.Encoding = .base64
    /// The partner's token for us: the one given, or token C once `--register` has registered.
    var token: String
    /// The partner's role, once known (`CPO`, `EMSP`).
    var role: String?
    var endpoints: [PartnerEndpoint] = []
    /// What to DELETE at the end: the URL, and how the report names the object.
    var created: [(url: String, name: String, subject: String)] = []
    /// Unique per run, so that two runs never touch each other's test objects.
    let runID = String(UUID().uuidString.lowercased().prefix(8))

    struct Abort: Error {
        var reason: String
    }

    /// An endpoint as the partner's version details list it.
    struct PartnerEndpoint {
        var module: String
        /// `SENDER` or `RECEIVER`: as listed (2.2 on), or as the partner's role implies (2.1.1).
        var role: String?
        var url: String
    }

    init(options: CheckOptions, transport: RecordingTransport) {
        self.options = options
        self.transport = transport
        token = options.token
        report = CheckReport(versionsURL: options.versionsURL, write: options.write)
    }

    // MARK: - Results

    func record(_ subject: String, _ rule: CheckRule, _ outcome: Outcome, _ detail: String, request: Exchange? = nil) {
        report.results.append(
            CheckResult(
                subject: subject, check: rule.rawValue, outcome: outcome, detail: detail, request: request?.summary, source: rule.source
            ))
    }

    func pass(_ subject: String, _ rule: CheckRule, _ detail: String) {
        record(subject, rule, .passed, detail)
    }

    func fail(_ subject: String, _ rule: CheckRule, _ detail: String, request: Exchange? = nil) {
        record(subject, rule, .failed, detail, request: request)
    }

    func skip(_ subject: String, _ rule: CheckRule, _ detail: String) {
        record(subject, rule, .skipped, detail)
    }

    /// Timings of every subject, in the order they were checked.
    func timings() -> [Timing] {
        let exchanges = transport.exchanges.filter { $0.status != nil }
        var subjects: [String] = []
        for exchange in exchanges where !subjects.contains(exchange.purpose) { subjects.append(exchange.purpose) }
        return subjects.map { subject in Timing(subject: subject, durations: exchanges.filter { $0.purpose == subject }.map(\.duration)) }
    }

    // MARK: - Requests

    /// How a request authenticates: with the partner's token, without any, or with a wrong one.
    enum Authorization {
        case token, none, wrong
    }

    /// A request as the partner's client would send it, kept whatever the answer.
    func request(_ method: HTTPRequest.Method, _ url: String, authorization: Authorization = .token, body: [UInt8]? = nil) async -> Exchange {
        var headers: HTTPFields = [.ocpiRequestID: UUID().uuidString.lowercased(), .ocpiCorrelationID: UUID().uuidString.lowercased()]
        switch authorization {
        case .token: headers[.authorization] = CredentialsToken.header(for: token, encoding: tokenEncoding)
        case .wrong: headers[.authorization] = CredentialsToken.header(for: "ocpi-check-wrong-token-\(runID)", encoding: tokenEncoding)
        case .none: break
        }
        if body != nil { headers[.contentType] = "application/json" }
        return await transport.exchange(OCPIClientRequest(method: method, url: url, headerFields: headers, body: body))
    }

    /// The partner's interface as the generated clients reach it: every object read leniently,
    /// so that each one's violations are reported instead of the page being thrown.
    func connection(_ url: String) -> OCPIConnection {
        OCPIConnection(transport: transport, endpointURL: url, token: token, tokenEncoding: tokenEncoding, readingPolicy: .lenient)
    }

    // MARK: - Discovery

    /// Reads the partner's versions and version details, chooses the release, and learns the
    /// partner's role. Anything missing here stops the run.
    func discover() async throws {
        let subject = "versions"
        transport.purpose = subject
        var versions = await request(.get, options.versionsURL)
        if versions.status == 401 {
            // A 2.1.1 party reads the token as it is.
            tokenEncoding = .raw
            versions = await request(.get, options.versionsURL)
        }
        guard let status = versions.status else {
            fail(subject, .versions, "the versions URL did not answer", request: versions)
            throw Abort(reason: "the partner's versions URL did not answer: \(versions.error ?? "")")
        }
        guard (200..<300).contains(status), versions.statusCode.map({ (1000..<2000).contains($0) }) == true, let list = versions.data?.elements else {
            fail(subject, .versions, "the versions URL did not answer a list of versions", request: versions)
            throw Abort(reason: "the partner's versions could not be read")
        }
        let offered = list.compactMap { entry -> (version: String, url: String)? in
            guard let version = entry["version"]?.string, let url = entry["url"]?.string else { return nil }
            return (version, url)
        }
        let chosen: (release: CheckedRelease, url: String)?
        if let wanted = options.version {
            chosen = CheckedRelease.named(wanted).flatMap { release in offered.first { $0.version == wanted }.map { (release, $0.url) } }
        } else {
            chosen = CheckedRelease.all.lazy.compactMap { release in offered.first { $0.version == release.version }.map { (release, $0.url) } }.first
        }
        guard let (release, detailsURL) = chosen else {
            let names = offered.map(\.version).joined(separator: ", ")
            let wanted = options.version.map { "OCPI \($0)" } ?? CheckedRelease.all.map(\.version).joined(separator: ", ")
            fail(
                subject, .versions, "no release in common: the partner offers \(names.isEmpty ? "none" : names), the checker speaks \(wanted)",
                request: versions)
            throw Abort(reason: "no release in common")
        }
        self.release = release
        report.version = release.version
        let catalog = try release.catalog()
        self.catalog = catalog
        await checkTokenEncoding(subject: subject, release: release)
        // The versions list names every release the partner serves, later ones too, which the
        // checked release's VersionNumber may not list (closed before 2.3.0): a version written
        // as text is no defect there; anything else at that field still is.
        let named = Set(list.indices.filter { list[$0]["version"]?.string != nil }.map { "/data/\($0)/version" })
        let violations = validate(versions, as: "Version").filter { !named.contains($0.pointer) }
        if violations.isEmpty {
            pass(subject, .versions, "offers \(offered.map(\.version).joined(separator: ", ")); checking \(release.version)")
        } else {
            fail(subject, .versions, Self.describe(violations), request: versions)
        }
        await checkAuthentication(subject: subject, url: options.versionsURL)

        await checkEnvelopes(subject: subject, since: 0)

        let detailsSubject = "version details"
        transport.purpose = detailsSubject
        let detailsStart = transport.count
        let details = await request(.get, detailsURL)
        guard let endpointList = details.data?["endpoints"]?.elements, details.status.map({ (200..<300).contains($0) }) == true else {
            fail(detailsSubject, .versionDetails, "the version details of \(release.version) could not be read", request: details)
            throw Abort(reason: "the partner's version details could not be read")
        }
        let detailViolations = validate(details, as: "VersionDetails")
        endpoints = endpointList.compactMap { entry in
            guard let module = entry["identifier"]?.string, let url = entry["url"]?.string else { return nil }
            return PartnerEndpoint(module: module, role: entry["role"]?.string, url: url)
        }
        if !detailViolations.isEmpty {
            fail(detailsSubject, .versionDetails, Self.describe(detailViolations), request: details)
        } else if !endpoints.contains(where: { $0.module == "credentials" }) {
            fail(detailsSubject, .versionDetails, "no credentials endpoint is listed", request: details)
        } else {
            pass(
                detailsSubject, .versionDetails,
                "\(endpoints.count) endpoints: " + endpoints.map { [$0.module, $0.role].compactMap { $0 }.joined(separator: " ") }.joined(separator: ", "))
        }
        await checkEnvelopes(subject: detailsSubject, since: detailsStart)

        role = options.role
        if let credentials = endpoints.first(where: { $0.module == "credentials" }) {
            await checkCredentials(url: credentials.url)
        }
        guard let role else {
            throw Abort(reason: "the partner's role is unknown: its credentials name none (OCPI 2.1.1 has no roles); say --role cpo or --role emsp")
        }
        report.role = role
        if !catalog.endpointsHaveRoles {
            for index in endpoints.indices {
                endpoints[index].role = impliedRole(of: endpoints[index].module, servedBy: role, in: catalog)
            }
        }
    }

    /// The token written as the release writes it (base64 from 2.2 on, as it is in 2.1.1) is
    /// accepted. A partner that accepts only the other form is still checked in that form.
    private func checkTokenEncoding(subject: String, release: CheckedRelease) async {
        let form = release.tokenEncoding == .base64 ? "in base64" : "as it is"
        guard tokenEncoding != release.tokenEncoding else {
            pass(subject, .tokenEncoding, "the token \(form), as OCPI \(release.version) writes it, is accepted")
            return
        }
        let accepted = tokenEncoding
        tokenEncoding = release.tokenEncoding
        let answer = await request(.get, options.versionsURL)
        if answer.status.map({ (200..<300).contains($0) }) == true {
            pass(subject, .tokenEncoding, "the token \(form), as OCPI \(release.version) writes it, is accepted")
        } else {
            tokenEncoding = accepted
            fail(
                subject, .tokenEncoding, "the token \(form), as OCPI \(release.version) writes it, is refused; the run goes on with the other form",
                request: answer)
        }
    }

    /// The interface role of a module that a party of `role` serves, in a release whose version
    /// details do not say: the one the OpenAPI layout puts under that party.
    private func impliedRole(of module: String, servedBy role: String, in catalog: OperationCatalog) -> String? {
        let kind = role == "CPO" ? "cpo" : "emsp"
        let roles = Set(catalog.operations.filter { $0.module == module && $0.servedBy == kind }.map(\.role))
        return roles.count == 1 ? roles.first : nil
    }

    /// `GET credentials`: the partner's own credentials, valid by the release's type, and the
    /// role it acts in.
    private func checkCredentials(url: String) async {
        let subject = "credentials"
        transport.purpose = subject
        let start = transport.count
        let answer = await request(.get, url)
        let violations = validate(answer, as: "Credentials")
        if answer.status.map({ (200..<300).contains($0) }) != true || answer.data == nil {
            fail(subject, .credentials, "GET credentials did not answer the partner's credentials", request: answer)
        } else if !violations.isEmpty {
            fail(subject, .credentials, Self.describe(violations), request: answer)
        } else {
            let roles =
                answer.data?["roles"]?.elements?.compactMap { role -> String? in
                    guard let name = role["role"]?.string else { return nil }
                    return "\(name) \(role["country_code"]?.string ?? "")/\(role["party_id"]?.string ?? "")"
                } ?? []
            pass(subject, .credentials, roles.isEmpty ? "valid credentials" : "acts as " + roles.joined(separator: ", "))
            if role == nil {
                let named = Set(answer.data?["roles"]?.elements?.compactMap { $0["role"]?.string } ?? [])
                role = named.contains("CPO") ? "CPO" : named.contains("EMSP") ? "EMSP" : nil
            }
        }
        await checkAuthentication(subject: subject, url: url)
        await checkEnvelopes(subject: subject, since: start)
    }

    // MARK: - Interfaces

    func check(_ endpoint: PartnerEndpoint) async {
        guard endpoint.module != "versions", endpoint.module != "credentials", let catalog else { return }
        guard let role = endpoint.role else {
            skip(
                endpoint.module, .interface,
                "OCPI \(report.version ?? "") version details give no role, and a \(self.role ?? "party") serves none of \(endpoint.module)")
            return
        }
        let interface = OperationCatalog.Interface(module: endpoint.module, role: role)
        let subject = interface.description
        let operations = catalog.operations(of: interface)
        guard !operations.isEmpty else {
            skip(subject, .interface, "not an interface of OCPI \(report.version ?? "")")
            return
        }
        transport.purpose = subject
        let start = transport.count
        if role == "SENDER" {
            await checkSender(subject: subject, url: endpoint.url, operations: operations)
        } else {
            await checkReceiver(subject: subject, url: endpoint.url, operations: operations)
        }
        await checkEnvelopes(subject: subject, since: start)
    }

    // MARK: - Judging

    /// What `exchange`'s envelope and data break, by the release's types: the `Response`
    /// envelope, and `data` as `type` (an object or a list of them).
    func validate(_ exchange: Exchange, as type: String) -> [Violation] {
        guard let release, let model = release.models[type], let envelope = release.envelope else { return [] }
        return (try? DocumentValidation.validate(exchange.body, as: model, envelope: envelope))?.violations ?? []
    }

    /// Violations as a report line: the first few, and how many more.
    static func describe(_ violations: [Violation], limit: Int = 5) -> String {
        let shown = violations.prefix(limit).map(\.description).joined(separator: "; ")
        return violations.count > limit ? "\(shown); and \(violations.count - limit) more" : shown
    }

    /// Whether an exchange succeeded as OCPI: HTTP 2xx with a 1xxx status code.
    static func succeeded(_ exchange: Exchange) -> Bool {
        exchange.status.map { (200..<300).contains($0) } == true && exchange.statusCode.map { (1000..<2000).contains($0) } == true
    }
}

extension CheckRun {
    /// Registers with token A (`--register`); every request after uses token C.
    func register(_ registration: Registration) async throws -> Registration.Registered {
        let subject = "credentials"
        transport.purpose = subject
        do {
            let registered = try await registration.register(versionsURL: options.versionsURL, tokenA: options.token, transport: transport)
            token = registered.tokenC
            tokenEncoding = registered.encoding
            pass(subject, .register, "registered as \(registration.role.rawValue) \(registration.party); token C received")
            return registered
        } catch {
            fail(subject, .register, "the handshake failed: \(error)", request: transport.exchanges.last)
            throw Abort(reason: "the registration with token A failed")
        }
    }

    /// Ends what `register` began.
    func unregister(_ registered: Registration.Registered) async {
        let subject = "credentials"
        transport.purpose = subject
        do {
            try await Registration.unregister(registered, transport: transport)
            pass(subject, .unregister, "DELETE credentials accepted")
        } catch {
            fail(subject, .unregister, "DELETE credentials failed: \(error)", request: transport.exchanges.last)
        }
    }
}
