import Foundation
import OCPI221
import OCPI230
import OCPIConversions
import OCPIRuntime

/// The hand-written part of the conversion from 2.2.1 to 2.3.0 (the `derive` rules of
/// spec/conversions/2.2.1-2.3.0.yaml); everything else is generated.
public struct Derivations221To230: Conversion221To230Derivations {
    public init() {}

    /// 2.2.1's Price as a 2.3.0 bound: without VAT before taxes, with VAT after.
    static func limit(_ price: OCPI221.Price?) -> OCPI230.PriceLimit? {
        price.map { OCPI230.PriceLimit(beforeTaxes: $0.exclVAT, afterTaxes: $0.inclVAT) }
    }

    public func minPrice(_ value: OCPI221.Tariff) -> OCPI230.PriceLimit? {
        Self.limit(value.minPrice)
    }

    public func maxPrice(_ value: OCPI221.Tariff) -> OCPI230.PriceLimit? {
        Self.limit(value.maxPrice)
    }

    /// 2.2.1's prices are always without VAT, and a component without a rate bears none: NO when
    /// some component names a VAT rate, N/A when none does.
    public func taxIncluded(_ value: OCPI221.Tariff) -> OCPI230.TaxIncluded {
        let taxed = value.elements.contains { element in element.priceComponents.contains { $0.vat != nil } }
        return taxed ? .no : .notApplicable
    }

    /// One VAT of the difference between the amounts with and without it; none named when 2.2.1
    /// gives no amount with VAT.
    public func priceTaxes(_ value: OCPI221.Price) -> [OCPI230.TaxAmount] {
        guard let inclVAT = value.inclVAT else { return [] }
        return [OCPI230.TaxAmount(name: "VAT", amount: inclVAT - value.exclVAT)]
    }
}

extension Conversion221To230 where Derivations == Derivations221To230 {
    /// The conversion with the server's own derivations.
    public init() {
        self.init(derivations: Derivations221To230())
    }
}
