/// Reads the path and query parameters of a request, collecting every problem before refusing it
/// (HTTP 400, OCPI 2001).
public struct ParameterReader {
    private let request: OCPIServerRequest
    private var violations: [Violation] = []

    public init(_ request: OCPIServerRequest) {
        self.request = request
    }

    public mutating func path(_ name: String, _ rule: TextRule) -> String {
        let value = request.pathParameters[name] ?? ""
        if let message = rule.violation(of: value) {
            violations.append(Violation(path: JSONPath([.key(name)]), message: message))
        }
        return value
    }

    /// A path parameter typed as an enum: a value the release does not know is refused.
    public mutating func path<E: OCPIEnumeration>(_ name: String, _: E.Type) -> E {
        let value = E(rawValue: request.pathParameters[name] ?? "")
        if !value.isKnown {
            violations.append(Violation(path: JSONPath([.key(name)]), message: "'\(value.rawValue)' is not a value of \(E.ocpiName)"))
        }
        return value
    }

    private mutating func raw(_ name: String, required: Bool) -> String? {
        let value = request.query.last { $0.0 == name }?.1
        if value == nil, required {
            violations.append(Violation(path: JSONPath([.key(name)]), message: "is a required query parameter"))
        }
        return value
    }

    private mutating func fail(_ name: String, _ message: String) {
        violations.append(Violation(path: JSONPath([.key(name)]), message: message))
    }

    public mutating func query(_ name: String, _ rule: TextRule, required: Bool = false) -> String? {
        guard let value = raw(name, required: required) else { return nil }
        if let message = rule.violation(of: value) { fail(name, message) }
        return value
    }

    /// An integer query parameter; OCPI's (offset, limit, duration) are never negative.
    public mutating func query(_ name: String, _: Int.Type, required: Bool = false) -> Int? {
        guard let value = raw(name, required: required) else { return nil }
        guard let number = Int(value), number >= 0 else {
            fail(name, "must be a whole number, zero or more (is '\(value)')")
            return nil
        }
        return number
    }

    public mutating func query(_ name: String, _: OCPIDateTime.Type, required: Bool = false) -> OCPIDateTime? {
        guard let value = raw(name, required: required) else { return nil }
        guard let dateTime = OCPIDateTime(value), dateTime.nonUTCOffsetMinutes == nil else {
            fail(name, "'\(value)' is not a DateTime in UTC")
            return nil
        }
        return dateTime
    }

    public mutating func query<E: OCPIEnumeration>(_ name: String, _: E.Type, required: Bool = false) -> E? {
        guard let value = raw(name, required: required) else { return nil }
        let enumeration = E(rawValue: value)
        if !enumeration.isKnown { fail(name, "'\(value)' is not a value of \(E.ocpiName)") }
        return enumeration
    }

    /// Throws when any parameter was missing or malformed.
    public func finish() throws(OCPIError) {
        guard violations.isEmpty else { throw OCPIError.invalidParameter(violations) }
    }
}
