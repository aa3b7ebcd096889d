/// How each kind of change is classified, as one table.
///
/// Every change is judged for a pair of partners where one implements the old release and the
/// other the new one. The *sender* of an item is the party that writes it: the owner of an object
/// that it pushes or serves, the caller for a request's path, query and body, the server for a
/// response. The *receiver* is the party that reads it.
///
/// - A change is **breaking for the receiver** when a receiver of the new release may refuse what
///   a sender of the old release writes (old data is not valid under the new release).
/// - A change is **breaking for the sender** when a sender of the new release may write what a
///   receiver of the old release refuses (new data is not valid under the old release).
///
/// Receivers are taken to ignore fields and query parameters they do not know, as OCPI parties
/// must; an enum value they do not know is refused, unless the enum is open (any value of an open
/// enum is valid). Modules are found through version details,
/// so a party never calls a module its partner does not list.
///
/// | change                                        | sender     | receiver   |
/// |-----------------------------------------------|------------|------------|
/// | module added or removed                        | compatible | compatible |
/// | object or enum added or removed (by itself)    | compatible | compatible |
/// | optional field added (`?`, `*`)                | compatible | compatible |
/// | required field added (`1`, `+`)                | compatible | breaking   |
/// | optional field removed                         | compatible | compatible |
/// | required field removed                         | breaking   | compatible |
/// | cardinality `1`→`?`, `+`→`*` (looser)          | breaking   | compatible |
/// | cardinality `?`→`1`, `*`→`+` (stricter)        | compatible | breaking   |
/// | cardinality single ↔ list                      | breaking   | breaking   |
/// | type of another kind, or another object        | breaking   | breaking   |
/// | another enum: values only added / removed      | as enum value added / removed       |
/// | `int` → `number`                               | breaking   | compatible |
/// | `number` → `int`                               | compatible | breaking   |
/// | `CiString` → `string` (any text allowed)       | breaking   | compatible |
/// | `string` → `CiString` (ASCII only)             | compatible | breaking   |
/// | maximum length longer                          | breaking   | compatible |
/// | maximum length shorter                         | compatible | breaking   |
/// | constraint added or tightened (exact length, pattern, min, max, decimals) | compatible | breaking |
/// | constraint removed or loosened                 | breaking   | compatible |
/// | constraint otherwise changed (another pattern) | breaking   | breaking   |
/// | enum value added                               | breaking   | compatible |
/// | enum value removed                             | compatible | breaking   |
/// | value added to an enum open in the old release  | compatible | compatible |
/// | value removed from an enum open in the new release | compatible | compatible |
/// | enum opened (`open: true` added)               | breaking   | compatible |
/// | enum closed (`open: true` removed)             | compatible | breaking   |
/// | module or field moved into or out of a package | compatible | compatible |
/// | endpoint or route added (in a kept module)     | breaking   | compatible |
/// | endpoint or route removed (from a kept module) | compatible | breaking   |
/// | path changed (other than parameter names)      | breaking   | breaking   |
/// | path parameter renamed only                    | compatible | compatible |
/// | optional query parameter added or removed      | compatible | compatible |
/// | required query parameter added, or made required | compatible | breaking |
/// | required query parameter removed, or made optional | breaking | compatible |
/// | body or response data added                    | compatible | breaking   |
/// | body or response data removed                  | breaking   | compatible |
/// | paginated or PATCH body switched on or off     | breaking   | breaking   |
/// | response header added                          | compatible | breaking   |
/// | response header removed                        | breaking   | compatible |
/// | status code added or removed                   | compatible | compatible |
/// | transport header added or removed              | compatible | compatible |
/// | transport header of another type               | as a value of another type          |
///
/// Status codes are read by their range (1xxx success, 2xxx client error, ...), so a code one
/// side does not know is still understood; transport headers are optional to the receiver,
/// which ignores those it does not know. An endpoint's own response headers (the `Location` of a
/// posted CDR) are part of its contract and follow the data rules.
///
/// A package is found like a module, through version details; the fields it adds to the core are
/// optional. So moving a module or a field between the core and a package changes nothing on the
/// wire by itself.
///
/// An endpoint or route added to a kept module is breaking for the sender because a caller of the
/// new release may call it on a server of the old one, which answers 404; one removed is breaking
/// for the receiver because a caller of the old release may still call it.
public enum DiffRules {
    public typealias Verdict = (sender: SpecChange.Compatibility, receiver: SpecChange.Compatibility, reason: String)

    static let bothCompatible: Verdict = (.compatible, .compatible, "")

    /// New data may not be valid for an old receiver: breaking for the sender only.
    static func looser(_ reason: String) -> Verdict { (.breaking, .compatible, reason) }
    /// Old data may not be valid for a new receiver: breaking for the receiver only.
    static func stricter(_ reason: String) -> Verdict { (.compatible, .breaking, reason) }
    static func both(_ reason: String) -> Verdict { (.breaking, .breaking, reason) }
    static func neither(_ reason: String) -> Verdict { (.compatible, .compatible, reason) }

    /// Several verdicts on one change: breaking for a role when any of them is.
    static func combined(_ verdicts: [Verdict]) -> Verdict {
        (
            verdicts.contains { $0.sender == .breaking } ? .breaking : .compatible,
            verdicts.contains { $0.receiver == .breaking } ? .breaking : .compatible,
            verdicts.map(\.reason).joined(separator: "; ")
        )
    }

    static func fieldAdded(_ cardinality: Cardinality) -> Verdict {
        cardinality.isRequired
            ? stricter("a required field is missing from what a sender of the old release writes")
            : neither("an optional field: old data lacks it, and old receivers ignore it")
    }

