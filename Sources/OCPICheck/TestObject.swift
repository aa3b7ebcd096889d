import Foundation
import OCPIRuntime

/// A test object of any spec type, built from its schema in the release's OpenAPI document:
/// its required fields only, each with the smallest value its rules allow, under the checker's
/// own party and a test id. A release's new object types get test objects without code here;
/// whether the object is valid is then judged by the release's own validator.
struct TestObject {
    let catalog: OperationCatalog
    /// Values for fields by name, wherever they occur (country_code, party_id, the id).
    let fixed: [String: JSONValue]
    let now: OCPIDateTime

    /// The object of type `name`, or `nil` when the document has no such object type.
    func make(_ name: String) -> JSONValue? {
        guard let schema = catalog.schema(name) else { return nil }
        return value(schema, depth: 0)
    }

    private func value(_ schema: JSONValue, field: String? = nil, depth: Int) -> JSONValue? {
        guard depth < 12 else { return nil }
        if let field, let fixed = fixed[field] { return fixed }
        if let name = OperationCatalog.referencedName(schema), let target = catalog.schema(name) {
            return value(target, field: nil, depth: depth + 1)
        }
        // An open enum: `anyOf` with the listed values first.
        if let first = schema["enum"]?.element(0) ?? schema["anyOf"]?.element(0)?["enum"]?.element(0) { return first }
        switch schema["type"]?.string {
        case "object":
            let required = Set(schema["required"]?.elements?.compactMap(\.string) ?? [])
            let members = (schema["properties"]?.members ?? []).filter { required.contains($0.key) }.compactMap { member in
                value(member.value, field: member.key, depth: depth + 1).map { JSONValue.Member(key: member.key, value: $0) }
            }
            return .object(members)
        case "array":
            let count = schema["minItems"]?.int ?? 0
            guard let items = schema["items"] else { return .array([]) }
            return .array((0..<count).compactMap { _ in value(items, depth: depth + 1) })
        case "boolean":
            return .bool(true)
        case "integer":
            return .number(Decimal(schema["minimum"]?.int ?? 1))
        case "number":
            return .number(Decimal(schema["minimum"]?.int ?? 1))
        case "string":
            return .string(text(schema, field: field))
        default:
            return nil
        }
    }

    /// The text for a string field: a DateTime, a value of its pattern, or the field's name
    /// fitted to its length.
    private func text(_ schema: JSONValue, field: String?) -> String {
        let patterns = [schema["pattern"]?.string] + (schema["allOf"]?.elements ?? []).map { $0["pattern"]?.string }
        for pattern in patterns.compactMap({ $0 }) {
            if let sample = Self.samples[pattern] { return sample }
        }
        if patterns.contains(where: { $0?.hasPrefix("^\\d{4}-") == true }) { return now.description }
        let minimum = schema["minLength"]?.int ?? 1
        let maximum = schema["maxLength"]?.int ?? 36
        var text = (field ?? "ocpi-check").uppercased().replacingOccurrences(of: "_", with: "-")
        if schema["format"]?.string == "uri" { text = "https://ocpi-check.invalid/" + (field ?? "url") }
        while text.count < minimum { text += "X" }
        return String(text.prefix(maximum))
    }

    /// Values for the patterns the releases' OpenAPI documents use beyond their text rules
    /// (coordinates, times of day, dates, tokens without spaces).
    static let samples: [String: String] = [
        "^(?:-?[0-9]{1,2}\\.[0-9]{6})$": "52.090740",
        "^(?:-?[0-9]{1,3}\\.[0-9]{6})$": "5.121420",
        "^(?:-?[0-9]{1,2}\\.[0-9]{5,7})$": "52.090740",
        "^(?:-?[0-9]{1,3}\\.[0-9]{5,7})$": "5.121420",
        "^(?:[0-2][0-9]:[0-5][0-9])$": "09:00",
        "^(?:([0-1][0-9]|2[0-3]):[0-5][0-9])$": "09:00",
        "^(?:([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))$": "2026-01-01",
        "^(?:[!-~]+)$": "OCPI-CHECK",
        "^(?:.+)$": "ocpi-check",
    ]
}

extension OperationCatalog {
    /// A test object of type `name` under the party `countryCode`/`partyID`, identified by `id`
    /// in its field `idField` (`id`, or `uid` for a token), last updated `now`.
    public func testObject(
        of name: String, countryCode: String, partyID: String, id: String, idField: String = "id", now: OCPIDateTime = OCPIDateTime(Date())
    ) -> JSONValue? {
        let whole = OCPIDateTime(secondsSince1970: now.secondsSince1970)
        let fixed: [String: JSONValue] = [
            "country_code": .string(countryCode), "party_id": .string(partyID), idField: .string(id), "last_updated": .string(whole.description),
        ]
        return TestObject(catalog: self, fixed: fixed, now: whole).make(name)
    }
}
