#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files, which every connection counts against: `serve` raises it
/// to the hard limit it may, then keeps the connection limit below it, so that a flood of
/// connections is refused by the server's own limit (a close at once) instead of by the kernel
/// (EMFILE, after which not even the database or a partner could be opened).
enum OpenFileLimit {
    /// Descriptors kept for everything but connections (the database and its readers, partners'
    /// connections for pushes, logs): 256, or a quarter of a lower limit.
    static func reserved(of limit: Int) -> Int { min(256, limit / 4) }

    /// `wanted`, or fewer when the open-file limit (raised as far as allowed) cannot hold them.
    static func connections(fitting wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(resourceLimit, &limit) == 0 else { return wanted }
        let needed = rlim_t(wanted + 256)
        if limit.rlim_cur != Self.unlimited, limit.rlim_cur < needed {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == Self.unlimited ? needed : min(needed, limit.rlim_max)
            if setrlimit(resourceLimit, &raised) == 0 { limit = raised }
        }
        guard limit.rlim_cur != Self.unlimited else { return wanted }
        let current = Int(clamping: limit.rlim_cur)
        return max(1, min(wanted, current - reserved(of: current)))
    }

    /// `RLIM_INFINITY`, which Swift does not import (`(rlim_t)-1` in C).
    private static let unlimited = rlim_t.max

    #if canImport(Glibc)
    private static let resourceLimit = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceLimit = RLIMIT_NOFILE
    #endif
}
