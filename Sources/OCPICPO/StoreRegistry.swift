import Foundation
import OCPIRuntime
import OCPIServer
import OCPIStore

/// The partner registry of the CPO server, kept in its store as JSON documents.
public struct StoreRegistry: PartnerRegistry {
    public let store: SQLStore
    private let recent: RecentPartners<PartnerRecord>

    public init(store: SQLStore) {
        self.store = store
        recent = RecentPartners(store: store)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    private static func decode(_ document: [UInt8]) throws -> PartnerRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(PartnerRecord.self, from: Data(document))
    }

    /// Asked on every OCPI request: remembered by the store for a second (see
    /// `RecentPartners`). A partner remembered as not registered is read
    /// again: one in the middle of its handshake (`parties register` in another process) must
    /// not be refused its modules for that second once registered, and such reads are few.
    public func partner(incomingToken: String) async throws -> PartnerRecord? {
        guard let remembered = try await recent.partner(presenting: incomingToken, digest: CredentialsTokenDigest.of, decode: Self.decode) else {
            return nil
        }
        if remembered.status == .registered { return remembered }
        return try await store.partner(tokenHash: CredentialsTokenDigest.of(incomingToken)).map(Self.decode)
    }

    public func partner(id: String) async throws -> PartnerRecord? {
        try await store.partner(id: id).map(Self.decode)
    }

    public func insert(_ partner: PartnerRecord) async throws {
        try await held {
            try await store.insertPartner(
                id: partner.id, tokenHash: partner.incomingTokenHash, parties: partner.heldParties, document: Array(try Self.encoder.encode(partner))
            )
        }
    }

    public func update(_ partner: PartnerRecord) async throws {
        var partner = partner
        partner.updatedAt = Date()
        try await held {
            try await store.updatePartner(
                id: partner.id, tokenHash: partner.incomingTokenHash, parties: partner.heldParties, document: Array(try Self.encoder.encode(partner))
            )
        }
    }

    /// The store's refusal of a party another partner holds, as the server knows it.
    private func held(_ write: () async throws -> Void) async throws {
        do {
            try await write()
        } catch StoreError.partyTaken(let party, let holder) {
            throw PartyTakenError(party: party, holder: holder)
        }
    }

    public func partners() async throws -> [PartnerRecord] {
        try await store.partners().map(Self.decode)
    }

    public func holder(of party: PartyIdentity) async throws -> String? {
        try await store.partyHolder(party)
    }

    /// A new partner's registration token (token A), shown once: only its digest is kept.
    public struct Invitation: Sendable {
        public var partner: PartnerRecord
        public var token: String
    }

    /// Switches whether `partnerID` is caught up after it was unreachable (`ocpi-cpo parties
    /// catch-up`, the console); the partner as updated, `nil` when there is no such partner.
    public func setCatchUp(partnerID: String, _ on: Bool) async throws -> PartnerRecord? {
        guard var partner = try await partner(id: partnerID) else { return nil }
        partner.catchUp = on
        try await update(partner)
        return partner
    }

    /// `CC/PID`, as `parties invite --party` and the console take a party: two letters, a slash,
    /// three letters or digits (OCPI's country code and party id); `nil` for anything else.
    public static func party(parsing text: String) -> PartyIdentity? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[0].allSatisfy({ $0.isASCII && $0.isLetter }), parts[1].count == 3,
            parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        return PartyIdentity(countryCode: String(parts[0]), partyID: String(parts[1])).normalized
    }

    /// Mints a registration token (token A) for a new partner; with `party`, the partner may
    /// register only as that party, which is held for it from now on (`PartyTakenError` when
    /// another partner holds it).
    public func invite(as party: PartyIdentity? = nil) async throws -> Invitation {
        let token = TokenGenerator.make()
        let partner = PartnerRecord(id: UUID().uuidString.lowercased(), status: .invited, incomingToken: token, reservedParty: party?.normalized)
        try await insert(partner)
        return Invitation(partner: partner, token: token)
    }
}
