import OCPI211
import OCPI230
import OCPIRuntime

// How each release's modules take the credentials token, from its spec (`token_encoding:`),
// for the route tables `CPOServer.ocpiRoutes` mounts.
extension Release211 {
    static let tokenForm = OCPI211.OCPIRelease.tokenEncoding
}

extension Release230 {
    static let tokenForm = OCPI230.OCPIRelease.tokenEncoding
}
