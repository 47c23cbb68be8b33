import Foundation
import XCTest

/// A real SMTP server for the smtp-send tests: aiosmtpd (Debian's
/// python3-aiosmtpd, which imports only under /usr/bin/python3) on a free
/// loopback port, started from a script this file writes and stopped by
/// its PID.
///
/// Its handler refuses chosen recipients with 550 in handle_RCPT, and
/// stores each message it accepts as N.eml (the bytes as received, dots
/// already unstuffed) and N.json: the envelope, whether the session was
/// TLS and logged in, and the message as Python's email module reads it —
/// headers decoded, each leaf part decoded with its type and SHA-256.
final class SMTPTestServer {
    enum TLS {
        case none
        /// STARTTLS offered with the test certificate.
        case startTLS
        /// TLS from the first byte (smtps://).
        case implicit
    }

    struct Options {
        var refuse: [String] = []
        var refuseData = false
        /// `user:password` for AUTH (PLAIN and LOGIN).
        var auth: String?
        /// Offer AUTH only after STARTTLS, as real servers do.
        var authRequiresTLS = false
        var tls: TLS = .none
    }

    let port: UInt16
    let store: URL
    private let directory: URL
    private let peer: Peer

    init(_ options: Options = Options()) throws {
        directory = try SMTPTestServer.temporaryDirectory()
        store = directory.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        let script = directory.appendingPathComponent("smtp_server.py")
        try SMTPTestServer.script.write(to: script, atomically: true, encoding: .utf8)
        var arguments = ["--store", store.path]
        for address in options.refuse { arguments += ["--refuse", address] }
        if options.refuseData { arguments.append("--refuse-data") }
        if let auth = options.auth { arguments += ["--auth", auth] }
        if options.authRequiresTLS { arguments.append("--auth-require-tls") }
        if options.tls != .none {
            let certificate = try SMTPTestServer.certificate()
            arguments += ["--cert", certificate.cert.path, "--key", certificate.key.path]
            if options.tls == .implicit { arguments.append("--implicit-tls") }
        }
        (peer, port) = try Peer.onFreePort { port in try Peer("/usr/bin/python3", [script.path, "--port", "\(port)"] + arguments) }
    }

    /// Stops the server and removes what it stored.
    func stop() {
        peer.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// `smtp://127.0.0.1:PORT` or, for implicit TLS, `smtps://...`.
    func url(tls: Bool = false) -> String { (tls ? "smtps" : "smtp") + "://127.0.0.1:\(port)" }

    /// The messages received so far, in order, as the server read them.
    func messages() throws -> [[String: Any]] {
        try storedNumbers().map { number in
            let data = try Data(contentsOf: store.appendingPathComponent("\(number).json"))
            return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }

    /// The bytes of message `index` (0-based) as received.
    func raw(_ index: Int = 0) throws -> Data {
        try Data(contentsOf: store.appendingPathComponent("\(storedNumbers()[index]).eml"))
    }

    private func storedNumbers() throws -> [Int] {
        try FileManager.default.contentsOfDirectory(atPath: store.path)
            .filter { $0.hasSuffix(".json") }.compactMap { Int($0.dropLast(5)) }.sorted()
    }

    // MARK: Shared fixtures

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private static let lock = NSLock()
    private static var made: (cert: URL, key: URL)?

    /// A self-signed certificate for 127.0.0.1 and localhost, made once per
    /// test run with openssl; it is its own CA for --cacert.
    static func certificate() throws -> (cert: URL, key: URL) {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let directory = try temporaryDirectory()
        let cert = directory.appendingPathComponent("cert.pem"), key = directory.appendingPathComponent("key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key.path, "-out", cert.path]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        XCTAssertEqual(openssl.terminationStatus, 0, "openssl req failed")
        made = (cert, key)
        return (cert, key)
    }

    static let script = #"""
    import argparse, asyncio, email, email.policy, hashlib, json, logging, os, signal, ssl
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--store', required=True)
    parser.add_argument('--refuse', action='append', default=[])
    parser.add_argument('--refuse-data', action='store_true')
    parser.add_argument('--auth')
    parser.add_argument('--auth-require-tls', action='store_true')
    parser.add_argument('--cert')
    parser.add_argument('--key')
    parser.add_argument('--implicit-tls', action='store_true')
    args = parser.parse_args()
    refused = {address.lower() for address in args.refuse}
    # The server's own log (a TLS handshake the client refused, say) goes beside the store, not into the test output.
    logging.basicConfig(filename=os.path.join(args.store, '..', 'server.log'), level=logging.INFO)

    class Handler:
        count = 0

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.lower() in refused:
                return '550 5.1.1 <%s>: Recipient address rejected: no such user' % address
            envelope.rcpt_tos.append(address)
            return '250 OK'

        async def handle_DATA(self, server, session, envelope):
            if args.refuse_data:
                return '554 5.7.1 Message refused: looks like spam'
            Handler.count += 1
            number = Handler.count
            raw = envelope.original_content
            with open(os.path.join(args.store, '%d.eml' % number), 'wb') as f:
                f.write(raw)
            message = email.message_from_bytes(raw, policy=email.policy.default)
            parts = []
            for part in message.walk():
                if part.is_multipart():
                    continue
                payload = part.get_payload(decode=True) or b''
                text = None
                if part.get_content_maintype() == 'text':
                    text = payload.decode(part.get_content_charset() or 'ascii', 'replace')
                parts.append({'content_type': part.get_content_type(), 'charset': part.get_content_charset(),
                              'filename': part.get_filename(), 'disposition': part.get_content_disposition(),
                              'transfer_encoding': part.get('Content-Transfer-Encoding'),
                              'sha256': hashlib.sha256(payload).hexdigest(), 'size': len(payload), 'text': text})
            summary = {
                'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
                'auth_user': session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
                'tls': session.ssl is not None or server.transport.get_extra_info('ssl_object') is not None,
                'headers': [[name, str(value)] for name, value in message.items()],
                'subject': str(message['subject']) if message['subject'] is not None else None,
                'multipart': message.is_multipart(), 'parts': parts,
                'defects': [repr(defect) for part in message.walk() for defect in part.defects],
            }
            with open(os.path.join(args.store, '%d.json.tmp' % number), 'w') as f:
                json.dump(summary, f)
            os.rename(os.path.join(args.store, '%d.json.tmp' % number), os.path.join(args.store, '%d.json' % number))
            return '250 OK queued as %d' % number

    def authenticator(server, session, envelope, mechanism, auth_data):
        if args.auth and isinstance(auth_data, LoginPassword):
            user, password = args.auth.split(':', 1)
            if auth_data.login.decode() == user and auth_data.password.decode() == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def make_session():
        options = dict(hostname='swnet-test', decode_data=False)
        if args.auth:
            options.update(authenticator=authenticator, auth_require_tls=args.auth_require_tls)
        if context is not None and not args.implicit_tls:
            options['tls_context'] = context
        return SMTP(Handler(), **options)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(make_session, host='127.0.0.1', port=args.port,
                                          ssl=context if args.implicit_tls else None)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        await stop.wait()
        server.close()

    asyncio.run(main())
    """#
}
