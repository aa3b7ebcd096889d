import OCPIRuntime

/// An eMSP test double's Locations RECEIVER, of any release, that takes whole locations only:
/// what the CPO never sends a partner (an EVSE or connector on its own, a PATCH) is refused, and
/// its EVSEs and connectors are not looked up one by one. The double itself keeps and answers
/// whole locations (`getLocation`, `putLocation`); the rest is here once for every release,
/// written generically so that these methods serve as each release's own.
protocol TakesWholeLocationsOnly {}

extension TakesWholeLocationsOnly {
    func getEVSE<EVSE>(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String
    ) async throws -> OCPIReply<EVSE> {
        throw OCPIError.notFound("EVSE")
    }

    func getConnector<Connector>(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String
    ) async throws -> OCPIReply<Connector> {
        throw OCPIError.notFound("Connector")
    }

    func putEVSE<EVSE>(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSE
    ) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError(.invalidRequest, "not expected: an EVSE on its own")
    }

    func putConnector<Connector>(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String, body: Connector
    ) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError(.invalidRequest, "not expected: a connector on its own")
    }

    func patchLocation<LocationPatch>(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, body: LocationPatch
    ) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError(.invalidRequest, "not expected: a PATCH")
    }

    func patchEVSE<EVSEPatch>(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, body: EVSEPatch
    ) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError(.invalidRequest, "not expected: a PATCH")
    }

    func patchConnector<ConnectorPatch>(
        _ context: OCPIRequestContext, countryCode: String, partyID: String, locationID: String, evseUID: String, connectorID: String,
        body: ConnectorPatch
    ) async throws -> OCPIReply<OCPINoData> {
        throw OCPIError(.invalidRequest, "not expected: a PATCH")
    }
}
