import COpenSSL
import SwnetCore
import SwnetSocket

/// What a finished handshake agreed on.
public struct TLSSessionInfo: Sendable {
    /// `TLSv1.3`
    public let version: String
    public let cipher: String
    /// The protocol ALPN selected, nil when none was.
    public let alpn: String?
    /// The peer's certificate verified against the trust store and the
    /// host name (false with `-k` when it did not, or without one).
    public let verified: Bool
    /// Why verification failed, in words; nil when it succeeded.
    public let verifyFailure: String?
}

/// One TLS connection over a connected, non-blocking descriptor, driven
/// by the event loop: a read or write that needs the other direction
/// first (SSL_ERROR_WANT_WRITE from a read) says so through
/// `readInterest`/`writeInterest`, and the relay waits for that instead.
///
/// The session does not own the descriptor: the `Socket` it came from
/// does, and closes it after the session is done. A plaintext dialogue
/// (STARTTLS) may run on the descriptor first; the handshake starts when
/// `handshake` or `handshakeStep` is first called.
public final class TLSSession: ByteStream {
    public let descriptor: Int32
    public let context: TLSContext
    /// The name checked against the certificate and sent as SNI.
    public let verifiedName: String?
    let ssl: OpaquePointer
    private var role: TLSConfiguration.Role { context.configuration.role }

    public private(set) var readInterest: Interest = .readable
    public private(set) var writeInterest: Interest = .writable
    public private(set) var hasPendingOutput = false
    public private(set) var handshakeDone = false
    /// The peer's stream ended without close_notify: truncation is
    /// possible, so it is reported rather than taken as a clean end.
    public private(set) var closedWithoutNotify = false
    /// The peer sent close_notify.
    public private(set) var closedWithNotify = false
    private var sentCloseNotify = false
    private var readEnded = false
    /// The end was met while returning data: the next read reports it.
    private var endUnreported = false

