import Foundation
import OCPIRuntime
import Testing

@Suite struct JSONReaderTests {
    private func decode<T: JSONDecodable>(_ type: T.Type, _ json: String) throws -> (T?, [String]) {
        let (value, violations) = try T.decodeJSON(Data(json.utf8))
        return (value, violations.map(\.description))
    }

    @Test func decimalsStayExact() throws {
        for text in ["0.1", "0.25", "12.3456", "-0.0001", "1234567890.1234", "0", "100", "1e2", "2.5E-3", "123456789012345678901234.5"] {
            let (value, violations) = try decode(Decimal.self, text)
            #expect(violations.isEmpty)
            let decimal = try #require(value)
            #expect(decimal == Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), "\(text)")
        }
        let (value, _) = try decode([Decimal].self, "[0.1, 0.2]")
        #expect(String(decoding: try #require(value).jsonBytes(), as: UTF8.self) == "[0.1,0.2]")
    }

    @Test func integersAreCheckedNotRounded() throws {
        #expect(try decode(Int.self, "42").0 == 42)
        #expect(try decode(Int.self, "-7").0 == -7)
        #expect(try decode(Int.self, "12.5").1 == ["/: expected an integer, found 12.5"])
        #expect(try decode(Int.self, "\"high\"").1 == ["/: expected an integer, found a string"])
        #expect(try decode(Int.self, "99999999999999999999").1 == ["/: expected an integer, found 99999999999999999999"])
    }

    @Test func stringsAndEscapes() throws {
        #expect(try decode(String.self, #""caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n""#).0 == "café 😀 \"q\" \\ / \n")
        #expect(try decode(String.self, "\"plain\"").0 == "plain")
        #expect(try decode(String.self, "\"Zürich\"").0 == "Zürich")
    }

