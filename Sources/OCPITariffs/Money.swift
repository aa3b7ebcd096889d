import Foundation
import OCPI221

/// An amount without and with VAT, both always known while computing (a component without VAT
/// simply has the same amount in both).
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public var exclVAT: Decimal
    public var inclVAT: Decimal

    public init(exclVAT: Decimal, inclVAT: Decimal) {
        self.exclVAT = exclVAT
        self.inclVAT = inclVAT
    }

    /// `amount` before VAT, and with `vat` percent added. An absent VAT means none applies, which
    /// the spec distinguishes from 0% only in meaning, not in the amount.
    public init(exclVAT amount: Decimal, vatPercent vat: Decimal?) {
        self.exclVAT = amount
        self.inclVAT = vat.map { amount + amount * $0 / 100 } ?? amount
    }

    public static let zero = Money(exclVAT: 0, inclVAT: 0)

    public static func + (lhs: Money, rhs: Money) -> Money {
        Money(exclVAT: lhs.exclVAT + rhs.exclVAT, inclVAT: lhs.inclVAT + rhs.inclVAT)
    }

    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }

    /// The generated model's form, both amounts given.
    public var price: Price { Price(exclVAT: exclVAT, inclVAT: inclVAT) }

    /// Rounded half away from zero to `scale` decimals. The tariff chapter leaves rounding to law
    /// and contracts; the engine itself never rounds, only its callers' output does.
    public func rounded(scale: Int) -> Money {
        Money(exclVAT: exclVAT.rounded(scale: scale), inclVAT: inclVAT.rounded(scale: scale))
    }

    public var description: String { "\(exclVAT) excl. VAT / \(inclVAT) incl. VAT" }
}

extension Decimal {
    /// Rounded half away from zero (`.plain`) to `scale` decimals.
    func rounded(scale: Int, mode: NSDecimalNumber.RoundingMode = .plain) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, mode)
        return result
    }
}
