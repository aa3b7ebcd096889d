import Logging
import NIOSSL
import OCPIServer
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The server's TLS: its certificate chain and private key, and optionally the certificate
/// authorities whose client certificates it asks for (mutual TLS, as some hubs use), all from
/// PEM files. `reload()` reads the files again (after a renewal, on SIGHUP through
/// `TLSReloadService`); connections accepted from then on use the new certificate, those
/// already open keep theirs.
///
/// The TLS itself is swift-nio-ssl's (BoringSSL); only the loading, the reload and the settings
/// are ours. The server speaks HTTP/1.1 only (ALPN offers nothing else): HTTP/2 would need a
/// second request path beside `HTTPConnectionHandler`, which OCPI partners do not need.
public final class ServerTLS: Sendable {
    public struct Files: Sendable, Equatable {
        /// The server's certificate, followed by its intermediates (PEM).
        public var certificateChain: String
        /// The certificate's private key (PEM).
        public var privateKey: String
        /// The certificate authorities of the client certificates asked for (PEM); `nil`: none
        /// asked for. With it, a client that presents none, or one those authorities did not
        /// sign, fails the handshake.
        public var clientCertificateAuthorities: String?

        public init(certificateChain: String, privateKey: String, clientCertificateAuthorities: String? = nil) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
            self.clientCertificateAuthorities = clientCertificateAuthorities
        }
    }

    /// A file that cannot be used, named with the reason.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public let files: Files
    private let current: Mutex<NIOSSLContext>

    /// Reads the files; a missing or unreadable file, a key that does not belong to the
    /// certificate, or an empty chain is a `LoadError`.
    public init(_ files: Files) throws {
        self.files = files
        current = Mutex(try Self.context(files))
    }

    /// The context for a connection accepted now.
    public var context: NIOSSLContext { current.withLock { $0 } }

    /// Reads the files again. When they cannot be used the current certificate stays in use and
    /// the error is thrown, so that a renewal half-written does not take the server off TLS.
    public func reload() throws {
        let context = try Self.context(files)
        current.withLock { $0 = context }
    }

    private static func context(_ files: Files) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificateChain)
        } catch {
            throw LoadError(description: "cannot read the TLS certificate chain in \(files.certificateChain): \(error)")
        }
        guard !chain.isEmpty else { throw LoadError(description: "\(files.certificateChain) holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem)
        } catch {
            throw LoadError(description: "cannot read the TLS private key in \(files.privateKey): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        // When the server closes a connection (idle, or on shutdown) it says so (close_notify)
        // and waits this long for the client's reply before closing the socket anyway. HTTP
        // clients that keep connections in a pool (AsyncHTTPClient among them) do not reply, and
        // NIO's 5 seconds made every graceful shutdown wait that long.
        configuration.shutdownTimeout = .seconds(1)
        if let authorities = files.clientCertificateAuthorities {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(authorities)
            } catch {
                throw LoadError(description: "cannot read the client certificate authorities in \(authorities): \(error)")
            }
            guard !roots.isEmpty else { throw LoadError(description: "\(authorities) holds no certificate") }
            configuration.trustRoots = .certificates(roots)
            // Asks for a client certificate and refuses the handshake without one (clients
            // connect by address as often as by name, so no host name is checked).
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            // BoringSSL checks here that the key belongs to the certificate.
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError(description: "cannot use the TLS certificate in \(files.certificateChain) with the key in \(files.privateKey): \(error)")
        }
    }
}

/// Reloads the server's TLS files on each SIGHUP, as long as the service group runs; a reload
/// that fails is logged and the current certificate kept.
public struct TLSReloadService: Service {
    let tls: ServerTLS
    let logger: Logger

    public init(tls: ServerTLS, logger: Logger) {
        self.tls = tls
        self.logger = logger
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                try tls.reload()
                logger.notice("TLS certificate reloaded", metadata: ["certificate": .string(tls.files.certificateChain)])
            } catch {
                logger.error("TLS certificate not reloaded; the current one stays in use", metadata: ["error": "\(error)"])
            }
        }
    }
}
