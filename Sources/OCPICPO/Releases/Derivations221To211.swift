import Foundation
import OCPI211
import OCPI221
import OCPIConversions

/// The hand-written part of the conversion from 2.2.1 to 2.1.1 (the `derive` rules of
/// spec/conversions/2.2.1-2.1.1.yaml); everything else is generated.
public struct Derivations221To211: Conversion221To211Derivations {
    public init() {}

    /// 2.1.1's LocationType from 2.2.1's ParkingType: the four kinds both name keep their name,
    /// the two 2.1.1 lacks are OTHER, and a location without a parking type is UNKNOWN.
    public func locationType(_ value: OCPI221.Location) -> OCPI211.LocationType {
        guard let parking = value.parkingType else { return .unknown }
        switch parking {
        case .onStreet: return .onStreet
        case .parkingGarage: return .parkingGarage
        case .undergroundGarage: return .undergroundGarage
        case .parkingLot: return .parkingLot
        case .alongMotorway, .onDriveway: return .other
        case .unrecognized: return .unknown
        }
    }

    /// 2.1.1 names a session's token by its contract: the contract_id of 2.2.1's cdr_token.
    public func sessionAuthID(_ value: OCPI221.Session) -> String {
        value.cdrToken.contractID
    }

    /// The periods as 2.1.1 can measure them: each dimension whose type 2.1.1 names (the same
    /// value, same unit), and only the periods left with at least one, as 2.1.1 requires.
    public func sessionChargingPeriods(_ value: OCPI221.Session) -> [OCPI211.ChargingPeriod] {
        value.chargingPeriods.compactMap { period in
            let dimensions = period.dimensions.compactMap { dimension -> OCPI211.CdrDimension? in
                let type = OCPI211.CdrDimensionType(rawValue: dimension.type.rawValue)
                return type.isKnown ? OCPI211.CdrDimension(type: type, volume: dimension.volume) : nil
            }
            return dimensions.isEmpty ? nil : OCPI211.ChargingPeriod(startDateTime: period.startDateTime, dimensions: dimensions)
        }
    }

    /// 2.1.1's cost is the amount without VAT.
    public func sessionTotalCost(_ value: OCPI221.Session) -> Decimal? {
        value.totalCost?.exclVAT
    }
}

extension Conversion221To211 where Derivations == Derivations221To211 {
    /// The conversion with the server's own derivations.
    public init() {
        self.init(derivations: Derivations221To211())
    }
}
