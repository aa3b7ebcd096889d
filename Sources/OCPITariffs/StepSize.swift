import Foundation
import OCPI221

/// step_size as the CDR chapter applies it: never per period, but once per session on the total
/// of a dimension, with the step of the component that priced the last stretch of it. The
/// rounded-up remainder is billed in that last stretch, at its price.
enum StepSize {
    /// `amount` rounded up to a whole number of `step` (values below 1 count as 1). Nothing
    /// to round when the amount is not positive (energy can be negative with V2G).
    static func roundUp(_ amount: Decimal, step: Int) -> Decimal {
        guard amount > 0 else { return amount }
        let step = Decimal(max(step, 1))
        return (amount / step).rounded(scale: 0, mode: .up) * step
    }

    /// Adds the rounding of the total of `billed` to the period `last`.
    static func roundTotal(_ billed: inout [Decimal], last: Int, step: Int) {
        let total = billed.reduce(0, +)
        billed[last] += roundUp(total, step: step) - total
    }
}
