import Foundation
import Logging
import NIOCore
import OCPI221
import OCPIAsyncHTTPClient
import OCPINIOServer
import OCPIRuntime
import OCPIServer
import OCPIStore
import Prometheus
import ServiceLifecycle

/// The CPO server: its store, its partners and every route it serves. `ocpi-cpo serve` and the
/// tests build it the same way.
public struct CPOServer: Sendable {
    public let configuration: CPOConfiguration
    public let store: SQLStore
    public let registry: StoreRegistry
    public let profile: PlatformProfile
    public let transport: any OCPIClientTransport
    /// Sends every change of our objects to the partners that receive them.
    public let pusher: CPOPusher
    /// The CPO's own objects, for the operator's systems (the admin API is built on it).
    public let objects: CPOObjects
    /// The charge points behind commands and charging profiles, if any.
    public let chargePoints: (any ChargePointLink)?
    /// Every metric of this server, served at `/metrics` in Prometheus's text format.
    public let metrics: PrometheusCollectorRegistry
    /// Pulls eMSPs' token lists: every `configuration.tokenSyncInterval`, and after each
    /// registration. Runs beside the HTTP server (`services(logger:onServerRunning:)`).
    public let tokenSync: TokenSyncService
    /// Command and charging-profile results still owed to eMSPs.
    let pendingResults = PendingResults()
    let logger: Logger

    public static let cpoBasePath = "/ocpi/cpo/\(OCPIRelease.version)"

    /// Opens (creating and migrating) the store, records the public URL for `parties invite`,
    /// and loads the demo data into an empty store when asked to.
    /// `chargePoints` is the link to real charge points; without one, the configuration's
    /// simulator (when it has one) stands in.
    public static func open(
        _ configuration: CPOConfiguration, transport: any OCPIClientTransport = HTTPClientTransport(), chargePoints: (any ChargePointLink)? = nil,
        logger: Logger, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) async throws -> CPOServer {
        let store = try await SQLStore.open(configuration.database, logger: logger, metrics: ServerMetrics.factory(metrics))
        do {
            try await store.setSetting(CPOConfiguration.publicURLSetting, configuration.publicURL)
            try await store.setSetting(CPOConfiguration.releasesSetting, configuration.releases.map(\.rawValue).joined(separator: ","))
            if configuration.demoData, try await DemoData.loadIfEmpty(into: store, party: configuration.party) {
                logger.info("loaded the demo data: 3 locations in Utrecht, 2 tariffs")
            }
        } catch {
            // Nobody else holds the store yet: released open, its connections would stay open
            // (and SQLiteNIO asserts that they were closed).
            try? await store.shutdown()
            throw error
        }
        let server = CPOServer(
            configuration: configuration, store: store, registry: StoreRegistry(store: store), profile: profile(for: configuration),
            transport: transport, chargePoints: chargePoints, logger: logger, metrics: metrics
        )
        return server
    }

    /// A server on an open store; pushes and the token sync go out while its services run
    /// (`services(logger:onServerRunning:)`).
    public init(
        configuration: CPOConfiguration, store: SQLStore, registry: StoreRegistry, profile: PlatformProfile, transport: any OCPIClientTransport,
        chargePoints: (any ChargePointLink)? = nil, logger: Logger = Logger(label: "ocpi-cpo"),
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.store = store
        self.registry = registry
        self.profile = profile
        self.transport = transport
        self.logger = logger
        pusher = CPOPusher(
            store: store, registry: registry, party: configuration.party, transport: transport, configuration: configuration.push,
            logger: logger, metrics: ServerMetrics.factory(metrics)
        )
        let objects = CPOObjects(store: store, party: configuration.party, observer: pusher)
        self.objects = objects
        tokenSync = TokenSyncService(
            sync: TokenSync(
                store: store, registry: registry, transport: transport, ourParty: configuration.party, logger: logger,
                metrics: ServerMetrics.factory(metrics)
            ),
            interval: configuration.tokenSyncInterval
        )
        let authorizer = TokenAuthorizer(store: store, registry: registry, transport: transport, logger: logger)
        self.chargePoints = chargePoints ?? configuration.simulator.map {
            ChargePointSimulator(objects: objects, configuration: $0, authorizer: authorizer, logger: logger)
        }
    }

