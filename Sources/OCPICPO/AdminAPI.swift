import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPIStore

/// The operator's side: the CPO's own systems feed the server through these routes, below
/// `/admin/2.2.1` and `/admin/2.3.0` (the operator's choice of release), with
/// `Authorization: Bearer <admin token>`. Every write is validated as strictly as an OCPI request
/// in the release of its path, held to `OperatorRules`, and answered in the same envelope. The
/// store keeps 2.2.1: a 2.3.0 body is converted by the generated `Conversion230To221`, and one
/// holding what 2.2.1 has no place for is refused at that value's pointer (the `refuse` rules of
/// spec/conversions/2.3.0-2.2.1.yaml) rather than stored without it.
public struct AdminAPI: Sendable {
    let objects: CPOObjects

    /// Simulated charge points, when the server has them: drivers can present tokens at them.
    let simulator: ChargePointSimulator?

    public init(objects: CPOObjects, simulator: ChargePointSimulator? = nil) {
        self.objects = objects
        self.simulator = simulator
    }

    /// Where the 2.2.1 routes are mounted.
    public static let basePath = basePath(of: OCPIRelease.version)

    /// The releases the admin API takes bodies in, the stored one first.
    public static let releases = [OCPIRelease.version, Release230.version]

    public static func basePath(of release: String) -> String { "/admin/\(release)" }

    /// The admin routes of one of `releases`; their paths are fixed (operators' scripts use
    /// them). The simulator's reader is in 2.2.1 only.
    public func routes(in release: String) -> [OCPIRoute] {
        let bodies: AdminBodies = release == Release230.version ? .release230 : .release221
        var routes = [
            route(.put, "/locations/{location_id}", "put_location") { request in
                try await Self.written(objects.putLocation(bodies.location(request)))
            },
            route(.put, "/locations/{location_id}/{evse_uid}", "put_evse") { request in
                try await Self.written(objects.putEVSE(bodies.evse(request), locationID: try request.path("location_id")))
            },
            route(.put, "/locations/{location_id}/{evse_uid}/{connector_id}", "put_connector") { request in
                let body = try bodies.connector(request)
                return try await Self.written(objects.putConnector(body, locationID: try request.path("location_id"), evseUID: try request.path("evse_uid")))
            },
            route(.patch, "/locations/{location_id}", "patch_location") { request in
                try await objects.patchLocation(try request.path("location_id"), bodies.locationPatch(request))
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.patch, "/locations/{location_id}/{evse_uid}", "patch_evse") { request in
                try await objects.patchEVSE(bodies.evsePatch(request), locationID: try request.path("location_id"), evseUID: try request.path("evse_uid"))
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.patch, "/locations/{location_id}/{evse_uid}/{connector_id}", "patch_connector") { request in
                try await objects.patchConnector(
                    bodies.connectorPatch(request), locationID: try request.path("location_id"), evseUID: try request.path("evse_uid"),
                    connectorID: try request.path("connector_id")
                )
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.put, "/tariffs/{tariff_id}", "put_tariff") { request in
                try await Self.written(objects.putTariff(bodies.tariff(request)))
            },
            route(.delete, "/tariffs/{tariff_id}", "delete_tariff") { request in
                try await objects.deleteTariff(try request.path("tariff_id"))
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.put, "/sessions/{session_id}", "put_session") { request in
                try await Self.written(objects.putSession(bodies.session(request)))
            },
            route(.patch, "/sessions/{session_id}", "patch_session") { request in
                try await objects.patchSession(try request.path("session_id"), bodies.sessionPatch(request))
                return .reply(OCPIReply<OCPINoData>.ok)
            },
            route(.post, "/cdrs", "post_cdr") { request in
                try await objects.postCDR(bodies.cdr(request))
                return .reply(OCPIReply<OCPINoData>.created)
            },
        ]
        guard release == OCPIRelease.version else { return routes }
        routes += [
            // A driver holds a token to a simulated charge point's reader.
            route(.post, "/simulator/locations/{location_id}/{evse_uid}/present", "present_token") { request in
                guard let simulator else { throw OCPIError.notFound("No simulated charge points on this server") }
                let (uid, type) = try Self.presentedToken(request.body)
                let decision = await simulator.present(
                    tokenUID: uid, type: type, locationID: try request.path("location_id"), evseUID: try request.path("evse_uid")
                )
                return .reply(OCPIReply.ok(PresentedTokenAnswer(allowed: decision.decision.allowed, sessionID: decision.sessionID)))
            },
        ]
        return routes
    }

