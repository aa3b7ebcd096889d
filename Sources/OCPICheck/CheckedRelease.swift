import Foundation
import OCPI211
import OCPI221
import OCPI230
import OCPIRuntime

/// One OCPI release as the checker knows it: everything comes from the release's generated
/// target (its version, types with their validators, PATCH types and OpenAPI document), save
/// two facts no value of the target holds: how the token is written in `Authorization`, and
/// the status codes of unknown objects. This is the one small table per release.
public struct CheckedRelease: Sendable {
    /// As in URLs and version details (`2.2.1`).
    public let version: String
    /// The release's edition (`d2`, `ed2`).
    public let edition: String
    /// How the credentials token is written in `Authorization`: as it is in 2.1.1, base64 from
    /// 2.2 on (the transport chapters say so in prose only).
    public let tokenEncoding: CredentialsToken.Encoding
    /// The status code of an unknown object, by module, where it is not the generic 2000: the
    /// spec's `not_found_code`, which neither the OpenAPI document nor any value of the
    /// generated target carries (the route tables do, but are built only around a handler).
    public let notFoundCodes: [String: Int]
    /// Object and class types by spec name, each with its validator.
    public let models: [String: any OCPIModel.Type]
    /// PATCH body types, by the spec name of the object they patch.
    public let patches: [String: any OCPIModel.Type]
    let openAPIDocument: @Sendable () -> Data?

    /// The releases this SDK carries, best first.
    public static let all: [CheckedRelease] = [
        CheckedRelease(
            version: OCPI230.OCPIRelease.version, edition: OCPI230.OCPIRelease.edition, tokenEncoding: .base64,
            notFoundCodes: ["locations": 2003, "tokens": 2004],
            models: OCPI230.OCPITypes.models, patches: OCPI230.OCPITypes.patches, openAPIDocument: { OCPI230.OCPIRelease.openAPIDocument }
        ),
        CheckedRelease(
            version: OCPI221.OCPIRelease.version, edition: OCPI221.OCPIRelease.edition, tokenEncoding: .base64,
            notFoundCodes: ["locations": 2003, "tokens": 2004],
            models: OCPI221.OCPITypes.models, patches: OCPI221.OCPITypes.patches, openAPIDocument: { OCPI221.OCPIRelease.openAPIDocument }
        ),
        CheckedRelease(
            version: OCPI211.OCPIRelease.version, edition: OCPI211.OCPIRelease.edition, tokenEncoding: .raw,
            notFoundCodes: ["locations": 2003],
            models: OCPI211.OCPITypes.models, patches: OCPI211.OCPITypes.patches, openAPIDocument: { OCPI211.OCPIRelease.openAPIDocument }
        ),
    ]

    public static func named(_ version: String) -> CheckedRelease? {
        all.first { $0.version == version }
    }

    /// The release's operations, from its OpenAPI document.
    public func catalog() throws -> OperationCatalog {
        guard let document = openAPIDocument() else {
            throw OperationCatalog.Unreadable(description: "the OCPI \(version) target has no OpenAPI document")
        }
        return try OperationCatalog(openAPI: document, version: version)
    }

    /// The response envelope type (`Response` in every release).
    var envelope: (any OCPIModel.Type)? { models["Response"] }
}
