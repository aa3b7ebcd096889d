import Dispatch
import OCPI221
import OCPIRuntime
import OCPIStore

/// `ocpi-cpo import`: Locations and Tariffs from JSON files, written as the admin API writes
/// them (validated strictly, held to `OperatorRules`, our own country code and party id only),
/// each with its change in the outbox, so that a running server pushes it.
///
/// A file holds one object, a JSON list of them, or a whole OCPI response envelope (as a GET of
/// another platform returns it). Which type an object is follows from its fields: a Tariff has
/// `elements`, a Location has `address`. A file is taken whole or not at all: one bad object and
/// nothing of that file is written, so a re-run after fixing it does not leave half an import.
///
/// Files of any size: a file is never read whole. `importFile` goes through it twice, streaming
/// (`JSONListSplitter`): the first pass decodes and checks every object and writes nothing; the
/// second, only when the first found nothing wrong, decodes each object again and writes it, in
/// batches of many objects per store transaction. Two passes rather than one transaction for
/// the whole file: a transaction of a million objects would hold SQLite's writer for a minute or
/// more (a running server's writes would time out meanwhile) and PostgreSQL's row locks as
/// long; a batch holds it for a few milliseconds. Reading and decoding twice costs less than
/// keeping every decoded object in memory, or on disk, between the passes. A file changed
/// between the passes is noticed (an object that fails its check in the second pass, or the
/// file ending elsewhere) and reported; the batches written before stay, each complete, as they
/// do when the process is stopped while writing. Importing the file again finishes the job:
/// every write replaces the object by its id.
public struct CPOImport: Sendable {
    public enum Object: Sendable, Equatable {
        case location(Location)
        case tariff(Tariff)
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notJSON(String)
        case invalid([Violation])
        /// More objects were invalid than are listed: the violations of the first ones, and how
        /// many further objects had violations.
        case invalidBeyondList([Violation], unlistedObjects: Int)
        /// The document's structure cannot be read on (an object too large, nested too deep).
        case unreadable(String)
        /// The file changed between the check and the write.
        case changedWhileImporting(String)

        init(_ failure: JSONListSplitter.Failure) {
            self = failure.isSyntax ? .notJSON(failure.description) : .unreadable(failure.description)
        }

        public var description: String {
            switch self {
            case .notJSON(let message): "not JSON: \(message)"
            case .invalid(let violations): violations.map(\.description).joined(separator: "\n")
            case .invalidBeyondList(let violations, let unlisted):
                violations.map(\.description).joined(separator: "\n") + "\n... and \(unlisted) more invalid object\(unlisted == 1 ? "" : "s") (not listed)"
            case .unreadable(let message): message
            case .changedWhileImporting(let message): "changed while it was imported: \(message); the objects before it were imported"
            }
        }
    }

    public struct Outcome: Sendable, Equatable {
        public var locations = 0
        public var tariffs = 0
        public var created = 0
        public var updated = 0

        public init() {}
    }

    /// How far an import has got, for a progress display.
    public struct Progress: Sendable {
        public enum Phase: Sendable {
            /// Every object is decoded and checked; nothing is written yet.
            case checking
            /// The objects are written.
            case writing
        }

        public var phase: Phase
        /// Bytes of the file gone through in this phase, and the file's size.
        public var bytesDone: Int
        public var bytesTotal: Int
        /// Objects gone through in this phase; while writing, also how many there are in all.
        public var objectsDone: Int
        public var objectsTotal: Int?
    }

    /// How the work is cut: objects go through the decoding stage in batches of at most
    /// `batchObjects` objects or `batchBytes` bytes of JSON, `parallelBatches` batches at once
    /// (the splitter and the store's writer working meanwhile); each batch is written in one
    /// store transaction.
    public struct Tuning: Sendable {
        public var batchObjects = 500
        public var batchBytes = 1 << 20
        public var parallelBatches = 4
        /// At most this many invalid objects have their violations listed.
        public var listedInvalidObjects = 100
        public var chunkSize = JSONListSplitter.defaultChunkSize
        public var maximumElementSize = JSONListSplitter.defaultMaximumElementSize