    /// `{"uid": "...", "type": "RFID"}`, the type RFID when left out.
    private static func presentedToken(_ body: [UInt8]) throws -> (String, TokenType) {
        let document: JSONValue?
        do {
            document = try JSONValue.decodeJSON(body).value
        } catch {
            throw OCPIError(.invalidJSON, "The body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .string(let uid)? = document?["uid"], !uid.isEmpty, uid.count <= 36 else {
            throw OCPIError.invalid([Violation(path: JSONPath([.key("uid")]), message: "is required: the token's uid, at most 36 characters")])
        }
        let tokenType: TokenType? = if case .string(let type)? = document?["type"] ?? .string("RFID") { TokenType(rawValue: type) } else { nil }
        guard let tokenType, tokenType.isKnown else {
            throw OCPIError.invalid([Violation(path: JSONPath([.key("type")]), message: "must be a TokenType (RFID, APP_USER, AD_HOC_USER, OTHER)")])
        }
        return (uid, tokenType)
    }


    private static func written(_ outcome: WriteOutcome) -> OCPIServerResponse {
        .reply(outcome == .created ? OCPIReply<OCPINoData>.created : .ok)
    }

    private func route(
        _ method: OCPIHTTPMethod, _ path: String, _ operation: String,
        _ handler: @escaping @Sendable (OCPIServerRequest) async throws -> OCPIServerResponse
    ) -> OCPIRoute {
        let module = OCPIModuleID(rawValue: path.split(separator: "/").first.map(String.init) ?? "")
        return OCPIRoute(method, path, module: module, role: nil, operation: operation, isFunctional: false,
                         notFound: module == .locations ? .unknownLocation : .notFound, handler: handler)
    }
}

extension OCPIServerRequest {
    /// Our ids are CiString(36): printable ASCII, at most 36 characters.
    private static let idRule = TextRule(.printableASCII, maxLength: 36)

    /// A path parameter of an admin route, checked as an id (HTTP 400 and 2001 otherwise).
    fileprivate func path(_ name: String) throws -> String {
        var parameters = ParameterReader(self)
        let value = parameters.path(name, Self.idRule)
        try parameters.finish()
        return value
    }

    /// The decoded, strictly validated body, whose id (when it has one) must be the URL's; every
    /// path parameter is checked first.
    func body<T: OCPIModel>(_: T.Type, id: (T) -> String?, field: String, parameter: String) throws -> T {
        var request = self
        for name in pathParameters.keys.sorted() { _ = try path(name) }
        let body = try request.operatorBody(T.self)
        try request.requireMatch(id(body), field: field, parameter: parameter)
        return body
    }

    /// The body, valid OCPI that also keeps `OperatorRules`.
    mutating func operatorBody<T: OCPIModel>(_: T.Type) throws -> T {
        let value = try body(T.self)
        let broken = OperatorRules.violations(of: body)
        guard broken.isEmpty else { throw OCPIError.invalid(broken) }
        return value
    }
}

/// The admin token, presented as `Authorization: Bearer <token>`.
public struct AdminAuthenticator: OCPIAuthenticator {
    let token: String
    let party: PartyIdentity

    public init(token: String, party: PartyIdentity) {
        self.token = token
        self.party = party
    }

    public func party(forAuthorization header: String) async throws -> OCPIParty? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", Self.equal(String(parts[1]), token) else { return nil }
        return OCPIParty(id: "admin", roles: [.init(party: party, role: .cpo)])
    }

    public func party(forToken token: String) async throws -> OCPIParty? { nil }

    /// Compares without leaking, through timing, how much of the token was right.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = x.count ^ y.count
        for index in 0..<min(x.count, y.count) { difference |= Int(x[index] ^ y[index]) }
        return difference == 0
    }
}

/// What the simulator's reader answered a presented token: `{"allowed": "ALLOWED", "session_id": "..."}`,
/// the session's id once one started.
struct PresentedTokenAnswer: JSONEncodable {
    var allowed: AllowedType
    var sessionID: String?

    func writeJSON(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("allowed")
        allowed.writeJSON(into: &writer)
        if let sessionID {
            writer.key("session_id")
            writer.string(sessionID)
        }
        writer.endObject()
    }
}
