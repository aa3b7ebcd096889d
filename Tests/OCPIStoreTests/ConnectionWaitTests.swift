import Foundation
import OCPIRuntime
import OCPIStore
import OCPITestSupport
import Testing

/// A statement waits for a PostgreSQL connection a bounded time (`connection_wait`): with every
/// connection of the pool taken, a read gives up with `StoreError.unavailable`, which a request
/// answers as 503 and 3000, and the store works again once connections are free.
@Suite(.holdsResources) struct ConnectionWaitTests {
    @Test func theWaitForAConnectionIsBoundedAndTheStoreRecovers() async throws {
        guard TestDatabase.all.contains(.postgres) else { return }
        let argument = try TestDatabase.postgres.makeDatabaseArgument() + "&connection_wait=3&pool_size=2"
        let location = try StoreLocation(parsing: argument)
        guard case .postgres(let postgres) = location else {
            Issue.record("not a PostgreSQL location: \(location)")
            return
        }
        #expect(postgres.connectionWait == .seconds(3) && postgres.poolSize == 2)
        // Beside the whole suite a first connection may take longer than the bound, and the
        // migration waits for other stores' migrations: a failed open is tried again.
        var opened: SQLStore?
        for _ in 0..<10 where opened == nil { opened = try? await SQLStore.open(location) }
        let store = try #require(opened, "the store opens")
        let key = ObjectKey(module: .locations, countryCode: "NL", partyID: "SOC", id: "NONE")
        #expect(try await store.get(key) == nil)

        // Two transactions (the pool's size) hold every connection for eight seconds, each once
        // it has its connection.
        let holding = AsyncStream<Void>.makeStream()
        let holders = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await store.transaction {
                            holding.continuation.yield()
                            try await Task.sleep(for: .seconds(8))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var held = 0
        for await _ in holding.stream {
            held += 1
            if held == 2 { break }
        }
        let start = ContinuousClock.now
        await #expect {
            _ = try await store.get(key)
        } throws: { error in
            guard let error = error as? StoreError, case .unavailable = error else { return false }
            return true
        }
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(2900) && waited < .seconds(7), "gave up after about three seconds: \(waited)")

        try await holders.value
        #expect(try await store.get(key) == nil, "the store works again once connections are free")
        try await store.shutdown()
    }

    @Test func aBadConnectionWaitIsRefused() throws {
        for wait in ["0", "601", "soon"] {
            #expect(throws: StoreError.self) { try StoreLocation(parsing: "postgres://u@localhost/db?connection_wait=\(wait)") }
            #expect(throws: StoreError.self) { try StoreLocation(parsing: "postgres://u@localhost/db?pool_size=\(wait == "601" ? "101" : wait)") }
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
