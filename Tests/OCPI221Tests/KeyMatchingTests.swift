import Foundation
import OCPI221
import OCPIRuntime
import OCPITestSupport
import Testing

/// Generated decoders match object keys by their bytes, after switching on their length: a key
/// written with escapes is the same key, a key that only looks alike is not, and keys of every
/// length an object has are found.
@Suite struct KeyMatchingTests {
    private func geoLocation(_ json: String) throws -> (GeoLocation?, [String]) {
        let (value, violations) = try GeoLocation.decodeJSON(Data(json.utf8))
        return (value, violations.map(\.description))
    }

    @Test func escapedKeysAreTheKeysTheySpell() throws {
        let (value, violations) = try geoLocation(#"{"latitude": "52.12345", "longitud\u0065": "4.12345"}"#)
        #expect(violations.isEmpty)
        #expect(value == GeoLocation(latitude: "52.12345", longitude: "4.12345"))
    }

    @Test func keysThatOnlyLookAlikeAreUnknownAndSkipped() throws {
        // Same length, one letter off; a prefix; a longer key; a non-ASCII key.
        let (value, violations) = try geoLocation(#"{"latitudE": 1, "lat": 2, "latitude_x": 3, "länge": {"a": [1]}, "latitude": "52.12345", "longitude": "4.12345"}"#)
        #expect(violations.isEmpty)
        #expect(value == GeoLocation(latitude: "52.12345", longitude: "4.12345"))
        #expect(try geoLocation(#"{"latitudE": "52.12345", "longitude": "4.12345"}"#).1 == ["/latitude: is required but missing"])
    }

    @Test func everyFieldOfALocationIsFoundWhateverItsKeysLength() throws {
        let bytes = try Fixtures.data("valid/Location.json")
        let decoded = try #require(Location.decodeJSON(bytes).value)
        // A key the switch missed would be skipped, and missing from what the writer writes.
        let before = try #require(try JSONValue.decodeJSON(bytes).value)
        let after = try #require(try JSONValue.decodeJSON(decoded.jsonBytes()).value)
        #expect(keyPaths(after) == keyPaths(before))
        #if FoundationCodable
        // What Foundation's decoder (keyed by `CodingKeys`, not by our switch) reads is the same.
        #expect(decoded == (try JSONDecoder().decode(Location.self, from: bytes)))
        #endif
    }

    @Test func invalidUTF8InAKeyIsASyntaxError() {
        var json = Data(#"{"lat"#.utf8)
        json.append(0xFF)
        json.append(contentsOf: Data(#"": 1}"#.utf8))
        #expect(throws: JSONSyntaxError.self) { try GeoLocation.decodeJSON(json) }
    }
}
