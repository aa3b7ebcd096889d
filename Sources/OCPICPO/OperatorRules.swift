import Foundation
import OCPIRuntime

/// What the operator's own data must also be, beyond the spec's types: the spec types prices,
/// power, voltage and amperage as plain numbers, so a negative price or a connector of -400 V is
/// valid OCPI, yet no partner could make sense of it. Every write of the operator (the admin
/// API, `ocpi-cpo import`) is held to these rules and refused like invalid OCPI (2001, with the
/// JSON pointer of each value); what partners send is judged by the spec alone.
///
/// The rules go by field name at any depth of the document: each name means one thing wherever
/// the 2.2.1 types use it (`price` is a price component's, `excl_vat` and `incl_vat` a Price's),
/// and the 2.3.0 types the admin API also takes (`before_taxes` and `after_taxes`, a PriceLimit's).
enum OperatorRules {
    enum Bound {
        /// Zero or more.
        case nonNegative
        /// More than zero.
        case positive

        func allows(_ value: Decimal) -> Bool {
            switch self {
            case .nonNegative: value >= 0
            case .positive: value > 0
            }
        }

        var requirement: String {
            switch self {
            case .nonNegative: "must not be negative"
            case .positive: "must be more than zero"
            }
        }
    }

    static let bounds: [String: Bound] = [
        // Money and tax: a Price's amounts, a price component's price and VAT percentage.
        "excl_vat": .nonNegative, "incl_vat": .nonNegative, "price": .nonNegative, "vat": .nonNegative,
        "before_taxes": .nonNegative, "after_taxes": .nonNegative,
        // What a connector can deliver.
        "max_voltage": .positive, "max_amperage": .positive, "max_electric_power": .positive,
        // Quantities of a session or CDR.
        "kwh": .nonNegative, "total_energy": .nonNegative, "total_time": .nonNegative, "total_parking_time": .nonNegative,
    ]

    /// Every value of `body` (JSON) that breaks a rule; none when it is not JSON (the decoder
    /// says so).
    static func violations(of body: [UInt8]) -> [Violation] {
        guard let document = try? JSONValue.decodeJSON(body).value else { return [] }
        var found: [Violation] = []
        walk(document, at: JSONPath(), into: &found)
        return found
    }

    private static func walk(_ value: JSONValue, at path: JSONPath, into found: inout [Violation]) {
        switch value {
        case .object(let members):
            for member in members {
                let memberPath = path.appending(.key(member.key))
                if case .number(let number) = member.value, let bound = bounds[member.key], !bound.allows(number) {
                    found.append(Violation(path: memberPath, message: "\(bound.requirement) (\(number))"))
                }
                walk(member.value, at: memberPath, into: &found)
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() { walk(element, at: path.appending(.index(index)), into: &found) }
        case .null, .bool, .number, .string:
            break
        }
    }
}
