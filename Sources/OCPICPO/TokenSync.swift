import CoreMetrics
import Foundation
import Logging
import OCPI211
import OCPI221
import OCPI230
import OCPIConversions
import OCPIRuntime
import OCPIServer
import OCPIStore
import ServiceLifecycle

/// Pulls each registered eMSP's token list (its Tokens SENDER interface) into the store, as if
/// the eMSP had pushed every token: real-time authorization then finds them. Many eMSPs push
/// few tokens or none and expect their partners to pull.
///
/// A run asks for what changed since the last successful run began (`date_from`), page by page
/// through `Link`, read with the partner's reading policy. A token is stored when it is valid
/// OCPI and belongs to a party the partner holds; any other is refused (logged with the reason
/// and counted), and the rest of the list is still taken.
///
/// Metrics: `ocpi_token_syncs_total` by `partner` and `outcome` (`ok`, `failed`), and
/// `ocpi_token_sync_tokens_total` by `partner` and `outcome` (`stored`, `refused`); one log line
/// per run.
public struct TokenSync: Sendable {
    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        /// Tokens the partner listed.
        public var received = 0
        public var stored = 0
        /// Tokens not stored: invalid, or of a party the partner does not hold.
        public var refused = 0

        public init(received: Int = 0, stored: Int = 0, refused: Int = 0) {
            self.received = received
            self.stored = stored
            self.refused = refused
        }

        public var description: String { "\(received) received, \(stored) stored, \(refused) refused" }
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case unknownPartner(String)
        case notRegistered(String)
        case noTokensEndpoint(String)

        public var description: String {
            switch self {
            case .unknownPartner(let id): "no partner with id \(id)"
            case .notRegistered(let id): "partner \(id) is not registered"
            case .noTokensEndpoint(let id): "partner \(id) lists no tokens SENDER endpoint"
            }
        }
    }

    let store: SQLStore
    let registry: StoreRegistry
    let transport: any OCPIClientTransport
    let ourParty: PartyIdentity
    let logger: Logger
    let metrics: any MetricsFactory

    public init(
        store: SQLStore, registry: StoreRegistry, transport: any OCPIClientTransport, ourParty: PartyIdentity, logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.store = store
        self.registry = registry
        self.transport = transport
        self.ourParty = ourParty
        self.logger = logger
        self.metrics = metrics
    }

    /// The setting under which the start of a partner's last successful run is kept.
    static func settingKey(_ partnerID: String) -> String { "token_sync_since:\(partnerID)" }

    /// One run for one partner.
    @discardableResult
    public func sync(partnerID: String) async throws -> Outcome {
        guard let partner = try await registry.partner(id: partnerID) else { throw Failure.unknownPartner(partnerID) }
        guard partner.status == .registered else { throw Failure.notRegistered(partnerID) }
        let to = partner.roles.first.map { PartyIdentity(countryCode: $0.countryCode, partyID: $0.partyID) }
        guard let connection = partner.connection(to: .tokens, role: .sender, transport: transport, routing: RoutingHeaders(from: ourParty, to: to)) else {
            throw Failure.noTokensEndpoint(partnerID)
        }
        let started = OCPIDateTime.now()
        let clock = ContinuousClock.now
        let since = try await store.setting(Self.settingKey(partnerID)).flatMap { OCPIDateTime($0) }
        var outcome = Outcome()
        do {
            let party = partner.party
            /// Stores a token read (in 2.2.1) with the violations of what the partner sent.
            func take(_ token: OCPI221.Token, _ problems: [Violation]) async throws {
                outcome.received += 1
                if !party.owns(countryCode: token.countryCode, partyID: token.partyID) {
                    refuse(token, partnerID, "belongs to \(token.countryCode)/\(token.partyID), which the partner does not hold", &outcome)
                } else if let problem = problems.first {
                    refuse(token, partnerID, "\(problem) (\(problems.count) violation\(problems.count == 1 ? "" : "s"))", &outcome)
                } else {
                    let key = CPOTokens.key(token.countryCode, token.partyID, token.uid, token.type)
                    try await StoredObjects(store: store).save(token, key: key, lastUpdated: token.lastUpdated)
                    outcome.stored += 1
                }
            }
            if PartnerMessenger.isOn211(partner) {
                // 2.1.1 tokens name no owner: they are the one party the partner registered with
                // (spec/conversions/2.1.1-2.2.1.yaml); each is judged by 2.1.1's rules, then 2.2.1's.
                guard let own = partner.roles.first else { throw Failure.notRegistered(partnerID) }
                let conversion = Conversion211To221()
                for try await read in OCPI211.TokensSenderClient(connection: connection).getTokens(dateFrom: since).withViolations {
                    let token = conversion.convert(read.value, countryCode: own.countryCode, partyID: own.partyID)
                    try await take(token, read.violations + read.value.validate() + token.validate())
                }
            } else if PartnerMessenger.isOn230(partner) {
                // 2.3.0 tokens name their owner as 2.2.1's do (spec/conversions/2.3.0-2.2.1.yaml);
                // one of a kind 2.2.1 cannot keep (EMAID, or a kind of the partner's own: the enum
                // is open in 2.3.0) is refused as a pushed one is, and the rest of the list taken.
                let conversion = Conversion230To221()
                for try await read in OCPI230.TokensSenderClient(connection: connection).getTokens(dateFrom: since).withViolations {
                    let token = conversion.convert(read.value)
                    let kind = CPOTokens230.unkept(read.value, at: JSONPath())
                    try await take(token, kind + read.violations + read.value.validate() + token.validate())
                }
            } else {
                for try await read in OCPI221.TokensSenderClient(connection: connection).getTokens(dateFrom: since).withViolations {
                    try await take(read.value, read.violations + read.value.validate())
                }
            }
        } catch {
            Counter(label: "ocpi_token_syncs_total", dimensions: [("partner", partnerID), ("outcome", "failed")], factory: metrics).increment()
            logger.warning("token sync failed", metadata: ["partner": .string(partnerID), "error": "\(error)", "received": "\(outcome.received)"])
            record(outcome, partnerID)
            throw error
        }
        try await store.setSetting(Self.settingKey(partnerID), started.description)
        Counter(label: "ocpi_token_syncs_total", dimensions: [("partner", partnerID), ("outcome", "ok")], factory: metrics).increment()
        record(outcome, partnerID)
        logger.info("token sync", metadata: [
            "partner": .string(partnerID), "received": "\(outcome.received)", "stored": "\(outcome.stored)", "refused": "\(outcome.refused)",
            "since": .string(since?.description ?? "-"), "duration_ms": "\((ContinuousClock.now - clock).fractionalMilliseconds)",
        ])
        return outcome
    }

    /// Every registered partner with a tokens SENDER endpoint, one after the other; a partner
    /// that fails is logged and the others still run.
    public func syncAll() async {
        guard let partners = try? await registry.partners() else { return }
        for partner in partners where partner.status == .registered && partner.endpoint(.tokens, role: .sender) != nil {
            _ = try? await sync(partnerID: partner.id)
        }
    }

    private func refuse(_ token: OCPI221.Token, _ partnerID: String, _ reason: String, _ outcome: inout Outcome) {
        outcome.refused += 1
        logger.warning("token not taken from the partner's list", metadata: [
            "partner": .string(partnerID), "token": .string("\(token.countryCode)/\(token.partyID)/\(token.uid)"), "reason": .string(reason),
        ])
    }

    private func record(_ outcome: Outcome, _ partnerID: String) {
        for (label, count) in [("stored", outcome.stored), ("refused", outcome.refused)] where count > 0 {
            Counter(label: "ocpi_token_sync_tokens_total", dimensions: [("partner", partnerID), ("outcome", label)], factory: metrics).increment(by: count)
        }
    }
}

