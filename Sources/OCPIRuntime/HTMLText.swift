/// Text written into HTML pages this package serves or writes (the operator console,
/// `ocpi-check`'s report): every value goes through `escape`.
public enum HTMLText {
    /// `text` as HTML text or a double-quoted attribute value: `&`, `<`, `>`, `"` and `'` as
    /// entities, control characters (which HTML forbids, and which have no business in a page)
    /// as U+FFFD. Tabs and line breaks stay.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case "\u{0}"..."\u{1F}", "\u{7F}"..."\u{9F}": escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
