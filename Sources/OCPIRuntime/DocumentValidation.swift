import Foundation

/// Judges a partner's payload the way the spec would: a bare object, a list of them, or a whole
/// response envelope whose `data` holds either.
public enum DocumentValidation {
    public indirect enum Shape: Sendable, Equatable {
        case object
        case list
        /// An envelope; `data` was an object, a list, or absent.
        case envelope(data: Shape?)
    }

    public struct Report: Sendable {
        public var shape: Shape
        public var violations: [Violation]
    }

    /// Validates `bytes` as `type` (or as a PATCH body, when `type` is a patch type).
    /// `envelope` is the release's response envelope type, checked when the document is one.
    /// Throws only when the bytes are not JSON.
    public static func validate<Bytes: ContiguousBytes>(
        _ bytes: Bytes, as type: any OCPIModel.Type, envelope: any OCPIModel.Type
    ) throws(JSONSyntaxError) -> Report {
        let (document, _) = try JSONValue.decodeJSON(bytes)
        switch document {
        case .array(let elements)?:
            return Report(shape: .list, violations: validateList(elements, as: type, at: JSONPath()))
        case .object(let members)? where type.ocpiName != envelope.ocpiName
            && members.contains(where: { $0.key == "status_code" }) && members.contains(where: { $0.key == "timestamp" }):
            var violations = validateOne(JSONValue.object(members), as: envelope, at: JSONPath())
            let dataPath = JSONPath([.key("data")])
            switch document?["data"] {
            case .array(let elements)?:
                violations += validateList(elements, as: type, at: dataPath)
                return Report(shape: .envelope(data: .list), violations: violations)
            case .object(let members)?:
                violations += validateOne(.object(members), as: type, at: dataPath)
                return Report(shape: .envelope(data: .object), violations: violations)
            case nil, .null?:
                return Report(shape: .envelope(data: nil), violations: violations)
            case let other?:
                violations.append(Violation(path: dataPath, message: "expected an object (\(type.ocpiName)) or a list of them, found \(other.kindDescription)"))
                return Report(shape: .envelope(data: nil), violations: violations)
            }
        case let value?:
            return Report(shape: .object, violations: validateOne(value, as: type, at: JSONPath()))
        case nil:
            return Report(shape: .object, violations: [])
        }
    }

    private static func validateList(_ elements: [JSONValue], as type: any OCPIModel.Type, at path: JSONPath) -> [Violation] {
        elements.enumerated().flatMap { index, element in
            validateOne(element, as: type, at: path.appending(.index(index)))
        }
    }

    /// Decodes and validates one value, with every violation's path below `path`.
    private static func validateOne(_ value: JSONValue, as type: any OCPIModel.Type, at path: JSONPath) -> [Violation] {
        let bytes = value.jsonBytes()
        func run<T: OCPIModel>(_: T.Type) -> [Violation] {
            // The bytes were written by JSONWriter, so they are JSON.
            guard let decoded = try? T.decodeAndValidate(bytes) else { return [] }
            return decoded.violations
        }
        return run(type).map { Violation(path: JSONPath(path.components + $0.path.components), message: $0.message) }
    }
}

extension JSONValue {
    /// What kind of JSON value this is, for messages ("a string", "a list").
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
