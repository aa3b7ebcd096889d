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
