/// The nice value of the pushes' thread, chosen from how late its own timer fires.
///
/// The thread normally runs at nice 10, so that a request waiting on a server loop gets a busy
/// core before a burst of pushes (the operator's PATCH with fifty partners, docs/PERFORMANCE.md).
/// But on a machine busy with other work at normal priority, nice 10 got the pushes' thread so
/// little CPU that a hundred partners fell minutes behind (the fan-out benchmark: p99 lag 95 s,
/// 7 s of CPU against 104 s waiting for a core). A timer on that thread tells the two apart: when
/// the thread waits for a core, its timer fires late. Late by more than `boostAfter` once, the
/// thread goes to nice 0; back on time (within `calmWithin`) for `calmTicks` ticks in a row, it
/// returns to nice 10. The thread's own pushes make its timer late only when they keep it busy
/// without a break, and then it is behind anyway and should not yield either. An idle thread
/// woken on a busy machine is not late (the scheduler favours sleepers), so a server without
/// pushes to make stays at nice 10.
struct PushPriority: Sendable, Equatable {
    /// The nice value when nothing else wants the cores (0 is the server's).
    static let yielding: Int32 = 10
    /// The nice value while the thread waits for a core.
    static let boosted: Int32 = 0
    /// How often the timer fires.
    static let tick: Duration = .milliseconds(250)
    /// A tick this late means the thread waited for a core.
    static let boostAfter: Duration = .milliseconds(100)
    /// A tick this close to its time is on time.
    static let calmWithin: Duration = .milliseconds(20)
    /// On-time ticks in a row before yielding again (five seconds).
    static let calmTicks = 20

    private(set) var nice: Int32 = Self.yielding
    private var onTime = 0

    /// The nice value after a tick that fired `lateness` after its time; `nil` when it stays.
    mutating func tick(lateness: Duration) -> Int32? {
        if lateness > Self.boostAfter {
            onTime = 0
            guard nice != Self.boosted else { return nil }
            nice = Self.boosted
            return nice
        }
        guard nice != Self.yielding else { return nil }
        onTime = lateness <= Self.calmWithin ? onTime + 1 : 0
        guard onTime >= Self.calmTicks else { return nil }
        onTime = 0
        nice = Self.yielding
        return nice
    }
}
