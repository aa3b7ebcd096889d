import Foundation
import OCPI221
import OCPI230
import OCPIConversions

/// The hand-written part of the conversion from 2.3.0 to 2.2.1 (the `derive` rules of
/// spec/conversions/2.3.0-2.2.1.yaml); everything else is generated.
public struct Derivations230To221: Conversion230To221Derivations {
    public init() {}

    /// A 2.3.0 bound as 2.2.1's Price: before taxes without VAT, after taxes with VAT (the
    /// inverse of `Derivations221To230.limit`).
    static func price(_ limit: OCPI230.PriceLimit?) -> OCPI221.Price? {
        limit.map { OCPI221.Price(exclVAT: $0.beforeTaxes, inclVAT: $0.afterTaxes) }
    }

    public func minPrice(_ value: OCPI230.Tariff) -> OCPI221.Price? {
        Self.price(value.minPrice)
    }

    public func maxPrice(_ value: OCPI230.Tariff) -> OCPI221.Price? {
        Self.price(value.maxPrice)
    }

    /// The amount with every listed tax added (the inverse of `Derivations221To230.priceTaxes`);
    /// none when no tax is listed.
    public func inclVAT(_ value: OCPI230.Price) -> Decimal? {
        guard !value.taxes.isEmpty else { return nil }
        return value.taxes.reduce(value.beforeTaxes) { $0 + $1.amount }
    }
}

extension Conversion230To221 where Derivations == Derivations230To221 {
    /// The conversion with the server's own derivations.
    public init() {
        self.init(derivations: Derivations230To221())
    }
}
