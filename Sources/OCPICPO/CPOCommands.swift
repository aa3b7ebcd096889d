import Logging
import OCPI221
import OCPIRuntime
import OCPIStore

/// The CPO's Commands RECEIVER interface. Every command is checked first: what names an
/// unknown location, EVSE or connector is refused (2003), a stop for a session that is not the
/// caller's is UNKNOWN_SESSION. Then, with a charge-point link, the eMSP is answered ACCEPTED at
/// once and the charge point's outcome follows as a CommandResult at its `response_url` (TIMEOUT
/// when the charge point does not answer in time); without one, the answer is NOT_SUPPORTED.
/// Never a fake ACCEPTED.
public struct CPOCommands: CommandsReceiver {
    let objects: StoredObjects
    let party: PartyIdentity
    let link: (any ChargePointLink)?
    let delivery: ResultDelivery
    /// How long the charge point has to answer, and what the eMSP is told to wait.
    let timeout: Duration
    let logger: Logger
    /// Posts the charge point's outcome to the eMSP's `response_url` in the eMSP's release
    /// (2.2.1's CommandResult; `CPOCommands211` posts 2.1.1's CommandResponse, `CPOCommands230`
    /// 2.3.0's CommandResult).
    let postResult: @Sendable (OCPIConnection, String, CommandResult) async throws -> Void

    init(
        store: SQLStore, party: PartyIdentity, link: (any ChargePointLink)?, delivery: ResultDelivery, timeout: Duration, logger: Logger,
        postResult: @escaping @Sendable (OCPIConnection, String, CommandResult) async throws -> Void = { connection, url, result in
            _ = try await CommandsSenderClient(connection: connection).postCommandResult(responseURL: url, body: result)
        }
    ) {
        objects = StoredObjects(store: store)
        self.party = party
        self.link = link
        self.delivery = delivery
        self.timeout = timeout
        self.logger = logger
        self.postResult = postResult
    }

    /// Keeps the command and our answer in the store, for the operator's console; its id, or
    /// nil when it could not be kept (which does not change the answer: it is logged).
    private func record(_ context: OCPIRequestContext, _ command: CommandType, _ target: String, _ response: CommandResponseType) async -> Int64? {
        do {
            return try await objects.store.recordCommand(CommandRecord(
                partnerID: context.party?.id ?? "", command: command.rawValue, target: target, receivedAt: .now(), response: response.rawValue
            ))
        } catch {
            logger.warning("cannot keep a command for the console", metadata: ["command": .string(command.rawValue), "error": "\(error)"])
            return nil
        }
    }

    /// An answer that does not go to the charge point, kept as it is given.
    private func answer(_ context: OCPIRequestContext, _ command: CommandType, _ target: String, _ response: CommandResponse) async -> CommandResponse {
        _ = await record(context, command, target, response.result)
        return response
    }

    static let notSupported = CommandResponse(
        result: .notSupported, timeout: 0,
        message: [DisplayText(language: "en", text: "This charge point operator has no charge-point link for remote commands.")]
    )

    /// Checks that a location (and EVSE, connector) named by a command exists.
    func requireLocation(_ locationID: String, evseUID: String? = nil, connectorID: String? = nil) async throws {
        let key = ObjectKey(module: .locations, countryCode: party.countryCode, partyID: party.partyID, id: locationID)
        guard let location = try await objects.load(key, as: Location.self) else {
            throw OCPIError(.unknownLocationInRequest, "Unknown location \(locationID)")
        }
        if let evseUID {
            guard let evse = location.evseIndex(evseUID).map({ location.evses[$0] }) else {
                throw OCPIError(.unknownLocationInRequest, "Unknown EVSE \(evseUID) at location \(locationID)")
            }
            if let connectorID, !evse.connectors.contains(where: { $0.id.caseInsensitiveCompare(connectorID) == .orderedSame }) {
                throw OCPIError(.unknownLocationInRequest, "Unknown connector \(connectorID) of EVSE \(evseUID)")
            }
        }
    }

