import COpenSSL
import Glibc
import SwnetCore

/// An OpenSSL SSL_CTX made from a `TLSConfiguration`: trust, our
/// certificate, versions and ALPN, shared by every session of a command
/// (and by every thread of a server: OpenSSL allows that).
///
/// Creating the first context is what initialises OpenSSL; commands
/// without TLS never do.
public final class TLSContext: @unchecked Sendable {
    public let configuration: TLSConfiguration
    let context: OpaquePointer
    /// Things the user should know but that do not stop the command (a key
    /// file others can read).
    public private(set) var warnings: [String] = []
    /// The server's own certificate, when it made it itself.
    public private(set) var selfSigned: SelfSignedIdentity?
    /// The server's certificate, for its fingerprint in the ready line.
    public private(set) var ownCertificate: OpaquePointer?

    public init(_ configuration: TLSConfiguration) throws {
        self.configuration = configuration
        let method = configuration.role == .client ? TLS_client_method() : TLS_server_method()
        guard let context = SSL_CTX_new(method) else {
            throw SwnetError(.tls, "cannot create a TLS context: \(TLSFailure.drainQueue().last.map(Self.text) ?? "out of memory")")
        }
        self.context = context
        // Writes may be partial, and a retried write may come from a buffer
        // that moved: the relay's buffers compact themselves.
        _ = swnet_SSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        // Read whole socket buffers at once rather than a record header and then its body.
        _ = swnet_SSL_CTX_set_read_ahead(context, 1)
        SSL_CTX_set_default_read_buffer_len(context, 64 * 1024)
        if let minimum = configuration.minimumVersion {
            _ = swnet_SSL_CTX_set_min_proto_version(context, minimum == .v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION)
        }
        switch configuration.role {
        case .client: try configureClient()
        case .server: try configureServer()
        }
    }

    deinit { SSL_CTX_free(context) }

    private func configureClient() throws {
        SSL_CTX_set_default_verify_paths(context)
        if let trusted = configuration.trustedCAs {
            try loadTrust(trusted, option: "--cacert")
        }
        if !configuration.alpn.isEmpty {
            var wire: [UInt8] = []
            for name in configuration.alpn {
                guard !name.isEmpty, name.utf8.count < 256 else { throw SwnetError.usage("invalid ALPN protocol name '\(name)' in --alpn") }
                wire.append(UInt8(name.utf8.count))
                wire += name.utf8
            }
            _ = SSL_CTX_set_alpn_protos(context, wire, UInt32(wire.count))
        }
        if configuration.certificateFile != nil || configuration.keyFile != nil {
            guard let certificate = configuration.certificateFile, let key = configuration.keyFile else {
                throw SwnetError.usage("--cert and --key go together: give both or neither")
            }
            try useIdentity(certificate: certificate, key: key)
        }
    }

    private func configureServer() throws {
        // One TLS 1.3 ticket per handshake rather than OpenSSL's two: a
        // client resumes with one, and each costs the server an encryption.
        SSL_CTX_set_num_tickets(context, 1)
        // Tickets carry the session, so OpenSSL's own cache (locked, and
        // swept every 255 handshakes) would only cost time and memory.
        _ = swnet_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        // An idle client holds no TLS buffers: memory per connection stays
        // bounded by what is in flight, as it is in plain text.
        _ = swnet_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
        if let certificate = configuration.certificateFile {
            guard let key = configuration.keyFile else { throw SwnetError.usage("--cert needs --key: the certificate's private key") }
            try useIdentity(certificate: certificate, key: key)
        } else if configuration.keyFile != nil {
            throw SwnetError.usage("--key needs --cert: the certificate of that key")
        } else {
            let identity = try SelfSignedIdentity(names: configuration.selfSignedNames)
            SSL_CTX_use_certificate(context, identity.certificate)
            SSL_CTX_use_PrivateKey(context, identity.key)
            selfSigned = identity
            ownCertificate = identity.certificate
        }
        if let clientCAs = configuration.clientCAs {
            try loadTrust(clientCAs, option: "--client-ca")
            if let names = SSL_load_client_CA_file(clientCAs) { SSL_CTX_set_client_CA_list(context, names) }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
    }

    /// Adds trust from a PEM file or a hashed directory.
    private func loadTrust(_ path: String, option: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { throw SwnetError(.local, "\(option) \(path): no such file or directory") }
        let isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
        guard SSL_CTX_load_verify_locations(context, isDirectory ? nil : path, isDirectory ? path : nil) == 1 else {
            let why = TLSFailure.drainQueue().last.map(Self.text) ?? "unreadable"
            throw SwnetError(.local, "\(option) \(path): no CA certificate could be read: \(why)")
        }
        _ = TLSFailure.drainQueue()
    }

    /// Loads our certificate chain and its key, and checks they belong together.
    private func useIdentity(certificate: String, key: String) throws {
        guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
            let why = TLSFailure.drainQueue().last.map(Self.text) ?? "unreadable"
            throw SwnetError(.local, "--cert \(certificate): cannot read a PEM certificate: \(why)")
        }
        var status = stat()
        if stat(key, &status) == 0, status.st_mode & 0o077 != 0 {
            warnings.append("warning: the private key \(key) can be read by group or others (chmod 600 \(key))")
        }
        guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
            let codes = TLSFailure.drainQueue()
            if codes.contains(where: { swnet_ERR_GET_REASON($0) == X509_R_KEY_VALUES_MISMATCH }) {
                throw SwnetError.usage("the key \(key) does not match the certificate \(certificate)")
            }
            throw SwnetError(.local, "--key \(key): cannot read a PEM private key: \(codes.last.map(Self.text) ?? "unreadable")")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            _ = TLSFailure.drainQueue()
            throw SwnetError.usage("the key \(key) does not match the certificate \(certificate)")
        }
        ownCertificate = SSL_CTX_get0_certificate(context)
    }

    static func text(_ code: UInt) -> String {
        ERR_reason_error_string(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