    /// Posts the results still owed (a charge point that has not answered yet: as timed out)
    /// and closes the store; once the services have stopped.
    public func shutdown() async throws {
        await pendingResults.close()
        try await store.shutdown()
    }

    /// What the versions and credentials modules say about this CPO.
    public static func profile(for configuration: CPOConfiguration) -> PlatformProfile {
        let role = CredentialsRole(
            role: .cpo, businessDetails: BusinessDetails(name: configuration.businessName),
            partyID: configuration.partyID, countryCode: configuration.countryCode
        )
        let modules: [PlatformProfile.Module] = [
            .init(.credentials, .sender, path: cpoBasePath + "/credentials"),
            .init(.locations, .sender, path: cpoBasePath + "/locations"),
            .init(.sessions, .sender, path: cpoBasePath + "/sessions"),
            .init(.cdrs, .sender, path: cpoBasePath + "/cdrs"),
            .init(.tariffs, .sender, path: cpoBasePath + "/tariffs"),
            .init(.tokens, .receiver, path: cpoBasePath + "/tokens"),
            .init(.commands, .receiver, path: cpoBasePath + "/commands"),
            .init(.chargingprofiles, .receiver, path: cpoBasePath + "/chargingprofiles"),
            .init(.hubclientinfo, .receiver, path: cpoBasePath + "/hubclientinfo"),
        ]
        var profile = PlatformProfile(publicURL: configuration.publicURL, roles: [role], modules: modules)
        profile.releases = configuration.releases.map(\.rawValue)
        return profile
    }

    public var credentials: CredentialsService<StoreRegistry> {
        credentials(logger: Logger(label: "ocpi.credentials"))
    }

    public func credentials(logger: Logger) -> CredentialsService<StoreRegistry> {
        let tokenSync = tokenSync
        let pusher = pusher
        return CredentialsService(registry: registry, profile: profile, transport: transport, logger: logger) { partner in
            tokenSync.request(partner.id)
            await pusher.registered(partner)
        }
    }

    /// One release's route table and where it is mounted.
    public struct ReleaseRoutes: Sendable {
        public var basePath: String
        /// How partners write their tokens in these routes: as the release's spec says
        /// (`token_encoding:`; 2.1.1 as it is, later releases in base64), never guessed from the
        /// token itself. (The versions and credentials modules take either: see
        /// `OCPIServerConfiguration.tokenForm`.)
        public var tokenForm: CredentialsToken.Encoding
        public var routes: [OCPIRoute]

        init(_ basePath: String, _ tokenForm: CredentialsToken.Encoding, _ routes: [OCPIRoute]) {
            self.basePath = basePath
            self.tokenForm = tokenForm
            self.routes = routes
        }
    }

    /// The OCPI routes partners call with their credentials token, by base path: versions and
    /// the CPO's modules. `router(logger:)` mounts exactly these, and the security tests walk
    /// them, so that no endpoint escapes either.
    public func ocpiRoutes(logger: Logger) -> [ReleaseRoutes] {
        [
            ReleaseRoutes("/ocpi", OCPIRelease.tokenEncoding, OCPIRoutes.versionsSender(VersionsService(profile: profile))),
            ReleaseRoutes(
                Self.cpoBasePath, OCPIRelease.tokenEncoding,
                OCPIRoutes.credentialsSender(credentials(logger: logger))
                    + OCPIRoutes.locationsSender(CPOLocations(store: store, party: configuration.party))
                    + OCPIRoutes.sessionsSender(CPOSessions(store: store, party: configuration.party))
                    + OCPIRoutes.cdrsSender(CPOCDRs(store: store, party: configuration.party))
                    + OCPIRoutes.tariffsSender(CPOTariffs(store: store, party: configuration.party))
                    + OCPIRoutes.tokensReceiver(CPOTokens(store: store))
                    + OCPIRoutes.commandsReceiver(CPOCommands(
                        store: store, party: configuration.party, link: chargePoints, delivery: delivery, timeout: configuration.commandTimeout,
                        logger: logger
                    ))
                    + OCPIRoutes.chargingProfilesReceiver(CPOChargingProfiles(
                        store: store, party: configuration.party, link: chargePoints, delivery: delivery, timeout: configuration.commandTimeout
                    ))
                    + OCPIRoutes.hubClientInfoReceiver(CPOHubClientInfo(store: store))
            ),
        ] + release211Routes(logger: logger) + release230Routes(logger: logger)
    }

