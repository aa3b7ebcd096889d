/// One release of OCPI as described by a folder of spec/: the manifest and its files in order,
/// with the optional packages the manifest includes merged in.
public struct Spec: Hashable, Sendable {
    /// The release (`2.2.1`), as it appears in URLs and in VersionNumber.
    public var version: String
    /// The edition of the official text the folder describes (`d2`, `ed2`): editions of one
    /// release share its version on the wire.
    public var edition: String
    public var source: String
    public var doc: String
    /// A decision that concerns the whole release (the manifest's `note:`).
    public var note: String?
    /// The fields a PATCH body must carry besides those that change (the manifest's
    /// `patch_required_fields:`): `last_updated` from 2.2 on; none in 2.1.1, whose PATCH sends only
    /// what changes.
    public var patchRequiredFields: [String]
    /// How the credentials token is written after `Token ` in the Authorization header (the
    /// manifest's `token_encoding:`).
    public var tokenEncoding: TokenEncoding
    /// The core's files in the manifest's order, then the module files of each package in the
    /// order of `packages`.
    public var files: [SpecFile]
    /// The optional module packages the manifest includes, in its order.
    public var packages: [SpecPackage]

    /// What a release requires of PATCH bodies when its manifest does not say.
    public static let defaultPatchRequiredFields = ["last_updated"]

    public var modules: [SpecFile] { files.filter { $0.module != nil } }
    public var objects: [ObjectDefinition] { files.flatMap(\.objects) }
    public var enums: [EnumDefinition] { files.flatMap(\.enums) }
    public var endpoints: [EndpointDefinition] { files.flatMap(\.endpoints) }
    public var statusCodes: [StatusCodeDefinition] { files.flatMap(\.statusCodes) }
    public var statusRanges: [StatusRangeDefinition] { files.flatMap(\.statusRanges) }
    public var headers: [HeaderDefinition] { files.flatMap(\.headers) }

    public func object(named name: String) -> ObjectDefinition? { objects.first { $0.name == name } }
    public func enumeration(named name: String) -> EnumDefinition? { enums.first { $0.name == name } }

    public func package(named name: String?) -> SpecPackage? {
        name.flatMap { name in packages.first { $0.name == name } }
    }

    /// The package whose module file (by `identifier`) declares an item; `nil` for the core.
    public func packageOfFile(_ identifier: String) -> SpecPackage? {
        package(named: files.first { $0.identifier == identifier }?.package)
    }
}

/// An optional module package (`packages/payments/package.yaml`): modules of its own and fields
/// it adds to objects of the core. A party implements the core and any of the packages.
public struct SpecPackage: Hashable, Sendable {
    /// The package's name (`payments`).
    public var name: String
    /// Its version, which counts separately from the release's (`1`).
    public var version: String
    public var title: String
    /// The folder, relative to the release folder (`packages/payments`).
    public var folder: String
    public var source: String
    public var annotations: Annotations
    public var location: SourceLocation
    /// The fields it adds to objects of the core, by extension file.
    public var extensions: [SpecExtension]

    /// How people name it: `Payments 1`.
    public var label: String { "\(title) \(version)" }
}

/// A package's file that adds to a file of the core (`extends: tariffs`).
public struct SpecExtension: Hashable, Sendable {
    /// The file's path within the release folder (`packages/payments/tariffs.yaml`).
    public var name: String
    /// The identifier of the core file it extends.
    public var extends: String
    public var annotations: Annotations
    public var location: SourceLocation
    /// The objects it extends and the fields it adds to each, in the file's order.
    public var objects: [ObjectExtension]
}

/// The fields a package adds to one object of the core.
public struct ObjectExtension: Hashable, Sendable {
    /// The extended object (`Tariff`).
    public var object: String
    /// The names of the fields added, in the file's order.
    public var fields: [String]
    public var location: SourceLocation
}

/// How a release writes the credentials token in the Authorization header.
public enum TokenEncoding: String, Hashable, Sendable, CaseIterable {
    /// Base64 of the token's UTF-8 (2.2 and later); the default.
    case base64
    /// The token as it is (2.1.1 and earlier).
    case plain
}

/// What every item of the spec may carry besides its facts.
public struct Annotations: Hashable, Sendable {
    /// The item's anchor in the official text.
    public var ref: String?
    /// Our own description.
    public var doc: String?
    /// A decision taken where the official text is unclear.
    public var note: String?
    /// A change made by an erratum after the release.
    public var errata: String?
    /// The release that introduced the item.
    public var since: String?

    public init(ref: String? = nil, doc: String? = nil, note: String? = nil, errata: String? = nil, since: String? = nil) {
        self.ref = ref
        self.doc = doc
        self.note = note
        self.errata = errata
        self.since = since
    }
}

public enum ModuleKind: String, Hashable, Sendable, CaseIterable {
    case functional
    case configuration
}

/// One YAML file: a module (`module:`) or shared types (`shared:`).
public struct SpecFile: Hashable, Sendable {
    /// The file's path within the release folder (`locations.yaml`,
    /// `packages/payments/payments.yaml`).
    public var name: String
    public var location: SourceLocation
    /// The package the file belongs to (`payments`); `nil` for the core.
    public var package: String?
    /// The ModuleID, for module files.
    public var module: String?
    /// The name of a shared file (`types`, `transport`).
    public var shared: String?
    public var title: String
    public var kind: ModuleKind?
    public var dataOwner: String?
    public var senderRoles: [String]
    public var receiverRoles: [String]
    /// The OCPI status code of a GET for an object that does not exist (2003 for locations,
    /// 2004 for tokens); the generic 2000 when `nil`.
    public var notFoundCode: Int?
    public var annotations: Annotations
    public var objects: [ObjectDefinition]
    public var enums: [EnumDefinition]
    public var endpoints: [EndpointDefinition]
    public var statusCodes: [StatusCodeDefinition]
    public var statusRanges: [StatusRangeDefinition]
    public var headers: [HeaderDefinition]

