import SwnetCore
import SwnetSocket
import SwnetTLS

/// A client's TLS start, written once for every client command: the
/// context, the handshake on a connected socket (after any plaintext
/// STARTTLS dialogue), the `-k` warning and the `-v` lines.
enum TLSClient {
    /// Makes the context, saying on stderr what it will not check.
    static func context(_ configuration: TLSConfiguration, console: Console) throws -> TLSContext {
        let context = try TLSContext(configuration)
        context.warnings.forEach(console.note)
        if configuration.insecure {
            console.note("warning: -k: the server's certificate is not verified")
        }
        return context
    }

    /// Runs the plaintext STARTTLS dialogue on `socket` until `deadline`.
    /// Running out is told in terms of the option, `limit` of
    /// --connect-timeout, not of what was left of it.
    static func startTLS(_ startTLS: StartTLSProtocol, on socket: Socket, until deadline: MonotonicClock.Instant, limit: Duration,
                         trace: ((_ sent: Bool, _ bytes: [UInt8]) -> Void)?) throws {
        do {
            try StartTLSNegotiation.run(startTLS.dialogue(), on: socket, until: deadline, trace: trace)
        } catch let error as SwnetError where error.code == .timeout {
            throw SwnetError(.timeout, "the STARTTLS dialogue did not finish within \(TimeSpan.format(limit)) (--connect-timeout)")
        }
    }

    /// Handshakes over `socket`, connected to `host`; `peer` names it in errors.
    /// `timeout` is `--connect-timeout`'s, and a handshake that outlasts it says so.
    static func handshake(_ context: TLSContext, socket: Socket, host: String, peer: String,
                          timeout: Duration?, loop: EventLoop, console: Console) throws -> TLSSession {
        let session = try TLSSession(context: context, descriptor: socket.descriptor, host: host)
        let start = MonotonicClock.now
        try SwnetError.context(peer) { try session.handshake(on: loop, timeout: timeout, option: "--connect-timeout") }
        let info = session.info
        console.verbose("TLS \(info.version), \(info.cipher), ALPN \(info.alpn ?? "none") in \(milliseconds(.now - start)) ms")
        if let leaf = session.peerLeaf.map(CertificateSummary.init) {
            console.verbose("certificate: \(leaf.subject); issuer: \(leaf.issuer); expires \(CertificateSummary.rfc3339(leaf.notAfter))")
            console.verbose(info.verified ? "certificate verified for \(session.verifiedName ?? host)"
                                          : "certificate NOT verified (\(info.verifyFailure ?? "?")), SHA-256 \(leaf.sha256)")
        }
        return session
    }

    /// The `"tls"` member of a JSON summary.
    static func json(_ session: TLSSession) -> JSONValue {
        let info = session.info
        let leaf = session.peerLeaf.map(CertificateSummary.init)
        return .object([
            ("version", .string(info.version)),
            ("cipher", .string(info.cipher)),
            ("alpn", info.alpn.map(JSONValue.string) ?? .null),
            ("verified", .bool(info.verified)),
            ("subject", leaf.map { .string($0.subject) } ?? .null),
            ("issuer", leaf.map { .string($0.issuer) } ?? .null),
            ("not_after", leaf.map { .string(CertificateSummary.rfc3339($0.notAfter)) } ?? .null),
            ("sha256", leaf.map { .string($0.sha256) } ?? .null),
        ])
    }
}
