import Foundation
import Logging
import OCPI221
import OCPIRuntime

extension CredentialsService {
    /// What came of unregistering a partner from our side.
    public enum Unregistration: Sendable, Equatable {
        /// The partner took our DELETE of its credentials.
        case told
        /// It lists no credentials endpoint or gave us no token: only our side forgot it.
        case notTold
        /// Our DELETE failed (the reason); our side forgot it all the same.
        case failed(String)
    }

    /// Ends the registration of `partnerID` from our side: no token of it is accepted from now
    /// on, its parties are free again, and it is told with a DELETE of its credentials (OCPI
    /// 2.2.1 §7.2.4: either party may unregister). Our side forgets it first, whatever the
    /// partner answers. `nil` when there is no such registered partner.
    public func unregister(partnerID: String) async throws -> Unregistration? {
        guard var partner = try await registry.partner(id: partnerID), partner.status == .registered else { return nil }
        let connection = partner.connection(to: .credentials, role: .receiver, transport: transport)
        partner.status = .unregistered
        try await registry.update(partner)
        logger.info("partner unregistered by us", metadata: ["partner": .string(partner.id)])
        guard let connection else { return .notTold }
        do {
            _ = try await CredentialsSenderClient(connection: connection).deleteCredentials()
            return .told
        } catch {
            logger.warning("the partner was not told it is unregistered", metadata: ["partner": .string(partner.id), "error": "\(error)"])
            return .failed("\(error)")
        }
    }
}
