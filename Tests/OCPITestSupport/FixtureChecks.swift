import Foundation
import OCPIRuntime
import Testing

/// The round trip every release's fixture tests ask of each object and PATCH fixture: the document
/// decodes as `type` and validates without a violation; our writer, then our reader, give the
/// same value back; and the written document has the same keys everywhere as the one read, so no
/// field is lost or renamed. With the package trait FoundationCodable, Foundation's coders must
/// agree too. The same check for every release, so that a fix to it reaches all of them.
public func expectRoundTrip(_ type: any OCPIModel.Type, _ input: Data) throws {
    func run<T: OCPIModel>(_: T.Type) throws {
        let decoded = try T.decodeAndValidate(input)
        #expect(decoded.violations.map(\.description) == [])
        let value = try #require(decoded.value)
        // Our writer, then our reader: the same value.
        let written = value.jsonBytes()
        let again = try #require(try T.decodeJSON(written).value)
        #expect(again == value)
        // No field lost or renamed: the same keys everywhere in the document.
        let before = try #require(try JSONValue.decodeJSON(input).value)
        let after = try #require(try JSONValue.decodeJSON(written).value)
        #expect(keyPaths(after) == keyPaths(before))
        #if FoundationCodable
        try expectFoundationAgrees(value, input: input)
        #endif
    }
    try run(type)
}

#if FoundationCodable
/// With the package trait FoundationCodable: Foundation's coders, through the generated
/// `Codable`, read the document as our reader did and read back what they write.
private func expectFoundationAgrees<T: OCPIModel>(_ value: T, input: Data) throws {
    let codable = try #require(T.self as? any Codable.Type, "\(T.self) is not Codable")
    func check<C: Codable>(_: C.Type) throws {
        let decoded = try JSONDecoder().decode(C.self, from: input)
        #expect(decoded as? T == value)
        #expect(try JSONDecoder().decode(C.self, from: JSONEncoder().encode(decoded)) as? T == value)
    }
    try check(codable)
}
#endif

/// Every key path of a document (`/evses/0/connectors`), to see that no field is lost or renamed.
public func keyPaths(_ value: JSONValue, prefix: String = "") -> Set<String> {
    switch value {
    case .object(let members):
        var paths = Set<String>()
        for member in members {
            let path = prefix + "/" + member.key
            paths.insert(path)
            paths.formUnion(keyPaths(member.value, prefix: path))
        }
        return paths
    case .array(let elements):
        var paths = Set<String>()
        for (index, element) in elements.enumerated() {
            paths.formUnion(keyPaths(element, prefix: prefix + "/\(index)"))
        }
        return paths
    default:
        return []
    }
}

/// Which fields of a release's OpenAPI `schemas` (each `Type.field`) its valid fixtures hold:
/// `all` of them, and those `missing` from every fixture, sorted. Each fixture is walked along the
/// schema of its type (`typeName`), into the objects and arrays of objects its fields refer to,
/// so a field counts only where the schemas put it. The releases' fixture tests ask that none be
/// missing, so that every optional field is read and written at least once.
public func fixtureFieldCoverage(
    schemas: [String: Any], fixtures: [URL], typeName: (URL) -> String
) throws -> (all: Set<String>, missing: [String]) {
    var seen = Set<String>()
    func walk(_ json: JSONValue, schema name: String) {
        guard case .object(let members) = json,
            let properties = (schemas[name] as? [String: Any])?["properties"] as? [String: Any]
        else { return }
        for member in members {
            guard let property = properties[member.key] as? [String: Any] else { continue }
            seen.insert("\(name).\(member.key)")
            if let reference = property["$ref"] as? String {
                walk(member.value, schema: String(reference.split(separator: "/").last ?? ""))
            } else if let items = property["items"] as? [String: Any], let reference = items["$ref"] as? String,
                case .array(let elements) = member.value
            {
                for element in elements { walk(element, schema: String(reference.split(separator: "/").last ?? "")) }
            }
        }
    }
    for url in fixtures {
        walk(try #require(try JSONValue.decodeJSON(Data(contentsOf: url)).value), schema: typeName(url))
    }
    var all = Set<String>()
    for (name, schema) in schemas {
        for key in ((schema as? [String: Any])?["properties"] as? [String: Any] ?? [:]).keys {
            all.insert("\(name).\(key)")
        }
    }
    return (all, all.subtracting(seen).sorted())
}
