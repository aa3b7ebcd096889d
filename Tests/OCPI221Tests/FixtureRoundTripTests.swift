import Foundation
import OCPI221
import OCPIRuntime
import Testing
import Yams

/// Every OCPI 2.2.1 object decodes, validates and re-encodes exactly.
@Suite struct FixtureRoundTripTests {
    @Test func thereIsAFixtureForEveryObjectType() {
        let fixtures = Set(Fixtures.files("valid").map(Fixtures.typeName))
        #expect(Set(OCPITypes.models.keys).subtracting(fixtures) == [])
        #expect(OCPITypes.models.count == 56)
    }

    @Test(arguments: Fixtures.files("valid"))
    func validFixtureDecodesValidatesAndRoundTrips(_ url: URL) throws {
        let type = try #require(OCPITypes.models[Fixtures.typeName(url)])
        try roundTrip(type, Data(contentsOf: url))
    }

    @Test(arguments: Fixtures.files("patch"))
    func patchFixtureDecodesValidatesAndRoundTrips(_ url: URL) throws {
        let type = try #require(OCPITypes.patches[Fixtures.typeName(url)])
        try roundTrip(type, Data(contentsOf: url))
    }

    private func roundTrip(_ type: any OCPIModel.Type, _ input: Data) throws {
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

    @Test func listsAndEnvelopesDecode() throws {
        for (file, count) in [("valid/lists/Locations.json", 3), ("valid/lists/Tariffs.json", 2), ("valid/lists/CDRs.json", 2)] {
            let data = try Fixtures.data(file)
            let type = try #require(OCPITypes.models[file.contains("Location") ? "Location" : file.contains("Tariff") ? "Tariff" : "CDR"])
            let report = try DocumentValidation.validate(data, as: type, envelope: OCPIResponse.self)
            #expect(report.shape == .list)
            #expect(report.violations == [])
            #expect(try JSONValue.decodeJSON(data).value.flatMap { if case .array(let items) = $0 { items.count } else { nil } } == count)
        }
        let page = try DocumentValidation.validate(try Fixtures.data("valid/envelopes/LocationsPage.json"), as: Location.self, envelope: OCPIResponse.self)
        #expect(page.shape == .envelope(data: .list))
        #expect(page.violations == [])
    }

    @Test func numbersStayExactThroughEveryCoder() throws {
        let json = #"{"excl_vat": 0.1, "incl_vat": 12.3456}"#
        let price = try #require(try Price.decodeJSON(Data(json.utf8)).value)
        #expect(price.exclVAT == Decimal(string: "0.1"))
        #expect(String(decoding: price.jsonBytes(), as: UTF8.self) == #"{"excl_vat":0.1,"incl_vat":12.3456}"#)
        #if FoundationCodable
        #expect(String(decoding: try JSONEncoder().encode(price), as: UTF8.self).contains("0.1"))
        #endif
    }

    /// Every optional field of every type is present in at least one fixture: the fixtures are
    /// walked along the schemas of the OpenAPI document, collecting (type, field) pairs.
    @Test func everyFieldOfEveryTypeAppearsInSomeFixture() throws {
        let document = try #require(OCPIRelease.openAPIDocument)
        let openAPI = try #require(try Yams.load(yaml: String(decoding: document, as: UTF8.self)) as? [String: Any])
        let schemas = try #require((openAPI["components"] as? [String: Any])?["schemas"] as? [String: Any])
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
        for url in Fixtures.files("valid") {
            walk(try #require(try JSONValue.decodeJSON(Data(contentsOf: url)).value), schema: Fixtures.typeName(url))
        }
        var all = Set<String>()
        for (name, schema) in schemas {
            for key in ((schema as? [String: Any])?["properties"] as? [String: Any] ?? [:]).keys {
                all.insert("\(name).\(key)")
            }
        }
        #expect(all.count == 300)
        #expect(all.subtracting(seen).sorted() == [])
    }
}

/// Every key path of a document (`/evses/0/connectors`), to see that no field is lost or renamed.
func keyPaths(_ value: JSONValue, prefix: String = "") -> Set<String> {
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
