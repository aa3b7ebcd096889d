import OCPI221
import OCPIRuntime
import OCPIStore

/// `ocpi-cpo import`: Locations and Tariffs from JSON files, written as the admin API writes
/// them (validated strictly, held to `OperatorRules`, our own country code and party id only).
///
/// A file holds one object, a JSON list of them, or a whole OCPI response envelope (as a GET of
/// another platform returns it). Which type an object is follows from its fields: a Tariff has
/// `elements`, a Location has `address`. A file is taken whole or not at all: one bad object and
/// nothing of that file is written, so a re-run after fixing it does not leave half an import.
public struct CPOImport: Sendable {
    public enum Object: Sendable, Equatable {
        case location(Location)
        case tariff(Tariff)
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notJSON(String)
        case invalid([Violation])

        public var description: String {
            switch self {
            case .notJSON(let message): "not JSON: \(message)"
            case .invalid(let violations): violations.map(\.description).joined(separator: "\n")
            }
        }
    }

    public struct Outcome: Sendable, Equatable {
        public var locations = 0
        public var tariffs = 0
        public var created = 0
        public var updated = 0
    }

    let objects: CPOObjects
    let party: PartyIdentity

    /// `observer` hears of every object written (a running server's push picks them up).
    public init(store: SQLStore, party: PartyIdentity, observer: (any CPOChangeObserver)? = nil) {
        objects = CPOObjects(store: store, party: party, observer: observer)
        self.party = party
    }

    /// Reads every object of a file, or every reason it cannot be imported, with JSON pointers.
    public func read(_ bytes: [UInt8]) throws(Failure) -> [Object] {
        let document: JSONValue?
        do {
            document = try JSONValue.decodeJSON(bytes).value
        } catch {
            throw .notJSON(String(describing: error))
        }
        let (elements, base) = Self.elements(of: document)
        var result: [Object] = []
        var violations: [Violation] = []
        for (index, element) in elements.enumerated() {
            let path = base.map { $0.appending(.index(index)) } ?? JSONPath()
            let (object, found) = readOne(element)
            if let object { result.append(object) }
            violations += (found + (object.map(ownership) ?? [])).map {
                Violation(path: JSONPath(path.components + $0.path.components), message: $0.message)
            }
        }
        if elements.isEmpty { violations.append(Violation(path: JSONPath(), message: "holds no Location or Tariff")) }
        guard violations.isEmpty else { throw .invalid(violations) }
        return result
    }

    /// Writes what `read` returned; how many objects were new and how many replaced.
    public func write(_ imported: [Object]) async throws -> Outcome {
        var outcome = Outcome()
        for object in imported {
            let result: WriteOutcome
            switch object {
            case .location(let location):
                outcome.locations += 1
                result = try await objects.putLocation(location)
            case .tariff(let tariff):
                outcome.tariffs += 1
                result = try await objects.putTariff(tariff)
            }
            if result == .created { outcome.created += 1 } else { outcome.updated += 1 }
        }
        return outcome
    }

    /// The objects of a document, and where its list sits (nil for a single bare object).
    private static func elements(of document: JSONValue?) -> ([JSONValue], JSONPath?) {
        switch document {
        case .array(let elements)?:
            return (elements, JSONPath())
        case .object(let members)? where members.contains(where: { $0.key == "status_code" }):
            switch document?["data"] {
            case .array(let elements)?: return (elements, JSONPath([.key("data")]))
            case let data?: return ([data], nil)
            case nil: return ([], nil)
            }
        case let value?:
            return ([value], nil)
        case nil:
            return ([], nil)
        }
    }

    /// One object, when it is a valid Location or Tariff; what is wrong with it otherwise.
    private func readOne(_ value: JSONValue) -> (Object?, [Violation]) {
        guard case .object = value else {
            return (nil, [Violation(path: JSONPath(), message: "expected a Location or a Tariff (an object), found \(value.kindDescription)")])
        }
        // The bytes were written by JSONWriter, so they are JSON: decoding cannot throw.
        let bytes = value.jsonBytes()
        let broken = OperatorRules.violations(of: bytes)
        guard broken.isEmpty else { return (nil, broken) }
        if value["elements"] != nil || value["address"] == nil {
            guard let decoded = try? Tariff.decodeAndValidate(bytes) else { return (nil, []) }
            guard decoded.isValid, let tariff = decoded.value else { return (nil, decoded.violations) }
            return (.tariff(tariff), [])
        }
        guard let decoded = try? Location.decodeAndValidate(bytes) else { return (nil, []) }
        guard decoded.isValid, let location = decoded.value else { return (nil, decoded.violations) }
        return (.location(location), [])
    }

    private func ownership(_ object: Object) -> [Violation] {
        let (countryCode, partyID) = switch object {
        case .location(let location): (location.countryCode, location.partyID)
        case .tariff(let tariff): (tariff.countryCode, tariff.partyID)
        }
        return OwnParty(party).violations(countryCode: countryCode, partyID: partyID)
    }
}
