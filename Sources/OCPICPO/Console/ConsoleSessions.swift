import Foundation
import OCPIRuntime
import OCPIServer
import OCPIStore

/// The console's sign-in sessions.
///
/// Signing in with the admin token starts a session: a new random id (32 bytes from the system's
/// generator, as credentials tokens are made), which the browser keeps in an HttpOnly,
/// SameSite=Strict cookie. The cookie is never the admin token: a copy of it, a log of it or a
/// leak of it opens the console for at most `lifetime` and never the admin API.
///
/// Sessions are kept in the store (by the SHA-256 of their id, as credentials tokens are, so the
/// database holds nothing that signs anyone in), with their expiry, rather than in memory or as
/// a cookie signed with a server key: every instance on one database knows them (a console
/// behind a load balancer works), a restart signs no one out, and signing out ends the session
/// on every instance at once, which a signed cookie could not (it stays valid until it expires).
/// Looking a session up costs one read by key per console request, which is nothing next to
/// what a console page reads; it is looked up by the digest of the presented id, so how long
/// the lookup takes says nothing about how close a guess came.
///
/// Each session's CSRF token is derived from its id (`csrfToken(for:)`), so it needs no storage,
/// differs for every session, and cannot be made without the id, which only the cookie carries.
struct ConsoleSessions: Sendable {
    let store: SQLStore
    /// How long a session lasts after sign-in.
    let lifetime: Duration
    /// The cookie's path: the console's, below the public URL's prefix.
    let path: String
    /// The cookie is only sent over HTTPS (the public URL is https).
    let secure: Bool

    static let cookieName = "ocpi_console"

    /// Starts a session; its id, for the cookie.
    func start() async throws -> String {
        let id = TokenGenerator.make()
        try await store.insertConsoleSession(idHash: CredentialsTokenDigest.of(id), expiresAt: OCPIDateTime.now().adding(lifetime))
        return id
    }

    /// The id of the live session whose cookie the request carries, if it does.
    func session(of headers: HTTPFields) async throws -> String? {
        guard let id = Self.cookie(Self.cookieName, in: headers), Self.isWellFormed(id) else { return nil }
        return try await store.consoleSessionIsValid(idHash: CredentialsTokenDigest.of(id), at: .now()) ? id : nil
    }

    func end(_ id: String) async throws {
        try await store.deleteConsoleSession(idHash: CredentialsTokenDigest.of(id))
    }

    /// The CSRF token of a session: the SHA-256 of its id with a label of its own, which the
    /// session's pages put in each form that changes something.
    static func csrfToken(for id: String) -> String {
        CredentialsTokenDigest.of("ocpi-console-csrf:" + id)
    }

    /// Whether `token` is the session's CSRF token, compared in constant time.
    static func checkCSRF(_ token: String?, session id: String) -> Bool {
        guard let token else { return false }
        return AdminAuthenticator.equal(token, csrfToken(for: id))
    }

    /// The `Set-Cookie` value of a new session.
    func setCookie(_ id: String) -> String {
        "\(Self.cookieName)=\(id); Path=\(path); Max-Age=\(lifetime.components.seconds); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    /// The `Set-Cookie` value that removes the cookie.
    var clearCookie: String {
        "\(Self.cookieName)=; Path=\(path); Max-Age=0; HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    /// An id as `TokenGenerator` makes them: 64 lower-case hex digits. Anything else is no
    /// session, without a look in the store.
    static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 64 && id.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// The value of the cookie `name` in the request's `Cookie` headers (RFC 6265 §5.4: pairs
    /// separated by `; `), the first if there are several.
    static func cookie(_ name: String, in headers: HTTPFields) -> String? {
        for field in headers where field.name == .cookie {
            for pair in field.value.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " || $0 == "\t" }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]).trimmingCharacters(in: .whitespaces) }
            }
        }
        return nil
    }
}
