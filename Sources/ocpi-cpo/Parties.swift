import ArgumentParser
import Foundation
import Logging
import OCPIAsyncHTTPClient
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore

/// `ocpi-cpo parties`: the partner platforms of this CPO.
struct Parties: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Invites, registers with and lists partner platforms.",
        subcommands: [Invite.self, Register.self, List.self, CatchUp.self, Policy.self, TokenEncoding.self, SyncTokens.self, Unregister.self]
    )

    /// The server as a command run beside it sees it: the public URL `serve` recorded, the
    /// party of `OCPI_CPO_COUNTRY_CODE` and `OCPI_CPO_PARTY_ID`, nothing listening.
    static func server(store: SQLStore, registry: StoreRegistry) async throws -> CPOServer {
        let publicURL = try await store.setting(CPOConfiguration.publicURLSetting) ?? "http://127.0.0.1:8080"
        // The releases the server serves, as `serve` recorded them: a partner registered with on
        // 2.1.1 must find 2.1.1 served.
        let releases = (try await store.setting(CPOConfiguration.releasesSetting) ?? "").split(separator: ",").compactMap {
            CPOConfiguration.ServedRelease(rawValue: String($0))
        }
        let configuration = CPOConfiguration(
            publicURL: publicURL, adminToken: "", countryCode: Environment.value("country-code") ?? "NL",
            partyID: Environment.value("party-id") ?? "SOC", demoData: false, releases: releases
        )
        return CPOServer(configuration: configuration, store: store, registry: registry, profile: CPOServer.profile(for: configuration), transport: HTTPClientTransport())
    }

    static func open(_ database: DatabaseOption) async throws -> (SQLStore, StoreRegistry) {
        let location = try database.location()
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no database at \(path): start `ocpi-cpo serve` first (or pass --database)")
        }
        var logger = Logger(label: "ocpi-cpo")
        logger.logLevel = .warning
        let store = try await SQLStore.open(location, logger: logger)
        return (store, StoreRegistry(store: store))
    }

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mints a registration token (token A) and prints it with the versions URL.")

        @OptionGroup var database: DatabaseOption
        @Flag(help: "Print one line of JSON: {\"versions_url\": \"...\", \"token\": \"...\"}.") var json = false
        @Option(help: "CC/PID: the token registers only as this party (country code / party id), held for it from now on.")
        var party: String?

        func run() async throws {
            let reserved = try party.map(Self.parseParty)
            let (store, registry) = try await Parties.open(database)
            guard let publicURL = try await store.setting(CPOConfiguration.publicURLSetting) else {
                try await store.shutdown()
                throw ValidationError("the database has no public URL yet: start `ocpi-cpo serve` on it once")
            }
            let invitation: StoreRegistry.Invitation
            do {
                invitation = try await registry.invite(as: reserved)
            } catch let taken as PartyTakenError {
                try await store.shutdown()
                throw ValidationError("\(taken.party) is held by partner \(taken.holder) (`ocpi-cpo parties list`)")
            }
            let versionsURL = publicURL + "/ocpi/versions"
            if json {
                var writer = JSONWriter()
                writer.string(versionsURL)
                let url = String(decoding: writer.bytes, as: UTF8.self)
                writer = JSONWriter()
                writer.string(invitation.token)
                print("{\"versions_url\": \(url), \"token\": \(String(decoding: writer.bytes, as: UTF8.self))}")
            } else {
                print("versions URL  \(versionsURL)")
                print("token A       \(invitation.token)")
                if let reserved { print("party         \(reserved) (the only party this token registers as)") }
                print("(kept only as a digest: this is the one time it is shown)")
            }
            try await store.shutdown()
        }

        /// `CC/PID`: two letters, a slash, three letters or digits (OCPI's country code and party id).
        static func parseParty(_ text: String) throws -> PartyIdentity {
            guard let party = StoreRegistry.party(parsing: text) else {
                throw ValidationError("--party must be COUNTRY_CODE/PARTY_ID, such as DE/MSP, not '\(text)'")
            }
            return party
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Registers with a partner platform (we start the handshake); `ocpi-cpo serve` must be running on the same database."
        )

        @Option(name: .customLong("versions-url"), help: "The partner's versions URL.") var versionsURL: String
        @Option(help: "The registration token (token A) the partner gave us.") var token: String
        @OptionGroup var database: DatabaseOption
        @Option(name: .customLong("country-code"), help: "This CPO's country code (as `serve` was started with; default NL).") var countryCode: String?
        @Option(name: .customLong("party-id"), help: "This CPO's party id (as `serve` was started with; default SOC).") var partyID: String?

        func run() async throws {
            let (store, registry) = try await Parties.open(database)
            guard let publicURL = try await store.setting(CPOConfiguration.publicURLSetting) else {
                throw ValidationError("the database has no public URL yet: start `ocpi-cpo serve` on it")
            }
            let configuration = CPOConfiguration(
                publicURL: publicURL, adminToken: "", countryCode: countryCode ?? Environment.value("country-code") ?? "NL",
                partyID: partyID ?? Environment.value("party-id") ?? "SOC", demoData: false
            )
            let server = CPOServer(configuration: configuration, store: store, registry: registry, profile: CPOServer.profile(for: configuration), transport: HTTPClientTransport())
            do {
                let partner = try await server.credentials.register(versionsURL: versionsURL, tokenA: token)
                print("registered with \(partner.roles.map { "\($0.countryCode)/\($0.partyID) (\($0.role))" }.joined(separator: ", ")), OCPI \(partner.version ?? "?"); partner id \(partner.id)")
                // The running server would pull its tokens soon; this process has them now.
                if partner.endpoint(.tokens, role: .sender) != nil {
                    do {
                        print("tokens: \(try await Parties.tokenSync(server).sync(partnerID: partner.id))")
                    } catch {
                        print("tokens: not pulled (\(error)); `ocpi-cpo parties sync-tokens \(partner.id)` tries again")
                    }
                }
            } catch {
                try await store.shutdown()
                throw ValidationError("registration failed: \(error)")
            }
            try await store.shutdown()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the partner platforms and their state.")

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let (store, registry) = try await Parties.open(database)
            let partners = try await registry.partners()
            if partners.isEmpty { print("no partners yet: `ocpi-cpo parties invite` makes a registration token") }
            for partner in partners {
                var roles = partner.roles.map { "\($0.countryCode)/\($0.partyID) \($0.role)" }.joined(separator: ", ")
                if roles.isEmpty, partner.status == .invited, let reserved = partner.reservedParty { roles = "for \(reserved)" }
                print([
                    partner.id, partner.status.rawValue, roles.isEmpty ? "-" : roles, partner.version ?? "-", partner.versionsURL ?? "-",
                    partner.catchUp ? "catch-up" : "no-catch-up", "reading:\(partner.readingPolicy.rawValue)", "writing:\(partner.validation.rawValue)",
                ].joined(separator: "  "))
            }
            try await store.shutdown()
        }
    }

    /// The token sync of a CPO on this database, outside a running server.
    static func tokenSync(_ server: CPOServer) -> TokenSync {
        var logger = Logger(label: "ocpi-cpo")
        logger.logLevel = .warning
        return TokenSync(store: server.store, registry: server.registry, transport: server.transport, ourParty: server.configuration.party, logger: logger)
    }

    struct SyncTokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync-tokens",
            abstract: "Pulls a registered eMSP's token list now (what changed since the last pull), as a running server does on an interval."
        )

        @Argument(help: "The partner's id, as `parties list` shows it.") var partnerID: String
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let (store, registry) = try await Parties.open(database)
            let server = try await Parties.server(store: store, registry: registry)
            do {
                print("tokens of \(partnerID): \(try await Parties.tokenSync(server).sync(partnerID: partnerID))")
            } catch {
                try await store.shutdown()
                throw ValidationError("token sync failed: \(error)")
            }
            try await store.shutdown()
        }
    }

    struct Policy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sets how strictly a partner's data is judged: what we read from it (--reading) and what it writes to us (--writing)."
        )

        @Argument(help: "The partner's id, as `parties list` shows it.") var partnerID: String
        @Option(help: "strict (data that cannot be read fails the call) or lenient (each object read as far as it can be, with its violations).")
        var reading: ValidationPolicy?
        @Option(help: "strict (a payload that breaks a rule is refused with 2001) or lenient (accepted, its violations recorded).")
        var writing: ValidationPolicy?
        @OptionGroup var database: DatabaseOption

        func validate() throws {
            guard reading != nil || writing != nil else { throw ValidationError("give --reading, --writing or both") }
        }

        func run() async throws {
            let (store, registry) = try await Parties.open(database)
            guard var partner = try await registry.partner(id: partnerID) else {
                try await store.shutdown()
                throw ValidationError("no partner with id \(partnerID): `ocpi-cpo parties list` shows them")
            }
            if let reading { partner.readingPolicy = reading }
            if let writing { partner.validation = writing }
            try await registry.update(partner)
            print("\(partner.id): reading \(partner.readingPolicy.rawValue), writing \(partner.validation.rawValue)")
            try await store.shutdown()
        }
    }

    struct TokenEncoding: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token-encoding",
            abstract: "Sets how a partner writes credentials tokens: base64 (its release's form from 2.2 on) or raw (as it is, for a platform that never encodes; 2.1.1 partners are raw already). Both directions: what it sends us and what we send it."
        )

        @Argument(help: "The partner's id, as `parties list` shows it.") var partnerID: String
        @Flag(exclusivity: .exclusive, help: "The partner's form of the token.") var encoding: CredentialsToken.Encoding
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let (store, registry) = try await Parties.open(database)
            guard var partner = try await registry.partner(id: partnerID) else {
                try await store.shutdown()
                throw ValidationError("no partner with id \(partnerID): `ocpi-cpo parties list` shows them")
            }
            partner.tokenEncoding = encoding
            try await registry.update(partner)
            print("\(partner.id): token \(encoding.rawValue)")
            try await store.shutdown()
        }
    }

    struct Unregister: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ends a partner's registration from our side: its token stops working, its parties are free, and it is told (DELETE of its credentials)."
        )

        @Argument(help: "The partner's id, as `parties list` shows it.") var partnerID: String
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let (store, registry) = try await Parties.open(database)
            let server = try await Parties.server(store: store, registry: registry)
            let outcome: CredentialsService<StoreRegistry>.Unregistration?
            do {
                outcome = try await server.credentials.unregister(partnerID: partnerID)
            } catch {
                try await store.shutdown()
                throw ValidationError("unregistering failed: \(error)")
            }
            try await store.shutdown()
            switch outcome {
            case nil: throw ValidationError("no registered partner with id \(partnerID): `ocpi-cpo parties list` shows them")
            case .told?: print("\(partnerID) unregistered; the partner was told")
            case .notTold?: print("\(partnerID) unregistered; the partner lists no credentials endpoint to tell")
            case .failed(let reason)?: print("\(partnerID) unregistered; telling the partner failed: \(reason)")
            }
        }
    }

    struct CatchUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "catch-up",
            abstract: "Switches whether a partner that was unreachable is sent the current state of what changed meanwhile (on by default)."
        )

        enum Setting: String, EnumerableFlag {
            case on, off
        }

        @Argument(help: "The partner's id, as `parties list` shows it.") var partnerID: String
        @Flag(exclusivity: .exclusive, help: "Catch up with this partner, or leave resynchronising to its own GETs.") var setting: Setting
        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let (store, registry) = try await Parties.open(database)
            guard let partner = try await registry.setCatchUp(partnerID: partnerID, setting == .on) else {
                try await store.shutdown()
                throw ValidationError("no partner with id \(partnerID): `ocpi-cpo parties list` shows them")
            }
            print("catch-up \(setting.rawValue) for \(partner.id)")
            try await store.shutdown()
        }
    }
}

extension ValidationPolicy: ExpressibleByArgument {}
extension CredentialsToken.Encoding: EnumerableFlag {}