    /// The 2.1.1 version details and modules, when 2.1.1 is served (its list of versions is
    /// 2.2.1's, which names it).
    private func release211Routes(logger: Logger) -> [ReleaseRoutes] {
        guard configuration.releases.contains(.v2_1_1) else { return [] }
        let versions = CPOVersions211(publicURL: configuration.publicURL, served: profile.releases)
        return [
            ReleaseRoutes("/ocpi", Release211.tokenForm, OCPIRoutes.versionsSender(versions).filter { $0.path == Release211.detailsPath }),
            ReleaseRoutes(
                Release211.basePath, Release211.tokenForm,
                OCPIRoutes.credentialsSender(CredentialsService211(credentials(logger: logger)))
                    + OCPIRoutes.locationsSender(CPOLocations211(store: store, party: configuration.party))
                    + OCPIRoutes.sessionsSender(CPOSessions211(store: store, party: configuration.party))
                    + OCPIRoutes.cdrsSender(CPOCDRs211(store: store, party: configuration.party))
                    + OCPIRoutes.tariffsSender(CPOTariffs211(store: store, party: configuration.party))
                    + OCPIRoutes.tokensReceiver(CPOTokens211(store: store))
                    + OCPIRoutes.commandsReceiver(CPOCommands211(commands: CPOCommands(
                        store: store, party: configuration.party, link: chargePoints, delivery: delivery, timeout: configuration.commandTimeout,
                        logger: logger, postResult: CPOCommands211.post
                    )))
            ),
        ]
    }

    /// The 2.3.0 version details and modules, when 2.3.0 is served (its list of versions is
    /// 2.2.1's, which names it).
    private func release230Routes(logger: Logger) -> [ReleaseRoutes] {
        guard configuration.releases.contains(.v2_3_0) else { return [] }
        let versions = CPOVersions230(publicURL: configuration.publicURL, served: profile.releases)
        return [
            ReleaseRoutes("/ocpi", Release230.tokenForm, OCPIRoutes.versionsSender(versions).filter { $0.path == Release230.detailsPath }),
            ReleaseRoutes(
                Release230.basePath, Release230.tokenForm,
                OCPIRoutes.credentialsSender(CredentialsService230(credentials(logger: logger)))
                    + OCPIRoutes.locationsSender(CPOLocations230(store: store, party: configuration.party))
                    + OCPIRoutes.sessionsSender(CPOSessions230(store: store, party: configuration.party))
                    + OCPIRoutes.cdrsSender(CPOCDRs230(store: store, party: configuration.party))
                    + OCPIRoutes.tariffsSender(CPOTariffs230(store: store, party: configuration.party))
                    + OCPIRoutes.tokensReceiver(CPOTokens230(store: store))
                    + OCPIRoutes.commandsReceiver(CPOCommands230(commands: CPOCommands(
                        store: store, party: configuration.party, link: chargePoints, delivery: delivery, timeout: configuration.commandTimeout,
                        logger: logger, postResult: CPOCommands230.post
                    )))
                    + OCPIRoutes.chargingProfilesReceiver(CPOChargingProfiles230(profiles: CPOChargingProfiles(
                        store: store, party: configuration.party, link: chargePoints, delivery: delivery, timeout: configuration.commandTimeout,
                        posts: CPOChargingProfiles230.posts
                    )))
                    + OCPIRoutes.hubClientInfoReceiver(CPOHubClientInfo230(clientInfo: CPOHubClientInfo(store: store)))
            ),
        ]
    }

