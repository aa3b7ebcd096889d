import CoreMetrics
import Foundation
import Logging
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPIStore
import Synchronization

/// How the CPO pushes its changes to eMSPs.
///
/// The longest one call to a partner may take is the client transport's timeout.
public struct PushConfiguration: Sendable {
    /// How often partners that missed changes are brought up to date.
    public var catchUpInterval: Duration
    /// A change is left to its own push for this long before a catch-up may take it over.
    public var catchUpGrace: Duration
    /// How many partners are called at the same time.
    public var maximumConcurrentPartners: Int
    /// After a partner failed to answer, how long new changes wait for the catch-up instead of
    /// being tried (and timing out) one by one.
    public var offlinePause: Duration
    /// How many messages may wait for one partner. A partner that answers more slowly than
    /// changes come keeps a queue in memory; past this many, a change is left to the catch-up
    /// (which sends the current state of the object), or, for a partner switched off catch-ups,
    /// to the partner's own GETs.
    public var maximumQueuedPerPartner: Int

    public init(
        catchUpInterval: Duration = .seconds(15), catchUpGrace: Duration = .seconds(10),
        maximumConcurrentPartners: Int = 16, offlinePause: Duration = .seconds(30), maximumQueuedPerPartner: Int = 1000
    ) {
        self.catchUpInterval = catchUpInterval
        self.catchUpGrace = catchUpGrace
        self.maximumConcurrentPartners = maximumConcurrentPartners
        self.offlinePause = offlinePause
        self.maximumQueuedPerPartner = maximumQueuedPerPartner
    }
}

/// Sends every change of the CPO's objects to every registered partner with the module's
/// RECEIVER interface (sessions and CDRs to the eMSP they belong to only), following the spec's
/// rules for when things go wrong: no queue of old messages is replayed.
///
/// - Per partner, messages go out in order (one lane each); partners are served concurrently, at
///   most `maximumConcurrentPartners` at a time, so a slow or dead partner holds up only itself.
/// - A refused PATCH is followed by a GET of the object at the partner, and a PUT of our
///   current object when theirs is missing or older.
/// - A partner that does not answer is brought to the current state of everything that changed
///   meanwhile (one PUT per object, not the history) once it answers again. The bookkeeping is in
///   the store, so it survives a restart and is shared by every instance on the database; each
///   note is consumed once, by the push itself or by one catch-up. This goes beyond the spec
///   (which leaves resynchronisation to the receiver's GETs), so a partner can be switched off it
///   (`PartnerRecord.catchUp`).
public final class CPOPusher: CPOChangeObserver {
    let store: SQLStore
    let registry: StoreRegistry
    let party: PartyIdentity
    let transport: any OCPIClientTransport
    let configuration: PushConfiguration
    let logger: Logger
    let metrics: PushMetrics
    private let lanes = Mutex<[String: PartnerLane]>([:])
    private let offlineUntil = Mutex<[String: ContinuousClock.Instant]>([:])
    private let permits: AsyncSemaphore
    private let loop = Mutex<Task<Void, Never>?>(nil)

    public init(
        store: SQLStore, registry: StoreRegistry, party: PartyIdentity, transport: any OCPIClientTransport,
        configuration: PushConfiguration = PushConfiguration(), logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.metrics = PushMetrics(factory: metrics)
        self.store = store
        self.registry = registry
        self.party = party
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        permits = AsyncSemaphore(configuration.maximumConcurrentPartners)
    }

    // MARK: Changes

    public func changed(_ change: CPOChange, owner: String?) async {
        for partner in await note(change, owner: owner) {
            let key = change.key(of: party)
            let admission = lane(partner.id).enqueue(limit: configuration.maximumQueuedPerPartner) { [self] in
                await self.deliver(change, key: key, to: partner)
            }
            guard case .full(let first) = admission else { continue }
            // The change's note stays in the store for the catch-up.
            metrics.record(partner.catchUp ? .deferred : .dropped, partner: partner.id, module: key.module)
            if first {
                logger.warning(
                    partner.catchUp
                        ? "partner answers more slowly than changes come; further changes wait for the catch-up"
                        : "partner answers more slowly than changes come; further changes are left to its own GETs",
                    metadata: ["partner": .string(partner.id), "queued": "\(configuration.maximumQueuedPerPartner)"]
                )
            }
        }
    }

