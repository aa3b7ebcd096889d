import Foundation
import Logging
import OCPIRuntime

/// Where log lines go: a file descriptor (standard error by default), written by a thread of its
/// own. Handing a line over appends it to a buffer, so a request never waits for the descriptor
/// (a log collector that reads slowly, a full pipe or a slow disk would otherwise stall the event
/// loop that logs), and the lines of up to `delay` go out in one `write(2)` (one per request
/// was 2% of answering one).
///
/// Lines keep their order. Past `capacity` bytes waiting, new lines are dropped and counted, and
/// a warning says how many once there is room again: the server keeps answering however slowly
/// its log is read. `flush()` waits until everything handed over is written; standard error is
/// flushed when the process exits, and `StructuredLogHandler` flushes after an error. A process
/// killed outright loses at most the last `delay` of lines.
public final class LogOutput: @unchecked Sendable {
    /// Standard error.
    public static let standardError: LogOutput = {
        let output = LogOutput(fileDescriptor: STDERR_FILENO)
        atexit { LogOutput.standardError.flush() }
        return output
    }()

    private let fileDescriptor: Int32
    private let capacity: Int
    private let delay: TimeInterval
    /// Lines are written at once, without waiting for `delay`, once this many bytes wait.
    private let batch = 64 << 10
    // All below only under `condition`'s lock (hence `@unchecked Sendable`).
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var dropped = 0
    /// The writing thread holds lines it has taken and not yet written.
    private var writing = false
    private var flushes = 0

    /// An output to `fileDescriptor`, which stays open and is never closed here; its writing
    /// thread lives as long as the process.
    public init(fileDescriptor: Int32, capacity: Int = 8 << 20, delay: Duration = .milliseconds(10)) {
        self.fileDescriptor = fileDescriptor
        self.capacity = capacity
        self.delay = Double(delay.nanoseconds) / 1e9
        let thread = Thread { [self] in run() }
        thread.name = "ocpi-log"
        thread.start()
    }

    /// Hands `line` (its newline included) over to be written.
    public func write(_ line: [UInt8]) {
        condition.lock()
        let wasEmpty = pending.isEmpty
        if pending.count + line.count > capacity {
            dropped += 1
        } else {
            pending.append(contentsOf: line)
        }
        // The writer sleeps while nothing waits, and holds a batch back until it is large.
        if wasEmpty || pending.count >= batch { condition.broadcast() }
        condition.unlock()
    }

    /// Returns once every line handed over before the call is written (or dropped).
    public func flush() {
        condition.lock()
        flushes += 1
        condition.broadcast()
        while !pending.isEmpty || dropped > 0 || writing {
            condition.wait()
        }
        flushes -= 1
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty, dropped == 0 {
                writing = false
                condition.broadcast()  // a flush waiting for the last lines returns
                condition.wait()
            }
            // Lines keep coming for a moment under load: they go out together.
            let deadline = Date(timeIntervalSinceNow: delay)
            while pending.count < batch, flushes == 0, condition.wait(until: deadline) {}
            let lines = pending
            let lost = dropped
            pending = []
            dropped = 0
            writing = true
            condition.unlock()
            write(all: lines)
            if lost > 0 {
                write(all: StructuredLogHandler.line(
                    time: Date(), level: .warning, label: "ocpi.log",
                    message: "log lines dropped: the log was not read fast enough", fields: ["dropped": .stringConvertible(lost)]
                ))
            }
        }
    }

    /// Writes `bytes` whole, retrying where the system wrote part of them or was interrupted.
    private func write(all bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fileDescriptor, base + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return  // the descriptor is gone: the lines are dropped rather than the server stopped
                }
            }
        }
    }
}
