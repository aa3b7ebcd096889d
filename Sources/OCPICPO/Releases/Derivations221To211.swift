import Foundation
import OCPI211
import OCPI221
import OCPIConversions
import OCPIRuntime

/// The hand-written part of the conversion from 2.2.1 to 2.1.1 (the `derive` rules of
/// spec/conversions/2.2.1-2.1.1.yaml); everything else is generated.
public struct Derivations221To211: Conversion221To211Derivations {
    public init() {}

    /// 2.1.1 names a session's token by its contract: the contract_id of 2.2.1's cdr_token.
    public func sessionAuthID(_ value: OCPI221.Session) -> String {
        value.cdrToken.contractID
    }

    /// The periods as 2.1.1 can measure them: each dimension whose type 2.1.1 names (the same
    /// value, same unit), and only the periods left with at least one, as 2.1.1 requires.
    public func sessionChargingPeriods(_ value: OCPI221.Session) -> [OCPI211.ChargingPeriod] {
        Self.periods211(value.chargingPeriods)
    }

    private static func periods211(_ periods: [OCPI221.ChargingPeriod]) -> [OCPI211.ChargingPeriod] {
        periods.compactMap { period in
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

    // MARK: CDRs

    /// The longest id 2.1.1 allows a CDR.
    static let cdrIDLength = 36

    /// A CDR's id as 2.1.1 has it: as it is when it fits in 36 characters; otherwise its first
    /// 27, a dash and 8 hexadecimal digits of the whole id's FNV-1a hash, which is the same in
    /// every process (Swift's `Hasher` is not), so a CDR keeps its 2.1.1 id from one read to the
    /// next.
    public static func cdrID(_ id: String) -> String {
        guard id.unicodeScalars.count > cdrIDLength else { return id }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash & 0xffff_ffff, radix: 16)
        return ConvertedText.truncated(id, to: cdrIDLength - 9) + "-" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    public func cdrID(_ value: OCPI221.CDR) -> String {
        Self.cdrID(value.id)
    }

    /// As for a session: the contract_id of the cdr_token.
    public func cdrAuthID(_ value: OCPI221.CDR) -> String {
        value.cdrToken.contractID
    }

    /// The periods as 2.1.1 can measure them (as a session's); when none is left, one period
    /// from the start with the totals: energy, the time spent charging and the time parked.
    public func cdrChargingPeriods(_ value: OCPI221.CDR) -> [OCPI211.ChargingPeriod] {
        let periods = Self.periods211(value.chargingPeriods)
        guard periods.isEmpty else { return periods }
        let parking = value.totalParkingTime ?? 0
        var dimensions = [
            OCPI211.CdrDimension(type: .energy, volume: value.totalEnergy),
            OCPI211.CdrDimension(type: .time, volume: max(value.totalTime - parking, 0)),
        ]
        if parking > 0 { dimensions.append(OCPI211.CdrDimension(type: .parkingTime, volume: parking)) }
        return [OCPI211.ChargingPeriod(startDateTime: value.startDateTime, dimensions: dimensions)]
    }

    /// 2.1.1's cost is the amount without VAT (negative for a credit CDR).
    public func cdrTotalCost(_ value: OCPI221.CDR) -> Decimal {
        value.totalCost.exclVAT
    }

    /// The longest remark 2.1.1 allows.
    static let remarkLength = 255

    /// A credit CDR's remark begins by naming the CDR it credits; any other is sent as it is.
    public func cdrRemark(_ value: OCPI221.CDR) -> String? {
        guard value.credit == true else { return value.remark }
        var remark = "Credit CDR"
        if let credited = value.creditReferenceID { remark += " for " + Self.cdrID(credited) }
        if let own = value.remark, !own.isEmpty { remark += ": " + own }
        return ConvertedText.truncated(remark, to: Self.remarkLength)
    }
}

extension Conversion221To211 where Derivations == Derivations221To211 {
    /// The conversion with the server's own derivations.
    public init() {
        self.init(derivations: Derivations221To211())
    }
}
