@testable import OCPIStore
import Testing

/// The memory of recent reads behind `SQLStore.recent(_:)` and the partners by token.
@Suite struct RecentValuesTests {
    let start = ContinuousClock.now

    @Test func aValueIsKeptForItsLifetime() {
        let values = RecentValues<String, Int>(lifetime: .seconds(1), capacity: 10)
        values.remember(1, for: "a", at: start, generation: values.generation)
        #expect(values.value(for: "a", at: start + .milliseconds(999)) == 1)
        #expect(values.value(for: "a", at: start + .seconds(1)) == nil, "expired")
    }

    @Test func aReadThatBeganBeforeAWriteIsNotKept() {
        let values = RecentValues<String, Int>(lifetime: .seconds(1), capacity: 10)
        let generation = values.generation
        values.forget("b")
        values.remember(1, for: "a", at: start, generation: generation)
        #expect(values.value(for: "a", at: start) == nil, "forgetting any key starts a new generation")
        values.remember(1, for: "a", at: start, generation: values.generation)
        values.forget("a")
        #expect(values.value(for: "a", at: start) == nil)
        values.remember(2, for: "a", at: start, generation: values.generation)
        values.forgetAll()
        #expect(values.value(for: "a", at: start) == nil)
    }

    @Test func pastTheBudgetEverythingGoes() {
        let values = RecentValues<String, Int>(lifetime: .seconds(1), capacity: 10)
        values.remember(1, for: "a", cost: 4, at: start, generation: values.generation)
        values.remember(2, for: "b", cost: 4, at: start, generation: values.generation)
        values.remember(3, for: "a", cost: 6, at: start, generation: values.generation)
        #expect(values.value(for: "a", at: start) == 3, "a replaced value's cost is given back")
        #expect(values.value(for: "b", at: start) == 2)
        values.remember(4, for: "c", cost: 1, at: start, generation: values.generation)
        #expect(values.value(for: "a", at: start) == nil)
        #expect(values.value(for: "b", at: start) == nil)
        #expect(values.value(for: "c", at: start) == 4)
        values.remember(5, for: "d", cost: 11, at: start, generation: values.generation)
        #expect(values.value(for: "d", at: start) == nil, "a value over the whole budget is not kept")
        #expect(values.value(for: "c", at: start) == 4, "and does not clear the others")
    }
}