    /// `host` is what the user connected to: a name is sent as SNI and
    /// checked against the certificate's DNS names, an IP literal is checked
    /// against its IP addresses and never sent as SNI. The configuration's
    /// `serverName` overrides it for both.
    public init(context: TLSContext, descriptor: Int32, host: String? = nil) throws {
        guard let ssl = SSL_new(context.context) else { throw SwnetError(.tls, "cannot create a TLS session") }
        self.ssl = ssl
        self.descriptor = descriptor
        self.context = context
        SSL_set_fd(ssl, descriptor)
        guard context.configuration.role == .client else {
            verifiedName = nil
            SSL_set_accept_state(ssl)
            return
        }
        SSL_set_connect_state(ssl)
        // Verification runs always, so -k still reports why a chain is bad;
        // whether it is fatal is decided after the handshake.
        swnet_SSL_set_verify_none_keep_result(ssl)
        let name = context.configuration.serverName ?? host
        verifiedName = name
        guard let name else { return }
        if IPLiteral.isAddress(name) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
        } else {
            _ = swnet_SSL_set_tlsext_host_name(ssl, name)
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            SSL_set1_host(ssl, name)
        }
    }

    deinit { SSL_free(ssl) }

    // MARK: Handshake

    /// Advances the handshake: nil once it is finished (and, for a client,
    /// the certificate accepted), else what the descriptor must become
    /// ready for before the next step.
    public func handshakeStep() throws -> Interest? {
        if handshakeDone { return nil }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            handshakeDone = true
            if role == .client { try checkPeer() }
            return nil
        }
        let kind = SSL_get_error(ssl, result)
        switch kind {
        case SSL_ERROR_WANT_READ: return .readable
        case SSL_ERROR_WANT_WRITE: return .writable
        default: throw handshakeFailure(kind)
        }
    }

    /// Runs the handshake on `loop` until it finishes, fails, or `timeout` passes (exit 5).
    /// `option` names what set the limit (`--connect-timeout`), so the error says which one fired.
    public func handshake(on loop: EventLoop, timeout: Duration?, option: String? = nil) throws {
        guard let first = try handshakeStep() else { return }
        try loop.watch(descriptor, for: first) { [unowned self] _ in
            if let next = try self.handshakeStep() {
                try loop.update(self.descriptor, to: next)
            } else {
                loop.stop()
            }
        }
        defer { loop.unwatch(descriptor) }
        let timer = timeout.map { limit in
            loop.schedule(after: limit) {
                throw SwnetError(.timeout, "the TLS handshake did not finish within \(TimeSpan.format(limit))\(option.map { " (\($0))" } ?? "")")
            }
        }
        defer { timer?.cancel() }
        try loop.run()
    }

    private func handshakeFailure(_ kind: Int32) -> SwnetError {
        let error = TLSFailure.error(kind: kind, during: "handshake", server: role == .server)
        // A server that rejects our certificate after verifying its own is
        // reported as that, but a verification failure of ours comes first.
        if role == .client, let leaf = peerLeaf, SSL_get_verify_result(ssl) != X509_V_OK, !context.configuration.insecure {
            return verificationError(leaf)
        }
        return error
    }

    /// The client's verdict on the server: the chain and name (unless -k), then the pin (always).
    private func checkPeer() throws {
        guard let leaf = peerLeaf else { throw SwnetError(.tls, "the server sent no certificate").adding("TLS handshake") }
        if !context.configuration.insecure && SSL_get_verify_result(ssl) != X509_V_OK {
            throw verificationError(leaf)
        }
        if let pin = context.configuration.pin {
            let actual = Fingerprint.keyPin(of: leaf)
            guard actual == pin else {
                throw SwnetError(.tls, "the server's key does not match --pin \(pin): its pin is \(actual) (certificate SHA-256 fingerprint \(Fingerprint.sha256(of: leaf)))")
                    .adding("TLS handshake")
            }
        }
    }

    private func verificationError(_ leaf: OpaquePointer) -> SwnetError {
        let reason = TLSFailure.words(forVerifyResult: SSL_get_verify_result(ssl), host: verifiedName, leaf: leaf)
        return SwnetError(.tls, "certificate verification failed: \(reason) (leaf SHA-256 fingerprint \(Fingerprint.sha256(of: leaf)); its key pin is \(Fingerprint.keyPin(of: leaf)); -k skips verification)")
            .adding("TLS handshake")
    }

    // MARK: After the handshake

    public var info: TLSSessionInfo {
        let alpn: String? = {
            var data: UnsafePointer<UInt8>?
            var length: UInt32 = 0
            SSL_get0_alpn_selected(ssl, &data, &length)
            guard let data, length > 0 else { return nil }
            return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
        }()
        let result = SSL_get_verify_result(ssl)
        let failure: String? = peerLeaf == nil ? "no certificate"
            : result == X509_V_OK ? nil : TLSFailure.words(forVerifyResult: result, host: verifiedName, leaf: peerLeaf)
        return TLSSessionInfo(
            version: String(cString: SSL_get_version(ssl)),
            cipher: SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? "",
            alpn: alpn, verified: failure == nil, verifyFailure: failure)
    }

    /// The peer's own certificate (an `X509 *`), valid while the session lives.
    public var peerLeaf: OpaquePointer? { SSL_get0_peer_certificate(ssl) }

    /// The certificates the peer sent, leaf first (`X509 *`), valid while
    /// the session lives.
    public var peerChain: [OpaquePointer] {
        guard let stack = SSL_get_peer_cert_chain(ssl) else { return peerLeaf.map { [$0] } ?? [] }
        var chain = (0..<OPENSSL_sk_num(stack)).compactMap { OpaquePointer(OPENSSL_sk_value(stack, $0)) }
        // A server's view of a client's chain leaves the leaf out.
        if role == .server, let leaf = peerLeaf { chain.insert(leaf, at: 0) }
        return chain
    }

    /// The peer's chain as DER, leaf first.
    public var peerChainDER: [[UInt8]] { peerChain.map(Fingerprint.der) }

    // MARK: ByteStream

    /// Reads records until `buffer` is full or the socket has nothing more.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        if readEnded {
            endUnreported = false
            return .done(0)
        }
        readInterest = .readable
        var total = 0
        while total < buffer.count {
            ERR_clear_error()
            var count = 0
            let result = SSL_read_ex(ssl, buffer.baseAddress! + total, buffer.count - total, &count)
            if result == 1 {
                total += count
                continue
            }
            let kind = SSL_get_error(ssl, result)
            switch kind {
            case SSL_ERROR_WANT_READ:
                readInterest = .readable
            case SSL_ERROR_WANT_WRITE:
                readInterest = .writable
            case SSL_ERROR_ZERO_RETURN:
                closedWithNotify = true
                readEnded = true
            case SSL_ERROR_SSL where endedWithoutNotify():
                closedWithoutNotify = true
                readEnded = true
            default:
                if total > 0 { return .done(total) }              // the error comes again on the next read
                throw TLSFailure.error(kind: kind, during: "read", server: role == .server)
            }
            break
        }
        if total > 0 {
            endUnreported = readEnded
            return .done(total)
        }
        return readEnded ? .done(0) : .wouldBlock
    }

    /// Writes records until all of `buffer` is sent or the socket is full.
    public func write(from buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        writeInterest = .writable
        var total = 0
        while total < buffer.count {
            ERR_clear_error()
            var count = 0
            let result = SSL_write_ex(ssl, buffer.baseAddress! + total, buffer.count - total, &count)
            if result == 1 {
                total += count
                continue
            }
            let kind = SSL_get_error(ssl, result)
            switch kind {
            case SSL_ERROR_WANT_WRITE: writeInterest = .writable
            case SSL_ERROR_WANT_READ: writeInterest = .readable
            default:
                if total > 0 { return .done(total) }
                throw TLSFailure.error(kind: kind, during: "write", server: role == .server)
            }
            break
        }
        return total > 0 ? .done(total) : .wouldBlock
    }

    public var hasBufferedInput: Bool { endUnreported || (!readEnded && SSL_has_pending(ssl) == 1) }

    /// Sends close_notify: the peer reads a clean end and may still answer,
    /// and this session keeps reading.
    public func shutdownWrite() throws {
        guard handshakeDone, !sentCloseNotify else { return }
        sentCloseNotify = true
        try flush()
    }

    public func flush() throws {
        guard sentCloseNotify else { return }
        ERR_clear_error()
        let result = SSL_shutdown(ssl)
        if result >= 0 {
            hasPendingOutput = false
            return
        }
        let kind = SSL_get_error(ssl, result)
        if kind == SSL_ERROR_WANT_WRITE || kind == SSL_ERROR_WANT_READ {
            hasPendingOutput = true                              // sent when the socket drains
            writeInterest = kind == SSL_ERROR_WANT_WRITE ? .writable : .readable
            return
        }
        hasPendingOutput = false
        if closedWithNotify || closedWithoutNotify { _ = TLSFailure.drainQueue(); return }
        throw TLSFailure.error(kind: kind, during: "shutdown", server: role == .server)
    }

    /// Ends the session politely: close_notify if none was sent, without
    /// waiting for anything. The descriptor stays open for its owner to close.
    ///
    /// The last records leave at once rather than wait behind an unacknowledged
    /// segment: the owner closes next, and a close with unread input turns
    /// into a reset that drops whatever the kernel still holds, so the peer
    /// would read a reset where the answer's end should be.
    public func close() {
        guard handshakeDone, !closedWithoutNotify else { return }
        Descriptor.sendWithoutDelay(descriptor)
        guard !sentCloseNotify else { return }
        sentCloseNotify = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        _ = TLSFailure.drainQueue()
    }

    /// OpenSSL 3 reports a TCP end without close_notify as this error.
    /// The queue is left as it is otherwise, for the error to name its reason.
    private func endedWithoutNotify() -> Bool {
        let code = ERR_peek_last_error()
        guard swnet_ERR_GET_LIB(code) == ERR_LIB_SSL && swnet_ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING else { return false }
        _ = TLSFailure.drainQueue()
        return true
    }
}

/// Whether a host is an IPv4 or IPv6 literal rather than a name.
enum IPLiteral {
    static func isAddress(_ text: String) -> Bool {
        SocketAddress(numeric: text, port: 0) != nil
    }
}
