/// Every rule that turns an OCPI name into a Swift name, in one place, tested as a table.
///
/// - Field names are lowerCamelCase with the acronyms of the domain kept upper-case after the
///   first word: `party_id` → `partyID`, `evse_uid` → `evseUID`, `min_kwh` → `minKWh`.
/// - Enum values are lowerCamelCase from their words, with the same acronyms as field names:
///   `OUT_OF_ORDER` → `outOfOrder`, `AC_1_PHASE` → `ac1Phase`, `GBT_AC` → `gbtAC`,
///   `IEC_62196_T2` → `iec62196T2`; two numbers in a row keep an underscore (`NEMA_5_20` →
///   `nema5_20`); a value that starts with a digit gets a `v` (`2.1.1` → `v2_1_1`).
/// - Type names are the spec's; `swift_name:` overrides any of these for one item.
/// - Swift keywords are escaped with backticks.
public enum SwiftNaming {
    /// Words written upper-case in Swift names, as in Apple's API guidelines (`URL`, `ID`).
    static let acronyms: [String: String] = [
        "id": "ID", "ids": "IDs", "uid": "UID", "url": "URL", "evse": "EVSE", "evses": "EVSEs", "cdr": "CDR", "cdrs": "CDRs",
        "vat": "VAT", "kwh": "KWh", "ac": "AC", "dc": "DC", "ocpi": "OCPI", "ocpp": "OCPP", "emsp": "EMSP",
        "cpo": "CPO", "iso": "ISO", "gps": "GPS",
    ]

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static", "struct",
        "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else", "fallthrough",
        "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as", "Any", "catch", "false", "is",
        "nil", "super", "self", "Self", "throw", "throws", "true", "try", "Type", "Protocol",
    ]

    /// A property name from a field name.
    public static func propertyName(_ field: String) -> String {
        let words = field.split(separator: "_").map { $0.lowercased() }
        guard let first = words.first else { return field }
        var name = first
        for word in words.dropFirst() {
            name += acronyms[word] ?? capitalized(word)
        }
        return name
    }

    /// An enum case name from an enum value.
    public static func caseName(_ value: String) -> String {
        let words = value.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.lowercased() }
        guard let first = words.first else { return "empty" }
        var name = first.first?.isNumber == true ? "v" + first : first
        var previousEndsWithDigit = name.last?.isNumber == true
        for word in words.dropFirst() {
            let startsWithDigit = word.first?.isNumber == true
            if startsWithDigit, previousEndsWithDigit { name += "_" }
            name += startsWithDigit ? word : acronyms[word] ?? capitalized(word)
            previousEndsWithDigit = word.last?.isNumber == true
        }
        return name
    }

    /// The name as Swift source, escaped when it is a keyword.
    public static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    /// The Swift name of a module file: its title without spaces (`Charging Profiles` →
    /// `ChargingProfiles`), or the shared file's name capitalized (`types` → `Types`).
    public static func moduleName(_ file: SpecFile) -> String {
        if file.module != nil {
            return file.title.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        }
        return capitalized(file.shared ?? file.name)
    }

    /// A module's Swift name in lowerCamelCase: `Locations` → `locations`, `CDRs` → `cdrs` (an
    /// acronym with its plural), `HubClientInfo` → `hubClientInfo`.
    public static func lowerCamelModule(_ name: String) -> String {
        let upper = name.prefix { $0.isUppercase }
        if upper.count > 1, name.dropFirst(upper.count) == "s" { return name.lowercased() }
        if upper.count > 1, upper.count < name.count { return upper.dropLast().lowercased() + name.dropFirst(upper.count - 1) }
        return name.prefix(1).lowercased() + name.dropFirst()
    }

    /// The name of a module's constant in the runtime's `OCPIModuleID`, which generated route
    /// tables use: `Charging Profiles` → `chargingProfiles`, `CDRs` → `cdrs`.
    public static func moduleConstant(_ file: SpecFile) -> String {
        lowerCamelModule(moduleName(file))
    }

    private static func capitalized(_ word: String) -> String {
        word.prefix(1).uppercased() + word.dropFirst()
    }
}