/// Runs `TokenSync` in the server's service group: every `interval` for every partner, and at
/// once for a partner that has just registered (`request`). An interval of zero switches both
/// off (`ocpi-cpo parties sync-tokens` still pulls by hand).
public final class TokenSyncService: Service {
    let sync: TokenSync
    let interval: Duration
    private let requests: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    public init(sync: TokenSync, interval: Duration) {
        self.sync = sync
        self.interval = interval
        // A burst of registrations beyond this waits for the next round, which takes them all.
        (requests, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
    }

    /// When a partner has just registered, its platform may not yet have stored the answer to
    /// its POST: it would refuse its new token for a moment. So the first pull waits a second,
    /// and a failed one is tried again twice, a little later each time.
    static let retryDelays: [Duration] = [.seconds(1), .seconds(4), .seconds(25)]

    private static func pullAfterRegistration(_ partnerID: String, _ sync: TokenSync) async {
        for delay in retryDelays {
            try? await Task.sleep(for: delay)
            if Task.isCancelled { return }
            if (try? await sync.sync(partnerID: partnerID)) != nil { return }
        }
    }

    /// Syncs the partner soon, without waiting for the next round.
    public func request(_ partnerID: String) {
        if interval > .zero { continuation.yield(partnerID) }
    }

    public func run() async throws {
        let sync = sync
        let interval = interval
        let requests = requests
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if interval > .zero {
                    group.addTask {
                        while !Task.isCancelled {
                            await sync.syncAll()
                            try? await Task.sleep(for: interval)
                        }
                    }
                }
                group.addTask {
                    await withDiscardingTaskGroup { pulls in
                        for await partnerID in requests {
                            pulls.addTask { await Self.pullAfterRegistration(partnerID, sync) }
                        }
                    }
                }
            }
        }
    }
}
