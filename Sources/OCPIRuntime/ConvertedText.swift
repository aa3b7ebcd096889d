import Foundation

/// What generated conversions between releases do to values that one release writes
/// differently from another (a shorter maximum length, a fixed number of decimals).
public enum ConvertedText {
    /// The text cut to at most `maxLength` Unicode scalars, the unit `TextRule` counts in.
    public static func truncated(_ text: String, to maxLength: Int) -> String {
        var scalars = text.unicodeScalars
        guard scalars.count > maxLength else { return text }
        scalars.removeSubrange(scalars.index(scalars.startIndex, offsetBy: maxLength)...)
        return String(scalars)
    }

    /// A decimal number written as text (a coordinate), written again with exactly `decimals`
    /// digits after the point, rounded half away from zero. Text that is no such number is
    /// returned as it is: the target's validation then names it.
    public static func fixed(_ text: String, decimals: Int) -> String {
        guard let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), number.isFinite,
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") })
        else { return text }
        let value = rounded(number, decimals: decimals)
        let negative = value < 0
        // Digits of |value| * 10^decimals, then the point put back in.
        var scaled = negative ? -value : value
        var power = Decimal(1)
        for _ in 0..<decimals { power *= 10 }
        scaled *= power
        var digits = NSDecimalNumber(decimal: scaled).stringValue
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -decimals)
        let written = decimals == 0 ? digits : digits[..<split] + "." + digits[split...]
        return (negative ? "-" : "") + written
    }

    /// The number rounded to `decimals` digits after the point, half away from zero.
    public static func rounded(_ number: Decimal, decimals: Int) -> Decimal {
        var input = number
        var result = Decimal()
        NSDecimalRound(&result, &input, decimals, .plain)
        return result
    }
}