        public init() {}
    }

    let objects: CPOObjects
    let party: PartyIdentity
    public var tuning = Tuning()

    /// `observer` hears of every batch written (a running server's push picks them up).
    public init(store: SQLStore, party: PartyIdentity, observer: (any CPOChangeObserver)? = nil) {
        objects = CPOObjects(store: store, party: party, observer: observer)
        self.party = party
    }

    // MARK: A whole file

    /// Checks every object of `source` and, when all are good, writes them all; every reason the
    /// file cannot be imported otherwise (`Failure`), with JSON pointers. `progress` is called
    /// after each batch, in order.
    public func importFile(_ source: ImportSource, progress: (@Sendable (Progress) -> Void)? = nil) async throws -> Outcome {
        let party = party
        let listed = tuning.listedInvalidObjects

        // First pass: check everything, write nothing.
        var checked = Outcome()
        var violations: [Violation] = []
        var invalidObjects = 0
        var checkedObjects = 0
        try await forEachBatch(of: source, transform: { batch, layout in
            Self.checkAll(batch, layout: layout, party: party, keepObjects: false)
        }, consume: { result, bytesDone in
            if let syntax = result.syntax { throw Failure.notJSON(syntax.description) }
            checked.locations += result.locations
            checked.tariffs += result.tariffs
            for invalid in result.invalid {
                invalidObjects += 1
                if invalidObjects <= listed { violations += invalid }
            }
            checkedObjects += result.count
            progress?(Progress(phase: .checking, bytesDone: bytesDone, bytesTotal: source.size, objectsDone: checkedObjects, objectsTotal: nil))
        }, whenEmpty: {
            violations.append(Violation(path: JSONPath(), message: "holds no Location or Tariff"))
        })
        if invalidObjects > listed { throw Failure.invalidBeyondList(violations, unlistedObjects: invalidObjects - listed) }
        guard violations.isEmpty else { throw Failure.invalid(violations) }

        // Second pass: write, a batch per transaction.
        try await objects.objects.store.prepareForBulkWrites()
        var outcome = Outcome()
        let total = checkedObjects
        try await forEachBatch(of: source, transform: { batch, layout in
            // Written out as stored here, beside the decoding, not on the writer's way.
            var checked = Self.checkAll(batch, layout: layout, party: party, keepObjects: true)
            checked.rows = Self.stored(checked.objects, party: party)
            checked.objects = []
            return checked
        }, consume: { result, bytesDone in
            if let syntax = result.syntax { throw Failure.changedWhileImporting(syntax.description) }
            if let first = result.invalid.first?.first { throw Failure.changedWhileImporting(first.description) }
            try await write(result.rows, locations: result.locations, tariffs: result.tariffs, into: &outcome)
            progress?(Progress(phase: .writing, bytesDone: bytesDone, bytesTotal: source.size, objectsDone: outcome.locations + outcome.tariffs, objectsTotal: total))
        }, whenEmpty: {})
        guard outcome.locations == checked.locations, outcome.tariffs == checked.tariffs else {
            throw Failure.changedWhileImporting("it holds \(outcome.locations + outcome.tariffs) objects now, \(total) when it was checked")
        }
        return outcome
    }

