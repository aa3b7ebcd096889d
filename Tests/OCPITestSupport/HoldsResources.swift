import Foundation
import OCPIStore
import Testing

/// For suites whose tests hold stores, servers on loopback, HTTP clients or processes while they
/// run: at most `width` of those tests run at once.
///
/// Swift Testing starts every test of the run at once (about 700 test cases here). Each test
/// closes what it opens, and run one at a time the process never holds more than about 60
/// descriptors (300 more in the flood test of `AttackTests`); but with every test started
/// together, the stores' threads, the servers' sockets and the pushers' event loops of a
/// hundred tests were open at the same time: about 1,600 descriptors and 470 threads, past
/// the 1,350 at which Foundation's `Process.run` crashes (swift-corelibs-foundation#5472).
/// Waiting for a turn does not make the run slower: on two cores the tests were taking turns
/// at the CPU anyway.
public struct HoldsResources: TestTrait, SuiteTrait, TestScoping {
    /// How many such tests run at once: `OCPI_TEST_RESOURCE_WIDTH`, or 12.
    public static let width: Int = {
        let given = ProcessInfo.processInfo.environment["OCPI_TEST_RESOURCE_WIDTH"].flatMap { Int($0) }
        return max(1, given ?? 12)
    }()

    static let turns = AsyncSemaphore(width)

    public var isRecursive: Bool { true }

    /// A turn for each test case (each argument of a parameterized test), never for a whole
    /// suite or function: the suite's own tests would wait for the turn it holds.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await Self.turns.withPermit { try await function() }
    }
}

extension Trait where Self == HoldsResources {
    /// The suite's tests hold stores, servers, clients or processes: they take turns with the
    /// other such tests (`HoldsResources`).
    public static var holdsResources: Self { HoldsResources() }
}
