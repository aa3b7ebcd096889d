// Decode+validate throughput of the generated models, printed as numbers (run it in release mode):
//
//     swift run -c release ocpi-bench [FIXTURES_DIR] [--objects N] [--seconds S] [--only NAME]
//
// For each of Location, Tariff and CDR it builds a JSON list of N distinct objects from the
// hand-written fixture, then measures our reader (decode, then validate) and our writer, and,
// built with the package trait FoundationCodable (`swift run -c release --traits
// FoundationCodable ocpi-bench`), Foundation's JSONDecoder on the same bytes for comparison.
// Each figure is the median of rounds of 50 ms (`measure`).
import Foundation
import OCPI221
import OCPIRuntime

struct Options {
    var fixtures = "Tests/OCPI221Tests/Fixtures/valid"
    var objects = 1000
    var seconds = 2.0
    /// Only this model (`Location`, `Tariff` or `CDR`), for a profile of one.
    var only: String?

    init(_ arguments: [String]) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--objects": objects = rest.popFirst().flatMap(Int.init) ?? objects
            case "--seconds": seconds = rest.popFirst().flatMap(Double.init) ?? seconds
            case "--only": only = rest.popFirst()
            default: fixtures = argument
            }
        }
    }
}

/// Runs `body` repeatedly for about `seconds`, in rounds of at least 50 ms; returns the runs per
/// second of the median round. The machine this runs on is shared: a neighbour taking the core
/// for a while made a plain average over the whole time swing by a third from one run to the
/// next, and the median round is what the code does when it has the core.
func measure(seconds: Double, _ body: () throws -> Void) rethrows -> Double {
    try body()  // warm up
    let clock = ContinuousClock()
    let end = clock.now + .seconds(seconds)
    var rounds: [Double] = []
    repeat {
        let start = clock.now
        var runs = 0
        var elapsed = Duration.zero
        while elapsed < .milliseconds(50) {
            try body()
            runs += 1
            elapsed = clock.now - start
        }
        rounds.append(Double(runs) * 1e9 / Double(elapsed.nanoseconds))
    } while clock.now < end
    rounds.sort()
    return rounds[rounds.count / 2]
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
}

func run<T: OCPIModel>(_ type: T.Type, name: String, options: Options, vary: (inout T, Int) -> Void) throws {
    if let only = options.only, only != name { return }
    let url = URL(fileURLWithPath: options.fixtures).appendingPathComponent("\(name).json")
    guard let template = try T.decodeJSON(Data(contentsOf: url)).value else {
        throw BenchmarkFailure(description: "\(url.path) does not hold a \(name)")
    }
    let values: [T] = (0..<options.objects).map { index in
        var value = template
        vary(&value, index)
        return value
    }
    let bytes = Data(values.jsonBytes())
    let megabytes = Double(bytes.count) / 1_000_000

    var violations = 0
    let ours = try measure(seconds: options.seconds) {
        let (decoded, shape) = try [T].decodeJSON(bytes)
        violations = shape.count
        for value in decoded ?? [] { violations += value.validate().count }
    }
    guard violations == 0 else { throw BenchmarkFailure(description: "the \(name) data is not valid: \(violations) violations") }
    let decodeOnly = try measure(seconds: options.seconds) { _ = try [T].decodeJSON(bytes) }
    let decodedValues = try [T].decodeJSON(bytes).value ?? []
    let validateOnly = measure(seconds: options.seconds) { for value in decodedValues { _ = value.validate() } }
    #if FoundationCodable
    let foundation = try measureFoundation(T.self, bytes, seconds: options.seconds)
    #endif
    let writing = measure(seconds: options.seconds) { _ = values.jsonBytes() }

    func line(_ label: String, _ runsPerSecond: Double) -> String {
        let throughput = runsPerSecond * megabytes
        let objects = runsPerSecond * Double(options.objects)
        return "  \(label.padding(toLength: 34, withPad: " ", startingAt: 0))\(String(format: "%8.1f MB/s %11.0f objects/s", throughput, objects))"
    }
    print("\(name): \(options.objects) objects, \(bytes.count / options.objects) bytes each, \(String(format: "%.2f", megabytes)) MB")
    print(line("decode + validate (ocpi)", ours))
    print(line("  of which decode", decodeOnly))
    print(line("  of which validate", validateOnly))
    #if FoundationCodable
    print(line("decode (Foundation JSONDecoder)", foundation))
    #endif
    print(line("encode (ocpi)", writing))
}

#if FoundationCodable
/// Foundation's JSONDecoder on the same list, through the generated `Codable` of the trait.
func measureFoundation<T: OCPIModel>(_: T.Type, _ bytes: Data, seconds: Double) throws -> Double {
    guard let codable = T.self as? any Decodable.Type else {
        throw BenchmarkFailure(description: "\(T.self) is not Decodable")
    }
    func measureList<D: Decodable>(_: D.Type) throws -> Double {
        let decoder = JSONDecoder()
        return try measure(seconds: seconds) { _ = try decoder.decode([D].self, from: bytes) }
    }
    return try measureList(codable)
}
#endif

let options = Options(Array(CommandLine.arguments.dropFirst()))
#if DEBUG
print("note: a debug build; run `swift run -c release ocpi-bench` for real numbers")
#endif
do {
    try run(Location.self, name: "Location", options: options) { location, index in
        location.id = "LOC-\(index)"
        for evse in location.evses.indices { location.evses[evse].uid = "\(index)-\(evse)" }
    }
    try run(Tariff.self, name: "Tariff", options: options) { tariff, index in tariff.id = "TRF-\(index)" }
    try run(CDR.self, name: "CDR", options: options) { cdr, index in cdr.id = "CDR-\(index)" }
} catch {
    FileHandle.standardError.write(Data("ocpi-bench: \(error)\n".utf8))
    exit(1)
}
