import Foundation
import OCPI221
import OCPIRuntime
import OCPIServer
import OCPIStore
import Synchronization

/// One partner's stream: the changes in the outbox after its cursor, sent in order, by the
/// instance that holds the partner's lease.
///
/// Each round takes up to a batch of changes. A change the partner receives is sent as its own
/// message while the partner keeps up; once it is more than `maximumQueuedPerPartner` changes
/// behind, or back after failing to answer, the changes are folded: each object is sent once, in
/// its current state (a partner switched off catch-ups skips them instead). The cursor in the
/// store follows about once a second (the pusher writes every cursor it holds at once), so a
/// restart or another instance resumes where this one stopped.
final class PartnerStream: Sendable {
    private struct State {
        var partner: PartnerRecord
        /// The partner did not answer: nothing is sent before this.
        var offlineUntil: ContinuousClock.Instant?
        /// The next round folds the changes (the partner was unreachable meanwhile).
        var comingBack = false
        /// How far this instance has served the partner (`nil` before it first held the lease),
        /// and how far the cursor in the store says (the pusher writes it, with the lease's
        /// renewal, once a second: `cursorToRenew()`).
        var served: Int64?
        var saved: Int64 = 0
        /// Until when this instance holds the partner's lease, as far as it knows.
        var leasedUntil: ContinuousClock.Instant?
        /// Another instance holds the partner's lease and serves it.
        var heldElsewhere = false
        /// The partner's last message failed for want of an answer (nil once one got through).
        var failing = false
        /// Rounds `retryNow()` asked for, and the last of them a round has begun after and ended.
        var retriesAsked = 0
        var retriesDone = 0
        /// A round is under way.
        var pumping = false
        var stopped = false
    }

    let partnerID: String
    let wakeup = Wakeup()
    private let state: Mutex<State>
    private let pusher: CPOPusher
    /// Changes read from the outbox at a time.
    static let batch = 200

    init(partner: PartnerRecord, pusher: CPOPusher) {
        partnerID = partner.id
        state = Mutex(State(partner: partner))
        self.pusher = pusher
    }

    func update(_ partner: PartnerRecord) {
        state.withLock { $0.partner = partner }
    }

    func stop() {
        state.withLock { $0.stopped = true }
        wakeup.signal()
    }

    func retryNow() {
        state.withLock { state in
            state.offlineUntil = nil
            state.retriesAsked += 1
        }
        wakeup.signal()
    }

