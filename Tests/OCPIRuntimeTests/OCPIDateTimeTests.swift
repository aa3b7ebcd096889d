import Foundation
import OCPIRuntime
import Testing

@Suite struct OCPIDateTimeTests {
    @Test(arguments: [
        ("2015-06-29T20:39:09Z", "2015-06-29T20:39:09Z"),
        ("2015-06-29T20:39:09", "2015-06-29T20:39:09Z"),
        ("2016-12-29T17:45:09.2Z", "2016-12-29T17:45:09.2Z"),
        ("2016-12-29T17:45:09.2", "2016-12-29T17:45:09.2Z"),
        ("2018-01-01T01:08:01.123Z", "2018-01-01T01:08:01.123Z"),
        ("2018-01-01T01:08:01.123", "2018-01-01T01:08:01.123Z"),
        ("2020-02-29T23:59:59.000001Z", "2020-02-29T23:59:59.000001Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
    ])
    func everyFormTheSpecAllowsIsReadAndWrittenInUTC(input: String, written: String) throws {
        let value = try #require(OCPIDateTime(input))
        #expect(value.description == written)
        #expect(value.nonUTCOffsetMinutes == nil)
        #expect(OCPIDateTime(value.description) == value)
    }

    @Test func agreesWithFoundation() throws {
        let formatter = ISO8601DateFormatter()
        for seconds in stride(from: Int64(-2_000_000_000), through: 4_000_000_000, by: 86_399_937) {
            let value = OCPIDateTime(secondsSince1970: seconds)
            let date = try #require(formatter.date(from: value.description))
            #expect(Int64(date.timeIntervalSince1970) == seconds)
        }
    }

    @Test func anOffsetIsReadConvertedAndReportedByValidation() throws {
        let value = try #require(OCPIDateTime("2024-03-01T12:00:00+02:00"))
        #expect(value.description == "2024-03-01T10:00:00Z")
        #expect(value.nonUTCOffsetMinutes == 120)
        var context = ValidationContext()
        context.dateTime(value)
        #expect(context.violations.map(\.description) == ["/: must be in UTC (written with Z or without an offset), not with the offset +02:00"])
        // The spec says +00:00 is not the same as UTC.
        #expect(try #require(OCPIDateTime("2024-03-01T12:00:00+00:00")).nonUTCOffsetMinutes == 0)
    }

    @Test(arguments: [
        "yesterday", "", "2024-03-01", "2024-03-01 12:00:00", "2024-13-01T12:00:00Z", "2023-02-29T12:00:00Z",
        "2024-03-01T24:00:00Z", "2024-03-01T12:00:00.Z", "2024-03-01T12:00:00ZZ", "2024-03-01T12:00Z", "+2024-03-01T12:00:00Z",
    ])
    func anythingElseIsRefused(_ text: String) {
        #expect(OCPIDateTime(text) == nil)
    }

    @Test func readingFromJSONReportsABadValueAtItsPath() throws {
        let (value, violations) = try [OCPIDateTime].decodeJSON(Data(#"["2024-03-01T12:00:00Z", "yesterday", 5]"#.utf8))
        #expect(value?.count == 1)
        #expect(violations.map(\.description) == [
            "/1: 'yesterday' is not a DateTime (expected YYYY-MM-DDThh:mm:ss with optional fraction and Z)",
            "/2: expected a string, found a number",
        ])
    }

    @Test func codableUsesTheSameText() throws {
        let value = try #require(OCPIDateTime("2016-12-29T17:45:09.20"))
        let encoded = try JSONEncoder().encode([value])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2016-12-29T17:45:09.20Z"]"#)
        #expect(try JSONDecoder().decode([OCPIDateTime].self, from: encoded) == [value])
    }

    @Test(arguments: [
        (Duration.seconds(90), Int64(1_700_000_090), Int32(250_000_000)),
        (.microseconds(-1), 1_700_000_000, 249_999_000),
        (.milliseconds(-250), 1_700_000_000, 0),
        (.milliseconds(-251), 1_699_999_999, 999_000_000),
        (.milliseconds(800), 1_700_000_001, 50_000_000),
    ])
    func addingADurationCarriesAcrossSeconds(_ duration: Duration, seconds: Int64, nanoseconds: Int32) {
        let start = OCPIDateTime(secondsSince1970: 1_700_000_000, nanoseconds: 250_000_000, fractionDigits: 3)
        let later = start.adding(duration)
        #expect(later.secondsSince1970 == seconds)
        #expect(later.nanoseconds == nanoseconds)
    }
}
