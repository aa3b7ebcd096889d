import Foundation
import OCPIRuntime
import Testing

@Suite struct TextRuleTests {
    @Test func ciStringIsPrintableASCII() {
        let rule = TextRule(.printableASCII, maxLength: 36)
        #expect(rule.violation(of: "NL*TNM*E12345~!") == nil)
        #expect(rule.violation(of: "café") == "must contain printable ASCII characters only")
        #expect(rule.violation(of: "a\tb") == "must contain printable ASCII characters only")
    }

    @Test func stringIsPrintableUTF8() {
        let rule = TextRule(.printable, maxLength: 10)
        #expect(rule.violation(of: "Zürich 😀") == nil)
        #expect(rule.violation(of: "line\nbreak") == "must not contain control characters")
        #expect(rule.violation(of: "\u{7F}") == "must not contain control characters")
    }

    @Test func lengthsCountCharactersNotBytes() {
        let rule = TextRule(.printable, maxLength: 4)
        #expect(rule.violation(of: "äöüß") == nil)
        #expect(rule.violation(of: "äöüßx") == "must be at most 4 characters long (is 5)")
        let exact = TextRule(.printableASCII, maxLength: 3, exactLength: 3)
        #expect(exact.violation(of: "EUR") == nil)
        #expect(exact.violation(of: "EU") == "must be exactly 3 characters long (is 2)")
    }

    @Test func patternsMatchTheWholeValue() {
        let rule = TextRule(.printable, maxLength: 5, pattern: TextPattern("([0-1][0-9]|2[0-3]):[0-5][0-9]"))
        #expect(rule.violation(of: "08:00") == nil)
        #expect(rule.violation(of: "8:00") == "must match the pattern ([0-1][0-9]|2[0-3]):[0-5][0-9]")
        #expect(rule.violation(of: "08:001") != nil)
    }

    /// The compiled automaton and ICU's regular expressions agree on every pattern the spec uses
    /// and on a few more shapes, for many texts near and far from matching.
    @Test(arguments: [
        "[!-~]+",
        "-?[0-9]{1,2}\\.[0-9]{5,7}",
        "-?[0-9]{1,3}\\.[0-9]{5,7}",
        "([0-1][0-9]|2[0-3]):[0-5][0-9]",
        "([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])",
        "(ab|a)*b?", "[a\\-c]{2,}", "x(y(z|)|w)+", "[.:]?[]a]",
    ])
    func compiledPatternsAgreeWithICU(_ source: String) throws {
        let pattern = TextPattern(source)
        #expect(pattern.isCompiled)
        let reference = try NSRegularExpression(pattern: "^(?:\(source))$")
        let alphabet: [Character] = ["0", "1", "2", "3", "5", "9", "-", ".", ":", "a", "b", "c", "w", "x", "y", "z", "]", "é", " "]
        var generator = SystemRandomNumberGenerator()
        var texts = ["", "08:00", "23:59", "24:00", "2026-02-31", "1999-12-01", "52.12345", "-4.123456", "123.1234567", "abab", "xyzw"]
        for _ in 0..<3000 {
            let length = Int.random(in: 0...12, using: &generator)
            texts.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "0" }))
        }
        // Mutations of the matching examples, so that near misses are tried as well as far ones.
        for text in texts.prefix(11) where !text.isEmpty {
            for offset in 0..<text.count {
                var characters = Array(text)
                characters[offset] = alphabet.randomElement(using: &generator) ?? "0"
                texts.append(String(characters))
            }
        }
        for text in texts {
            let expected = reference.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
            #expect(pattern.matches(text) == expected, "\(source) on '\(text)'")
        }
    }

    /// Patterns outside the compiled subset still work, through `NSRegularExpression`.
    @Test(arguments: ["\\d{2}", "[^a]+", "a*?b", "(?:ab)+", "a.c", "(a{1,200})"])
    func otherPatternsFallBackToICU(_ source: String) throws {
        let pattern = TextPattern(source)
        #expect(!pattern.isCompiled)
        let reference = try NSRegularExpression(pattern: "^(?:\(source))$")
        for text in ["12", "1", "bcd", "ab", "aab", "abab", "abc", "a", String(repeating: "a", count: 150), ""] {
            let expected = reference.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
            #expect(pattern.matches(text) == expected, "\(source) on '\(text)'")
        }
    }

    @Test func decimalsAreCountedOnlyWhenWrittenLong() throws {
        func violations(_ text: String) throws -> Int {
            var context = ValidationContext()
            context.number(try #require(Decimal(string: text)), maxDecimals: 2)
            return context.violations.count
        }
        #expect(try violations("8.1") == 0)
        #expect(try violations("8.10") == 0)
        #expect(try violations("8.100") == 0, "trailing zeros do not count")
        #expect(try violations("8.105") == 1)
        #expect(try violations("1200") == 0)
    }
}
