import ArgumentParser
import Foundation
import Logging
import OCPICPO
import OCPIRuntime
import OCPIServer
import OCPIStore
import Synchronization

/// `ocpi-cpo import FILE...`: Locations and Tariffs from JSON files into the database.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Imports Locations and Tariffs from JSON files (an object, a list, or an OCPI response envelope each).",
        discussion: """
            Every object is validated as strictly as the admin API validates it, and must carry this CPO's
            country code and party id. A file with any invalid object is not imported at all; the others are.
            A directory stands for the .json files in it. Files of any size are read in pieces: each is checked
            whole first, then written in batches. Progress goes to standard error: a bar on a terminal, a line
            every few seconds otherwise.
            Exit status: 0 when every file was imported, 1 when any was not.
            """
    )

    @Argument(help: "JSON files of Locations and Tariffs, or directories of them.") var files: [String]
    @OptionGroup var database: DatabaseOption
    @Option(name: .customLong("country-code"), help: "This CPO's country code (as `serve` runs with; default NL).") var countryCode: String?
    @Option(name: .customLong("party-id"), help: "This CPO's party id (as `serve` runs with; default SOC).") var partyID: String?
    @Option(
        name: .customLong("progress-interval"),
        help: "Seconds between progress lines when standard error is not a terminal (default 5; 0: none)."
    ) var progressInterval: Double?

    func validate() throws {
        if let progressInterval, !(progressInterval >= 0) { throw ValidationError("--progress-interval must be 0 or more seconds") }
    }

    func run() async throws {
        var logger = Logger(label: "ocpi-cpo")
        logger.logLevel = .warning
        let store = try await SQLStore.open(try database.location(), logger: logger)
        let party = PartyIdentity(
            countryCode: (countryCode ?? Environment.value("country-code") ?? "NL").uppercased(),
            partyID: (partyID ?? Environment.value("party-id") ?? "SOC").uppercased()
        )
        // Each object is written with its change in the outbox: a running server's pusher sends
        // it to partners at its next look, not this process.
        let importer = CPOImport(store: store, party: party)
        let interval = progressInterval ?? Environment.value("progress-interval").flatMap(Double.init) ?? 5
        var failed = false
        for file in Self.expand(files, failed: &failed) {
            let display = ProgressDisplay(file: file, interval: interval)
            do {
                let source = try ImportSource(path: file)
                let outcome = try await importer.importFile(source) { display.show($0) }
                display.finish()
                // Written at once (not through print's buffer), so that it comes after the progress
                // on a terminal and a caller sees each file's line as it is done.
                let line = "\(file): \(outcome.locations) location\(outcome.locations == 1 ? "" : "s"), \(outcome.tariffs) tariff\(outcome.tariffs == 1 ? "" : "s") (\(outcome.created) new, \(outcome.updated) replaced)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            } catch let failure as CPOImport.Failure {
                display.finish()
                failed = true
                let lines = "\(failure)".split(separator: "\n").map { "\(file): \($0)" }
                FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n\(file): not imported\n").utf8))
            } catch {
                display.finish()
                failed = true
                FileHandle.standardError.write(Data("\(file): cannot be imported: \(Self.describe(error))\n".utf8))
            }
        }
        try await store.shutdown()
        if failed { throw ExitCode.failure }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? ImportSourceError { return "\(error)" }
        return error.localizedDescription
    }

    /// The files to import: each file named, and the `.json` files of each directory named (in
    /// the order of their names). A directory without any is reported.
    static func expand(_ paths: [String], failed: inout Bool) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                .filter { $0.lowercased().hasSuffix(".json") && !$0.hasPrefix(".") }
                .sorted()
            if names.isEmpty {
                failed = true
                FileHandle.standardError.write(Data("\(path): holds no .json file\n".utf8))
            }
            files += names.map { (path.hasSuffix("/") ? path : path + "/") + $0 }
        }
        return files
    }
}

/// Progress of one file's import on standard error: on a terminal, a bar redrawn in place a few
/// times a second; otherwise a line every `interval` seconds, and when a phase that printed
/// lines ends, how long it took. Imports too short for a line print nothing.
final class ProgressDisplay: Sendable {
    private struct State {
        var phase: CPOImport.Progress.Phase?
        var phaseStart = ContinuousClock.now
        var lastShown = ContinuousClock.now
        var linesThisPhase = 0
        var barShown = false
        var last: CPOImport.Progress?
    }

