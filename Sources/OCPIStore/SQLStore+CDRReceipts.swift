import Foundation
import OCPIRuntime
import SQLKit

/// Where each partner keeps the CDRs we posted to it (the `Location` it answered), so that a
/// CDR is never posted twice to one partner.
extension SQLStore {
    /// Keeps the URL under which a partner stores a CDR we posted (its `Location` header).
    public func recordCDRLocation(partnerID: String, _ key: ObjectKey, url: String) async throws {
        try await query("""
            INSERT INTO cdr_receipts (partner_id, country_code, party_id, cdr_id, location_url)
            VALUES (\(bind: partnerID), \(bind: key.countryCode), \(bind: key.partyID), \(bind: key.id), \(bind: url))
            ON CONFLICT (partner_id, country_code, party_id, cdr_id) DO UPDATE SET location_url = excluded.location_url
            """).run()
    }

    public func cdrLocation(partnerID: String, _ key: ObjectKey) async throws -> String? {
        try await query("""
            SELECT location_url FROM cdr_receipts
            WHERE partner_id = \(bind: partnerID) AND country_code = \(bind: key.countryCode) AND party_id = \(bind: key.partyID) AND cdr_id = \(bind: key.id)
            """).first()?.decode(column: "location_url", as: String.self)
    }
}
