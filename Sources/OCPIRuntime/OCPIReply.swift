/// What a handler answers: the HTTP status (200, or 201 for a created object), the `data` of
/// type `Payload` already encoded (or none), and headers of its own (the `Location` of a posted
/// CDR).
///
/// The bytes can only come from a `Payload` (encoded here) or from a `StoredJSON<Payload>`, so a
/// reply typed as a location cannot carry a tariff.
public struct OCPIReply<Payload>: Sendable {
    public var httpStatus: HTTPResponse.Status
    /// The encoded `data`.
    public private(set) var data: [UInt8]?
    public var headers: HTTPFields

    /// Bytes taken on trust: for the package's own tests and fakes, which answer with hand-made
    /// JSON (even broken JSON, to test a client). A product's handler encodes a `Payload`, or
    /// sends a `StoredJSON<Payload>`.
    package init(httpStatus: HTTPResponse.Status, data: [UInt8]?, headers: HTTPFields = [:]) {
        self.httpStatus = httpStatus
        self.data = data
        self.headers = headers
    }

    /// `data` already written as JSON, taken on trust (see `init(httpStatus:data:headers:)`).
    package static func ok(encoded data: [UInt8], headers: HTTPFields = [:]) -> OCPIReply {
        OCPIReply(httpStatus: 200, data: data, headers: headers)
    }
}

extension OCPIReply where Payload: JSONEncodable {
    public static func ok(_ data: Payload, headers: HTTPFields = [:]) -> OCPIReply {
        OCPIReply(httpStatus: 200, data: data.jsonBytes(), headers: headers)
    }

    public static func created(_ data: Payload, headers: HTTPFields = [:]) -> OCPIReply {
        OCPIReply(httpStatus: 201, data: data.jsonBytes(), headers: headers)
    }

    /// A stored object, sent as the store keeps it: no decoding, no encoding.
    public static func ok(_ stored: StoredJSON<Payload>, headers: HTTPFields = [:]) -> OCPIReply {
        OCPIReply(httpStatus: 200, data: stored.bytes, headers: headers)
    }
}

extension OCPIReply where Payload == OCPINoData {
    public static var ok: OCPIReply { OCPIReply(httpStatus: 200, data: nil) }
    /// For a PUT or POST that created the object.
    public static var created: OCPIReply { OCPIReply(httpStatus: 201, data: nil) }

    public static func ok(headers: HTTPFields) -> OCPIReply { OCPIReply(httpStatus: 200, data: nil, headers: headers) }
    public static func created(headers: HTTPFields) -> OCPIReply { OCPIReply(httpStatus: 201, data: nil, headers: headers) }
}

/// The canonical JSON of one `Payload` as a store keeps it, which replies and pages send as it
/// is: the server's reads never decode and re-encode what it wrote validated.
///
/// Made only by the package's store layer, which pairs each module with its object type in one
/// place (`OCPICPO`'s `StoredObjects`): a handler cannot make one out of arbitrary bytes.
public struct StoredJSON<Payload: JSONEncodable>: Sendable {
    public let bytes: [UInt8]

    package init(canonical bytes: [UInt8]) {
        self.bytes = bytes
    }
}
