import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A child process started with `posix_spawn`, for the tests that run our executables.
///
/// Not Foundation's `Process`: on the toolchain we build with, `Process.run()` lists
/// /proc/self/fd with a read that runs 256 bytes past glibc's buffer
/// (swift-corelibs-foundation#5472). With many descriptors open, as in a test process running
/// servers side by side, that read crossed into an unmapped page and the whole suite crashed.
public final class SpawnedProcess: Sendable {
    public let processIdentifier: pid_t
    /// How it ended, once reaped.
    private let ending = Mutex<Termination?>(nil)

    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case killed(signal: Int32)

        /// As Foundation's `terminationStatus` says it: the exit code, or the signal's number.
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .killed(let signal): signal
            }
        }

        /// As a shell says it: the exit code, or 128 plus the signal's number.
        public var shellStatus: Int32 {
            switch self {
            case .exited(let code): code
            case .killed(let signal): 128 + signal
            }
        }

        /// From `waitpid`'s status word (the W* macros do not reach Swift): a signal in its low
        /// seven bits, or none and the exit code in the second byte.
        init(waitStatus: Int32) {
            let signal = waitStatus & 0x7F
            self = signal == 0 ? .exited((waitStatus >> 8) & 0xFF) : .killed(signal: signal)
        }
    }

    public struct SpawnFailed: Error, CustomStringConvertible {
        public var executable: String
        public var code: Int32
        public var description: String {
            code == ENOSYS
                ? "cannot start \(executable): the tests spawn with glibc 2.34's posix_spawn_file_actions_addclosefrom_np, which this C library lacks"
                : "cannot start \(executable): \(String(cString: strerror(code)))"
        }
    }

    /// Where a standard stream of the child comes from or goes to.
    public enum Stream {
        /// A descriptor of ours, duplicated onto the child's stream.
        case descriptor(Int32)
        /// A file opened for the child (output: created or truncated).
        case file(String)
        case null
    }

    /// Starts `executable` with `arguments`, the test process's environment without
    /// `OCPI_CPO_*` and with `environment` over it, in `directory` (ours when nil).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
        input: Stream = .null, output: Stream, error: Stream
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (stream, target) in [(input, Int32(0)), (output, 1), (error, 2)] {
            switch stream {
            case .descriptor(let descriptor): posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            case .file(let path):
                let flags = target == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC
                posix_spawn_file_actions_addopen(&actions, target, path, flags, 0o600)
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }

        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OCPI_CPO_") }
        merged.merge(environment) { _, new in new }
        // Nothing else of ours reaches the child: a listening socket or a connection of a server
        // in this process that a child kept open would outlive that server's close (its port
        // stays taken; its peer never sees the end), and a pipe of another child's would not
        // see its end of file.
        guard let closeFrom = Self.glibc.closeFrom, let changeDirectory = Self.glibc.changeDirectory else {
            throw SpawnFailed(executable: executable, code: ENOSYS)
        }
        _ = closeFrom(&actions, 3)
        if let directory { _ = changeDirectory(&actions, directory) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for string in argv + envp { free(string) } }

        // The child starts with no signal blocked and every handler at its default, whatever the
        // spawning thread had (as `Process` does).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw SpawnFailed(executable: executable, code: spawned) }
        processIdentifier = pid
    }

    /// glibc's spawn actions that close every descriptor from a number on, and that change the
    /// directory (2.34 and 2.29). Its headers declare them only for _GNU_SOURCE, which Swift's
    /// Glibc module is not built with, so they are looked up by name.
    private static let glibc: (closeFrom: FileActionWithNumber?, changeDirectory: FileActionWithPath?) = (
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: FileActionWithNumber.self) },
        dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: FileActionWithPath.self) }
    )
    private typealias FileActionWithNumber = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias FileActionWithPath = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// How it ended, or nil while it runs. Never waits.
    public var termination: Termination? { reap(waiting: false) }

    public var isRunning: Bool { termination == nil }

    /// Waits for the end; call it from a thread that may block.
    public func waitUntilExit() -> Termination {
        // Waits without reaping, so that the lock is free meanwhile for `isRunning` and `send`.
        var info = siginfo_t()
        while waitid(P_PID, id_t(processIdentifier), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        while true {
            if let ended = reap(waiting: true) { return ended }
        }
    }

    /// Reaps the child if it ended (or, `waiting`, once it ends). Under the lock, so that only
    /// one caller reaps it and the others read what that one saw.
    private func reap(waiting: Bool) -> Termination? {
        ending.withLock { ending in
            if let ending { return ending }
            var status: Int32 = 0
            while true {
                let reaped = waitpid(processIdentifier, &status, waiting ? 0 : WNOHANG)
                if reaped == processIdentifier {
                    ending = Termination(waitStatus: status)
                    return ending
                }
                if reaped == 0 { return nil }
                // EINTR: again. Anything else (ECHILD) cannot happen to a child only we reap.
                if errno != EINTR { return nil }
            }
        }
    }

    /// Sends `signal` unless the child is reaped already (its identifier may be another's by now).
    public func send(_ signal: Int32) {
        ending.withLock { ending in
            if ending == nil { kill(processIdentifier, signal) }
        }
    }
}