    /// The module id or the shared name: what the file is about.
    public var identifier: String { module ?? shared ?? name }
}

public enum ObjectKind: String, Hashable, Sendable, CaseIterable {
    /// A module's top-level object.
    case object
    /// A type used inside objects.
    case `class`
}

public struct ObjectDefinition: Hashable, Sendable {
    public var name: String
    public var kind: ObjectKind
    public var swiftName: String?
    public var fields: [FieldDefinition]
    public var annotations: Annotations
    public var location: SourceLocation
    /// The file (`identifier`) that declares the object.
    public var file: String
}

/// The constraints on a value that the spec states besides its type.
public struct Constraints: Hashable, Sendable {
    public var exactLength: Int?
    public var pattern: String?
    public var minimum: Double?
    public var maximum: Double?
    /// At most this many digits after the decimal point.
    public var maxDecimals: Int?

    public init(exactLength: Int? = nil, pattern: String? = nil, minimum: Double? = nil, maximum: Double? = nil, maxDecimals: Int? = nil) {
        self.exactLength = exactLength
        self.pattern = pattern
        self.minimum = minimum
        self.maximum = maximum
        self.maxDecimals = maxDecimals
    }
}

public struct FieldDefinition: Hashable, Sendable {
    public var name: String
    public var type: TypeReference
    public var cardinality: Cardinality
    public var constraints: Constraints
    public var swiftName: String?
    public var annotations: Annotations
    public var location: SourceLocation
    /// The package that adds the field to an object of another file (`payments` for
    /// `Tariff.preauthorize_amount`); `nil` for a field the object's own file declares.
    public var package: String? = nil
}

public struct EnumDefinition: Hashable, Sendable {
    public var name: String
    public var swiftName: String?
    /// An open enum (`open: true`): a party may send values of its own beside those listed, and
    /// a value nobody listed is valid. A value unknown to a closed enum is a violation.
    public var isOpen: Bool
    public var values: [EnumValueDefinition]
    public var annotations: Annotations
    public var location: SourceLocation
    public var file: String
}

public struct EnumValueDefinition: Hashable, Sendable {
    public var value: String
    public var swiftName: String?
    public var annotations: Annotations
    public var location: SourceLocation
}

public enum InterfaceRole: String, Hashable, Sendable, CaseIterable {
    case sender = "SENDER"
    case receiver = "RECEIVER"
}

public enum HTTPMethod: String, Hashable, Sendable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
}

/// A path or query parameter.
public struct ParameterDefinition: Hashable, Sendable {
    public var name: String
    public var type: TypeReference
    /// Always true for path parameters.
    public var required: Bool
    /// For a path parameter that identifies the object in a request body: the body's field that
    /// must hold the same value (`location_id` → `id`).
    public var bodyField: String?
    public var constraints: Constraints
    public var annotations: Annotations
    public var location: SourceLocation
}

/// A request body or the `data` of a response.
public struct PayloadDefinition: Hashable, Sendable {
    public var type: TypeReference
    public var cardinality: Cardinality
    /// A PATCH body: any subset of the object's fields, those of `Spec.patchRequiredFields` required.
    public var patch: Bool
    public var location: SourceLocation
}

/// One endpoint of the text: an interface role, a method and a path, served on one or more routes.
public struct EndpointDefinition: Hashable, Sendable {
    /// The ModuleID of the file that declares it.
    public var module: String
    public var role: InterfaceRole
    public var method: HTTPMethod
    /// The text's path, optional segments in brackets.
    public var path: String
    public var parameters: [ParameterDefinition]
    public var query: [ParameterDefinition]
    public var paginated: Bool
    /// Headers the response carries besides the transport's own (e.g. `Location`).
    public var responseHeaders: [String]
    /// The concrete routes; one, named after the endpoint, when the text has no variants.
    public var operations: [OperationDefinition]
    public var annotations: Annotations
    public var location: SourceLocation

    /// A path that starts with a parameter is an URL handed over at run time.
    public var isRuntimeURL: Bool { path.hasPrefix("{") }
}

/// One concrete route of an endpoint.
public struct OperationDefinition: Hashable, Sendable {
    public var name: String
    public var path: String
    public var body: PayloadDefinition?
    public var response: PayloadDefinition?
    public var annotations: Annotations
    public var location: SourceLocation

    /// The names of the `{parameters}` in the path, in order.
    public var pathParameterNames: [String] { PathTemplate(path).parameterNames }
}

public struct StatusCodeDefinition: Hashable, Sendable {
    public var code: Int
    public var name: String
    public var annotations: Annotations
    public var location: SourceLocation
}

public struct StatusRangeDefinition: Hashable, Sendable {
    public var from: Int
    public var to: Int
    public var annotations: Annotations
    public var location: SourceLocation
}

public enum HeaderDirection: String, Hashable, Sendable, CaseIterable {
    case request
    case response
    case both
}

public struct HeaderDefinition: Hashable, Sendable {
    public var name: String
    public var direction: HeaderDirection
    public var type: TypeReference
    public var annotations: Annotations
    public var location: SourceLocation
}
