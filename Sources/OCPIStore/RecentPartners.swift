import Synchronization

/// Partners by the token they present, as their owner's record type (`Partner`), remembered for
/// up to a second: every OCPI request asks, and most within a second of the last one.
///
/// Remembered by the token itself, in memory only, so that a request that asks again needs no
/// digest. A change to a partner through the same store is seen at once (the store counts its
/// partner writes, `SQLStore.partnerGeneration`); one by another process (another instance,
/// `ocpi-cpo parties`) within the second. A token nobody presents is not remembered, so one
/// minted elsewhere works at once.
public final class RecentPartners<Partner: Sendable>: Sendable {
    public let store: SQLStore
    private let values = RecentValues<String, Partner>(lifetime: .seconds(1), capacity: 4096)
    /// The store's partner generation the remembered values belong to.
    private let seen: Atomic<Int>

    public init(store: SQLStore) {
        self.store = store
        seen = Atomic(store.partnerGeneration)
    }

    /// The partner that presents `token` (found by its digest, `digest(token)`), as `decode`
    /// makes it of the stored document.
    public func partner(presenting token: String, digest: (String) -> String, decode: ([UInt8]) throws -> Partner) async throws -> Partner? {
        let now = ContinuousClock.now
        let storeGeneration = store.partnerGeneration
        if seen.exchange(storeGeneration, ordering: .sequentiallyConsistent) != storeGeneration { values.forgetAll() }
        if let partner = values.value(for: token, at: now) { return partner }
        let generation = values.generation
        guard let document = try await store.partner(tokenHash: digest(token)) else { return nil }
        let partner = try decode(document)
        // A write meanwhile may have changed what was read: not remembered. One that lands
        // between this check and `remember` is caught by the next ask's check, which forgets all.
        if store.partnerGeneration == storeGeneration {
            values.remember(partner, for: token, at: now, generation: generation)
        }
        return partner
    }
}
