import Foundation
import OCPIRuntime

/// What a run checks, and against whom.
public struct CheckOptions: Sendable {
    /// The partner's versions URL.
    public var versionsURL: String
    /// The credentials token the partner gave us (token C, or a token A for `--register`).
    public var token: String
    /// The partner's role (`CPO`, `EMSP`); read from its credentials when `nil`.
    public var role: String?
    /// The release to check; the highest both sides speak when `nil`.
    public var version: String?
    /// Whether to check the partner's receiver interfaces, which changes its data.
    public var write: Bool
    /// The most objects read from one list.
    public var maxObjects: Int
    /// The checker's own party, under which its test objects are written.
    public var countryCode: String?
    public var partyID: String?
    /// When set, `token` is a registration token (token A): the checker registers first, and
    /// unregisters at the end.
    public var registration: Registration?

    public init(
        versionsURL: String, token: String, role: String? = nil, version: String? = nil, write: Bool = false, maxObjects: Int = 1000,
        countryCode: String? = nil, partyID: String? = nil, registration: Registration? = nil
    ) {
        self.versionsURL = versionsURL
        self.token = token
        self.role = role?.uppercased()
        self.version = version
        self.write = write
        self.maxObjects = max(1, maxObjects)
        self.countryCode = countryCode?.uppercased()
        self.partyID = partyID?.uppercased()
        self.registration = registration
    }
}

/// Runs every check against one partner: discovery (versions, version details, the partner's
/// role), then each interface the partner lists, sender or receiver, in the chosen release.
public struct Checker: Sendable {
    public let options: CheckOptions
    public let transport: RecordingTransport

    public init(options: CheckOptions, transport: RecordingTransport) {
        self.options = options
        self.transport = transport
    }

    public func run() async -> CheckReport {
        let run = CheckRun(options: options, transport: transport)
        let started = ContinuousClock.now
        var registered: Registration.Registered?
        do {
            if let registration = options.registration {
                registered = try await run.register(registration)
            }
            try await run.discover()
            for endpoint in run.endpoints {
                guard !transport.timeIsUp else { throw CheckRun.Abort(reason: "the total time limit was reached before every interface was checked") }
                await run.check(endpoint)
            }
            await run.cleanUp()
        } catch let abort as CheckRun.Abort {
            run.report.abortedBecause = abort.reason
            await run.cleanUp()
        } catch {
            run.report.abortedBecause = "\(error)"
        }
        if let registered { await run.unregister(registered) }
        run.report.seconds = (ContinuousClock.now - started).milliseconds / 1000
        run.report.timings = run.timings()
        return run.report
    }
}
