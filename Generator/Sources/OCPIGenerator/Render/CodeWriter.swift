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
    mutating func docComment(_ text: String?) {
        guard let text = text?.trimmingWhitespace(), !text.isEmpty else { return }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            self.line(line.isEmpty ? "///" : "/// " + line)
        }
    }
}
