import OCPI221
import OCPI230
import OCPIConversions
import OCPIRuntime

/// How the admin API reads the operator's bodies, as the 2.2.1 objects the
/// store keeps: written in 2.2.1 and taken as they are, or written in 2.3.0 and converted. Each
/// reader checks the path parameters, decodes and validates the body strictly in its release,
/// holds it to `OperatorRules` and matches its id with the URL's, as every admin write does.
struct AdminBodies: Sendable {
    let location: @Sendable (OCPIServerRequest) throws -> OCPI221.Location
    let evse: @Sendable (OCPIServerRequest) throws -> OCPI221.EVSE
    let connector: @Sendable (OCPIServerRequest) throws -> OCPI221.Connector
    let locationPatch: @Sendable (OCPIServerRequest) throws -> OCPI221.LocationPatch
    let evsePatch: @Sendable (OCPIServerRequest) throws -> OCPI221.EVSEPatch
    let connectorPatch: @Sendable (OCPIServerRequest) throws -> OCPI221.ConnectorPatch
    let tariff: @Sendable (OCPIServerRequest) throws -> OCPI221.Tariff
    let session: @Sendable (OCPIServerRequest) throws -> OCPI221.Session
    let sessionPatch: @Sendable (OCPIServerRequest) throws -> OCPI221.SessionPatch
    let cdr: @Sendable (OCPIServerRequest) throws -> OCPI221.CDR

    /// Bodies in the stored release.
    static let release221 = AdminBodies(
        location: { try $0.body(OCPI221.Location.self, id: { $0.id }, field: "id", parameter: "location_id") },
        evse: { try $0.body(OCPI221.EVSE.self, id: { $0.uid }, field: "uid", parameter: "evse_uid") },
        connector: { try $0.body(OCPI221.Connector.self, id: { $0.id }, field: "id", parameter: "connector_id") },
        locationPatch: { try $0.body(OCPI221.LocationPatch.self, id: { $0.id }, field: "id", parameter: "location_id") },
        evsePatch: { try $0.body(OCPI221.EVSEPatch.self, id: { $0.uid }, field: "uid", parameter: "evse_uid") },
        connectorPatch: { try $0.body(OCPI221.ConnectorPatch.self, id: { $0.id }, field: "id", parameter: "connector_id") },
        tariff: { try $0.body(OCPI221.Tariff.self, id: { $0.id }, field: "id", parameter: "tariff_id") },
        session: { try $0.body(OCPI221.Session.self, id: { $0.id }, field: "id", parameter: "session_id") },
        sessionPatch: { try $0.body(OCPI221.SessionPatch.self, id: { $0.id }, field: "id", parameter: "session_id") },
        cdr: { request in
            var request = request
            return try request.operatorBody(OCPI221.CDR.self)
        }
    )

    /// Bodies in 2.3.0, each refused where the rules refuse a value of it (nothing is stored
    /// short of what the operator wrote) and converted.
    static let release230: AdminBodies = {
        let conversion = Conversion230To221()
        return AdminBodies(
            location: {
                try read($0, OCPI230.Location.self, id: { $0.id }, "id", "location_id", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            evse: {
                try read($0, OCPI230.EVSE.self, id: { $0.uid }, "uid", "evse_uid", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            connector: {
                try read($0, OCPI230.Connector.self, id: { $0.id }, "id", "connector_id", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            locationPatch: {
                try read($0, OCPI230.LocationPatch.self, id: { $0.id }, "id", "location_id", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            evsePatch: {
                try read($0, OCPI230.EVSEPatch.self, id: { $0.uid }, "uid", "evse_uid", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            connectorPatch: {
                try read($0, OCPI230.ConnectorPatch.self, id: { $0.id }, "id", "connector_id", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            tariff: {
                try read($0, OCPI230.Tariff.self, id: { $0.id }, "id", "tariff_id", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            session: {
                try read($0, OCPI230.Session.self, id: { $0.id }, "id", "session_id", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            sessionPatch: {
                try read($0, OCPI230.SessionPatch.self, id: { $0.id }, "id", "session_id", { conversion.refusals($0) }, { conversion.convert($0) })
            },
            cdr: { request in
                var request = request
                let body = try request.operatorBody(OCPI230.CDR.self)
                return try stored(conversion.refusals(body)) { conversion.convert(body) }
            }
        )
    }()

    /// A 2.3.0 body read as every admin body is (`id` is its identifying field, to match the
    /// URL's `parameter`), then converted unless a value of it is refused.
    private static func read<Body: OCPIModel, Stored: OCPIModel>(
        _ request: OCPIServerRequest, _: Body.Type, id: (Body) -> String?, _ field: String, _ parameter: String,
        _ refusals: (Body) -> [Violation], _ convert: (Body) -> Stored
    ) throws -> Stored {
        let body = try request.body(Body.self, id: id, field: field, parameter: parameter)
        return try stored(refusals(body)) { convert(body) }
    }

    /// The converted object, unless a value was refused; checked once more as 2.2.1 (the rules
    /// guarantee it fits, so a violation here is a rule's mistake, still answered as 2001 rather
    /// than stored).
    private static func stored<Stored: OCPIModel>(_ refusals: [Violation], _ convert: () -> Stored) throws -> Stored {
        guard refusals.isEmpty else { throw OCPIError.invalid(refusals) }
        let converted = convert()
        let broken = converted.validate()
        guard broken.isEmpty else { throw OCPIError.invalid(broken) }
        return converted
    }
}
