import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The package's executables run as processes, the way operators and scripts run them.
public enum BuiltExecutable {
    /// The executable `name` next to the test bundle (`.build/debug/NAME`).
    public static func url(_ name: String) -> URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/\(name)")
        return FileManager.default.isExecutableFile(atPath: fallback.path) ? fallback : nil
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public var name: String
        public init(name: String) { self.name = name }
        public var description: String { "\(name) is not built: run `swift build` first" }
    }

    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
    }

    /// Runs `name` to its end.
    public static func run(_ name: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws -> Outcome {
        guard let executable = url(name) else { throw NotBuilt(name: name) }
        return try await runProcess(executable, arguments, input: input, environment: environment)
    }

    /// Runs any program to its end, on a thread of its own: waiting for a process must not hold
    /// one of the few threads that every async test shares (two, on a two-core machine).
    public static func runProcess(
        _ executable: URL, _ arguments: [String], input: String? = nil, environment: [String: String] = [:], directory: URL? = nil
    ) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, input: input, environment: environment, directory: directory) })
            }
        }
    }

    private static func runBlocking(_ executable: URL, _ arguments: [String], input: String?, environment: [String: String], directory: URL?) throws -> Outcome {
        let output = try ChildPipe()
        let error = try ChildPipe()
        let inputPipe = try ChildPipe()
        let process = try SpawnedProcess(
            executable.path, arguments, environment: environment, directory: directory?.path,
            input: .descriptor(inputPipe.reading.fileDescriptor), output: .descriptor(output.writing.fileDescriptor),
            error: .descriptor(error.writing.fileDescriptor))
        output.closeChildsEnd(writing: true)
        error.closeChildsEnd(writing: true)
        inputPipe.closeChildsEnd(writing: false)
        if let input { inputPipe.writing.write(Data(input.utf8)) }
        try inputPipe.writing.close()
        // Both pipes are drained at once, so that a full stderr cannot block the process.
        let errorData = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = readAll(error.reading.fileDescriptor)
            errorData.withLock { $0 = data }
            drained.signal()
        }
        let outputData = readAll(output.reading.fileDescriptor)
        drained.wait()
        return Outcome(
            status: process.waitUntilExit().status, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData.withLock { $0 }, as: UTF8.self)
        )
    }

    /// Everything until end of file. Foundation's `readDataToEndOfFile` traps on an interrupted
    /// read (EINTR, which a child's exit signal can cause); this reads again instead.
    static func readAll(_ descriptor: Int32) -> Data {
        var data = Data()
        read(descriptor) { data.append(contentsOf: $0) }
        return data
    }

    /// Hands every chunk read from `descriptor` to `chunk`, until end of file.
    static func read(_ descriptor: Int32, _ chunk: (ArraySlice<UInt8>) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                chunk(buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                return
            }
        }
    }
}

/// A long-running process (a server), its output collected while it runs.
public final class RunningCommand: @unchecked Sendable {
    private let process: SpawnedProcess
    private let output = OutputBuffer()
    private let error = OutputBuffer()
    /// Kept open while the reading threads read them.
    private var pipes: [ChildPipe] = []

    /// Bytes a pipe delivered so far, shared with its reading handler.
    private final class OutputBuffer: Sendable {
        let bytes = Mutex(Data())
    }

    public convenience init(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        guard let executable = BuiltExecutable.url(name) else { throw BuiltExecutable.NotBuilt(name: name) }
        try self.init(executable: executable, arguments, environment: environment)
    }

    /// Any program (`/bin/sh -c '... exec ocpi-cpo ...'` to run it under limits of its own).
    public init(executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        let outputPipe = try ChildPipe()
        let errorPipe = try ChildPipe()
        process = try SpawnedProcess(
            executable.path, arguments, environment: environment,
            output: .descriptor(outputPipe.writing.fileDescriptor), error: .descriptor(errorPipe.writing.fileDescriptor))
        outputPipe.closeChildsEnd(writing: true)
        errorPipe.closeChildsEnd(writing: true)
        pipes = [outputPipe, errorPipe]
        for (pipe, buffer) in [(outputPipe, output), (errorPipe, error)] {
            let descriptor = pipe.reading.fileDescriptor
            Thread.detachNewThread {
                BuiltExecutable.read(descriptor) { chunk in buffer.bytes.withLock { $0.append(contentsOf: chunk) } }
            }
        }
    }

    public var standardOutput: String { String(decoding: output.bytes.withLock { $0 }, as: UTF8.self) }
    public var standardError: String { String(decoding: error.bytes.withLock { $0 }, as: UTF8.self) }
    public var isRunning: Bool { process.isRunning }
    public var processIdentifier: Int32 { process.processIdentifier }

    public struct TimedOut: Error, CustomStringConvertible {
        public var description: String
    }

    /// Waits until standard output holds `text`, or fails after `seconds`.
    public func waitForOutput(containing text: String, seconds: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !standardOutput.contains(text) {
            guard Date() < deadline, process.isRunning else {
                throw TimedOut(description: "no '\(text)' in the output; stdout: \(standardOutput) stderr: \(standardError)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Sends `signal` and waits for the process to end; its exit status.
    public func stop(signal: Int32 = SIGTERM, seconds: Double = 30) async throws -> Int32 {
        process.send(signal)
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let ended = process.termination { return ended.status }
            guard Date() < deadline else {
                process.send(SIGKILL)
                throw TimedOut(description: "still running \(seconds) s after signal \(signal)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    deinit {
        process.send(SIGKILL)
        let process = self.process
        Thread.detachNewThread { _ = process.waitUntilExit() }
    }
}

/// A pipe to a child process: one end is duplicated onto the child's standard input, output or
/// error. No other child gets either end (`SpawnedProcess` closes every other descriptor in
/// the child): when a child started at the same time by another test inherited this one's
/// write end, the reader waited for an end of file that only came when that other child ended.
final class ChildPipe: @unchecked Sendable {
    let reading: FileHandle
    let writing: FileHandle

    init() throws {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        reading = FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true)
        writing = FileHandle(fileDescriptor: descriptors[1], closeOnDealloc: true)
    }

    /// Closes, in this process, the end the child now holds, so that the other end sees the
    /// child's end of file (or the child ours).
    func closeChildsEnd(writing childWrites: Bool) {
        try? (childWrites ? writing : reading).close()
    }
}
