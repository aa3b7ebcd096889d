import Foundation
import OCPIServer
import OCPIStore

/// The partner registry of the CPO server, kept in its store as JSON documents.
public struct StoreRegistry: PartnerRegistry {
    public let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
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
    /// `SQLStore.partner(incomingToken:decode:)`).
    public func partner(incomingToken: String) async throws -> PartnerRecord? {
        try await store.partner(incomingToken: incomingToken, decode: Self.decode)
    }

    public func partner(id: String) async throws -> PartnerRecord? {
        try await store.partner(id: id).map(Self.decode)
    }

    public func insert(_ partner: PartnerRecord) async throws {
        try await store.insertPartner(id: partner.id, incomingToken: partner.incomingToken, document: Array(try Self.encoder.encode(partner)))
    }

    public func update(_ partner: PartnerRecord) async throws {
        var partner = partner
        partner.updatedAt = Date()
        try await store.updatePartner(id: partner.id, incomingToken: partner.incomingToken, document: Array(try Self.encoder.encode(partner)))
    }

    public func partners() async throws -> [PartnerRecord] {
        try await store.partners().map(Self.decode)
    }

    /// Mints a registration token (token A) for a new partner.
    public func invite() async throws -> PartnerRecord {
        let partner = PartnerRecord(id: UUID().uuidString.lowercased(), status: .invited, incomingToken: TokenGenerator.make())
        try await insert(partner)
        return partner
    }
}
