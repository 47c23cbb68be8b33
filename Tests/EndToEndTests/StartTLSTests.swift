import Foundation
import XCTest

/// `--starttls` against real servers of each protocol, started by the
/// tests on loopback: aiosmtpd (SMTP), pyftpdlib (FTP), dovecot (IMAP and
/// POP3) and PostgreSQL, each once with TLS and once without, and against
/// peers that misbehave on purpose.
final class StartTLSTests: XCTestCase {
    private var stops: [() -> Void] = []

    override func tearDown() {
        stops.forEach { $0() }
        stops = []
    }

    /// `swnet --json tls-info --starttls PROTO --cacert CA 127.0.0.1:PORT`, parsed.
    private func check(_ proto: String, port: UInt16, ca: String, _ extra: [String] = [],
                       file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, json: [String: Any], stderr: String) {
        let result = try Harness.swnet(["--json", "tls-info", "--starttls", proto, "--cacert", ca] + extra + ["127.0.0.1:\(port)"])
        return (result.status, try result.json(file: file, line: line), result.stderr)
    }

    private func assertUpgraded(_ proto: String, port: UInt16, ca: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (status, json, stderr) = try check(proto, port: port, ca: ca, file: file, line: line)
        XCTAssertEqual(status, 0, "\(json) \(stderr)", file: file, line: line)
        XCTAssertEqual(json["starttls"] as? String, proto, file: file, line: line)
        XCTAssertEqual(json["verified"] as? Bool, true, "\(json)", file: file, line: line)
        XCTAssertTrue(json["error"] is NSNull, "\(json)", file: file, line: line)
        XCTAssertTrue((json["version"] as? String)?.hasPrefix("TLSv1.") == true, "\(json)", file: file, line: line)
        let chain = try XCTUnwrap(json["chain"] as? [[String: Any]], file: file, line: line)
        XCTAssertEqual(chain.first?["subject"] as? String, "CN=localhost", file: file, line: line)
    }

    /// The refusal: exit 8, and the server's own words in the message.
    private func assertRefused(_ proto: String, port: UInt16, saying reply: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try Harness.swnet(["tls-info", "--starttls", proto, "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 8, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(reply), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: tls-info: 127.0.0.1:\(port)/tcp: "), result.stderr, file: file, line: line)
        XCTAssertEqual(result.text, "", file: file, line: line)
    }

    // MARK: SMTP, aiosmtpd

    func testSMTPUpgradesWithAiosmtpd() throws {
        let server = try SMTPTestServer(.init(tls: .startTLS))
        stops.append(server.stop)
        try assertUpgraded("smtp", port: server.port, ca: try SMTPTestServer.certificate().cert.path)
    }

    func testSMTPRefusalIsExit8WithTheReply() throws {
        let server = try SMTPTestServer()
        stops.append(server.stop)
        try assertRefused("smtp", port: server.port, saying: "the server refused STARTTLS: 454 TLS not available")
    }

    // MARK: FTP, pyftpdlib

    func testFTPUpgradesWithPyftpdlib() throws {
        let server = try FTPTestServer(root: try ftpRoot(), security: .explicitTLS(certificate: TLSFixture.localhost.chain, key: TLSFixture.localhost.key))
        stops.append(server.stop)
        try assertUpgraded("ftp", port: server.port, ca: TLSFixture.root)
    }

    func testFTPRefusalIsExit8WithTheReply() throws {
        let server = try FTPTestServer(root: try ftpRoot())
        stops.append(server.stop)
        try assertRefused("ftp", port: server.port, saying: "the server refused AUTH TLS: 5")
    }

    /// An empty folder for pyftpdlib to serve (anna's home, `sub`, in it), removed after the test.
    private func ftpRoot() throws -> String {
        let root = try Self.emptyFTPRoot()
        stops.append { try? FileManager.default.removeItem(atPath: root) }
        return root
    }

    static func emptyFTPRoot() throws -> String {
        let root = NSTemporaryDirectory() + "swnet-ftp-root-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        return root
    }

