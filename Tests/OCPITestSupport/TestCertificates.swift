import Foundation

/// Certificates made for a test with the `openssl` command: an authority of its own, and
/// certificates it signs for `127.0.0.1` and `localhost` (good for a server and for a client),
/// each with its key, all PEM files in a temporary folder.
public struct TestCertificates: Sendable {
    public struct Issued: Sendable {
        public var certificate: String
        public var privateKey: String
    }

    public let folder: URL
    /// The authority's certificate (what a client trusts, or a server asks client certificates of).
    public let authority: String
    private let authorityKey: String

    public struct OpenSSLFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// A new authority named `name`, in a new temporary folder.
    public static func authority(_ name: String) async throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-tls-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let certificate = folder.appendingPathComponent("ca.pem").path
        let key = folder.appendingPathComponent("ca.key").path
        try await openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "2", "-subj", "/CN=\(name) test authority",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        return TestCertificates(folder: folder, authority: certificate, authorityKey: key)
    }

    /// A certificate for `127.0.0.1` and `localhost`, signed by this authority, named `name`
    /// (a second call with the same name replaces the files: a renewal).
    public func issue(_ name: String) async throws -> Issued {
        let key = folder.appendingPathComponent("\(name).key").path
        let request = folder.appendingPathComponent("\(name).csr").path
        let certificate = folder.appendingPathComponent("\(name).pem").path
        let extensions = folder.appendingPathComponent("\(name).ext")
        try """
            subjectAltName = IP:127.0.0.1, DNS:localhost
            basicConstraints = CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = serverAuth, clientAuth
            """.write(to: extensions, atomically: true, encoding: .utf8)
        try await Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=\(name)",
        ])
        try await Self.openssl([
            "x509", "-req", "-in", request, "-CA", authority, "-CAkey", authorityKey, "-CAcreateserial", "-out", certificate, "-days", "2",
            "-extfile", extensions.path,
        ])
        return Issued(certificate: certificate, privateKey: key)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    private static func openssl(_ arguments: [String]) async throws {
        let outcome = try await BuiltExecutable.runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["openssl"] + arguments)
        guard outcome.status == 0 else {
            throw OpenSSLFailed(description: "openssl \(arguments.prefix(2).joined(separator: " ")) exited with \(outcome.status): \(outcome.error)")
        }
    }
}
