import Foundation

/// Collects the violations of a value against the spec's rules while walking it.
public struct ValidationContext {
    public var path: JSONPath
    public private(set) var violations: [Violation] = []
    /// Whether `path` follows the walk. Without it every violation is at the starting path:
    /// `OCPIValidatable.validate()` walks without it first, as `JSONReader.read` does.
    @usableFromInline let tracksPath: Bool

    public init(path: JSONPath = JSONPath(), tracksPath: Bool = true) {
        self.path = path
        self.tracksPath = tracksPath
    }

    public mutating func violation(_ message: String) {
        violations.append(Violation(path: path, message: message))
    }

    /// A violation at the member `key` of the current value (the path is only built when needed).
    public mutating func violation(_ message: String, at key: String?) {
        guard let key else { return violation(message) }
        violations.append(Violation(path: path.appending(.key(key)), message: message))
    }

    /// Runs `body` with `key` pushed on the path.
    @inlinable
    public mutating func at(_ key: String, _ body: (inout ValidationContext) -> Void) {
        if tracksPath { path.push(.key(key)) }
        body(&self)
        if tracksPath { path.pop() }
    }

    // Scalar checks take the member's key, so that the path grows only for a violation.

    public mutating func text(_ value: String, _ rule: TextRule, at key: String? = nil) {
        if let message = rule.violation(of: value) { violation(message, at: key) }
    }

    public mutating func integer(_ value: Int, minimum: Int? = nil, maximum: Int? = nil, at key: String? = nil) {
        if let minimum, value < minimum { violation("must be at least \(minimum) (is \(value))", at: key) }
        if let maximum, value > maximum { violation("must be at most \(maximum) (is \(value))", at: key) }
    }

    public mutating func number(_ value: Decimal, minimum: Decimal? = nil, maximum: Decimal? = nil, maxDecimals: Int? = nil, at key: String? = nil) {
        if let minimum, value < minimum { violation("must be at least \(minimum) (is \(value))", at: key) }
        if let maximum, value > maximum { violation("must be at most \(maximum) (is \(value))", at: key) }
        // A value written with at most `maxDecimals` digits after the point needs no counting.
        if let maxDecimals, value.exponent < -maxDecimals, value.fractionDigitCount > maxDecimals {
            violation("must have at most \(maxDecimals) digit\(maxDecimals == 1 ? "" : "s") after the decimal point (is \(value))", at: key)
        }
    }

    public mutating func dateTime(_ value: OCPIDateTime, at key: String? = nil) {
        guard let offset = value.nonUTCOffsetMinutes else { return }
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(Int(offset))
        let text = "\(sign)\(minutes / 60 < 10 ? "0" : "")\(minutes / 60):\(minutes % 60 < 10 ? "0" : "")\(minutes % 60)"
        violation("must be in UTC (written with Z or without an offset), not with the offset \(text)", at: key)
    }

    @inlinable
    public mutating func enumeration<E: OCPIEnumeration>(_ value: E, at key: String? = nil) {
        if !value.isKnown { violation("'\(value.rawValue)' is not a value of \(E.ocpiName)", at: key) }
    }

    @inlinable
    public mutating func object<T: OCPIValidatable>(_ value: T) {
        value.validate(into: &self)
    }

    /// A list: the `+` rule, then `element` on each element at its index.
    @inlinable
    public mutating func list<T>(_ values: [T], nonEmpty: Bool, _ element: (inout ValidationContext, T) -> Void) {
        if nonEmpty, values.isEmpty { violation("must have at least one element") }
        var index = 0
        for value in values {
            if tracksPath { path.push(.index(index)) }
            element(&self, value)
            if tracksPath { path.pop() }
            index += 1
        }
    }
}

extension Decimal {
    /// Digits after the decimal point, trailing zeros not counted (`8.10` has one).
    var fractionDigitCount: Int {
        // `description` writes plain digits, never an exponent.
        guard let point = description.firstIndex(of: ".") else { return 0 }
        return description[description.index(after: point)...].reversed().drop { $0 == "0" }.count
    }
}

/// A value that knows the spec's rules for itself.
public protocol OCPIValidatable {
    /// Adds every rule the value breaks, at paths below the context's current path.
    func validate(into context: inout ValidationContext)
}

extension OCPIValidatable {
    /// Every rule the value breaks, each with its JSON pointer.
    /// A valid value (the usual case) is walked once without the path; only one that breaks
    /// a rule is walked again with it.
    public func validate() -> [Violation] {
        var fast = ValidationContext(tracksPath: false)
        validate(into: &fast)
        if fast.violations.isEmpty { return [] }
        var context = ValidationContext()
        validate(into: &context)
        return context.violations
    }
}

/// A generated OCPI object or class: a Swift value with its own JSON reading and writing and the
/// spec's validation rules. Generated models are `Codable` as well only with the package trait
/// `FoundationCodable`.
public protocol OCPIModel: Hashable, Sendable, JSONDecodable, JSONEncodable, OCPIValidatable {
    /// The type's name in the spec (`Location`).
    static var ocpiName: String { get }
}

extension OCPIModel {
    /// Decodes and validates one document: every problem of shape and rule, each once, in
    /// document order. Throws only when the bytes are not JSON.
    public static func decodeAndValidate<Bytes: ContiguousBytes>(_ bytes: Bytes) throws(JSONSyntaxError) -> Decoded<Self?> {
        let (value, shapeViolations) = try decodeJSON(bytes)
        return Decoded(value: value, violations: merging(shapeViolations, value?.validate() ?? []), isReadable: shapeViolations.isEmpty)
    }
}

/// Shape violations first; a rule violation at or below a path whose shape was already wrong
/// (a placeholder stood in) would only repeat it, so it is dropped.
public func merging(_ shape: [Violation], _ rules: [Violation]) -> [Violation] {
    guard !shape.isEmpty else { return rules }
    let reported = shape.map(\.path)
    return shape + rules.filter { rule in !reported.contains { rule.path.isWithin($0) } }
}
