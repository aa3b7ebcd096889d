/// Every way an OCPI request can fail, and the one table that maps each to an HTTP status and an
/// OCPI status code (the status codes chapter, to the letter):
///
/// | kind | HTTP | OCPI |
/// |---|---|---|
/// | body is not JSON | 400 | 2001 |
/// | path or query parameter that cannot be parsed | 400 | 2001 |
/// | well-formed request that breaks OCPI rules | 200 | 2001 |
/// | not enough information | 200 | 2002 |
/// | unknown location (GET of a location, EVSE, connector) | 404 | 2003 |
/// | a request that names an unknown location (START_SESSION) | 200 | 2003 |
/// | unknown token | 404 | 2004 |
/// | unknown object of another kind, or another party's | 404 | 2000 |
/// | missing or unknown credentials token | 401 | 2000 |
/// | credentials call not allowed in the party's state | 405 | 2000 |
/// | body larger than the server accepts | 413 | 2000 |
/// | request not complete within the server's read timeout | 408 | 2000 |
/// | a partner's API could not be used | 200 | 3001 |
/// | unsupported version | 200 | 3002 |
/// | no matching endpoints | 200 | 3003 |
/// | the server's store cannot be reached in time (try again shortly) | 503 | 3000 |
/// | anything unexpected | 500 | 3000 (no internals in the message) |
public struct OCPIError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case invalidJSON
        case invalidParameter
        case invalidRequest
        case notEnoughInformation
        case unknownLocation
        case unknownLocationInRequest
        case unknownToken
        case notFound
        case unauthorized
        case methodNotAllowed
        case payloadTooLarge
        case requestTimeout
        case unableToUseClientAPI
        case unsupportedVersion
        case noMatchingEndpoints
        case serviceUnavailable
        case serverError
    }

    public var kind: Kind
    public var message: String
    /// Violations reported in the response's `data`.
    public var violations: [Violation]

    public init(_ kind: Kind, _ message: String, violations: [Violation] = []) {
        self.kind = kind
        self.message = message
        self.violations = violations
    }

    /// The table.
    public var status: (http: Int, ocpi: Int) {
        switch kind {
        case .invalidJSON, .invalidParameter: (400, 2001)
        case .invalidRequest: (200, 2001)
        case .notEnoughInformation: (200, 2002)
        case .unknownLocation: (404, 2003)
        case .unknownLocationInRequest: (200, 2003)
        case .unknownToken: (404, 2004)
        case .notFound: (404, 2000)
        case .unauthorized: (401, 2000)
        case .methodNotAllowed: (405, 2000)
        case .payloadTooLarge: (413, 2000)
        case .requestTimeout: (408, 2000)
        case .unableToUseClientAPI: (200, 3001)
        case .unsupportedVersion: (200, 3002)
        case .noMatchingEndpoints: (200, 3003)
        case .serviceUnavailable: (503, 3000)
        case .serverError: (500, 3000)
        }
    }

    public var description: String { "\(status.ocpi): \(message)" }
}

/// An error of a layer below the protocol (the store) that knows which row of `OCPIError`'s
/// table it is, so that `OCPIServerResponse.failure` answers it as that rather than as
/// something unexpected. `nil`: unexpected after all.
public protocol OCPIErrorConvertible: Error {
    var ocpiError: OCPIError? { get }
}

extension OCPIError {
    // Shorthands for the common cases.
    public static func invalid(_ violations: [Violation]) -> OCPIError {
        OCPIError(.invalidRequest, "Invalid or missing parameters: \(summary(violations))", violations: violations)
    }

    public static func invalidParameter(_ violations: [Violation]) -> OCPIError {
        OCPIError(.invalidParameter, "Invalid parameters: \(summary(violations))", violations: violations)
    }

    public static func notFound(_ what: String) -> OCPIError { OCPIError(.notFound, "\(what) not found") }

    /// A body over the server's limit, in one wording whichever layer refuses it.
    public static func bodyTooLarge(limit: Int) -> OCPIError { OCPIError(.payloadTooLarge, "The body is larger than \(limit) bytes") }

    static func summary(_ violations: [Violation]) -> String {
        let shown = violations.prefix(3).map(\.description).joined(separator: "; ")
        return violations.count > 3 ? shown + "; and \(violations.count - 3) more" : shown
    }
}
