/// What a handler answers: the HTTP status (200, or 201 for a created object), the `data`
/// already encoded (or none), and headers of its own (the `Location` of a posted CDR).
public struct OCPIReply<Data>: Sendable {
    public var httpStatus: Int
    public var data: [UInt8]?
    public var headers: [(String, String)]

    public init(httpStatus: Int, data: [UInt8]?, headers: [(String, String)] = []) {
        self.httpStatus = httpStatus
        self.data = data
        self.headers = headers
    }

    /// Data that is already canonical JSON (a stored object), sent as it is.
    public static func ok(encoded data: [UInt8], headers: [(String, String)] = []) -> OCPIReply {
        OCPIReply(httpStatus: 200, data: data, headers: headers)
    }
}

extension OCPIReply where Data: JSONEncodable {
    public static func ok(_ data: Data, headers: [(String, String)] = []) -> OCPIReply {
        OCPIReply(httpStatus: 200, data: data.jsonBytes(), headers: headers)
    }

    public static func created(_ data: Data, headers: [(String, String)] = []) -> OCPIReply {
        OCPIReply(httpStatus: 201, data: data.jsonBytes(), headers: headers)
    }
}

extension OCPIReply where Data == OCPINoData {
    public static var ok: OCPIReply { OCPIReply(httpStatus: 200, data: nil) }
    /// For a PUT or POST that created the object.
    public static var created: OCPIReply { OCPIReply(httpStatus: 201, data: nil) }

    public static func ok(headers: [(String, String)]) -> OCPIReply { OCPIReply(httpStatus: 200, data: nil, headers: headers) }
    public static func created(headers: [(String, String)]) -> OCPIReply { OCPIReply(httpStatus: 201, data: nil, headers: headers) }
}