    /// Runs the file's elements through `transform` in batches, several at once, and hands
    /// each result to `consume` in the file's order, with how far into the file it reaches.
    private func forEachBatch(
        of source: ImportSource,
        transform: @escaping @Sendable ([JSONListSplitter.Element], JSONListSplitter.Layout) -> Checked,
        consume: (Checked, Int) async throws -> Void,
        whenEmpty: () -> Void
    ) async throws {
        var splitter = JSONListSplitter(source, chunkSize: tuning.chunkSize, maximumElementSize: tuning.maximumElementSize)
        let tuning = tuning
        var any = false
        try await withThrowingTaskGroup(of: (Int, Checked).self) { group in
            var started = 0
            var finished = 0
            var waiting: [Int: Checked] = [:]
            var exhausted = false
            var reached: [Int: Int] = [:]
            while true {
                while !exhausted, started - finished < tuning.parallelBatches {
                    var batch: [JSONListSplitter.Element] = []
                    var bytes = 0
                    do throws(JSONListSplitter.Failure) {
                        while batch.count < tuning.batchObjects, bytes < tuning.batchBytes, let element = try splitter.next() {
                            bytes += element.bytes.count
                            batch.append(element)
                        }
                    } catch {
                        throw Failure(error)
                    }
                    if batch.isEmpty {
                        exhausted = true
                        break
                    }
                    any = true
                    let number = started
                    let layout = splitter.layout ?? .single
                    reached[number] = splitter.bytesConsumed
                    // On Dispatch's threads, one per core: the tasks of `ocpi-cpo` run on NIO's
                    // event loops, and a child task stays on its parent's loop, so the batches
                    // would be decoded one after another on one core.
                    group.addTask { [batch] in
                        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Checked, Never>) in
                            DispatchQueue.global().async { continuation.resume(returning: transform(batch, layout)) }
                        }
                        return (number, result)
                    }
                    started += 1
                }
                guard finished < started else { break }
                guard let (number, result) = try await group.next() else { break }
                waiting[number] = result
                while let next = waiting.removeValue(forKey: finished) {
                    try await consume(next, reached.removeValue(forKey: finished) ?? 0)
                    finished += 1
                }
            }
        }
        if !any { whenEmpty() }
    }

    /// The objects as the store keeps them: canonical JSON under our own key.
    static func stored(_ objects: [Object], party: PartyIdentity) -> [StoredObject] {
        objects.map { object in
            switch object {
            case .location(let location):
                StoredObject(
                    key: ObjectKey(module: .locations, countryCode: party.countryCode, partyID: party.partyID, id: location.id),
                    lastUpdated: location.lastUpdated, json: location.jsonBytes()
                )
            case .tariff(let tariff):
                StoredObject(
                    key: ObjectKey(module: .tariffs, countryCode: party.countryCode, partyID: party.partyID, id: tariff.id),
                    lastUpdated: tariff.lastUpdated, json: tariff.jsonBytes()
                )
            }
        }
    }

    /// Writes objects in one transaction, each with its change in the outbox.
    private func write(_ rows: [StoredObject], locations: Int, tariffs: Int, into outcome: inout Outcome) async throws {
        guard !rows.isEmpty else { return }
        let message = OutboxMessage.object.json
        let changes = rows.map { OutboxEntry(key: $0.key, message: message) }
        let store = objects.objects.store
        let (created, updated) = try await store.transaction {
            // Objects before their changes: on PostgreSQL the outbox's lock is then taken last,
            // and held only while nothing else is waited for.
            let counts = try await store.putAll(rows)
            try await store.appendToOutbox(changes)
            return counts
        }
        outcome.locations += locations
        outcome.tariffs += tariffs
        outcome.created += created
        outcome.updated += updated
        objects.observer?.changesWritten()
    }

    // MARK: Objects in memory

    /// Reads every object of a document in memory, or every reason it cannot be imported, with
    /// JSON pointers (the checks of `importFile`, at once).
    public func read(_ bytes: [UInt8]) throws(Failure) -> [Object] {
        var splitter = JSONListSplitter(ImportSource(bytes: bytes), maximumElementSize: tuning.maximumElementSize)
        var elements: [JSONListSplitter.Element] = []
        do throws(JSONListSplitter.Failure) {
            while let element = try splitter.next() { elements.append(element) }
        } catch {
            throw Failure(error)
        }
        let result = Self.checkAll(elements, layout: splitter.layout ?? .single, party: party, keepObjects: true)
        if let syntax = result.syntax { throw .notJSON(syntax.description) }
        var violations = result.invalid.flatMap { $0 }
        if elements.isEmpty { violations.append(Violation(path: JSONPath(), message: "holds no Location or Tariff")) }
        guard violations.isEmpty else { throw .invalid(violations) }
        return result.objects
    }

    /// Writes what `read` returned, in batches; how many objects were new and how many replaced.
    public func write(_ imported: [Object]) async throws -> Outcome {
        var outcome = Outcome()
        var start = 0
        while start < imported.count {
            let end = min(imported.count, start + tuning.batchObjects)
            let batch = imported[start..<end]
            let locations = batch.count { if case .location = $0 { true } else { false } }
            try await write(Self.stored(Array(batch), party: party), locations: locations, tariffs: batch.count - locations, into: &outcome)
            start = end
        }
        return outcome
    }

    // MARK: Checking

    /// What a batch of elements held.
    struct Checked: Sendable {
        var count = 0
        var locations = 0
        var tariffs = 0
        /// The objects, when asked to keep them.
        var objects: [Object] = []
        /// The objects as stored, to be written.
        var rows: [StoredObject] = []
        /// The violations of each invalid object, with their pointers in the document.
        var invalid: [[Violation]] = []
        /// The first element that is not JSON, with its offset in the file.
        var syntax: JSONSyntaxError?
    }

    static func checkAll(_ elements: [JSONListSplitter.Element], layout: JSONListSplitter.Layout, party: PartyIdentity, keepObjects: Bool) -> Checked {
        var result = Checked()
        if keepObjects { result.objects.reserveCapacity(elements.count) }
        for element in elements {
            result.count += 1
            switch check(element.bytes, party: party) {
            case .object(let object):
                switch object {
                case .location: result.locations += 1
                case .tariff: result.tariffs += 1
                }
                if keepObjects { result.objects.append(object) }
            case .invalid(let violations):
                let base: JSONPath = if case .list(let list) = layout { list.appending(.index(element.index)) } else { JSONPath() }
                result.invalid.append(violations.map { $0.prefixed(by: base) })
            case .syntax(let error):
                result.syntax = JSONSyntaxError(offset: element.offset + error.offset, message: error.message)
                return result
            }
        }
        return result
    }

    enum CheckedElement {
        case object(Object)
        case invalid([Violation])
        case syntax(JSONSyntaxError)
    }

    /// One element: a valid Location or Tariff of ours, what is wrong with it, or where it is
    /// not JSON. The checks, in order: an object at all; `OperatorRules` (when broken, only
    /// those are reported); the type's decoding and validation; ours.
    static func check(_ bytes: [UInt8], party: PartyIdentity) -> CheckedElement {
        guard bytes.first == UInt8(ascii: "{") else {
            do throws(JSONSyntaxError) {
                guard let value = try JSONValue.decodeJSON(bytes).value else { return .invalid([]) }
                return .invalid([Violation(path: JSONPath(), message: "expected a Location or a Tariff (an object), found \(value.kindDescription)")])
            } catch {
                return .syntax(error)
            }
        }
        let scan = ImportScan(bytes)
        if scan.mayBreakRules {
            let broken = OperatorRules.violations(of: bytes)
            if !broken.isEmpty { return .invalid(broken) }
        }
        do throws(JSONSyntaxError) {
            let object: Object
            if scan.isTariff {
                let decoded = try Tariff.decodeAndValidate(bytes)
                guard decoded.isValid, let tariff = decoded.value else { return .invalid(decoded.violations) }
                object = .tariff(tariff)
            } else {
                let decoded = try Location.decodeAndValidate(bytes)
                guard decoded.isValid, let location = decoded.value else { return .invalid(decoded.violations) }
                object = .location(location)
            }
            let (countryCode, partyID) = switch object {
            case .location(let location): (location.countryCode, location.partyID)
            case .tariff(let tariff): (tariff.countryCode, tariff.partyID)
            }
            let foreign = OwnParty(party).violations(countryCode: countryCode, partyID: partyID)
            return foreign.isEmpty ? .object(object) : .invalid(foreign)
        } catch {
            return .syntax(error)
        }
    }
}
