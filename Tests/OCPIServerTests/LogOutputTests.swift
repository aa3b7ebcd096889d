import Foundation
import OCPIServer
import Testing

/// The buffered output behind the server's log: order, completeness, and what happens when the
/// log is not read.
@Suite struct LogOutputTests {
    /// A pipe whose read end is read to its end on a thread of its own.
    final class Pipe: @unchecked Sendable {
        let read: Int32
        let write: Int32
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
            // Close-on-exec: a server another test starts must not inherit the write end, or
            // the read end would see its end only when that server exits.
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            (read, write) = (ends[0], ends[1])
        }

        func startReading() {
            Thread { [self] in
                data = FileHandle(fileDescriptor: read, closeOnDealloc: true).readDataToEndOfFile()
                done.signal()
            }.start()
        }

        /// Closes the write end and returns the lines read.
        func finish() -> [String] {
            close(write)
            done.wait()
            return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test func linesFromManyThreadsArriveWholeAndInTheirOrder() async throws {
        let pipe = try Pipe()
        pipe.startReading()
        let output = LogOutput(fileDescriptor: pipe.write)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for number in 0..<2_000 { output.write(Array("\(writer) \(number)\n".utf8)) }
                }
            }
        }
        output.flush()
        let lines = pipe.finish()
        #expect(lines.last == "", "the output ends with a newline")
        var next = [Int](repeating: 0, count: 4)
        for line in lines.dropLast() {
            let parts = line.split(separator: " ").compactMap { Int($0) }
            guard parts.count == 2, (0..<4).contains(parts[0]) else {
                Issue.record("a broken line: \(line)")
                continue
            }
            #expect(parts[1] == next[parts[0]], "writer \(parts[0])'s lines in order")
            next[parts[0]] = parts[1] + 1
        }
        #expect(next == [2_000, 2_000, 2_000, 2_000])
    }

    @Test func aLogNobodyReadsDropsLinesAndSaysHowMany() throws {
        let pipe = try Pipe()
        // Nobody reads yet: the pipe fills (64 KB on Linux), the writer blocks, 4 KB wait, and
        // the rest of the 200 KB is dropped.
        let output = LogOutput(fileDescriptor: pipe.write, capacity: 4_096)
        let total = 2_000
        for number in 0..<total {
            output.write(Array("line \(number) \(String(repeating: "x", count: 80))\n".utf8))
        }
        pipe.startReading()
        output.flush()
        let lines = pipe.finish().dropLast()
        let numbers = lines.filter { $0.hasPrefix("line ") }.compactMap { Int($0.split(separator: " ")[1]) }
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "what was kept is in order")
        // A warning for each stretch of drops, after the lines kept before it.
        let reports = try lines.filter { $0.contains("log lines dropped") }.map { warning in
            try #require(try JSONSerialization.jsonObject(with: Data(warning.utf8)) as? [String: Any])
        }
        #expect(!reports.isEmpty, "the drop is reported")
        #expect(reports.allSatisfy { $0["level"] as? String == "warning" })
        let dropped = reports.compactMap { $0["dropped"] as? Int }.reduce(0, +)
        #expect(dropped == total - numbers.count, "every line is written or counted")
        #expect(numbers.count < total)
    }
}
