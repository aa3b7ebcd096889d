import Foundation
import OCPI221
import OCPI230
import OCPIConversions
import OCPIRuntime
import OCPIStore

/// OCPI 2.3.0 (edition 2; the Payments package is not implemented) as this CPO serves it,
/// beside 2.2.1: its version details and its modules, each answering from the 2.2.1 objects the
/// store keeps, converted by the generated `Conversion221To230`
/// (spec/conversions/2.2.1-2.3.0.yaml).
enum Release230 {
    static let version = OCPI230.OCPIRelease.version
    /// Where the 2.3.0 modules are mounted.
    static let basePath = "/ocpi/cpo/\(version)"
    /// Where the 2.3.0 version details are, below `/ocpi`.
    static let detailsPath = "/\(version)"
    /// The module interfaces a 2.3.0 partner is offered, by the path below `basePath`.
    static let modules: [(OCPI230.ModuleID, OCPI230.InterfaceRole, String)] = [
        (.credentials, .sender, "/credentials"),
    ]
}

/// The 2.3.0 version details (the list of versions is 2.2.1's, which names 2.3.0 too).
struct CPOVersions230: OCPI230.VersionsSender {
    let publicURL: String
    let served: [String]

    func getVersions(_ context: OCPIRequestContext) async throws -> OCPIReply<[OCPI230.Version]> {
        .ok(served.map { OCPI230.Version(version: OCPI230.VersionNumber(rawValue: $0), url: publicURL + "/ocpi/" + $0) })
    }

    func getVersionDetails(_ context: OCPIRequestContext) async throws -> OCPIReply<OCPI230.VersionDetails> {
        let endpoints = Release230.modules.map { OCPI230.Endpoint(identifier: $0.0, role: $0.1, url: publicURL + Release230.basePath + $0.2) }
        return .ok(OCPI230.VersionDetails(version: .v2_3_0, endpoints: endpoints))
    }
}