    // MARK: IMAP and POP3, dovecot

    func testIMAPAndPOP3UpgradeWithDovecot() throws {
        let server = try DovecotTestServer()
        stops.append(server.stop)
        try assertUpgraded("imap", port: server.imapPort, ca: TLSFixture.root)
        try assertUpgraded("pop3", port: server.pop3Port, ca: TLSFixture.root)
    }

    func testIMAPAndPOP3RefusalsAreExit8WithTheReply() throws {
        let server = try DovecotTestServer(tls: false)
        stops.append(server.stop)
        try assertRefused("imap", port: server.imapPort, saying: "the server refused STARTTLS: a1 ")
        try assertRefused("pop3", port: server.pop3Port, saying: "the server refused STLS: -ERR")
    }

    // MARK: PostgreSQL

    func testPostgresUpgrades() throws {
        let server = try PostgresTestServer()
        stops.append(server.stop)
        try assertUpgraded("postgres", port: server.port, ca: TLSFixture.root)
    }

    func testPostgresWithoutSSLIsExit8() throws {
        let server = try PostgresTestServer(tls: false)
        stops.append(server.stop)
        try assertRefused("postgres", port: server.port, saying: "the server refused SSL: it answered N")
    }

    // MARK: Peers that misbehave

    /// A socat listener running the shell `script` per connection (from a
    /// file: socat's address syntax would take its quotes and semicolons
    /// apart); its port.
    private func scripted(_ script: String) throws -> UInt16 {
        let file = NSTemporaryDirectory() + "swnet-peer-\(UUID().uuidString).sh"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        let port = Harness.freePort()
        let peer = try Peer.tcp(port: port, exec: "sh \(file)")
        stops.append { peer.stop(); try? FileManager.default.removeItem(atPath: file) }
        return port
    }

