import OCPI211
import OCPI221
import OCPIConversions

/// The hand-written part of the conversion from 2.1.1 to 2.2.1 (the `derive` rules of
/// spec/conversions/2.1.1-2.2.1.yaml).
public struct Derivations211To221: Conversion211To221Derivations {
    public init() {}

    /// 2.1.1's reservation number as 2.2.1's reservation id: written out in decimal.
    public func reservationID(_ value: OCPI211.ReserveNow) -> String {
        String(value.reservationID)
    }
}

extension Conversion211To221 where Derivations == Derivations211To221 {
    /// The conversion with the server's own derivations.
    public init() {
        self.init(derivations: Derivations211To221())
    }
}
