import Foundation
#if canImport(Glibc)
import Glibc
#endif
import OCPITestSupport
import Testing

/// The spawner the tests run our executables with (`SpawnedProcess`, in place of Foundation's
/// `Process`): what a child gets of the test process, and how its end is reported.
@Suite struct SpawnedProcessTests {
    /// A descriptor left inheritable (as a socket of a server in this process may be) does not
    /// reach the child: its standard streams and the directory `ls` reads are all it has.
    @Test func aChildGetsNoDescriptorButItsStreams() async throws {
        let inheritable = open("/dev/null", O_RDONLY)
        #expect(inheritable > 2)
        defer { close(inheritable) }
        let listing = try await BuiltExecutable.runProcess(URL(fileURLWithPath: "/bin/ls"), ["/proc/self/fd"])
        #expect(listing.status == 0, "\(listing.error)")
        #expect(Set(listing.output.split(separator: "\n")) == ["0", "1", "2", "3"], "\(listing.output)")
    }

    @Test func aChildRunsInTheDirectoryItIsGivenWithItsInput() async throws {
        let directory = URL(fileURLWithPath: "/usr/share")
        let run = try await BuiltExecutable.runProcess(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "pwd; cat; exit 3"], input: "given", directory: directory)
        #expect(run.output == "/usr/share\ngiven")
        #expect(run.status == 3)
    }

    /// As Foundation said it: a child ended by a signal reports the signal's number.
    @Test func aStoppedCommandReportsTheSignalThatEndedIt() async throws {
        let sleeper = try RunningCommand(executable: URL(fileURLWithPath: "/bin/sleep"), ["30"])
        #expect(sleeper.isRunning)
        #expect(try await sleeper.stop(signal: SIGTERM) == SIGTERM)
        #expect(!sleeper.isRunning)
    }
}