    @Test func wrongShapesAreViolationsAtTheirPath() throws {
        let (value, violations) = try decode([[Int]].self, #"[[1, "two", 3], {"a": 1}, [null]]"#)
        #expect(value == [[1, 3], []])
        #expect(violations == [
            "/0/1: expected an integer, found a string",
            "/1: expected a list, found an object",
            "/2/0: expected an integer, found null",
        ])
    }

    @Test(arguments: [
        "", "{", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "\"unterminated", "tru", "01", "1.", "-", "1e",
        "\"\\x\"", "\"\\ud800\"", "[1] 2", "\"\u{01}\"", "{a: 1}",
    ])
    func malformedJSONThrows(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.decodeJSON(Data(text.utf8)) }
    }

    /// Strings are scanned eight bytes at a time: an escape, a non-ASCII character or a control
    /// character is found wherever it falls in a word.
    @Test func everyPositionInAWordIsChecked() throws {
        for position in 0..<20 {
            let before = String(repeating: "a", count: position)
            let after = String(repeating: "b", count: 19 - position)
            #expect(try decode(String.self, "\"\(before)\\n\(after)\"").0 == before + "\n" + after, "escape at \(position)")
            #expect(try decode(String.self, "\"\(before)é\(after)\"").0 == before + "é" + after, "UTF-8 at \(position)")
            #expect(try decode(String.self, "\"\(before)\"").0 == before, "closing quote at \(position)")
            #expect(throws: JSONSyntaxError.self, "control character at \(position)") {
                try String.decodeJSON(Data("\"\(before)\t\(after)\"".utf8))
            }
            var invalid = Data("\"\(before)".utf8)
            invalid.append(contentsOf: [0xFF])
            invalid.append(contentsOf: Data("\(after)\"".utf8))
            #expect(throws: JSONSyntaxError.self, "invalid UTF-8 at \(position)") { try String.decodeJSON(invalid) }
        }
    }

    @Test func dateTimesAreReadFromTheirBytesEscapesAndAll() throws {
        #expect(try decode(OCPIDateTime.self, #""2026-01-01T00:00:00Z""#).0 == OCPIDateTime("2026-01-01T00:00:00Z"))
        #expect(try decode(OCPIDateTime.self, #""2026-01-01T00:00:00\u005A""#).0 == OCPIDateTime("2026-01-01T00:00:00Z"))
        #expect(try decode(OCPIDateTime.self, #""yesterday""#).1 == ["/: 'yesterday' is not a DateTime (expected YYYY-MM-DDThh:mm:ss with optional fraction and Z)"])
        #expect(try decode(OCPIDateTime.self, "12").1 == ["/: expected a string, found a number"])
        #expect(throws: JSONSyntaxError.self) { try OCPIDateTime.decodeJSON(Data([0x22, 0x32, 0xFF, 0x22])) }
    }

    @Test func invalidUTF8Throws() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.decodeJSON(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }

    @Test func deepNestingIsRefused() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.decodeJSON(Data(deep.utf8)) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONValue.decodeJSON(Data(fine.utf8)).violations.isEmpty)
    }

    /// `depth` levels: objects with one member each, around an empty list.
    private func nested(_ depth: Int) -> Data {
        Data((String(repeating: #"{"a":"#, count: depth - 1) + "[]" + String(repeating: "}", count: depth - 1)).utf8)
    }

    @Test func theDepthLimitIsExactAndSaysWhy() throws {
        let limit = JSONReader.maximumDepth
        #expect(try JSONValue.decodeJSON(nested(limit)).violations.isEmpty)
        let error = #expect(throws: JSONSyntaxError.self) { try JSONValue.decodeJSON(nested(limit + 1)) }
        #expect(error?.message == "nested deeper than \(limit) levels")
        // Refused where the level too many opens, before the rest is looked at.
        #expect(error?.offset == limit * 5)
        #expect(error?.description == "invalid JSON at byte \(limit * 5): nested deeper than \(limit) levels")
    }

    @Test func valuesSkippedForHavingTheWrongShapeCountTowardsTheDepth() {
        // A list where an integer belongs is skipped, not decoded: the skipping is bounded too.
        let deep = Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        #expect(throws: JSONSyntaxError.self) { try Int.decodeJSON(deep) }
        #expect(throws: JSONSyntaxError.self) { try [String].decodeJSON(deep) }
        let unclosed = Data(String(repeating: #"{"a":"#, count: 100_000).utf8)
        let error = #expect(throws: JSONSyntaxError.self) { try JSONValue.decodeJSON(unclosed) }
        #expect(error?.message.hasPrefix("nested deeper than") == true)
    }

    @Test func jsonValueRoundTripsThroughTheWriter() throws {
        let text = #"{"b":[1,2.5,true,null,"x\"y"],"a":{"c":"\u0001"}}"#
        let (value, _) = try JSONValue.decodeJSON(Data(text.utf8))
        #expect(String(decoding: try #require(value).jsonBytes(), as: UTF8.self) == text)
    }

    /// The writer copies the runs between escapes whole: every character JSON must escape, alone,
    /// first, last and between others, reads back as it was.
    @Test func writtenStringsEscapeWhatTheyMustAndKeepTheRest() throws {
        var texts = ["", "plain", "café 😀", #"a"b\c"#, "\u{7F}"]
        for byte in UInt8(0)..<0x20 {
            let character = String(UnicodeScalar(byte))
            texts += [character, character + "x", "x" + character, "ab" + character + character + "cd"]
        }
        for text in texts {
            var writer = JSONWriter()
            writer.string(text)
            let bytes = writer.bytes
            #expect(!bytes.contains { $0 < 0x20 }, "no raw control byte in \(bytes)")
            #expect(try decode(String.self, String(decoding: bytes, as: UTF8.self)).0 == text)
        }
        var writer = JSONWriter()
        writer.string("\u{1}\n\"")
        #expect(String(decoding: writer.bytes(terminatedBy: 0x0A), as: UTF8.self) == #""\u0001\n\"""# + "\n")
    }

    @Test func jsonPointersEscapeTildeAndSlash() {
        #expect(JSONPath([.key("a/b"), .index(0), .key("m~n")]).pointer == "/a~1b/0/m~0n")
        #expect(JSONPath().pointer == "")
    }

    /// A document is read without the path first; only one with a violation is read again,
    /// with it, so that every violation still says where it is.
    @Test func theSecondPassWithThePathIsOnlyForADocumentWithViolations() throws {
        func read(_ json: String) throws -> (passes: Int, value: [[Int]]?, violations: [String]) {
            var passes = 0
            let bytes = Array(json.utf8)
            let (value, violations) = try bytes.withUnsafeBufferPointer { buffer in
                try JSONReader.read(buffer) { (reader) throws(JSONSyntaxError) -> [[Int]]? in
                    passes += 1
                    let value = try [[Int]].decode(from: &reader)
                    try reader.finish()
                    return value
                }
            }
            return (passes, value, violations.map(\.description))
        }
        let valid = try read("[[1, 2], [3]]")
        #expect(valid.passes == 1)
        #expect(valid.value == [[1, 2], [3]])
        #expect(valid.violations.isEmpty)

        let invalid = try read(#"[[1], [2, "three"]]"#)
        #expect(invalid.passes == 2)
        #expect(invalid.value == [[1], [2]])
        #expect(invalid.violations == ["/1/1: expected an integer, found a string"])

        // The first pass alone finds the violation but not its place.
        let bytes = Array(#"[[1], [2, "three"]]"#.utf8)
        let untracked = try bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(bytes: buffer, tracksPath: false)
            _ = try [[Int]].decode(from: &reader)
            return reader.violations
        }
        #expect(untracked.map(\.description) == ["/: expected an integer, found a string"])
        // Syntax errors are thrown by the first pass, with their offset.
        #expect(throws: JSONSyntaxError(offset: 5, message: "expected ',' or ']' in a list")) { try read("[[1] [2]]") }
    }

    @Test func validationWithoutThePathFindsTheSameViolationsAtTheStart() {
        struct Pair: OCPIValidatable {
            var names: [String]
            func validate(into context: inout ValidationContext) {
                context.at("names") { $0.list(names, nonEmpty: true) { $0.text($1, TextRule(.printableASCII, maxLength: 3)) } }
            }
        }
        let value = Pair(names: ["abc", "abcd"])
        var untracked = ValidationContext(tracksPath: false)
        value.validate(into: &untracked)
        #expect(untracked.violations.map(\.pointer) == [""])
        #expect(value.validate().map(\.pointer) == ["/names/1"])
        #expect(value.validate().map(\.message) == untracked.violations.map(\.message))
        #expect(Pair(names: ["abc"]).validate().isEmpty)
    }
}
