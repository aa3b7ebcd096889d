import Foundation
import OCPIRuntime
import OCPIStore
import OCPITestSupport
import Testing

/// A statement waits for a PostgreSQL connection a bounded time (`connection_wait`): with every
/// connection of the pool taken, a read gives up with `StoreError.unavailable`, which a request
/// answers as 503 and 3000, and the store works again once connections are free.
@Suite struct ConnectionWaitTests {
    @Test func theWaitForAConnectionIsBoundedAndTheStoreRecovers() async throws {
        guard TestDatabase.all.contains(.postgres) else { return }
        let argument = try TestDatabase.postgres.makeDatabaseArgument() + "&connection_wait=1"
        let location = try StoreLocation(parsing: argument)
        guard case .postgres(let postgres) = location else {
            Issue.record("not a PostgreSQL location: \(location)")
            return
        }
        #expect(postgres.connectionWait == .seconds(1))
        let store = try await SQLStore.open(location)
        let key = ObjectKey(module: .locations, countryCode: "NL", partyID: "SOC", id: "NONE")
        #expect(try await store.get(key) == nil)

        // Twenty transactions (the pool's size) hold every connection for four seconds.
        let holders = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await store.transaction { try await Task.sleep(for: .seconds(4)) } }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(for: .milliseconds(1500))
        let start = ContinuousClock.now
        await #expect {
            _ = try await store.get(key)
        } throws: { error in
            guard let error = error as? StoreError, case .unavailable = error else { return false }
            return true
        }
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(900) && waited < .seconds(3), "gave up after about a second: \(waited)")

        try await holders.value
        #expect(try await store.get(key) == nil, "the store works again once connections are free")
        try await store.shutdown()
    }

    @Test func aBadConnectionWaitIsRefused() throws {
        for wait in ["0", "601", "soon"] {
            #expect(throws: StoreError.self) { try StoreLocation(parsing: "postgres://u@localhost/db?connection_wait=\(wait)") }
        }
    }

    @Test func anUnavailableStoreIsAnsweredAs503And3000WithoutInternals() {
        let (response, unexpected) = OCPIServerResponse.failure(StoreError.unavailable("cannot reach 10.0.0.5:5432 as ocpi"), requestID: "r1")
        #expect(response.status.code == 503)
        #expect(response.statusCode == 3000)
        #expect(!String(decoding: response.body, as: UTF8.self).contains("10.0.0.5"), "no internals in the answer")
        #expect(unexpected != nil, "still logged")
        let (other, _) = OCPIServerResponse.failure(StoreError.badLocation("x"), requestID: "r2")
        #expect(other.status.code == 500, "any other store error is unexpected")
    }
}