    func testAServerThatSpeaksAnotherProtocolIsNamed() throws {
        let port = try scripted("printf 'HTTP/1.1 400 Bad Request\\r\\n\\r\\n'")
        let result = try Harness.swnet(["tls-info", "--starttls", "smtp", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("the server does not speak SMTP: greeting answered 'HTTP/1.1 400 Bad Request'"), result.stderr)
    }

    func testBytesAfterTheAgreementAreRefused() throws {
        let port = try scripted("printf '220 hi\\r\\n'; read l; printf '250 ok\\r\\n'; read l; printf '220 go ahead\\r\\n250 injected\\r\\n'; cat >/dev/null")
        let result = try Harness.swnet(["tls-info", "--starttls", "smtp", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("bytes after agreeing to STARTTLS, before the TLS handshake"), result.stderr)
    }

    func testASilentServerTimesOut() throws {
        let port = try scripted("cat >/dev/null")  // silent until the client goes
        let result = try Harness.swnet(["tls-info", "--starttls", "imap", "--connect-timeout", "500ms", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertTrue(result.stderr.contains("the STARTTLS dialogue did not finish within 500ms (--connect-timeout)"), result.stderr)
    }

    func testASilentServerTimesOutConnectNamingTheOption() throws {
        let port = try scripted("cat >/dev/null")  // silent until the client goes
        let result = try Harness.swnet(["connect", "--starttls", "smtp", "--connect-timeout", "500ms", "127.0.0.1:\(port)"], stdin: Data())
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertTrue(result.stderr.contains("the STARTTLS dialogue did not finish within 500ms (--connect-timeout)"), result.stderr)
    }

    func testAServerThatClosesIsNamedByTheStep() throws {
        let port = try scripted("printf '+OK hello\\r\\n'; read l")
        let result = try Harness.swnet(["tls-info", "--starttls", "pop3", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("the server closed the connection before answering STLS"), result.stderr)
    }
}

/// `connect --starttls`: the upgrade, then the relay over TLS, with a
/// command of each protocol answered by the real server.
final class ConnectStartTLSTests: XCTestCase {
    private var stops: [() -> Void] = []

    override func tearDown() {
        stops.forEach { $0() }
        stops = []
    }

    private func connect(_ proto: String, port: UInt16, ca: String, send: String) throws -> Harness.Result {
        // The commands end with QUIT or LOGOUT: the server closes, not the end of what is sent (many servers drop pipelined commands at close_notify).
        try Harness.swnet(["connect", "--starttls", proto, "--cacert", ca, "--stdin-eof", "keep", "--send", send, "localhost:\(port)"])
    }

    func testSMTPThenEHLOOverTLS() throws {
        let server = try SMTPTestServer(.init(tls: .startTLS))
        stops.append(server.stop)
        let result = try connect("smtp", port: server.port, ca: try SMTPTestServer.certificate().cert.path, send: "EHLO client\r\nQUIT\r\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.contains("250"), result.text)
        XCTAssertTrue(result.text.contains("221"), result.text)
        XCTAssertFalse(result.text.contains("STARTTLS"), "after the upgrade the server offers STARTTLS no more: \(result.text)")
    }

    func testIMAPAndPOP3OverTLSWithDovecot() throws {
        let server = try DovecotTestServer()
        stops.append(server.stop)
        let imap = try connect("imap", port: server.imapPort, ca: TLSFixture.root, send: "a2 LOGIN anna secret\r\na3 LOGOUT\r\n")
        XCTAssertEqual(imap.status, 0, imap.stderr)
        XCTAssertTrue(imap.text.contains("a2 OK"), imap.text)
        XCTAssertTrue(imap.text.contains("a3 OK"), imap.text)
        let pop3 = try connect("pop3", port: server.pop3Port, ca: TLSFixture.root, send: "USER anna\r\nPASS secret\r\nQUIT\r\n")
        XCTAssertEqual(pop3.status, 0, pop3.stderr)
        XCTAssertEqual(pop3.text.components(separatedBy: "+OK").count - 1, 3, pop3.text)
    }

    func testFTPOverTLSWithPyftpdlib() throws {
        let root = try StartTLSTests.emptyFTPRoot()
        let server = try FTPTestServer(root: root, security: .explicitTLS(certificate: TLSFixture.localhost.chain, key: TLSFixture.localhost.key))
        stops += [server.stop, { try? FileManager.default.removeItem(atPath: root) }]
        let result = try connect("ftp", port: server.port, ca: TLSFixture.root, send: "USER anna\r\nPASS secret\r\nPWD\r\nQUIT\r\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.contains("230"), result.text)
        XCTAssertTrue(result.text.contains("257 \"/\""), result.text)
        XCTAssertTrue(result.text.contains("221"), result.text)
    }

    func testPostgresStartupOverTLS() throws {
        let server = try PostgresTestServer()
        stops.append(server.stop)
        // A StartupMessage (protocol 3.0, user postgres), which trust authentication answers with AuthenticationOk
        // and the server's parameters, then Terminate, after which the server closes.
        let body: [UInt8] = [0, 3, 0, 0] + Array("user\u{0}postgres\u{0}\u{0}".utf8)
        let message = withUnsafeBytes(of: UInt32(4 + body.count).bigEndian, Array.init) + body + [UInt8(ascii: "X"), 0, 0, 0, 4]
        let result = try Harness.swnet(["connect", "--starttls", "postgres", "--cacert", TLSFixture.root, "--stdin-eof", "keep",
                                        "localhost:\(server.port)"], stdin: Data(message))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.contains("server_version"), result.text)
    }

    func testARefusalIsExit8BeforeAnyTLS() throws {
        let server = try SMTPTestServer()
        stops.append(server.stop)
        let result = try Harness.swnet(["connect", "--starttls", "smtp", "--send", "QUIT\r\n", "127.0.0.1:\(server.port)"])
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertTrue(result.stderr.contains("the server refused STARTTLS: 454 TLS not available"), result.stderr)
    }
}