    /// The admin API's routes taking bodies in `release` (one of `AdminAPI.releases`), mounted
    /// below `AdminAPI.basePath(of: release)` with the admin token, as `router(logger:)` mounts
    /// them.
    public func adminRoutes(in release: String) -> [OCPIRoute] {
        AdminAPI(objects: objects, simulator: chargePoints as? ChargePointSimulator).routes(in: release)
    }

    private var delivery: ResultDelivery {
        ResultDelivery(registry: registry, transport: transport, logger: logger, pending: pendingResults)
    }

    /// Every route: versions, the CPO's modules, the admin API and the console, `/health`, `/metrics`, `/docs`.
    public func router(logger: Logger) -> HTTPRouter {
        let requestMetrics = RequestMetrics(factory: ServerMetrics.factory(metrics))
        let serverConfiguration = OCPIServerConfiguration(
            publicURL: configuration.publicURL, ownParties: profile.parties,
            pagination: PaginationPolicy(maximumLimit: configuration.maximumPageSize), metrics: requestMetrics
        )
        // `serve --max-body-size`: the router's one body limit, which the server keeps.
        var router = HTTPRouter(maximumBodySize: configuration.connections.maximumBodySize, logger: logger, metrics: requestMetrics)
        let authenticator = RegistryAuthenticator(registry: registry)
        for table in ocpiRoutes(logger: logger) {
            var mounted = serverConfiguration
            mounted.tokenForm = table.tokenForm
            router.addOCPIRoutes(table.routes, at: table.basePath, configuration: mounted, authenticator: authenticator, logger: logger)
        }
        let admin = AdminAuthenticator(token: configuration.adminToken, party: configuration.party)
        for release in AdminAPI.releases {
            router.addOCPIRoutes(adminRoutes(in: release), at: AdminAPI.basePath(of: release), configuration: serverConfiguration, authenticator: admin, logger: logger)
        }
        // The operator's console, beside the admin API (its own pages below `/admin`).
        OperatorConsole(server: self, logger: logger).add(to: &router)
        router.get("/health") { _, _ in
            HTTPServerResponse(status: 200, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8))
        }
        ServerMetrics.addEndpoint(to: &router, registry: metrics)
        Self.addDocumentation(to: &router)
        return router
    }

    /// The HTML reference of the release and its OpenAPI document, below `/docs` (no credentials:
    /// it describes the protocol, nothing of this server's data).
    static func addDocumentation(to router: inout HTTPRouter) {
        router.get("/docs") { _, _ in
            HTTPServerResponse(status: .movedPermanently, headerFields: [.location: "/docs/index.html"])
        }
        router.get("/docs/openapi.yaml") { request, _ in
            guard let document = OCPIRelease.openAPIDocument else { return .error(OCPIError(.notFound, "No such document: \(request.path)")) }
            return HTTPServerResponse(status: 200, contentType: "application/yaml", body: Array(document))
        }
        router.get("/docs/{page}") { request, parameters in
            guard let page = parameters.first?.value, let html = OCPIRelease.documentationPage(page) else {
                return .error(OCPIError(.notFound, "No such document: \(request.path)"))
            }
            return HTTPServerResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(html))
        }
    }

    /// What `ocpi-cpo serve` runs in its service group: the HTTP server, the pusher, the token
    /// sync, and with TLS the reload of its certificate on SIGHUP.
    public func services(logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> [any Service] {
        let reload: [any Service] = configuration.tls.map { [TLSReloadService(tls: $0, logger: logger)] } ?? []
        return [httpServer(logger: logger, onServerRunning: onServerRunning), pusher, tokenSync] + reload
    }

    /// The HTTP server, listening where the configuration says.
    public func httpServer(logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> OCPIHTTPServer {
        OCPIHTTPServer(
            router: router(logger: logger),
            configuration: .init(
                host: configuration.host, port: configuration.port, serverName: "ocpi-cpo",
                idleTimeout: TimeAmount(configuration.connections.idleTimeout), readTimeout: TimeAmount(configuration.connections.readTimeout),
                maximumConnections: configuration.connections.maximumConnections, tls: configuration.tls
            ),
            logger: logger, onServerRunning: onServerRunning
        )
    }
}