    /// Notes the change for every partner that receives it and takes part in catch-ups; the
    /// partners that receive it.
    @discardableResult
    func note(_ change: CPOChange, owner: String?) async -> [PartnerRecord] {
        let key = change.key(of: party)
        let partners: [PartnerRecord]
        do {
            partners = try await receivers(of: change.module, owner: owner)
        } catch {
            logger.error("cannot read the partners to push to", metadata: ["error": "\(error)", "object": "\(key)"])
            return []
        }
        for partner in partners where partner.catchUp {
            do {
                try await store.markPending(partnerID: partner.id, key)
            } catch {
                logger.error("cannot note a change for a partner", metadata: ["partner": .string(partner.id), "error": "\(error)"])
            }
        }
        return partners
    }

    /// The registered partners that receive `module` (for sessions and CDRs, only the owner).
    func receivers(of module: ObjectModule, owner: String?) async throws -> [PartnerRecord] {
        try await registry.partners().filter { partner in
            guard partner.status == .registered, partner.outgoingToken != nil, partner.endpoint(module.rawValue, role: "RECEIVER") != nil else { return false }
            guard let owner else { return true }
            return partner.roles.contains { PartyIdentity(countryCode: $0.countryCode, partyID: $0.partyID).ownerKey == owner }
        }
    }

    private func lane(_ partnerID: String) -> PartnerLane {
        lanes.withLock { lanes in
            if let lane = lanes[partnerID] { return lane }
            let lane = PartnerLane(permits: permits)
            lanes[partnerID] = lane
            return lane
        }
    }

    private func isOffline(_ partnerID: String) -> Bool {
        offlineUntil.withLock { $0[partnerID].map { $0 > .now } ?? false }
    }

    private func setOffline(_ partnerID: String, _ offline: Bool) {
        offlineUntil.withLock { $0[partnerID] = offline ? .now + configuration.offlinePause : nil }
    }

    /// One change to one partner, as its own message.
    private func deliver(_ change: CPOChange, key: ObjectKey, to partner: PartnerRecord) async {
        if partner.catchUp {
            // Taken already by a catch-up (ours or another instance's), which sent the current state.
            guard (try? await store.claimPending(partnerID: partner.id, key)) == true else { return }
            if isOffline(partner.id) {
                try? await store.markPending(partnerID: partner.id, key)
                metrics.record(.deferred, partner: partner.id, module: key.module)
                return
            }
        }
        let messenger = PartnerMessenger(partner: partner, ourParty: party, transport: transport, store: store)
        let start = ContinuousClock.now
        do {
            try await messenger.send(change)
            setOffline(partner.id, false)
            metrics.record(.delivered, partner: partner.id, module: key.module, since: start)
        } catch let refusal as OCPIClientError where change.isPatch {
            // The partner answered but would not take the PATCH (it may not know the object):
            // compare with what it has, and send all of ours when it is behind.
            logger.info("PATCH refused, comparing with the partner's object", metadata: ["partner": .string(partner.id), "object": "\(key)", "error": "\(refusal)"])
            do {
                try await messenger.resynchronise(key)
                metrics.record(.resynchronised, partner: partner.id, module: key.module, since: start)
            } catch {
                await failed(key, partner: partner, error: error, since: start)
            }
        } catch {
            await failed(key, partner: partner, error: error, since: start)
        }
    }

    /// Whether a failed call is worth making again later: the partner did not answer, or
    /// answered with a server error. A refusal (a 2xxx code, a 4xx) would be repeated as it is.
    static func isTransient(_ error: any Error) -> Bool {
        guard let refusal = error as? OCPIClientError else { return true }
        return refusal.httpStatus >= 500
    }

