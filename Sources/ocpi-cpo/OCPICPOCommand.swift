import ArgumentParser
import CMallocTuning
import Foundation
import NIOCore
import NIOPosix
import OCPIStore

@main
enum Main {
    static func main() async {
        // Swift's tasks run on NIO's event loops instead of a pool of their own: a request is
        // read, answered and written on one thread, without the two thread switches per
        // request that a separate pool costs (they were a fifth of the server's time). Nothing
        // in the server waits on a task's thread: SQLite reads there without waiting for locks
        // (WAL), and anything that may wait (writes, a busy file) has threads of its own.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        // A page of 50 locations is about 120 KB, built in buffers that glibc would map afresh
        // for each response above 128 KB and unmap again when freed (page faults and madvise
        // were a tenth of a page's time). They come from the heap instead, and freed memory is
        // given back to the system once 32 MB of it is unused.
        ocpi_tune_malloc(8 << 20, 32 << 20)
        await OCPICPOCommand.main()
    }
}

struct OCPICPOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpi-cpo",
        abstract: "An OCPI 2.2.1 Charge Point Operator and its tools.",
        discussion: "Every option --x-y can also be given as the environment variable OCPI_CPO_X_Y.",
        subcommands: [Serve.self, Parties.self, Import.self, Validate.self, Price.self]
    )
}

/// Options fall back to `OCPI_CPO_*` environment variables, then to defaults.
enum Environment {
    static func value(_ flag: String) -> String? {
        let name = "OCPI_CPO_" + flag.uppercased().replacingOccurrences(of: "-", with: "_")
        return ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// `--database`, shared by the commands that open the store.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: "An SQLite file (default ocpi-cpo.sqlite in the working directory) or a postgres://user:password@host:port/database URL. Env: OCPI_CPO_DATABASE."
    )
    var database: String?

    var resolved: String { database ?? Environment.value("database") ?? "ocpi-cpo.sqlite" }

    func location() throws -> StoreLocation {
        do {
            return try StoreLocation(parsing: resolved)
        } catch {
            throw ValidationError("--database: \(error)")
        }
    }
}
