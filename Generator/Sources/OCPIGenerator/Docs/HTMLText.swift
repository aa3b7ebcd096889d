/// Text made safe for HTML, and the little markup our docs use.
enum HTMLText {
    /// Escapes the five characters that mean something in HTML text or in a quoted attribute.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A doc, note or errata text as HTML: escaped, `code spans` kept as code, and paragraphs
    /// where the YAML has an empty line. An unmatched backtick stays a backtick.
    static func prose(_ text: String) -> [String] {
        text.trimmingWhitespace()
            .components(separatedBy: "\n\n")
            .map { $0.split(separator: "\n").map { $0.trimmingWhitespace() }.joined(separator: " ") }
            .filter { !$0.isEmpty }
            .map(inline)
    }

    /// One paragraph: escaped, with `code` spans.
    static func inline(_ text: String) -> String {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        // An odd number of backticks leaves the last one unpaired: treat it as text.
        guard parts.count > 2 else { return escape(text) }
        var result = ""
        let paired = parts.count % 2 == 1 ? parts.count : parts.count - 1
        for (index, part) in parts.enumerated() {
            if index >= paired {
                result += "`" + escape(String(part))
            } else if index % 2 == 1 {
                result += "<code>" + escape(String(part)) + "</code>"
            } else {
                result += escape(String(part))
            }
        }
        return result
    }

    /// A fragment identifier from a spec name: letters, digits, `_`, `-` and `.` are kept, any
    /// other character becomes `-`.
    static func anchor(_ name: String) -> String {
        String(name.map { character -> Character in
            character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-" || character == ".")
                ? character : "-"
        })
    }
}
