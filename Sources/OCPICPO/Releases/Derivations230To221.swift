import OCPI221
import OCPI230
import OCPIConversions

/// The hand-written part of the conversion from 2.3.0 to 2.2.1 (the `derive` rules of
/// spec/conversions/2.3.0-2.2.1.yaml).
public struct Derivations230To221: Conversion230To221Derivations {
    public init() {}
}

extension Conversion230To221 where Derivations == Derivations230To221 {
    /// The conversion with the server's own derivations.
    public init() {
        self.init(derivations: Derivations230To221())
    }
}
