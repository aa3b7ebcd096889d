/// A module's identifier as version details list it (`locations`, `credentials`, ...).
///
/// An open set: a partner's version details may name modules of its own, and those must survive
/// being read and stored. The constants are the modules of the releases in `spec/`; the generated
/// route tables name their module through them, and a generator test fails when a spec declares
/// a module that has no constant here.
public struct OCPIModuleID: RawRepresentable, Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let cdrs = OCPIModuleID(rawValue: "cdrs")
    public static let chargingProfiles = OCPIModuleID(rawValue: "chargingprofiles")
    public static let commands = OCPIModuleID(rawValue: "commands")
    public static let credentials = OCPIModuleID(rawValue: "credentials")
    public static let hubClientInfo = OCPIModuleID(rawValue: "hubclientinfo")
    public static let invoiceReconciliation = OCPIModuleID(rawValue: "invoicereconciliation")
    public static let locations = OCPIModuleID(rawValue: "locations")
    public static let payments = OCPIModuleID(rawValue: "payments")
    public static let sessions = OCPIModuleID(rawValue: "sessions")
    public static let tariffs = OCPIModuleID(rawValue: "tariffs")
    public static let tokens = OCPIModuleID(rawValue: "tokens")
    public static let versions = OCPIModuleID(rawValue: "versions")

    /// The modules a registration token (token A) opens: the handshake's two.
    public static let registration: Set<OCPIModuleID> = [.versions, .credentials]

    public static func < (lhs: OCPIModuleID, rhs: OCPIModuleID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}

/// Which side of a module's interface an endpoint belongs to (OCPI 2.2 and later list it in
/// version details; a 2.1.1 module has one interface per party kind, and its routes carry the
/// side they would have in 2.2).
public enum OCPIInterfaceRole: String, Hashable, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// The side that owns the objects and answers GETs for them.
    case sender = "SENDER"
    /// The side that is told about the objects.
    case receiver = "RECEIVER"

    public var description: String { rawValue }
}

/// The kind of party a partner acts as (`CPO`, `EMSP`, `HUB`, ...): the `role` of a credentials
/// role. An open set, as `OCPIModuleID` is: a release may add kinds, and a partner's value is kept.
public struct OCPIPartyRole: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let cpo = OCPIPartyRole(rawValue: "CPO")
    public static let emsp = OCPIPartyRole(rawValue: "EMSP")
    public static let hub = OCPIPartyRole(rawValue: "HUB")
    public static let nap = OCPIPartyRole(rawValue: "NAP")
    public static let nsp = OCPIPartyRole(rawValue: "NSP")
    public static let other = OCPIPartyRole(rawValue: "OTHER")
    public static let scsp = OCPIPartyRole(rawValue: "SCSP")

    public var description: String { rawValue }
}