    /// Accepts the command and hands it to the charge point, or says it cannot; the command,
    /// and later its result, are kept for the console.
    private func forward(
        _ context: OCPIRequestContext, _ command: CommandType, target: String, responseURL: String,
        _ work: @escaping @Sendable (any ChargePointLink) async -> CommandResultType
    ) async -> CommandResponse {
        guard let link else { return await answer(context, command, target, Self.notSupported) }
        let id = await record(context, command, target, .accepted)
        let store = objects.store
        let logger = logger
        delivery.deliver(to: responseURL, for: context.party?.id, timeout: timeout, onTimeout: CommandResult(result: .timeout), {
            CommandResult(result: await work(link))
        }, post: postResult, finished: { result, posted in
            guard let id else { return }
            do {
                try await store.recordCommandResult(id: id, result: result.result.rawValue, at: .now(), delivery: posted ? "posted" : "failed")
            } catch {
                logger.warning("cannot keep a command's result for the console", metadata: ["error": "\(error)"])
            }
        })
        return CommandResponse(result: .accepted, timeout: Int(timeout.components.seconds))
    }

    /// The party a session or reservation started with `token` belongs to: the caller's party
    /// that owns the token (`foreignToken` has refused any other), not merely its first one (a
    /// platform holding several parties starts sessions for each of them).
    private func driver(_ context: OCPIRequestContext, for token: Token) -> PartyIdentity {
        context.party?.roles.first { $0.party.matches(countryCode: token.countryCode, partyID: token.partyID) }?.party
            ?? PartyIdentity(countryCode: token.countryCode, partyID: token.partyID)
    }

    public func postCancelReservation(_ context: OCPIRequestContext, body: CancelReservation) async throws -> OCPIReply<CommandResponse> {
        .ok(await cancelReservation(context, body))
    }

    /// A session or reservation is started for a token of the eMSP that asks: it is billed to
    /// the token's eMSP, so another's token is refused.
    private func foreignToken(_ context: OCPIRequestContext, _ token: Token) -> CommandResponse? {
        guard !owners(of: context).contains(ownerKey(token)) else { return nil }
        return CommandResponse(
            result: .rejected, timeout: 0,
            message: [DisplayText(language: "en", text: "The token \(token.uid) is not one of yours (\(token.countryCode)/\(token.partyID)).")]
        )
    }

    /// `LOCATION/EVSE[/CONNECTOR]`, as the console shows what a command was about.
    private static func target(_ locationID: String, _ evseUID: String?, _ connectorID: String? = nil) -> String {
        [locationID, evseUID, connectorID].compactMap { $0 }.joined(separator: "/")
    }

    public func postReserveNow(_ context: OCPIRequestContext, body: ReserveNow) async throws -> OCPIReply<CommandResponse> {
        .ok(try await reserveNow(context, body))
    }

    public func postStartSession(_ context: OCPIRequestContext, body: StartSession) async throws -> OCPIReply<CommandResponse> {
        .ok(try await startSession(context, body))
    }

    public func postStopSession(_ context: OCPIRequestContext, body: StopSession) async throws -> OCPIReply<CommandResponse> {
        .ok(try await stopSession(context, body))
    }

    public func postUnlockConnector(_ context: OCPIRequestContext, body: UnlockConnector) async throws -> OCPIReply<CommandResponse> {
        .ok(try await unlockConnector(context, body))
    }

    // The commands as values, for every release (`CPOCommands211` and `CPOCommands230` convert
    // in and out).

    func cancelReservation(_ context: OCPIRequestContext, _ body: CancelReservation) async -> CommandResponse {
        await forward(context, .cancelReservation, target: "reservation \(body.reservationID)", responseURL: body.responseURL) {
            await $0.cancelReservation(body)
        }
    }

    func reserveNow(_ context: OCPIRequestContext, _ body: ReserveNow) async throws -> CommandResponse {
        try await requireLocation(body.locationID, evseUID: body.evseUID)
        let target = Self.target(body.locationID, body.evseUID)
        if let refusal = foreignToken(context, body.token) { return await answer(context, .reserveNow, target, refusal) }
        let driver = driver(context, for: body.token)
        return await forward(context, .reserveNow, target: target, responseURL: body.responseURL) { await $0.reserveNow(body, driver: driver) }
    }

    func startSession(_ context: OCPIRequestContext, _ body: StartSession) async throws -> CommandResponse {
        try await requireLocation(body.locationID, evseUID: body.evseUID, connectorID: body.connectorID)
        let target = Self.target(body.locationID, body.evseUID, body.connectorID)
        if let refusal = foreignToken(context, body.token) { return await answer(context, .startSession, target, refusal) }
        let driver = driver(context, for: body.token)
        return await forward(context, .startSession, target: target, responseURL: body.responseURL) { await $0.startSession(body, driver: driver) }
    }

