/// An ordered YAML value, written out with fixed whitespace and quoting so that the same value
/// always gives the same bytes.
indirect enum YAMLValue {
    case string(String)
    case int(Int)
    /// A number already written in its canonical form.
    case number(String)
    case bool(Bool)
    case list([YAMLValue])
    case map([(String, YAMLValue)])

    static func ref(_ pointer: String) -> YAMLValue { .map([("$ref", .string(pointer))]) }

    var isScalarOrEmpty: Bool {
        switch self {
        case .list(let items): items.isEmpty
        case .map(let pairs): pairs.isEmpty
        default: true
        }
    }
}

/// Builds a mapping in order, skipping absent values, so that renderers read like the document.
struct YAMLMapBuilder {
    private(set) var pairs: [(String, YAMLValue)] = []

    mutating func set(_ key: String, _ value: YAMLValue?) {
        guard let value else { return }
        pairs.append((key, value))
    }

    var value: YAMLValue { .map(pairs) }
}

enum YAMLWriter {
    static func write(_ value: YAMLValue) -> String {
        var output = ""
        switch value {
        case .map(let pairs) where !pairs.isEmpty: writeMap(pairs, indent: 0, into: &output)
        case .list(let items) where !items.isEmpty: writeList(items, indent: 0, into: &output)
        default: output = scalar(value) + "\n"
        }
        return output
    }

    private static func writeMap(_ pairs: [(String, YAMLValue)], indent: Int, into output: inout String) {
        let padding = String(repeating: " ", count: indent)
        for (key, value) in pairs {
            output += padding + quoted(key) + ":"
            writeNested(value, indent: indent, into: &output)
        }
    }

    private static func writeList(_ items: [YAMLValue], indent: Int, into output: inout String) {
        let padding = String(repeating: " ", count: indent)
        for item in items {
            switch item {
            case .map(let pairs) where !pairs.isEmpty:
                // The first pair shares the dash's line; the others line up under it.
                var nested = ""
                writeMap(pairs, indent: indent + 2, into: &nested)
                output += padding + "- " + nested.dropFirst(indent + 2)
            case .list(let inner) where !inner.isEmpty:
                output += padding + "-\n"
                writeList(inner, indent: indent + 2, into: &output)
            default:
                output += padding + "- " + scalar(item) + "\n"
            }
        }
    }

    private static func writeNested(_ value: YAMLValue, indent: Int, into output: inout String) {
        switch value {
        case .map(let pairs) where !pairs.isEmpty:
            output += "\n"
            writeMap(pairs, indent: indent + 2, into: &output)
        case .list(let items) where !items.isEmpty:
            output += "\n"
            writeList(items, indent: indent + 2, into: &output)
        default:
            output += " " + scalar(value) + "\n"
        }
    }

    private static func scalar(_ value: YAMLValue) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .int(let number): String(number)
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .list: "[]"
        case .map: "{}"
        }
    }

    private static let reservedWords: Set<String> = ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"]

    /// Plain when a YAML reader could not take the text for anything but this string; otherwise
    /// double-quoted with JSON escapes, which YAML reads the same way.
    static func quoted(_ text: String) -> String {
        let plainStart: (Unicode.Scalar) -> Bool = { ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || $0 == "/" || $0 == "_" }
        let plainRest: (Unicode.Scalar) -> Bool = {
            plainStart($0) || ($0 >= "0" && $0 <= "9") || $0 == "." || $0 == "-" || $0 == " " || $0 == "," || $0 == "(" || $0 == ")" || $0 == "$"
        }
        if let first = text.unicodeScalars.first, plainStart(first), text.unicodeScalars.allSatisfy(plainRest),
            !text.hasSuffix(" "), !reservedWords.contains(text.lowercased())
        {
            return text
        }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
