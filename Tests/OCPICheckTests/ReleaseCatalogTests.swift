import Foundation
import OCPICheck
import OCPIRuntime
import Testing

/// What the checker reads from each release's generated target: every operation from its
/// OpenAPI document, and test objects built from its schemas that its own validators accept,
/// so that 2.1.1 and 2.3.0 partners get the same checks as 2.2.1 ones without code of their own.
@Suite struct ReleaseCatalogTests {
    @Test(arguments: CheckedRelease.all.map(\.version))
    func everyReleaseHasItsListsAndClientOwnedObjects(_ version: String) throws {
        let release = try #require(CheckedRelease.named(version))
        let catalog = try release.catalog()
        let lists = catalog.operations.filter { $0.isPaginated && $0.role == "SENDER" }
        let listed = Set(lists.map(\.module))
        #expect(listed.isSuperset(of: ["locations", "sessions", "cdrs", "tariffs", "tokens"]), "\(listed.sorted())")
        for list in lists {
            #expect(list.method == "GET" && list.dataIsList, "\(list.name)")
            #expect(list.queryParameters.contains("date_from") && list.queryParameters.contains("date_to"), "\(list.name)")
            let type = try #require(list.dataType, "\(list.name)")
            #expect(release.models[type] != nil, "\(list.name) lists \(type), which OCPITypes lacks")
        }
        let locations = catalog.operations(of: .init(module: "locations", role: "SENDER"))
        #expect(Set(locations.map(\.name)) == ["get_locations", "get_location", "get_evse", "get_connector"])
        #expect(locations.first { $0.name == "get_evse" }?.path == "/locations/{location_id}/{evse_uid}")
        #expect(catalog.endpointsHaveRoles == (version != "2.1.1"))
        // PATCH bodies are the PATCH types of what the PUT on the same path takes.
        for patch in catalog.operations where patch.method == "PATCH" {
            let type = try #require(patch.bodyType, "\(patch.name)")
            #expect(release.patches[type] != nil, "\(patch.name) patches \(type), which has no PATCH type")
        }
        if version == "2.3.0" {
            #expect(listed.contains("invoicereconciliation"), "a module the generator added is checked without code here")
        }
    }

    /// A run against a receiver builds its test object from the schema; here, against none,
    /// every receiver's object of every release is built and judged by the release's validator.
    @Test(arguments: CheckedRelease.all.map(\.version))
    func testObjectsOfEveryReceiverAreValid(_ version: String) throws {
        let release = try #require(CheckedRelease.named(version))
        let catalog = try release.catalog()
        // Per interface, the PUT of the whole object (put_location, not put_evse).
        let candidates = catalog.operations.filter {
            $0.role == "RECEIVER" && $0.method == "PUT" && $0.pathParameters.count >= 3 && Array($0.pathParameters.prefix(2)) == ["country_code", "party_id"]
        }
        let puts = Dictionary(grouping: candidates, by: \.module).values.compactMap { $0.min { $0.pathParameters.count < $1.pathParameters.count } }
        #expect(Set(puts.map(\.module)).isSuperset(of: ["locations", "sessions", "tariffs", "tokens"]), "\(puts.map(\.module))")
        for put in puts {
            let type = try #require(put.bodyType, "\(put.name)")
            let idField = put.pathParameters[2].split(separator: "_").last.map(String.init) ?? "id"
            let object = try #require(
                catalog.testObject(of: type, countryCode: "DE", partyID: "CHK", id: "OCPI-CHECK-1", idField: idField), "\(put.name): \(type)"
            )
            let model = try #require(release.models[type])
            let violations = try DocumentValidation.validate(object.jsonBytes(), as: model, envelope: try #require(release.models["Response"])).violations
            #expect(violations.isEmpty, "OCPI \(version) \(type): \(violations.map(\.description))")
            // 2.1.1 objects carry no party; later ones carry the checker's.
            #expect(object["country_code"] == (version == "2.1.1" ? nil : .string("DE")), "\(type)")
            #expect(object["party_id"] == (version == "2.1.1" ? nil : .string("CHK")), "\(type)")
            #expect(object[idField] == .string("OCPI-CHECK-1"), "\(type)")
        }
    }
}