    func stopSession(_ context: OCPIRequestContext, _ body: StopSession) async throws -> CommandResponse {
        let key = ObjectKey(module: .sessions, countryCode: party.countryCode, partyID: party.partyID, id: body.sessionID)
        let target = "session \(body.sessionID)"
        guard let stored = try await objects.store.get(key), owners(of: context).contains(stored.owner) else {
            return await answer(context, .stopSession, target, CommandResponse(result: .unknownSession, timeout: 0))
        }
        return await forward(context, .stopSession, target: target, responseURL: body.responseURL) { await $0.stopSession(body) }
    }

    func unlockConnector(_ context: OCPIRequestContext, _ body: UnlockConnector) async throws -> CommandResponse {
        try await requireLocation(body.locationID, evseUID: body.evseUID, connectorID: body.connectorID)
        return await forward(context, .unlockConnector, target: Self.target(body.locationID, body.evseUID, body.connectorID), responseURL: body.responseURL) {
            await $0.unlockConnector(body)
        }
    }
}

/// The CPO's Charging Profiles RECEIVER interface: for a session of the caller, answered at
/// once and delivered to `response_url` by the charge-point link; NOT_SUPPORTED without one.
public struct CPOChargingProfiles: ChargingProfilesReceiver {
    /// How the charge point's answers are posted to the eMSP's `response_url`, in its release
    /// (2.2.1's by default; `CPOChargingProfiles230` posts 2.3.0's).
    struct ResultPosts: Sendable {
        var active: @Sendable (OCPIConnection, String, ActiveChargingProfileResult) async throws -> Void
        var set: @Sendable (OCPIConnection, String, ChargingProfileResult) async throws -> Void
        var clear: @Sendable (OCPIConnection, String, ClearProfileResult) async throws -> Void

        static let v2_2_1 = ResultPosts(
            active: { _ = try await ChargingProfilesSenderClient(connection: $0).postActiveChargingProfileResult(responseURL: $1, body: $2) },
            set: { _ = try await ChargingProfilesSenderClient(connection: $0).postChargingProfileResult(responseURL: $1, body: $2) },
            clear: { _ = try await ChargingProfilesSenderClient(connection: $0).postClearProfileResult(responseURL: $1, body: $2) }
        )
    }

    let objects: StoredObjects
    let party: PartyIdentity
    let link: (any ChargePointLink)?
    let delivery: ResultDelivery
    let timeout: Duration
    let posts: ResultPosts

    init(
        store: SQLStore, party: PartyIdentity, link: (any ChargePointLink)?, delivery: ResultDelivery, timeout: Duration, posts: ResultPosts = .v2_2_1
    ) {
        objects = StoredObjects(store: store)
        self.party = party
        self.link = link
        self.delivery = delivery
        self.timeout = timeout
        self.posts = posts
    }

    /// For a session of the caller, hands the request to the charge point and answers ACCEPTED;
    /// the charge point's answer (or `onTimeout`) is posted to `responseURL` by `post`.
    private func forward<Result: OCPIModel>(
        _ context: OCPIRequestContext, sessionID: String, responseURL: String, onTimeout: Result,
        _ work: @escaping @Sendable (any ChargePointLink) async -> Result,
        post: @escaping @Sendable (OCPIConnection, String, Result) async throws -> Void
    ) async throws -> ChargingProfileResponse {
        let key = ObjectKey(module: .sessions, countryCode: party.countryCode, partyID: party.partyID, id: sessionID)
        guard let stored = try await objects.store.get(key), owners(of: context).contains(stored.owner) else {
            return ChargingProfileResponse(result: .unknownSession, timeout: 0)
        }
        guard let link else { return ChargingProfileResponse(result: .notSupported, timeout: 0) }
        delivery.deliver(to: responseURL, for: context.party?.id, timeout: timeout, onTimeout: onTimeout, { await work(link) }, post: post)
        return ChargingProfileResponse(result: .accepted, timeout: Int(timeout.components.seconds))
    }

    public func getActiveChargingProfile(_ context: OCPIRequestContext, sessionID: String, duration: Int, responseURL: String) async throws -> OCPIReply<ChargingProfileResponse> {
        .ok(try await activeChargingProfile(context, sessionID: sessionID, duration: duration, responseURL: responseURL))
    }