    private func failed(_ key: ObjectKey, partner: PartnerRecord, error: any Error, since start: ContinuousClock.Instant) async {
        metrics.record(Self.isTransient(error) ? .failed : .refused, partner: partner.id, module: key.module, since: start)
        guard Self.isTransient(error) else {
            logger.warning("push refused", metadata: ["partner": .string(partner.id), "object": "\(key)", "error": "\(error)"])
            return
        }
        setOffline(partner.id, true)
        if partner.catchUp {
            try? await store.markPending(partnerID: partner.id, key)
            logger.warning("push failed; the partner gets the current object once it answers", metadata: ["partner": .string(partner.id), "object": "\(key)", "error": "\(error)"])
        } else {
            logger.warning("push failed; the partner catches up by its own GETs", metadata: ["partner": .string(partner.id), "object": "\(key)", "error": "\(error)"])
        }
    }

    // MARK: Catch-up

    /// Starts bringing partners that missed changes up to date, every `catchUpInterval`.
    public func start() {
        loop.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in
                // A round every interval, the first one interval after the start: changes made
                // meanwhile are left to their own pushes.
                while !Task.isCancelled {
                    try? await Task.sleep(for: configuration.catchUpInterval)
                    guard !Task.isCancelled else { return }
                    await self.catchUp()
                }
            }
        }
    }

    /// Stops the catch-up and waits for every lane to finish what it was given.
    public func stop() async {
        let task = loop.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        await drain()
    }

    /// Waits until every message handed to the lanes so far has been dealt with.
    public func drain() async {
        for lane in lanes.withLock({ Array($0.values) }) { await lane.drain() }
    }

    /// One round: every partner with changes older than the grace period is sent the current
    /// state of each of them, in its own lane.
    public func catchUp() async {
        let before = OCPIDateTime.now().adding(.zero - configuration.catchUpGrace)
        try? await store.removeTakenPending()
        guard let partnerIDs = try? await store.partnersWithPending(before: before) else { return }
        for partnerID in partnerIDs {
            guard let partner = try? await registry.partner(id: partnerID), partner.status == .registered, partner.catchUp else {
                // Unregistered or switched off: nothing will be sent, so nothing is kept.
                _ = try? await store.claimPending(partnerID: partnerID, before: .now(), limit: Int.max / 2)
                continue
            }
            lane(partnerID).enqueue { [self] in
                await self.bringUpToDate(partner, before: before)
            }
        }
    }

    private func bringUpToDate(_ partner: PartnerRecord, before: OCPIDateTime) async {
        let messenger = PartnerMessenger(partner: partner, ourParty: party, transport: transport, store: store)
        while true {
            guard let keys = try? await store.claimPending(partnerID: partner.id, before: before, limit: 100), !keys.isEmpty else { return }
            for (index, key) in keys.enumerated() {
                let start = ContinuousClock.now
                do {
                    try await messenger.sendCurrent(key)
                    metrics.record(.caughtUp, partner: partner.id, module: key.module, since: start)
                } catch {
                    metrics.record(Self.isTransient(error) ? .failed : .refused, partner: partner.id, module: key.module, since: start)
                    if !Self.isTransient(error) {
                        // The partner refuses this object: trying again would not change its mind.
                        logger.warning("catch-up refused", metadata: ["partner": .string(partner.id), "object": "\(key)", "error": "\(error)"])
                        continue
                    }
                    setOffline(partner.id, true)
                    for remaining in keys[index...] { try? await store.markPending(partnerID: partner.id, remaining, since: before.adding(.microseconds(-1))) }
                    logger.info("partner still unreachable", metadata: ["partner": .string(partner.id), "error": "\(error)"])
                    return
                }
            }
            setOffline(partner.id, false)
            logger.info("partner brought up to date", metadata: ["partner": .string(partner.id), "objects": "\(keys.count)"])
        }
    }
}

/// Records changes for a running server's catch-up instead of sending them: for a process that
/// does not stay to deliver (`ocpi-cpo import`).
public struct CPOPendingNotes: CPOChangeObserver {
    let pusher: CPOPusher

    public init(_ pusher: CPOPusher) {
        self.pusher = pusher
    }

    public func changed(_ change: CPOChange, owner: String?) async {
        await pusher.note(change, owner: owner)
    }
}

extension CPOChange {
    func key(of party: PartyIdentity) -> ObjectKey {
        ObjectKey(module: module, countryCode: party.countryCode, partyID: party.partyID, id: objectID)
    }

    var isPatch: Bool {
        switch self {
        case .locationPatch, .evsePatch, .connectorPatch, .sessionPatch: true
        default: false
        }
    }
}
