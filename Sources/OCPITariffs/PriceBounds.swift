import Foundation
import OCPI221

/// A tariff's `min_price` and `max_price`.
enum PriceBounds {
    /// Each bound applies to the amount it gives: excl. VAT to excl. VAT, incl. VAT to incl.
    /// VAT, independently, as the tariff chapter asks. A bound without `incl_vat` moves the
    /// incl. VAT amount along with the excl. VAT one at the session's own VAT ratio (or one to
    /// one when nothing was charged). The minimum is applied first, then the maximum, so a
    /// maximum below the minimum wins.
    static func apply(_ money: Money, min lower: Price?, max upper: Price?) -> Money {
        var result = money
        if let lower { result = bound(result, to: lower, raise: true) }
        if let upper { result = bound(result, to: upper, raise: false) }
        return result
    }

    private static func bound(_ money: Money, to limit: Price, raise: Bool) -> Money {
        let beyond: (Decimal, Decimal) -> Bool = raise ? { $0 < $1 } : { $0 > $1 }
        var result = money
        if beyond(money.exclVAT, limit.exclVAT) {
            result.exclVAT = limit.exclVAT
        }
        if let inclLimit = limit.inclVAT {
            if beyond(money.inclVAT, inclLimit) { result.inclVAT = inclLimit }
        } else if result.exclVAT != money.exclVAT {
            let ratio = money.exclVAT > 0 ? money.inclVAT / money.exclVAT : 1
            result.inclVAT = money.inclVAT + (result.exclVAT - money.exclVAT) * ratio
        }
        return result
    }
}
