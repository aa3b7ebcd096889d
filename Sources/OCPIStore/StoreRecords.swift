import Foundation
import OCPIRuntime

/// The kinds of objects the store keeps, by the module they belong to.
public enum ObjectModule: String, Sendable, CaseIterable, Codable {
    case locations, tariffs, sessions, cdrs, tokens
    /// Connection states of the parties behind a hub.
    case clientinfo

    /// The OCPI module the objects belong to.
    public var moduleID: OCPIModuleID {
        switch self {
        case .locations: .locations
        case .tariffs: .tariffs
        case .sessions: .sessions
        case .cdrs: .cdrs
        case .tokens: .tokens
        case .clientinfo: .hubClientInfo
        }
    }
}

/// The identity of one stored object: module, owning party, id, and for tokens the token type
/// (a uid is unique per type). Country code, party id and id are CiStrings: the store compares
/// them without regard to case.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public var module: ObjectModule
    public var countryCode: String
    public var partyID: String
    public var id: String
    public var kind: String

    public init(module: ObjectModule, countryCode: String, partyID: String, id: String, kind: String = "") {
        self.module = module
        self.countryCode = countryCode.uppercased()
        self.partyID = partyID.uppercased()
        self.id = id.uppercased()
        self.kind = kind
    }

    public var description: String { "\(module.rawValue)/\(countryCode)/\(partyID)/\(id)\(kind.isEmpty ? "" : "/\(kind)")" }
}

/// An object as stored: its canonical JSON, validated before it was written, and the columns
/// that reads filter and order on.
public struct StoredObject: Sendable, Hashable {
    public var key: ObjectKey
    /// For sessions and CDRs: the eMSP (`DE/MSP`) the object belongs to; empty otherwise.
    public var owner: String
    public var lastUpdated: OCPIDateTime
    public var json: [UInt8]
    /// The insertion sequence: lists are ordered by it, so that pages never shift.
    public var sequence: Int64
    /// How many times the object was written (1 once created), as `get` read it; 0 for an
    /// object not read from the store. `put(_:ifRevision:)` writes only over this revision.
    public var revision: Int64

    public init(key: ObjectKey, owner: String = "", lastUpdated: OCPIDateTime, json: [UInt8], sequence: Int64 = 0, revision: Int64 = 0) {
        self.key = key
        self.owner = owner
        self.lastUpdated = lastUpdated
        self.json = json
        self.sequence = sequence
        self.revision = revision
    }
}

/// Which objects a list shows.
public struct ObjectFilter: Sendable, Hashable {
    public var module: ObjectModule
    /// Only objects of this owning party.
    public var party: PartyIdentity?
    /// Only objects belonging to one of these eMSPs (sessions, CDRs), `CC/PID` each.
    public var owners: [String]?
    /// Inclusive.
    public var dateFrom: OCPIDateTime?
    /// Exclusive.
    public var dateTo: OCPIDateTime?

    public init(module: ObjectModule, party: PartyIdentity? = nil, owners: [String]? = nil, dateFrom: OCPIDateTime? = nil, dateTo: OCPIDateTime? = nil) {
        self.module = module
        self.party = party
        self.owners = owners
        self.dateFrom = dateFrom
        self.dateTo = dateTo
    }
}

public enum WriteOutcome: Sendable, Equatable {
    case created
    case updated
}
