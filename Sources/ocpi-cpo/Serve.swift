import ArgumentParser
import Foundation
import Logging
import OCPIAsyncHTTPClient
import OCPICPO
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore
import ServiceLifecycle

/// `ocpi-cpo serve`: the CPO server, with demo data on first run.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs the CPO server (SQLite in the working directory and demo data by default).")

    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 8080).") var port: Int?
    @Option(name: .customLong("public-url"), help: "scheme://host[:port][/prefix] under which /ocpi/versions is reachable (default http://HOST:PORT).")
    var publicURL: String?
    @OptionGroup var database: DatabaseOption
    @Option(name: .customLong("admin-token"), help: "Bearer token of the admin API (default: a new one, printed at start).")
    var adminToken: String?
    @Option(name: .customLong("country-code"), help: "This CPO's ISO 3166-1 alpha-2 country code (default NL).") var countryCode: String?
    @Option(name: .customLong("party-id"), help: "This CPO's party id (default SOC).") var partyID: String?
    @Option(name: .customLong("max-page-size"), help: "The largest page a list returns (X-Limit; default 100).") var maxPageSize: Int?
    @Option(name: .customLong("push-queue-limit"), help: "How many changes a partner may be behind and still get each as its own message; further behind, it gets each changed object's current state once (default 1000).")
    var pushQueueLimit: Int?
    @Option(name: .customLong("read-timeout"), help: "Seconds a request's head and body may take to arrive; then 408 and the connection closes (default 30).")
    var readTimeout: Int?
    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may stay idle, or leave its answers unread, before it is closed (default 60).")
    var idleTimeout: Int?
    @Option(name: .customLong("max-connections"), help: "Connections open at once; more are closed as they come (default 4096, lowered to fit the open-file limit).")
    var maxConnections: Int?
    @Option(name: .customLong("max-body-size"), help: "The largest request body in bytes; larger ones are refused with 413 (default 1048576).")
    var maxBodySize: Int?
    @Option(name: .customLong("token-sync-interval"), help: "Seconds between pulls of every eMSP's token list, also pulled after each registration; 0 switches it off (default 3600).")
    var tokenSyncInterval: Int?
    @Option(name: .customLong("tls-certificate"), help: "PEM file of the certificate (and its intermediates) to serve HTTPS with; needs --tls-private-key. Re-read on SIGHUP.")
    var tlsCertificate: String?
    @Option(name: .customLong("tls-private-key"), help: "PEM file of the certificate's private key.") var tlsPrivateKey: String?
    @Option(name: .customLong("tls-client-ca"), help: "PEM file of the certificate authorities whose client certificates partners must present (mutual TLS).")
    var tlsClientCA: String?
    @Option(name: .customLong("tls-ca-bundle"), help: "PEM file of certificate authorities trusted for partners' certificates, besides the system's (a private CA).")
    var tlsCABundle: String?
    @Option(name: .customLong("versions"), help: "The OCPI releases to serve, comma-separated: 2.2.1 (always served), 2.1.1 (registration, locations, tariffs, sessions, CDRs, tokens and commands) and 2.3.0 (the same modules as 2.1.1); default all three.")
    var versions: String?
    @Flag(name: .customLong("no-demo-data"), help: "Do not load demo data into an empty database.") var noDemoData = false
    @Option(name: .customLong("log-format"), help: "json (one JSON object per line, default) or text.") var logFormat: LogFormat?
    @Option(name: .customLong("log-level"), help: "trace, debug, info (default), notice, warning, error or critical.") var logLevel: String?

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case json, text
    }

    func resolvedConfiguration() throws -> CPOConfiguration {
        let host = host ?? Environment.value("host") ?? "127.0.0.1"
        guard let port = try port ?? Environment.value("port").map(parseInt("port")) ?? 8080 as Int?, (1...65535).contains(port) else {
            throw ValidationError("--port must be between 1 and 65535")
        }
        let pageSize = try maxPageSize ?? Environment.value("max-page-size").map(parseInt("max-page-size")) ?? 100
        guard pageSize >= 1 else { throw ValidationError("--max-page-size must be at least 1") }
        let queueLimit = try pushQueueLimit ?? Environment.value("push-queue-limit").map(parseInt("push-queue-limit")) ?? PushConfiguration().maximumQueuedPerPartner
        guard queueLimit >= 1 else { throw ValidationError("--push-queue-limit must be at least 1") }
        let connections = try resolvedConnectionLimits()
        let syncInterval = try tokenSyncInterval ?? Environment.value("token-sync-interval").map(parseInt("token-sync-interval")) ?? 3600
        guard syncInterval >= 0 else { throw ValidationError("--token-sync-interval must be 0 (off) or more") }
        let countryCode = countryCode ?? Environment.value("country-code") ?? "NL"
        let partyID = partyID ?? Environment.value("party-id") ?? "SOC"
        guard countryCode.count == 2, countryCode.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw ValidationError("--country-code must be two letters (ISO 3166-1 alpha-2), not '\(countryCode)'")
        }
        guard partyID.count == 3, partyID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ValidationError("--party-id must be three letters or digits, not '\(partyID)'")
        }
        let releases = try Self.releases(versions ?? Environment.value("versions") ?? CPOConfiguration.ServedRelease.defaults.map(\.rawValue).joined(separator: ","))
        let demoFlag = Environment.value("no-demo-data").map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
        return CPOConfiguration(
            host: host, port: port, publicURL: publicURL ?? Environment.value("public-url"),
            database: try database.location(),
            adminToken: adminToken ?? Environment.value("admin-token") ?? TokenGenerator.make(),
            countryCode: countryCode, partyID: partyID, maximumPageSize: pageSize, demoData: !(noDemoData || demoFlag),
            push: PushConfiguration(maximumQueuedPerPartner: queueLimit),
            // Demo mode has charge points to command: simulated ones.
            simulator: noDemoData || demoFlag ? nil : ChargePointSimulator.Configuration(),
            connections: connections, tokenSyncInterval: .seconds(syncInterval), tls: try resolvedTLS(), releases: releases
        )
    }

    /// `2.1.1,2.2.1`: each a release this server can serve, none twice.
    static func releases(_ text: String) throws -> [CPOConfiguration.ServedRelease] {
        var releases: [CPOConfiguration.ServedRelease] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let release = CPOConfiguration.ServedRelease(rawValue: item) else {
                let known = CPOConfiguration.ServedRelease.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--versions names '\(item)', which this server does not serve (it serves \(known))")
            }
            guard !releases.contains(release) else { throw ValidationError("--versions names \(item) twice") }
            releases.append(release)
        }
        return releases
    }

    /// The server's TLS files from the flags or their variables (`OCPI_CPO_TLS_CERTIFICATE`,
    /// `OCPI_CPO_TLS_PRIVATE_KEY`, `OCPI_CPO_TLS_CLIENT_CA`), read now so that a wrong file
    /// stops the start with its reason; `nil` for plain HTTP.
    func resolvedTLS() throws -> ServerTLS? {
        let certificate = tlsCertificate ?? Environment.value("tls-certificate")
        let key = tlsPrivateKey ?? Environment.value("tls-private-key")
        let clientCA = tlsClientCA ?? Environment.value("tls-client-ca")
        switch (certificate, key) {
        case (nil, nil):
            guard clientCA == nil else { throw ValidationError("--tls-client-ca needs --tls-certificate and --tls-private-key") }
            return nil
        case (let certificate?, let key?):
            do {
                return try ServerTLS(.init(certificateChain: certificate, privateKey: key, clientCertificateAuthorities: clientCA))
            } catch let error as ServerTLS.LoadError {
                throw ValidationError(error.description)
            }
        default:
            throw ValidationError("--tls-certificate and --tls-private-key go together")
        }
    }

    /// The transport of calls to partners: every call (handshake, push) ends within 10 seconds;
    /// partners' certificates are checked against the system's authorities and `--tls-ca-bundle`'s.
    func resolvedTransport() throws -> HTTPClientTransport {
        guard let bundle = tlsCABundle ?? Environment.value("tls-ca-bundle") else { return HTTPClientTransport(timeout: .seconds(10)) }
        do {
            return try HTTPClientTransport(trustingAlso: bundle, timeout: .seconds(10))
        } catch let error as HTTPClientTransport.CABundleError {
            throw ValidationError(error.description)
        }
    }

    /// The connection limits from the flags or their variables, each checked to be at least 1.
    private func resolvedConnectionLimits() throws -> CPOConfiguration.ConnectionLimits {
        let defaults = CPOConfiguration.ConnectionLimits()
        func value(_ flag: Int?, _ name: String) throws -> Int? {
            guard let value = try flag ?? Environment.value(name).map(parseInt(name)) else { return nil }
            guard value >= 1 else { throw ValidationError("--\(name) must be at least 1") }
            return value
        }
        return CPOConfiguration.ConnectionLimits(
            readTimeout: try value(readTimeout, "read-timeout").map { .seconds($0) } ?? defaults.readTimeout,
            idleTimeout: try value(idleTimeout, "idle-timeout").map { .seconds($0) } ?? defaults.idleTimeout,
            maximumConnections: try value(maxConnections, "max-connections") ?? defaults.maximumConnections,
            maximumBodySize: try value(maxBodySize, "max-body-size") ?? defaults.maximumBodySize
        )
    }

    private func parseInt(_ name: String) -> (String) throws -> Int {
        { text in
            guard let value = Int(text) else { throw ValidationError("OCPI_CPO_\(name.uppercased().replacingOccurrences(of: "-", with: "_")) must be a number, not '\(text)'") }
            return value
        }
    }

    /// The log format and level, from the flags or `OCPI_CPO_LOG_FORMAT` / `OCPI_CPO_LOG_LEVEL`.
    func resolvedLogging() throws -> (LogFormat, Logger.Level) {
        let formatText = logFormat?.rawValue ?? Environment.value("log-format") ?? LogFormat.json.rawValue
        guard let format = LogFormat(rawValue: formatText) else {
            throw ValidationError("the log format must be json or text, not '\(formatText)'")
        }
        let levelText = logLevel ?? Environment.value("log-level") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("the log level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not '\(levelText)'")
        }
        return (format, level)
    }

    func run() async throws {
        var configuration = try resolvedConfiguration()
        let (format, level) = try resolvedLogging()
        LoggingSystem.bootstrap { label in
            guard format == .text else { return StructuredLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "ocpi-cpo")
        logger.logLevel = level
        let fitted = OpenFileLimit.connections(fitting: configuration.connections.maximumConnections)
        if fitted < configuration.connections.maximumConnections {
            logger.warning(
                "fewer connections than asked: the open-file limit is too low",
                metadata: ["asked": "\(configuration.connections.maximumConnections)", "maximum": "\(fitted)"]
            )
            configuration.connections.maximumConnections = fitted
        }
        let server = try await CPOServer.open(configuration, transport: try resolvedTransport(), logger: logger)
        // One registration token stays on offer until a partner uses it. Only its digest is
        // kept, so it is shown when it is made, on the first start.
        let tokenA: String
        if let open = try await server.registry.partners().last(where: { $0.status == .invited && $0.reservedParty == nil }) {
            let since = OCPIDateTime(open.createdAt).description
            tokenA = "(the one shown at the start of \(since) is still open; `ocpi-cpo parties invite` makes another)"
        } else {
            tokenA = try await server.registry.invite().token + "   (give both to an eMSP to register; more with `ocpi-cpo parties invite`)"
        }
        let banner = """
            ocpi-cpo \(configuration.countryCode)/\(configuration.partyID) on \(configuration.database)
              listening on      \(configuration.tls == nil ? "http" : "https")://\(configuration.host):\(configuration.port)
              versions URL      \(server.profile.versionsURL)
              releases          \(configuration.releases.map(\.rawValue).joined(separator: ", "))
              token A           \(tokenA)
              admin token       \(configuration.adminToken)   (Authorization: Bearer ... on \(server.profile.publicURL)/admin/2.2.1 or /admin/2.3.0)
              console           \(server.profile.publicURL)/admin   (sign in with the admin token)
            """
        // Written once the server listens (a script may connect as soon as it reads it), at once
        // rather than buffered.
        let services = server.services(logger: logger, onServerRunning: { _ in
            FileHandle.standardOutput.write(Data((banner + "\n").utf8))
        })
        // SIGTERM or SIGINT: no new connections, the requests under way answered, then the store
        // closed.
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