    let file: String
    let interval: Duration
    let terminal: Bool
    private let state = Mutex(State())

    init(file: String, interval: Double) {
        self.file = file
        self.interval = .milliseconds(Int64(interval * 1000))
        terminal = isatty(STDERR_FILENO) == 1
    }

    func show(_ progress: CPOImport.Progress) {
        let now = ContinuousClock.now
        let text: String? = state.withLock { state in
            var text = ""
            if state.phase != progress.phase {
                if let previous = state.last { text += phaseEnded(previous, state: &state, at: now) }
                state.phase = progress.phase
                state.phaseStart = now
                state.lastShown = now
                state.linesThisPhase = 0
            }
            state.last = progress
            let elapsed = now - state.phaseStart
            if terminal {
                guard now - state.lastShown >= .milliseconds(200) || progress.bytesDone == progress.bytesTotal else { return text.isEmpty ? nil : text }
                state.lastShown = now
                state.barShown = true
                return text + "\r\u{1B}[K" + Self.bar(progress, elapsed: elapsed, file: file)
            }
            guard interval > .zero, now - state.lastShown >= interval else { return text.isEmpty ? nil : text }
            state.lastShown = now
            state.linesThisPhase += 1
            return text + Self.line(progress, elapsed: elapsed, file: file) + "\n"
        }
        if let text { Self.write(text) }
    }

    /// Ends the display before the file's result is printed.
    func finish() {
        let now = ContinuousClock.now
        let text: String = state.withLock { state in
            guard let last = state.last else { return "" }
            let text = phaseEnded(last, state: &state, at: now)
            state.last = nil
            return text
        }
        if !text.isEmpty { Self.write(text) }
    }

    private func phaseEnded(_ progress: CPOImport.Progress, state: inout State, at now: ContinuousClock.Instant) -> String {
        if terminal {
            guard state.barShown else { return "" }
            state.barShown = false
            return "\r\u{1B}[K"
        }
        guard state.linesThisPhase > 0 else { return "" }
        let seconds = Self.seconds(now - state.phaseStart)
        let verb = progress.phase == .checking ? "checked" : "wrote"
        return "\(file): \(verb) \(Self.grouped(progress.objectsDone)) objects in \(String(format: "%.1f", seconds)) s (\(Self.grouped(Int(Double(progress.objectsDone) / max(seconds, 0.001))))/s)\n"
    }

    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The share done, the rate and the time left (from bytes when the number of objects is
    /// not known yet, from objects once it is).
    static func measures(_ progress: CPOImport.Progress, elapsed: Duration) -> (fraction: Double, rate: Int, left: Double?) {
        let seconds = max(Self.seconds(elapsed), 0.001)
        let fraction: Double
        if let total = progress.objectsTotal, total > 0 {
            fraction = Double(progress.objectsDone) / Double(total)
        } else {
            fraction = progress.bytesTotal > 0 ? Double(progress.bytesDone) / Double(progress.bytesTotal) : 1
        }
        let rate = Int(Double(progress.objectsDone) / seconds)
        let left = fraction > 0 && seconds > 0.5 ? seconds * (1 - fraction) / fraction : nil
        return (min(max(fraction, 0), 1), rate, left)
    }

    static func bar(_ progress: CPOImport.Progress, elapsed: Duration, file: String) -> String {
        let (fraction, rate, left) = measures(progress, elapsed: elapsed)
        let width = 24
        let filled = Int(fraction * Double(width))
        let phase = progress.phase == .checking ? "checking" : "writing "
        let name = file.count > 30 ? "..." + file.suffix(27) : file
        return "\(name) \(phase) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
            + "\(String(format: "%3d", Int(fraction * 100)))%  \(grouped(progress.objectsDone)) objects  \(grouped(rate))/s  \(left.map(clock) ?? "-:--") left"
    }

    static func line(_ progress: CPOImport.Progress, elapsed: Duration, file: String) -> String {
        let (fraction, rate, left) = measures(progress, elapsed: elapsed)
        let verb = progress.phase == .checking ? "checking" : "writing"
        let of = progress.objectsTotal.map { " of \(grouped($0))" } ?? ""
        return "\(file): \(verb), \(Int(fraction * 100))% (\(grouped(progress.objectsDone))\(of) objects, \(grouped(rate))/s\(left.map { ", about \(clock($0)) left" } ?? ""))"
    }

    /// `1:05`, `12:00:03`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    /// `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }
}