    static func fieldRemoved(_ cardinality: Cardinality) -> Verdict {
        cardinality.isRequired
            ? looser("a receiver of the old release requires the field, and a sender of the new one leaves it out")
            : neither("an optional field: new receivers ignore it, old receivers do without it")
    }

    static func cardinality(_ old: Cardinality, _ new: Cardinality) -> Verdict {
        if old.isList != new.isList { return both("a single value became a list or a list a single value") }
        if new.isRequired, !old.isRequired {
            return stricter(old.isList ? "an empty or absent list from an old sender is now refused" : "an absent value from an old sender is now refused")
        }
        return looser(new.isList ? "a new sender may send an empty or absent list" : "a new sender may leave the value out")
    }

    /// The values of the enums on either side of a type change, and whether each is open.
    struct EnumValues {
        var old: Set<String>
        var new: Set<String>
        var oldIsOpen = false
        var newIsOpen = false
    }

    /// Comparing two types; `enums` resolves a named type to its enum values when it is one.
    static func type(_ old: TypeReference, _ new: TypeReference, enums: (TypeReference, TypeReference) -> EnumValues?) -> Verdict {
        switch (old, new) {
        case (.int, .number): return looser("a number may have decimals that an old receiver refuses")
        case (.number, .int): return stricter("an old sender may send decimals")
        case (.ciString, .string): return looser("a new sender may send text that is not ASCII")
        case (.string, .ciString): return stricter("an old sender may send text that is not ASCII")
        case (.named, .named):
            guard let values = enums(old, new) else { return both("another object type") }
            return enumValues(values)
        default: return both("another kind of value")
        }
    }

    /// Another enum in place of one: values added matter only to receivers of a closed old enum,
    /// values removed only to receivers of a closed new one; opening or closing counts as well.
    static func enumValues(_ values: EnumValues) -> Verdict {
        var verdicts: [Verdict] = []
        if !values.new.subtracting(values.old).isEmpty, !values.oldIsOpen {
            verdicts.append(looser("another enum with more values, which old receivers refuse"))
        }
        if !values.old.subtracting(values.new).isEmpty, !values.newIsOpen {
            verdicts.append(stricter("another enum with fewer values, which old senders may still send"))
        }
        if values.oldIsOpen != values.newIsOpen { verdicts.append(enumOpened(values.newIsOpen)) }
        guard !verdicts.isEmpty else { return neither("another enum name that accepts the same values; the wire is unchanged") }
        return combined(verdicts)
    }

    static func maxLength(_ old: Int?, _ new: Int?) -> Verdict {
        switch (old, new) {
        case (let old?, let new?) where new > old: return looser("longer values from a new sender are refused by old receivers")
        case (nil, _?): return stricter("old senders may send longer values")
        case (_?, nil): return looser("longer values from a new sender are refused by old receivers")
        default: return stricter("old senders may send longer values")
        }
    }

    static func enumValueAdded(oldIsOpen: Bool = false) -> Verdict {
        oldIsOpen ? neither("the enum was open, so old receivers accept any value") : looser("old receivers refuse a value they do not know")
    }

    static func enumValueRemoved(newIsOpen: Bool = false) -> Verdict {
        newIsOpen ? neither("the enum is open, so new receivers still accept the value") : stricter("old senders may still send the value")
    }

    /// An enum made open or closed.
    static func enumOpened(_ isOpen: Bool) -> Verdict {
        isOpen
            ? looser("a new sender may send values of its own, which old receivers of the closed enum refuse")
            : stricter("an old sender may send values of its own, which the closed enum now refuses")
    }

    static func packageChanged() -> Verdict {
        neither("a package is offered through version details like a module, and the fields it adds are optional")
    }

    static func routeAdded() -> Verdict {
        looser("a caller of the new release may call it on a server of the old one, which does not serve it")
    }

    static func routeRemoved() -> Verdict {
        stricter("a caller of the old release may still call it on a server of the new one")
    }

    static func constraintAdded() -> Verdict { stricter("old senders may send values the constraint now refuses") }
    static func constraintRemoved() -> Verdict { looser("new senders may send values that old receivers refuse") }

    /// Numeric bounds and counts: tighter is stricter; `higherIsLooser` for maxima.
    static func bound(_ old: Double?, _ new: Double?, higherIsLooser: Bool) -> Verdict {
        switch (old, new) {
        case (nil, _?): return constraintAdded()
        case (_?, nil): return constraintRemoved()
        case (let old?, let new?):
            return (new > old) == higherIsLooser ? constraintRemoved() : constraintAdded()
        default: return bothCompatible
        }
    }

    static func queryAdded(required: Bool) -> Verdict {
        required
            ? stricter("a caller of the old release does not send the required parameter")
            : neither("an optional parameter; old servers ignore it")
    }

    static func queryRemoved(required: Bool) -> Verdict {
        required
            ? looser("a server of the old release requires the parameter, and a new caller leaves it out")
            : neither("an optional parameter; new servers ignore it")
    }

    static func queryRequired(_ old: Bool, _ new: Bool) -> Verdict {
        new ? stricter("a caller of the old release may leave the parameter out") : looser("a new caller may leave out what an old server requires")
    }

    static func statusCode() -> Verdict { neither("a code one side does not know is read by its range") }
    static func header() -> Verdict { neither("a receiver ignores a header it does not know, and none is required of an old sender") }

    static func dataAdded(_ what: String) -> Verdict { stricter("a \(what) is expected that the old release does not send") }
    static func dataRemoved(_ what: String) -> Verdict { looser("the old release expects a \(what) that the new one does not send") }
}
