/// Writes indented source text. The writer owns all whitespace, so every renderer produces the
/// same layout and the output is byte-identical from run to run.
struct CodeWriter {
    private(set) var text = ""
    private var level = 0
    private let unit = "    "

    /// One line at the current indentation; an empty string gives an empty line.
    mutating func line(_ content: String = "") {
        text += content.isEmpty ? "\n" : String(repeating: unit, count: level) + content + "\n"
    }

    /// `open` on a line, the body one level deeper, then `close`.
    mutating func block(_ open: String, close: String = "}", _ body: (inout CodeWriter) -> Void) {
        line(open)
        level += 1
        body(&self)
        level -= 1
        line(close)
    }

    /// A `///` comment, one line per line of text; nothing for an empty text.
    /// A `switch` over a string that first picks the cases of the subject's UTF-8 length, so
    /// that a subject is compared with a few literals rather than with all of them in turn.
    /// `cases` pairs each literal with its statement; `fallback` runs for anything else.
    /// `length` is the expression for the subject's length in UTF-8 bytes.
    mutating func stringSwitch(_ subject: String, length: String, _ cases: [(value: String, statement: String)], fallback: String) {
        let byLength = Dictionary(grouping: cases) { $0.value.utf8.count }
        line("switch \(length) {")
        for length in byLength.keys.sorted() {
            line("case \(length):")
            level += 1
            line("switch \(subject) {")
            for entry in byLength[length] ?? [] {
                line("case \(swiftString(entry.value)): \(entry.statement)")
            }
            line("default: \(fallback)")
            line("}")
            level -= 1
        }
        line("default: \(fallback)")
        line("}")
    }

    mutating func docComment(_ text: String?) {
        guard let text = text?.trimmingWhitespace(), !text.isEmpty else { return }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            self.line(line.isEmpty ? "///" : "/// " + line)
        }
    }
}
