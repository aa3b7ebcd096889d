import Foundation
import OCPI221
import OCPIRuntime

/// Who this platform is and what it offers: the facts the versions and credentials modules
/// hand to partners.
public struct PlatformProfile: Sendable {
    /// One module interface this platform implements, at a path below its public URL.
    public struct Module: Sendable {
        public var identifier: ModuleID
        public var role: InterfaceRole
        /// `/ocpi/cpo/2.2.1/locations`
        public var path: String

        public init(_ identifier: ModuleID, _ role: InterfaceRole, path: String) {
            self.identifier = identifier
            self.role = role
            self.path = path
        }
    }

    /// `scheme://host[:port][/prefix]` under which `/ocpi/versions` is reachable.
    public var publicURL: String
    /// The roles this platform acts in (CPO, with its business details).
    public var roles: [CredentialsRole]
    public var modules: [Module]
    public var versionsPath = "/ocpi/versions"
    public var versionDetailsPath = "/ocpi/\(OCPIRelease.version)"
    /// Every release served, each with its details at `/ocpi/<release>` (below the public URL);
    /// 2.2.1, whose modules this profile lists, is always among them.
    public var releases: [String] = [OCPIRelease.version]

    public init(publicURL: String, roles: [CredentialsRole], modules: [Module]) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.roles = roles
        self.modules = modules
    }

    public var versionsURL: String { publicURL + versionsPath }
    public var versionDetailsURL: String { publicURL + versionDetailsPath }

    /// The parties this platform is, for routing headers.
    public var parties: [PartyIdentity] {
        roles.map { PartyIdentity(countryCode: $0.countryCode, partyID: $0.partyID) }
    }

    /// Our credentials with the token a partner should use.
    public func credentials(token: String) -> Credentials {
        Credentials(token: token, url: versionsURL, roles: roles)
    }
}

/// The versions module: which releases this platform speaks (their list is the same in every
/// release) and, for 2.2.1, its modules.
public struct VersionsService: VersionsSender {
    public let profile: PlatformProfile

    public init(profile: PlatformProfile) {
        self.profile = profile
    }

    public func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[Version]> {
        .ok(profile.releases.map { Version(version: VersionNumber(rawValue: $0), url: profile.publicURL + "/ocpi/" + $0) })
    }

    public func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<VersionDetails> {
        let endpoints = profile.modules.map { Endpoint(identifier: $0.identifier, role: $0.role, url: profile.publicURL + $0.path) }
        return .ok(VersionDetails(version: VersionNumber(rawValue: OCPIRelease.version), endpoints: endpoints))
    }
}