    /// Whether the stream has nothing left to do up to `head`: served past it, waiting for its
    /// partner to answer again, or served by another instance.
    func isSettled(upTo head: Int64) -> Bool {
        state.withLock { state in
            if state.stopped || state.heldElsewhere { return true }
            if !state.pumping, state.failing, state.retriesDone >= state.retriesAsked { return true }
            guard let served = state.served else { return false }
            return served >= head
        }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } || pusher.isStopping || Task.isCancelled }

    func run() async {
        do {
            let since = OCPIDateTime(state.withLock { $0.partner.updatedAt })
            try await CPOPusher.writing { try await pusher.store.startPushCursor(partnerID: partnerID, since: since) }
        } catch {
            pusher.logger.error("cannot start pushing to a partner", metadata: ["partner": .string(partnerID), "error": "\(error)"])
        }
        while !isStopped {
            await pump()
            // Woken by new changes in the tail, or by the pusher's look every poll interval.
            await wakeup.wait()
        }
        await save()
        try? await CPOPusher.writing { try await pusher.store.releasePushCursor(partnerID: partnerID, holder: pusher.instance) }
    }

    /// How far this instance has served the partner, holding its lease (taken, or renewed when
    /// a third of it is left); `nil` when another instance holds it.
    private func holdLease() async -> Int64? {
        let now = ContinuousClock.now
        let duration = pusher.configuration.leaseDuration
        if let held = state.withLock({ state in state.leasedUntil.map { $0 - now > duration / 3 } == true ? state.served : nil }) {
            return held
        }
        let until = OCPIDateTime.now().adding(duration)
        let cursor = try? await CPOPusher.writing { try await pusher.store.leasePushCursor(partnerID: partnerID, holder: pusher.instance, until: until) }
        return state.withLock { state in
            state.heldElsewhere = cursor == nil
            guard let cursor else {
                state.leasedUntil = nil
                return nil
            }
            if state.leasedUntil == nil || state.served == nil {
                // Newly held: the store's cursor is where to go on from, and whether the
                // partner was away by another instance's (or an earlier run's) account.
                state.served = cursor.position
                state.saved = cursor.position
                if cursor.away { state.comingBack = true }
            }
            // Renewed from now on by the pusher's write of every cursor, once a second.
            state.leasedUntil = now + duration
            return state.served
        }
    }

    /// Notes that the partner was served up to `position`; the cursor in the store moves at
    /// once after a fold (`back`), otherwise with the pusher's write of every cursor, about once
    /// a second (a restart may send again what the last second sent: each message is one a
    /// partner takes twice without harm).
    private func served(_ position: Int64, back: Bool = false) async {
        state.withLock { state in state.served = max(state.served ?? position, position) }
        if back { await save(back: true) }
    }

    /// How far the partner was served, for the pusher's write of every cursor this instance
    /// holds (which renews the leases too); `nil` while it holds no lease on this one.
    func cursorToRenew() -> Int64? {
        state.withLock { state in state.leasedUntil == nil ? nil : state.served }
    }

    /// The pusher's write, begun at `start`, moved the cursor to `position` and renewed the
    /// lease (`held`), or found the partner taken over by another instance.
    func renewed(held: Bool, position: Int64, at start: ContinuousClock.Instant) {
        state.withLock { state in
            guard state.leasedUntil != nil else { return }
            if held {
                state.saved = max(state.saved, position)
                state.leasedUntil = start + pusher.configuration.leaseDuration
            } else {
                state.leasedUntil = nil
            }
        }
    }

    /// Moves the cursor in the store to where the partner was served; a lease lost meanwhile
    /// (another instance took over) is let go.
    func save(back: Bool = false) async {
        let (served, saved) = state.withLock { ($0.served, $0.saved) }
        guard let served, served > saved || back else { return }
        let moved = try? await CPOPusher.writing { try await pusher.store.advancePushCursor(partnerID: partnerID, to: served, holder: pusher.instance, back: back) }
        state.withLock { state in
            if moved == true {
                state.saved = served
            } else {
                state.leasedUntil = nil
            }
        }
    }

    /// Serves the partner until it is up to date, stops answering, or the stream stops.
    private func pump() async {
        let asked = state.withLock { state in
            state.pumping = true
            return state.retriesAsked
        }
        defer {
            state.withLock { state in
                state.retriesDone = max(state.retriesDone, asked)
                state.pumping = false
            }
        }
        while !isStopped, !state.withLock({ $0.offlineUntil.map { $0 > .now } ?? false }) {
            guard let position = await holdLease() else { return }
            // Nothing more to send: the cursor in the store follows with the pusher's write of
            // every cursor, once a second. (A write of its own here, each time the stream caught
            // up, cost a write per partner per change: with a hundred partners a hundred, in the
            // store's writer queue beside the operator's writes, and the pushes waited on them.)
            guard let entries = try? await pusher.tail.entries(after: position, limit: Self.batch), let last = entries.last else { return }
            let (partner, comingBack) = state.withLock { ($0.partner, $0.comingBack) }
            let relevant = entries.filter { Self.receives(partner, $0) }
            // A full batch may be far behind: the head says how far.
            let behind = entries.count < Self.batch ? Int64(entries.count) : max(pusher.tail.head, last.position) - position
            let folding = comingBack || behind > Int64(pusher.configuration.maximumQueuedPerPartner)
            switch folding ? await fold(relevant, partner: partner) : await sendEach(relevant, partner: partner) {
            case .done:
                await served(last.position, back: folding)
            case .stoppedAfter(let position):
                if let position { await served(position) }
                await save()
                return
            }
        }
    }

    private enum Outcome {
        /// Every change of the batch is dealt with.
        case done
        /// The partner stopped answering (or the stream stopped) after the change at this
        /// position (`nil`: before the first).
        case stoppedAfter(Int64?)
    }

    /// Each change as its own message, in order.
    private func sendEach(_ entries: [OutboxEntry], partner: PartnerRecord) async -> Outcome {
        var served: Int64?
        for (index, entry) in entries.enumerated() {
            if isStopped { return .stoppedAfter(served) }
            if await !send(entry, to: partner) {
                // Whether it takes part in catch-ups now (the operator may just have switched it).
                let current = (try? await pusher.registry.partner(id: partnerID)) ?? partner
                guard !current.catchUp else { return .stoppedAfter(served) }
                // Switched off catch-ups: nothing is kept for it; what changes while it is
                // away is not sent (its own GETs bring it up to date).
                for skipped in entries[(index + 1)...] { pusher.metrics.record(.dropped, partner: partner.id, module: skipped.key.module) }
                return .done
            }
            served = entry.position
            await self.served(entry.position)
        }
        return .done
    }

    /// Sends one change; whether the stream goes on (false: the partner stopped answering and
    /// the change is to be sent again, folded, when it is back).
    private func send(_ entry: OutboxEntry, to partner: PartnerRecord) async -> Bool {
        let key = entry.key
        guard let message = OutboxMessage(json: entry.message) else { return true }
        let messenger = PartnerMessenger(partner: partner, ourParty: pusher.party, transport: pusher.transport, store: pusher.store)
        pusher.yieldCore()
        await pusher.permits.wait()
        let goesOn = await send(message, key: key, to: partner, through: messenger)
        await pusher.permits.signal()
        return goesOn
    }

    /// One message, holding a permit of the pusher's.
    private func send(_ message: OutboxMessage, key: ObjectKey, to partner: PartnerRecord, through messenger: PartnerMessenger) async -> Bool {
        let metrics = pusher.metrics
        let start = ContinuousClock.now
        do {
            if message == .current {
                try await messenger.sendCurrent(key)
                metrics.record(.caughtUp, partner: partner.id, module: key.module, since: start)
                answered()
                return true
            }
            guard let change = try await message.change(for: key, in: pusher.store) else { return true }
            if case .cdr = change, try await pusher.store.cdrLocation(partnerID: partner.id, key) != nil { return true }
            do {
                try await messenger.send(change)
                metrics.record(.delivered, partner: partner.id, module: key.module, since: start)
                answered()
            } catch let refusal as OCPIClientError where message.isPatch && !CPOPusher.isTransient(refusal) {
                // The partner answered but would not take the PATCH (it may not know the
                // object): compare with what it has, and send all of ours when it is behind.
                pusher.logger.info("PATCH refused, comparing with the partner's object", metadata: ["partner": .string(partner.id), "object": "\(key)", "error": "\(refusal)"])
                try await messenger.resynchronise(key)
                metrics.record(.resynchronised, partner: partner.id, module: key.module, since: start)
                answered()
            }
            return true
        } catch {
            return await failed(key, partner: partner, error: error, since: start)
        }
    }

    /// The changes folded: each object once, in its current state (or, for a partner switched
    /// off catch-ups, none: it is sent what changes from now on).
    private func fold(_ entries: [OutboxEntry], partner: PartnerRecord) async -> Outcome {
        state.withLock { $0.comingBack = false }
        let partner = (try? await pusher.registry.partner(id: partnerID)) ?? partner
        let metrics = pusher.metrics
        guard partner.catchUp else {
            for entry in entries { metrics.record(.dropped, partner: partner.id, module: entry.key.module) }
            return .done
        }
        // Each change counts as deferred (not sent as its own message), each object sent as
        // caught up, in the order of its last change.
        var keys: [ObjectKey] = []
        var seen = Set<ObjectKey>()
        for entry in entries.reversed() where seen.insert(entry.key).inserted { keys.append(entry.key) }
        keys.reverse()
        for entry in entries { metrics.record(.deferred, partner: partner.id, module: entry.key.module) }
        let messenger = PartnerMessenger(partner: partner, ourParty: pusher.party, transport: pusher.transport, store: pusher.store)
        for key in keys {
            if isStopped { return .stoppedAfter(nil) }
            let start = ContinuousClock.now
            pusher.yieldCore()
            await pusher.permits.wait()
            do {
                try await messenger.sendCurrent(key)
                await pusher.permits.signal()
                metrics.record(.caughtUp, partner: partner.id, module: key.module, since: start)
                answered()
            } catch {
                await pusher.permits.signal()
                if await !failed(key, partner: partner, error: error, since: start) {
                    state.withLock { $0.comingBack = true }
                    return .stoppedAfter(nil)
                }
            }
        }
        pusher.logger.info("partner brought up to date", metadata: ["partner": .string(partner.id), "objects": "\(keys.count)"])
        return .done
    }

    /// The partner answered a message.
    private func answered() {
        state.withLock { $0.failing = false }
    }

    /// Counts and logs a failed message; whether the stream goes on (a refusal would be
    /// repeated as it is, so it goes on; a partner that did not answer is left alone for a while).
    private func failed(_ key: ObjectKey, partner: PartnerRecord, error: any Error, since start: ContinuousClock.Instant) async -> Bool {
        let transient = CPOPusher.isTransient(error)
        pusher.metrics.record(transient ? .failed : .refused, partner: partner.id, module: key.module, since: start)
        pusher.metrics.tally.failed(partner: partner.id, object: key, error: error)
        guard transient else {
            pusher.logger.warning("push refused", metadata: ["partner": .string(partner.id), "object": "\(key)", "error": "\(error)"])
            return true
        }
        state.withLock { state in
            state.offlineUntil = .now + pusher.configuration.offlinePause
            state.comingBack = true
            state.failing = true
        }
        try? await CPOPusher.writing { try await pusher.store.markPushCursorAway(partnerID: partnerID) }
        pusher.logger.warning(
            partner.catchUp ? "push failed; the partner gets the current object once it answers" : "push failed; the partner catches up by its own GETs",
            metadata: ["partner": .string(partner.id), "object": "\(key)", "error": "\(error)"]
        )
        return false
    }

    /// Whether the partner receives the change: it lists the module's RECEIVER interface (in a
    /// release the module is converted to), and
    /// a session or CDR belongs to it (a row addressed to one partner, to that one only).
    static func receives(_ partner: PartnerRecord, _ entry: OutboxEntry) -> Bool {
        guard entry.recipient.isEmpty || entry.recipient == partner.id else { return false }
        guard PartnerMessenger.pushes(entry.key.module, to: partner) else { return false }
        guard !entry.owner.isEmpty else { return true }
        return partner.roles.contains { PartyIdentity(countryCode: $0.countryCode, partyID: $0.partyID).ownerKey == entry.owner }
    }
}
