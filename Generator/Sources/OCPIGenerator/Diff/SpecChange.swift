/// One difference between two releases, with what it means for the parties that exchange the
/// item it is about.
public struct SpecChange: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case added
        case removed
        case changed
    }

    /// What the change is about.
    public enum Subject: String, Hashable, Sendable, CaseIterable {
        case module
        case object
        case field
        case enumeration = "enum"
        case value
        case endpoint
        /// One concrete route of an endpoint (`get_evse` of the locations GET).
        case operation
        case pathParameter = "path parameter"
        case queryParameter = "query parameter"
        case body
        case response
        case statusCode = "status code"
        case header
    }

    /// Whether a party keeps working with a partner on the other release.
    public enum Compatibility: String, Hashable, Sendable, CaseIterable {
        case compatible
        case breaking
    }

    public var kind: Kind
    public var subject: Subject
    /// The file the item belongs to (`locations`, `types`), in the new release unless removed.
    public var module: String
    /// The item: `Location.publish`, `Status.REMOVED`, `RECEIVER PATCH /tariffs/{country_code}/{party_id}/{tariff_id}`.
    public var item: String
    /// For a change: what changed (`type`, `cardinality`, `length`, `path`, `required`, ...).
    public var aspect: String?
    /// The old and new facts (`string(39)`, `"?"`); `nil` for what does not exist on that side.
    public var old: String?
    public var new: String?
    /// For a sender of the new release whose partner still implements the old one.
    public var sender: Compatibility
    /// For a receiver of the new release whose partner still implements the old one.
    public var receiver: Compatibility
    /// The rule of `DiffRules` that classified the change, in words.
    public var reason: String
    /// The optional package the item belongs to (`payments`), in the new release unless removed;
    /// `nil` for the core.
    public var package: String?

    public init(
        _ kind: Kind, _ subject: Subject, module: String, item: String, aspect: String? = nil,
        old: String? = nil, new: String? = nil, sender: Compatibility, receiver: Compatibility, reason: String, package: String? = nil
    ) {
        self.package = package
        self.kind = kind
        self.subject = subject
        self.module = module
        self.item = item
        self.aspect = aspect
        self.old = old
        self.new = new
        self.sender = sender
        self.receiver = receiver
        self.reason = reason
    }

    public var isBreaking: Bool { sender == .breaking || receiver == .breaking }

    /// One line: `changed field Connector.tariff_id (cardinality "?" -> "*"): sender breaking, receiver compatible`.
    public var description: String {
        var text = "\(kind.rawValue) \(subject.rawValue) \(item)"
        if let package { text += " [package \(package)]" }
        switch (aspect, old, new) {
        case (let aspect?, let old?, let new?): text += " (\(aspect) \(old) -> \(new))"
        case (let aspect?, _, _): text += " (\(aspect))"
        case (nil, let old?, let new?): text += " (\(old) -> \(new))"
        case (nil, let old?, nil): text += " (\(old))"
        case (nil, nil, let new?): text += " (\(new))"
        default: break
        }
        return text + ": sender \(sender.rawValue), receiver \(receiver.rawValue)"
    }
}

/// Every difference between two releases, in the order of the new release's files (items only in
/// the old release follow those of their file), and what they mean for senders and receivers.
public struct SpecDiff: Hashable, Sendable {
    public var oldVersion: String
    public var newVersion: String
    public var changes: [SpecChange]
    /// The editions of the text each side describes (`ed1`, `ed2`).
    public var oldEdition: String
    public var newEdition: String
    /// The optional packages each side includes, as people name them (`Payments 1`).
    public var oldPackages: [String]
    public var newPackages: [String]

    public init(
        oldVersion: String, newVersion: String, changes: [SpecChange],
        oldEdition: String = "", newEdition: String = "", oldPackages: [String] = [], newPackages: [String] = []
    ) {
        self.oldVersion = oldVersion
        self.newVersion = newVersion
        self.changes = changes
        self.oldEdition = oldEdition
        self.newEdition = newEdition
        self.oldPackages = oldPackages
        self.newPackages = newPackages
    }

    /// `2.3.0 + Payments 1`; with the edition when both sides have the same version
    /// (`2.3.0 ed1`), which is then what tells them apart.
    public var oldLabel: String { label(oldVersion, oldEdition, oldPackages) }
    public var newLabel: String { label(newVersion, newEdition, newPackages) }

    private func label(_ version: String, _ edition: String, _ packages: [String]) -> String {
        var text = version
        if oldVersion == newVersion, oldEdition != newEdition, !edition.isEmpty { text += " " + edition }
        for package in packages { text += " + " + package }
        return text
    }

    public var hasBreakingChanges: Bool { changes.contains(where: \.isBreaking) }

    public func count(_ role: KeyPath<SpecChange, SpecChange.Compatibility>, _ value: SpecChange.Compatibility) -> Int {
        changes.filter { $0[keyPath: role] == value }.count
    }
}