    public func putChargingProfile(_ context: OCPIRequestContext, sessionID: String, body: SetChargingProfile) async throws -> OCPIReply<ChargingProfileResponse> {
        .ok(try await setChargingProfile(context, sessionID: sessionID, body))
    }

    public func deleteChargingProfile(_ context: OCPIRequestContext, sessionID: String, responseURL: String) async throws -> OCPIReply<ChargingProfileResponse> {
        .ok(try await clearChargingProfile(context, sessionID: sessionID, responseURL: responseURL))
    }

    // The requests as values, for every release (`CPOChargingProfiles230` converts in and out).

    func activeChargingProfile(_ context: OCPIRequestContext, sessionID: String, duration: Int, responseURL: String) async throws -> ChargingProfileResponse {
        try await forward(context, sessionID: sessionID, responseURL: responseURL, onTimeout: ActiveChargingProfileResult(result: .unknown), {
            await $0.activeChargingProfile(sessionID: sessionID, duration: duration)
        }, post: posts.active)
    }

    func setChargingProfile(_ context: OCPIRequestContext, sessionID: String, _ body: SetChargingProfile) async throws -> ChargingProfileResponse {
        try await forward(context, sessionID: sessionID, responseURL: body.responseURL, onTimeout: ChargingProfileResult(result: .unknown), {
            ChargingProfileResult(result: await $0.setChargingProfile(sessionID: sessionID, body.chargingProfile))
        }, post: posts.set)
    }

    func clearChargingProfile(_ context: OCPIRequestContext, sessionID: String, responseURL: String) async throws -> ChargingProfileResponse {
        try await forward(context, sessionID: sessionID, responseURL: responseURL, onTimeout: ClearProfileResult(result: .unknown), {
            ClearProfileResult(result: await $0.clearChargingProfile(sessionID: sessionID))
        }, post: posts.clear)
    }
}

/// The CPO's Hub Client Info RECEIVER interface: a hub tells which parties behind it are
/// reachable; the states are stored per party.
public struct CPOHubClientInfo: HubClientInfoReceiver {
    let objects: StoredObjects

    public init(store: SQLStore) {
        objects = StoredObjects(store: store)
    }

    private func key(_ countryCode: String, _ partyID: String) -> ObjectKey {
        ObjectKey(module: .clientinfo, countryCode: countryCode, partyID: partyID, id: "\(countryCode)/\(partyID)")
    }

    /// ClientInfo comes from the Hub the CPO is connected through; a peer that is no Hub has no
    /// say about other parties' connections (decided in spec/ocpi-2.2.1/hubclientinfo.yaml). A
    /// 2.3.0 hub names itself in `hub_party_id`, which its partner record keeps as a HUB role
    /// (`CredentialsService230.roles(of:)`; spec/ocpi-2.3.0/hubclientinfo.yaml).
    private func requireHub(_ context: OCPIRequestContext) throws {
        guard context.party?.roles.contains(where: { $0.role == .hub }) == true else {
            throw OCPIError(.unauthorized, "Only a Hub sends ClientInfo; these credentials have no HUB role (in 2.3.0: no hub_party_id)")
        }
    }

    public func getClientInfo(_ context: OCPIRequestContext, countryCode: String, partyID: String) async throws -> OCPIReply<ClientInfo> {
        try requireHub(context)
        guard let stored = try await objects.json(key(countryCode, partyID), as: ClientInfo.self) else { throw OCPIError.notFound("ClientInfo \(countryCode)/\(partyID)") }
        return .ok(stored.json)
    }

    public func putClientInfo(_ context: OCPIRequestContext, countryCode: String, partyID: String, body: ClientInfo) async throws -> OCPIReply<OCPINoData> {
        try requireHub(context)
        let outcome = try await objects.save(body, key: key(countryCode, partyID), lastUpdated: body.lastUpdated)
        return outcome == .created ? .created : .ok
    }

    /// The stored ClientInfo of a party, for a hub, as a value (`CPOHubClientInfo230` converts it).
    func clientInfo(_ context: OCPIRequestContext, _ countryCode: String, _ partyID: String) async throws -> ClientInfo {
        try requireHub(context)
        guard let info = try await objects.load(key(countryCode, partyID), as: ClientInfo.self) else { throw OCPIError.notFound("ClientInfo \(countryCode)/\(partyID)") }
        return info
    }
}
