/// Every check the checker runs, by name.
///
/// Spec checks take all they know from the release's generated target: its operations (from
/// the OpenAPI document), its types and their validators. Rule checks are the one table of what
/// the spec data cannot say, each with the reason: the transport and status-code chapters are
/// prose, and the generated code applies them on our own server's side only.
public enum CheckRule: String, CaseIterable, Sendable {
    // Spec checks.
    case versions
    case versionDetails = "version-details"
    case credentials
    case objects
    case byID = "by-id"
    case writePut = "write.put"
    case writeGet = "write.get"
    case writePatch = "write.patch"
    case writeDelete = "write.delete"
    case interface
    case register = "credentials.register"
    case unregister = "credentials.unregister"
    // Rule checks.
    case paginationHeaders = "pagination.headers"
    case paginationTotalCount = "pagination.total-count"
    case paginationLink = "pagination.link"
    case paginationLimit = "pagination.limit"
    case dateFrom = "filter.date_from"
    case dateTo = "filter.date_to"
    case unknownID = "unknown-id"
    case noToken = "auth.no-token"
    case wrongToken = "auth.wrong-token"
    case tokenEncoding = "auth.token-encoding"
    case envelope
    case malformedJSON = "write.malformed-json"
    case invalidObject = "write.invalid-object"
    case cleanup

    /// `spec` or `rule`, as the report shows it.
    public var source: String { reason == nil ? "spec" : "rule" }

    /// What the check expects, in a sentence.
    public var expectation: String {
        switch self {
        case .versions: "the versions list reads as the release's Version objects and offers a release the checker speaks"
        case .versionDetails: "the version details read as the release's VersionDetails and list the credentials module"
        case .credentials: "GET credentials answers the partner's Credentials, valid by the release's validator"
        case .objects: "every object of the list is valid by the release's generated validator (each violation with its JSON pointer)"
        case .byID: "an object fetched by id (each GET by id of the interface) equals its copy in the list"
        case .writePut: "a valid test object under the checker's own party is accepted by PUT (or POST)"
        case .writeGet: "the object PUT is read back equal"
        case .writePatch: "a PATCH with a new last_updated is accepted and read back"
        case .writeDelete: "DELETE removes the object: a GET afterwards answers HTTP 404"
        case .interface: "an interface the partner lists is one the release defines for its role"
        case .register: "the credentials handshake with token A: the partner reads the checker's versions and answers its credentials with token C"
        case .unregister: "DELETE credentials with token C ends the registration"
        case .paginationHeaders: "every page carries X-Total-Count and X-Limit as whole numbers"
        case .paginationTotalCount: "X-Total-Count is the same on every page of a list and equals the number of objects it held"
        case .paginationLink: "Link (rel=\"next\") is on a page exactly while objects remain, to the same list, keeping the query's filters"
        case .paginationLimit: "a limit above the partner's maximum is capped (X-Limit below it), and no page holds more than X-Limit objects"
        case .dateFrom: "date_from keeps objects whose last_updated is at or after it"
        case .dateTo: "date_to keeps objects whose last_updated is before it (exclusive)"
        case .unknownID: "an unknown id is answered with HTTP 404 and the module's status code"
        case .noToken: "a request without Authorization is answered with HTTP 401"
        case .wrongToken: "a request with an unknown token is answered with HTTP 401"
        case .tokenEncoding: "the token written as the release writes it in Authorization (base64 from 2.2 on, as it is in 2.1.1) is accepted"
        case .envelope: "every answer is the release's response envelope, its status_code agreeing with the HTTP status"
        case .malformedJSON: "a body that is not JSON is answered with HTTP 400 and status 2001"
        case .invalidObject: "a JSON body that breaks the object's rules is answered with HTTP 200 and status 2001"
        case .cleanup: "every object the checker created is removed at the end"
        }
    }

    /// Why a rule check is written here rather than read from the spec; `nil` for spec checks.
    public var reason: String? {
        switch self {
        case .versions, .versionDetails, .credentials, .objects, .byID, .writePut, .writeGet, .writePatch, .writeDelete, .interface, .register,
            .unregister:
            nil
        case .paginationHeaders, .paginationTotalCount, .paginationLink, .paginationLimit:
            "the pagination rules are prose in the transport chapter; the spec data only marks which lists page"
        case .dateFrom, .dateTo:
            "the spec data names the date_from and date_to parameters; that date_to is exclusive is prose"
        case .unknownID:
            "HTTP 404 for an unknown object is prose in the transport chapter; the module's status code is the release's not_found_code (CheckedRelease.notFoundCodes)"
        case .noToken, .wrongToken, .tokenEncoding:
            "the credentials token rule is prose in the transport and credentials chapters"
        case .envelope:
            "the envelope is a spec type (Response), but how its status_code goes with the HTTP status is the status-code chapter's prose"
        case .malformedJSON, .invalidObject:
            "which HTTP status goes with 2001 is the status-code chapter's prose"
        case .cleanup:
            "the checker's own promise: a partner is left as it was found, where the module allows"
        }
    }

}
