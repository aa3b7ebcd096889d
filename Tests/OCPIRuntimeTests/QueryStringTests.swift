import Foundation
import OCPIRuntime
import Testing

/// The query string of list requests (`?offset=...&limit=...&date_from=...`) and of the Link
/// header's next page, read and written from bytes.
@Suite struct QueryStringTests {
    @Test func partsAreSplitAndUnescaped() {
        #expect(QueryString.decode("offset=0&limit=50") == [("offset", "0"), ("limit", "50")].map(Pair.init))
        #expect(QueryString.decode("date_from=2030-01-01T00%3A00%3A00Z&&flag") == [("date_from", "2030-01-01T00:00:00Z"), ("flag", "")].map(Pair.init))
        #expect(QueryString.decode("a=%C3%A9t%C3%A9&b=1+2&c=x=y") == [("a", "été"), ("b", "1+2"), ("c", "x=y")].map(Pair.init), "a plus stays a plus")
        #expect(QueryString.decode("a=%zz&b=%4&c=%&d=%FF") == [("a", "%zz"), ("b", "%4"), ("c", "%"), ("d", "%FF")].map(Pair.init), "malformed or not UTF-8: as written")
    }

    @Test func onlyUnreservedBytesAreWrittenAsTheyAre() {
        #expect(QueryString.escape("2030-01-01T00:00:00Z") == "2030-01-01T00%3A00%3A00Z")
        #expect(QueryString.escape("A-z_0.9~") == "A-z_0.9~")
        #expect(QueryString.escape("été & co/+") == "%C3%A9t%C3%A9%20%26%20co%2F%2B", "letters outside ASCII are escaped too")
        #expect(QueryString.encode([("offset", "50"), ("date_to", "2030-01-01T00:00:00+01:00")]) == "offset=50&date_to=2030-01-01T00%3A00%3A00%2B01%3A00")
    }

    /// What Foundation's percent-decoding makes of a part, the byte reader makes too (except for
    /// escapes that are not UTF-8, which Foundation on Linux turns into U+FFFD and the reader
    /// keeps as written), and what the writer escapes comes back as it was.
    @Test func decodingAgreesWithFoundationAndEscapingRoundTrips() {
        var generator = SplitMix(seed: 0x9E7)
        let alphabet = Array("%%%0123456789abcdefABCDEFxyz-._~:+/ é€".unicodeScalars)
        for _ in 0..<3000 {
            let text = String(String.UnicodeScalarView((0..<Int(generator.next() % 12)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }))
            #expect(QueryString.decode("k=" + QueryString.escape(text)).first?.1 ?? "" == text, "\(text.debugDescription)")
            let expected = text.removingPercentEncoding ?? text
            if expected.unicodeScalars.contains("\u{FFFD}") { continue }
            #expect(QueryString.decode("k=" + text).first?.1 ?? "" == expected, "\(text.debugDescription)")
        }
    }
}

/// A name and value, comparable (tuples are not `Equatable` inside arrays).
struct Pair: Equatable {
    var name: String
    var value: String
    init(_ pair: (String, String)) { (name, value) = pair }
}

func == (lhs: [(String, String)], rhs: [Pair]) -> Bool { lhs.map(Pair.init) == rhs }
