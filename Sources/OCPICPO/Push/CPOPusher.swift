import CoreMetrics
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import OCPI221
import OCPIAsyncHTTPClient
import OCPINIOClient
import OCPINIOExecutor
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore
import ServiceLifecycle
import Synchronization

/// How the CPO pushes its changes to eMSPs.
///
/// The longest one call to a partner may take is the client transport's timeout.
public struct PushConfiguration: Sendable {
    /// How often each partner's stream looks at the outbox when nothing woke it: for changes
    /// that another process wrote (`ocpi-cpo import`, another instance on the database).
    public var pollInterval: Duration
    /// How many partners are called at the same time.
    public var maximumConcurrentPartners: Int
    /// After a partner failed to answer, how long its stream waits before it tries again,
    /// sending then the current state of each object that changed meanwhile.
    public var offlinePause: Duration
    /// How many changes a partner may be behind and still be sent each as its own message.
    /// Further behind (it answers more slowly than changes come), it is sent the current state
    /// of each object that changed instead, once; a partner switched off catch-ups skips them
    /// and is sent what changes from then on.
    public var maximumQueuedPerPartner: Int
    /// How long one instance's hold on a partner's stream lasts without being renewed: an
    /// instance that stops without letting go is taken over after this.
    public var leaseDuration: Duration

    public init(
        pollInterval: Duration = .seconds(1), maximumConcurrentPartners: Int = 16, offlinePause: Duration = .seconds(30),
        maximumQueuedPerPartner: Int = 1000, leaseDuration: Duration = .seconds(10)
    ) {
        self.pollInterval = pollInterval
        self.maximumConcurrentPartners = maximumConcurrentPartners
        self.offlinePause = offlinePause
        self.maximumQueuedPerPartner = maximumQueuedPerPartner
        self.leaseDuration = leaseDuration
    }
}

/// Sends every change of the CPO's objects to every registered partner with the module's
/// RECEIVER interface (sessions and CDRs to the eMSP they belong to only), from the outbox the
/// changes are written to, following the spec's rules for when things go wrong: no queue of old
/// messages is replayed.
///
/// - One stream per partner serves it from its cursor in the outbox, in order; partners are
///   served side by side, at most `maximumConcurrentPartners` calls at a time, so a slow or dead
///   partner holds up only itself. The operator's write costs one outbox row, whatever the
///   number of partners.
/// - A refused PATCH is followed by a GET of the object at the partner, and a PUT of our
///   current object when theirs is missing or older.
/// - A partner that does not answer is left alone for `offlinePause`, then sent the current
///   state of everything that changed meanwhile (one PUT per object, not the history). This goes
///   beyond the spec (which leaves resynchronisation to the receiver's GETs), so a partner can be
///   switched off it (`PartnerRecord.catchUp`): it is then sent only what changes from then on.
/// - The cursors are in the store: nothing is lost to a restart, and of the instances sharing a
///   database one serves each partner at a time (its lease on the cursor), so each change is
///   pushed once.
///
/// It runs as a `Service` in the server's service group, and stops with it: each stream
/// finishes the message it is sending and lets go of its partner.
public final class CPOPusher: Service, CPOChangeObserver, Sendable {
    let store: SQLStore
    let registry: StoreRegistry
    let party: PartyIdentity
    private let givenTransport: any OCPIClientTransport
    /// The transport of the pushes while the service runs: on its own event loop when it is
    /// HTTP (see `run()`).
    private let runningTransport = Mutex<(any OCPIClientTransport)?>(nil)
    var transport: any OCPIClientTransport { runningTransport.withLock { $0 } ?? givenTransport }
    let configuration: PushConfiguration
    let logger: Logger
    let metrics: PushMetrics
    /// This instance, as the holder of partners' leases.
    let instance = UUID().uuidString.lowercased()
    let permits: AsyncSemaphore
    /// The newest changes, read once for all the streams.
    let tail: OutboxTail
    private let streams = Mutex<[String: PartnerStream]>([:])
    private let supervisor = Wakeup()
    private let stopping = Atomic(false)
    /// How many times the service has brought its streams in line with the partners.
    private let refreshes = Atomic(0)
    /// The pushes' thread (its `pthread_t`; 0 until `run()` has started it), and how many times
    /// it has offered its core to waiting threads (`yieldCore()`).
    private let pushThread = Atomic<UInt>(0)
    let coreYields = Atomic(0)

