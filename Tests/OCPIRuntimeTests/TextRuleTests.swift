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
}
