import Foundation
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore

/// Everything `ocpi-cpo serve` is told, by flags or `OCPI_CPO_*` environment variables.
public struct CPOConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// `scheme://host[:port][/prefix]` under which `/ocpi/versions` is reachable from outside.
    public var publicURL: String
    public var database: StoreLocation
    public var adminToken: String
    public var countryCode: String
    public var partyID: String
    public var businessName: String
    public var maximumPageSize: Int
    public var demoData: Bool
    public var push: PushConfiguration
    /// Simulated charge points behind commands and charging profiles (the demo's); `nil` for none.
    public var simulator: ChargePointSimulator.Configuration?
    /// How long a charge point has to answer a command before the eMSP is told TIMEOUT.
    public var commandTimeout: Duration
    /// What one connection may hold and for how long (`serve --read-timeout` and the rest).
    public var connections: ConnectionLimits
    /// How often every eMSP's token list is pulled (`TokenSync`); zero: only after registration.
    public var tokenSyncInterval: Duration
    /// HTTPS with this certificate (`serve --tls-certificate`); `nil`: plain HTTP.
    public var tls: ServerTLS?
    /// The OCPI releases served, each listed by `GET /ocpi/versions` (`serve --versions`).
    public var releases: [ServedRelease]

    /// A release this server can speak to partners.
    public enum ServedRelease: String, Sendable, CaseIterable, Comparable {
        /// Versions, Credentials (a 2.1.1 eMSP registers), Locations, Tariffs, Sessions and CDRs
        /// (read, and pushed whole, converted from the stored 2.2.1 objects), Tokens (received,
        /// stored as 2.2.1 tokens of the partner's party) and Commands.
        case v2_1_1 = "2.1.1"
        /// Every module.
        case v2_2_1 = "2.2.1"
        /// Versions, Credentials (a partner registers on 2.3.0), Locations, Tariffs, Sessions and
        /// CDRs (read, and pushed whole, converted from the stored 2.2.1 objects), Tokens
        /// (received, stored as 2.2.1 tokens) and Commands.
        case v2_3_0 = "2.3.0"

        /// What `serve` offers when not told: every release, so that a partner registers on
        /// the highest one both sides have (the operator narrows it with `--versions`).
        public static let defaults: [ServedRelease] = [.v2_1_1, .v2_2_1, .v2_3_0]

        public static func < (lhs: ServedRelease, rhs: ServedRelease) -> Bool {
            OCPIVersionOrder.precedes(lhs.rawValue, rhs.rawValue)
        }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, database: StoreLocation = .sqlite(path: "ocpi-cpo.sqlite"),
        adminToken: String, countryCode: String = "NL", partyID: String = "SOC", businessName: String = "Swift OCPI Charging",
        maximumPageSize: Int = 100, demoData: Bool = true, push: PushConfiguration = PushConfiguration(),
        simulator: ChargePointSimulator.Configuration? = nil, commandTimeout: Duration = .seconds(30),
        connections: ConnectionLimits = ConnectionLimits(), tokenSyncInterval: Duration = .seconds(3600), tls: ServerTLS? = nil,
        releases: [ServedRelease] = ServedRelease.defaults
    ) {
        self.releases = Array(Set(releases + [.v2_2_1])).sorted()
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "\(tls == nil ? "http" : "https")://\(host):\(port)"
        self.tls = tls
        self.database = database
        self.adminToken = adminToken
        self.countryCode = countryCode.uppercased()
        self.partyID = partyID.uppercased()
        self.businessName = businessName
        self.maximumPageSize = maximumPageSize
        self.demoData = demoData
        self.push = push
        self.simulator = simulator
        self.commandTimeout = commandTimeout
        self.connections = connections
        self.tokenSyncInterval = tokenSyncInterval
    }

    /// This platform as OCPI names it.
    public var party: PartyIdentity { PartyIdentity(countryCode: countryCode, partyID: partyID) }

    /// What a connection from the internet may hold and for how long.
    public struct ConnectionLimits: Sendable, Equatable {
        /// A request's head and body must come within this time of its first bytes (408 otherwise).
        public var readTimeout: Duration
        /// A connection with nothing to do, or whose client reads nothing, is closed after this.
        public var idleTimeout: Duration
        /// Connections open at once; more are closed as they come.
        public var maximumConnections: Int
        /// The largest request body, in bytes (413 above it).
        public var maximumBodySize: Int

        public init(readTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60), maximumConnections: Int = 4096, maximumBodySize: Int = 1 << 20) {
            self.readTimeout = readTimeout
            self.idleTimeout = idleTimeout
            self.maximumConnections = maximumConnections
            self.maximumBodySize = maximumBodySize
        }
    }

    /// The settings key under which `serve` records its public URL, for `parties invite`.
    public static let publicURLSetting = "public_url"
    /// The releases `serve` was told to serve (`--versions`), comma-separated, for `parties register`.
    public static let releasesSetting = "served_releases"
}
