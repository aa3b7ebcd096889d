/// The rules of one conversion between two releases (`spec/conversions/2.2.1-2.1.1.yaml`): what
/// to do where the releases differ. Whatever they share is copied without a rule; the planner
/// (`ConversionPlanner`) finds every difference and refuses one that no rule covers.
public struct ConversionRules: Hashable, Sendable {
    /// The release converted from, and the one converted to (`2.2.1`, `2.1.1`).
    public var from: String
    public var to: String
    public var doc: String
    /// The objects converted (each with every object and enum it holds): `Location`, `Token`.
    public var roots: [Root]
    /// Roots whose PATCH bodies are converted too (`EVSE`: an `EVSEPatch` of one release as the
    /// other's), field by field, each present field as the object's conversion turns it.
    public var patches: [Root]
    /// Rules by object name (the name in the target release).
    public var objects: [String: ObjectRules]
    /// Rules by enum name (the name in the source release).
    public var enums: [String: EnumRules]
    public var location: SourceLocation

    public struct Root: Hashable, Sendable {
        public var name: String
        public var location: SourceLocation
    }
}

/// The rules for one object's fields, by field name.
public struct ObjectRules: Hashable, Sendable {
    public var name: String
    public var fields: [FieldRule]
    public var location: SourceLocation

    public func rule(for field: String) -> FieldRule? { fields.first { $0.field == field } }
}

/// What the conversion does with one field that the releases disagree on.
public struct FieldRule: Hashable, Sendable {
    /// A field of the target object, or (for `drop`) of the source object.
    public var field: String
    public var action: Action
    /// Why, in our own words; written into the generated code and docs.
    public var reason: String?
    public var location: SourceLocation

    public enum Action: Hashable, Sendable {
        /// The source field has no place in the target: its value is lost.
        case drop
        /// The source field has no place in the target, and an object that holds a value of it
        /// (any value, or one of `values` when given) cannot be converted without losing what
        /// its writer meant: the generated `refusals` names it, with this message, so that the
        /// caller refuses the object instead. A value it does not refuse is dropped.
        case refuse(String, values: [String])
        /// The target field takes the source field of another name (`voltage` from
        /// `max_voltage`); a list becomes its first element when the target holds one value.
        case from(String)
        /// The target field, which the source lacks or may leave out, gets this value.
        case `default`(String)
        /// Text longer than the target allows is cut to its length.
        case truncate
        /// A number is written with exactly this many decimals (a coordinate).
        case decimals(Int)
        /// Hand-written: a function, named here, makes the value from the source object; `reads`
        /// names the source fields it uses (`Location.type` from `parking_type`).
        case derive(String, reads: [String])
        /// Not in the source object: whoever calls the conversion gives it (a parameter of the
        /// root object's `convert`). The text says where the caller takes it from (`the URL's
        /// country_code`, `the stored location`); `reads` names the source fields that lead
        /// there (`Session.location` from `location_id`, `evse_uid`, `connector_id`). Only for
        /// the fields of a root object, which nothing but the caller converts.
        case given(String, reads: [String])
        /// Copied although the specs differ, because every source value is valid in the target
        /// (a looser pattern, which the planner cannot compare by itself).
        case asIs
        /// An enum field made of another enum field of the source (`LocationType` from
        /// `parking_type`): each source value in `values` becomes the target value it names, any
        /// other keeps its name where the target has it, and `otherwise` stands for the rest
        /// (no value, or one the target lacks).
        case map(String, values: [ValueMapping], otherwise: String?)
    }

    /// One source value and the target value it becomes (`ALONG_MOTORWAY: OTHER`).
    public struct ValueMapping: Hashable, Sendable {
        public var from: String
        public var to: String
    }

    /// The source fields a `derive` or `given` rule names as what it is made from.
    public var reads: [String]? {
        switch action {
        case .derive(_, let reads), .given(_, let reads): reads
        case .map(let source, _, _): [source]
        default: nil
        }
    }

    /// The action's name as the rules file writes it.
    public var actionName: String {
        switch action {
        case .drop: "drop"
        case .refuse: "refuse"
        case .from: "from"
        case .default: "default"
        case .truncate: "truncate"
        case .decimals: "decimals"
        case .derive: "derive"
        case .given: "given"
        case .asIs: "as_is"
        case .map: "map"
        }
    }
}

/// The rules for the values of one enum that the target release lacks.
public struct EnumRules: Hashable, Sendable {
    public var name: String
    public var values: [EnumValueRule]
    public var location: SourceLocation

    public func rule(for value: String) -> EnumValueRule? { values.first { $0.value == value } }
}

public struct EnumValueRule: Hashable, Sendable {
    /// The source release's value.
    public var value: String
    public var action: Action
    public var reason: String?
    public var location: SourceLocation

    public enum Action: Hashable, Sendable {
        /// Becomes this value of the target release.
        case to(String)
        /// Left out of a list of values (a capability the target cannot name); never allowed for
        /// a single value.
        case omit
        /// Sent as it is although the target does not define it: there is no right value, and a
        /// wrong one would mislead more than an unknown one (a lenient partner shows it, a
        /// strict one refuses the object). Listed as lossy.
        case keep
        /// An object holding the value is not converted: the generated `refusals` names it with
        /// this message, for the caller to refuse the object (the target has no right value, and
        /// the object is to be kept rather than sent on).
        case refuse(String)
    }
}
