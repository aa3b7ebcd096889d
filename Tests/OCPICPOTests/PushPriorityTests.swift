@testable import OCPICPO
import Testing

/// `PushPriority`: the pushes' thread goes to the server's priority as soon as its timer fires
/// late (it waits for a core), and yields again only after five seconds on time.
@Suite struct PushPriorityTests {
    @Test func aLateTickBoostsAndOnlyAStretchOnTimeYieldsAgain() {
        var priority = PushPriority()
        #expect(priority.nice == PushPriority.yielding)
        #expect(priority.tick(lateness: .milliseconds(5)) == nil, "on time at nice 10: nothing changes")
        #expect(priority.tick(lateness: .milliseconds(90)) == nil, "a little late is not waiting for a core")
        #expect(priority.tick(lateness: .milliseconds(400)) == PushPriority.boosted)
        #expect(priority.tick(lateness: .milliseconds(400)) == nil, "already boosted")

        // On time for all but the last of the ticks needed, then late: the count starts again.
        for _ in 0..<(PushPriority.calmTicks - 1) { #expect(priority.tick(lateness: .milliseconds(2)) == nil) }
        #expect(priority.tick(lateness: .milliseconds(150)) == nil)
        #expect(priority.nice == PushPriority.boosted)
        // A tick neither on time nor late breaks the stretch too.
        for _ in 0..<(PushPriority.calmTicks - 1) { #expect(priority.tick(lateness: .milliseconds(2)) == nil) }
        #expect(priority.tick(lateness: .milliseconds(50)) == nil)
        for _ in 0..<(PushPriority.calmTicks - 1) { #expect(priority.tick(lateness: .milliseconds(2)) == nil) }
        #expect(priority.tick(lateness: .milliseconds(2)) == PushPriority.yielding, "a full stretch on time yields")
        #expect(priority.nice == PushPriority.yielding)
    }
}