    public init(
        store: SQLStore, registry: StoreRegistry, party: PartyIdentity, transport: any OCPIClientTransport,
        configuration: PushConfiguration = PushConfiguration(), logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.metrics = PushMetrics(factory: metrics)
        self.store = store
        self.registry = registry
        self.party = party
        givenTransport = transport
        self.configuration = configuration
        self.logger = logger
        permits = AsyncSemaphore(configuration.maximumConcurrentPartners)
        tail = OutboxTail(store: store, capacity: max(PartnerStream.batch, configuration.maximumQueuedPerPartner))
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Changes were written in this process: the outbox is read now, and the streams woken.
    public func changesWritten() {
        tail.changed()
    }

    /// The position of the newest change the pusher has read from the outbox (0 before its
    /// first look): how far behind the store the streams can be.
    public var outboxPositionRead: Int64 { tail.head }

    /// Wakes every stream (new changes are in the tail).
    private func wakeStreams() {
        for stream in streams.withLock({ Array($0.values) }) { stream.wakeup.signal() }
    }

    /// A partner has just registered (or changed its credentials): it is served what changes
    /// from now on, and its stream starts at once.
    public func registered(_ partner: PartnerRecord) async {
        guard Self.receivesAnything(partner) else { return }
        do {
            try await Self.writing { try await store.startPushCursor(partnerID: partner.id, since: .now()) }
        } catch {
            logger.error("cannot start pushing to a partner", metadata: ["partner": .string(partner.id), "error": "\(error)"])
        }
        supervisor.signal()
    }

    /// The streams run on an event loop of their own (one thread), with their HTTP client: a
    /// burst of pushes after a change (one per partner) then takes at most one core, and the
    /// server's loops go on answering requests meanwhile. (The server's loops used to carry them,
    /// and the operator's next write waited behind fifty pushes.)
    public func run() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Pushes yield to answers: the thread runs at a lower priority (nice 10), so that when the
        // cores are busy a request waiting on a server loop gets the CPU before the burst of
        // pushes its last change set off. Lower still was tried (nice 19, SCHED_IDLE): the
        // operator's p99 with fifty partners came closer to that with one, but on a loaded
        // machine pushes then waited seconds (docs/PERFORMANCE.md). Linux keeps the nice value
        // per thread.
        #if canImport(Glibc)
        try? await loops.next().submit { [self] in
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.pushThreadNice)
            pushThread.store(UInt(pthread_self()), ordering: .relaxed)
        }.get()
        #endif
        let executor = EventLoopTaskExecutor(loops.next())
        let client = (givenTransport as? HTTPClientTransport).flatMap {
            Self.pushTransport(like: $0, on: loops, connectionsPerOrigin: configuration.maximumConcurrentPartners, logger: logger)
        }
        runningTransport.withLock { $0 = client }
        defer {
            runningTransport.withLock { $0 = nil }
        }
        // The supervisor (its look at the partners every second decodes each of them) runs there
        // too; the streams, its children, inherit the preference.
        await withTaskExecutorPreference(executor) {
            await supervise()
        }
        await client?.shutdown()
        try? await loops.shutdownGracefully()
    }

    /// The pushes' transport: the given one's certificate checks, deadline and answer limit, on
    /// SwiftNIO's codec with kept connections (a push costs a fraction of AsyncHTTPClient's CPU;
    /// see `NIOClientTransport`); `nil` (the given transport is used) when its TLS settings
    /// cannot be made into a context, which the given client has done already.
    static func pushTransport(
        like given: HTTPClientTransport, on loops: any EventLoopGroup, connectionsPerOrigin: Int, logger: Logger
    ) -> NIOClientTransport? {
        let configuration = NIOClientTransport.Configuration(
            tls: given.configuration.tlsConfiguration ?? .makeClientConfiguration(),
            timeout: given.timeout,
            maximumResponseSize: given.maximumResponseSize,
            maximumIdlePerOrigin: connectionsPerOrigin
        )
        do {
            return try NIOClientTransport(group: loops, configuration: configuration)
        } catch {
            logger.warning("pushes go through AsyncHTTPClient: \(error)")
            return nil
        }
    }

    /// The nice value of the pushes' thread (0 is the server's).
    public static let pushThreadNice: Int32 = 10

    /// Runs `body`, which writes to the store, on the global concurrent executor instead of the
    /// pushes' thread (whose tasks prefer that thread, see `run()`).
    ///
    /// On SQLite a write holds the one writer from its first statement until the task resumes
    /// after its last, and each resumption waits its turn on the executor the task prefers.
    /// On the pushes' thread that turn came after the pushes queued there (fifty partners: a
    /// burst of fifty messages per change) and after any thread of the machine at a higher
    /// priority (it runs at nice 10): the writer stayed held for milliseconds, on a busy machine
    /// for seconds, and the operator's PATCH waited for it. The writes of the pushes (cursors,
    /// leases, statistics, trims, CDR receipts) go to the shared pool at normal priority, so
    /// they hold the writer only as long as SQLite works on them.
    static func writing<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(globalConcurrentExecutor) { try await body() }
    }

    /// On the pushes' thread, lets any thread queued for this core run first; elsewhere does
    /// nothing. Called before each message.
    ///
    /// A lower priority alone did not keep the pushes out of the operator's way. With fifty
    /// partners a change sets off a burst of pushes that keeps this thread on a core for
    /// milliseconds without sleeping. The kernel often queues a request's thread (a server loop,
    /// the SQLite writer) on that very core, the one it ran on last, and the running thread's
    /// time slice is protected from it until the next scheduler tick (4 ms at 250 Hz), even at
    /// nice 10 against 0, while the other core goes idle. `perf sched` showed waits of 1 to
    /// 3.8 ms for those threads, several per PATCH's few thread hops, and the p99 doubled.
    /// `sched_yield` ends the protection: a waiting thread runs within one message's work.
    /// It keeps the thread's fair share (unlike SCHED_IDLE, it cannot starve the pushes on a
    /// loaded machine), and costs a system call that returns at once when no one waits.
    func yieldCore() {
        #if canImport(Glibc)
        guard UInt(pthread_self()) == pushThread.load(ordering: .relaxed) else { return }
        sched_yield()
        coreYields.add(1, ordering: .relaxed)
        #endif
    }

    private func supervise() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { [self] in
                    await tail.run(
                        pollInterval: configuration.pollInterval, isStopped: { [self] in isStopping || Task.isCancelled },
                        advanced: { [self] in wakeStreams() },
                        failed: { [self] error in logger.warning("cannot read the outbox", metadata: ["error": "\(error)"]) }
                    )
                }
                var lastTrim = ContinuousClock.now
                var lastStatistics = ContinuousClock.now
                while !isStopping, !Task.isCancelled {
                    for stream in await refresh() {
                        group.addTask { await stream.run() }
                    }
                    // Every stream looks again at least once a poll interval: for changes another
                    // process wrote, and a partner whose pause is over.
                    wakeStreams()
                    refreshes.add(1, ordering: .sequentiallyConsistent)
                    if ContinuousClock.now - lastTrim > .seconds(60) {
                        lastTrim = .now
                        await trim()
                    }
                    if ContinuousClock.now - lastStatistics >= .seconds(1) {
                        lastStatistics = .now
                        await saveCursors()
                        await saveStatistics()
                    }
                    await supervisor.wait(atMost: configuration.pollInterval)
                }
                for stream in streams.withLock({ Array($0.values) }) { stream.stop() }
            }
            // What the streams counted up to their end.
            await saveStatistics()
        } onGracefulShutdown: { [self] in
            stopping.store(true, ordering: .relaxed)
            supervisor.signal()
            tail.changed()
            for stream in streams.withLock({ Array($0.values) }) { stream.stop() }
        }
    }

    /// Brings the streams in line with the registered partners; the streams to start.
    private func refresh() async -> [PartnerStream] {
        let partners: [PartnerRecord]
        do {
            partners = try await registry.partners().filter { $0.status == .registered && Self.receivesAnything($0) }
        } catch {
            logger.error("cannot read the partners to push to", metadata: ["error": "\(error)"])
            return []
        }
        let ids = Set(partners.map(\.id))
        return streams.withLock { streams in
            for (id, stream) in streams where !ids.contains(id) {
                stream.stop()
                streams[id] = nil
            }
            var started: [PartnerStream] = []
            for partner in partners {
                if let stream = streams[partner.id] {
                    stream.update(partner)
                } else if !isStopping {
                    let stream = PartnerStream(partner: partner, pusher: self)
                    streams[partner.id] = stream
                    started.append(stream)
                }
            }
            return started
        }
    }

    /// Drops the cursors of partners that receive nothing any more, then the changes every
    /// remaining cursor has passed.
    private func trim() async {
        let kept = Set(streams.withLock { Array($0.keys) })
        do {
            try await Self.writing { try await store.trimOutbox(keepingCursorsOf: kept) }
        } catch {
            logger.warning("cannot trim the outbox", metadata: ["error": "\(error)"])
        }
        do {
            try await Self.writing { try await store.trimPushStatistics(before: OCPIDateTime.now().adding(.seconds(-Self.statisticsKept))) }
        } catch {
            logger.warning("cannot trim the push statistics", metadata: ["error": "\(error)"])
        }
    }

    /// How long the store keeps the push statistics the console shows, in seconds: a day.
    static let statisticsKept: Int64 = 86_400

    /// Writes how far each partner this instance holds was served, and renews its leases, in
    /// one write (about once a second, from the supervisor): fifty partners used to cost fifty
    /// writes a second, each in front of whatever write came next, the operator's included.
    func saveCursors() async {
        let start = ContinuousClock.now
        var positions: [String: Int64] = [:]
        let streams = streams.withLock { Array($0.values) }
        for stream in streams {
            if let position = stream.cursorToRenew() { positions[stream.partnerID] = position }
        }
        guard !positions.isEmpty else { return }
        do {
            let until = OCPIDateTime.now().adding(configuration.leaseDuration)
            let held = try await Self.writing { try await store.renewPushCursors(positions, holder: instance, until: until) }
            for stream in streams {
                if let position = positions[stream.partnerID] { stream.renewed(held: held.contains(stream.partnerID), position: position, at: start) }
            }
        } catch {
            logger.warning("cannot save the push cursors", metadata: ["error": "\(error)"])
        }
    }

    /// Adds what the streams counted since the last call (by partner and minute, and each
    /// partner's last error) to the store, in one transaction: every instance adds its own, so
    /// every console shows them all. Called by the supervisor about once a second, so a push
    /// costs no write of its own; what cannot be written is kept for the next call.
    func saveStatistics() async {
        let taken = metrics.tally.take()
        guard !taken.counts.isEmpty || !taken.errors.isEmpty else { return }
        do {
            try await Self.writing { try await store.recordPushStatistics(taken.counts, errors: taken.errors) }
        } catch {
            metrics.tally.restore(taken)
            logger.warning("cannot save the push statistics", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the partner can be pushed anything: it gave us a token and lists a RECEIVER
    /// interface of a module we push.
    static func receivesAnything(_ partner: PartnerRecord) -> Bool {
        partner.outgoingToken != nil && [ObjectModule.locations, .tariffs, .sessions, .cdrs].contains { PartnerMessenger.pushes($0, to: partner) }
    }

    // MARK: For operators and tests

    /// Waits (up to `timeout`) until the running service has looked at the partners again, so
    /// that a partner registered a moment ago has its stream.
    private func refreshed(timeout: Duration) async {
        let before = refreshes.load(ordering: .sequentiallyConsistent)
        let deadline = ContinuousClock.now + timeout
        supervisor.signal()
        while refreshes.load(ordering: .sequentiallyConsistent) <= before, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Partners that were unreachable are tried again now, rather than after `offlinePause`.
    public func catchUp() async {
        await refreshed(timeout: .seconds(5))
        for stream in streams.withLock({ Array($0.values) }) { stream.retryNow() }
    }

    /// Waits (up to `timeout`) until every stream has dealt with every change written so far,
    /// or is waiting for its partner to come back, or is served by another instance.
    public func drain(timeout: Duration = .seconds(30)) async {
        await refreshed(timeout: timeout)
        guard let head = try? await store.outboxHead() else { return }
        // The tail's next look reads up to `head` (changes of other processes included).
        tail.changed()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let streams = streams.withLock { Array($0.values) }
            if streams.allSatisfy({ $0.isSettled(upTo: head) }) {
                // The cursors and statistics in the store say so too (they are saved once a
                // second otherwise).
                await saveCursors()
                await saveStatistics()
                return
            }
            for stream in streams { stream.wakeup.signal() }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// How many objects `partnerID` has yet to be sent (each counted once, however many times
    /// it changed).
    public func pendingObjects(partnerID: String) async throws -> Int {
        guard let partner = try await registry.partner(id: partnerID), let position = try await store.pushCursor(partnerID: partnerID) else { return 0 }
        var keys = Set<ObjectKey>()
        var after = position
        while true {
            let entries = try await store.outbox(after: after, limit: 1000)
            guard let last = entries.last else { return keys.count }
            for entry in entries where PartnerStream.receives(partner, entry) { keys.insert(entry.key) }
            after = last.position
        }
    }
}

extension CPOPusher {
    /// Whether an error is worth trying again later: the partner did not answer, or answered
    /// with a server error. A refusal (a 2xxx code, a 4xx) would be repeated as it is.
    static func isTransient(_ error: any Error) -> Bool {
        guard let refusal = error as? OCPIClientError else { return true }
        return refusal.httpStatus >= 500
    }
}
