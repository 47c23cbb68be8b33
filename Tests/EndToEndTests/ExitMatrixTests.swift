import Foundation
import XCTest

/// The exit-code table, command by command: each documented failure kind
/// triggered against real peers (socat, Python's HTTP server, pyftpdlib,
/// aiosmtpd, sockets that never answer), its code and the first words of
/// its message checked, in text and with `--json`.
final class ExitMatrixTests: XCTestCase {
    /// One cell: a command meeting one kind of failure.
    struct Case {
        let command: String
        let kind: String
        let code: Int32
        let arguments: [String]
        /// Words the first `swnet: COMMAND: ` line holds (text mode).
        let words: String
        var stdin: Data? = nil
        /// Send SIGINT this long after the start.
        var interruptAfter: TimeInterval? = nil
    }

    var peers: [Peer] = []
    var closers: [() -> Void] = []
    override func tearDown() {
        peers.forEach { $0.stop() }
        closers.forEach { $0() }
    }

    /// A TCP listener that accepts in the kernel and never says a word.
    private func silentTCP() -> UInt16 {
        let (fd, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        listen(fd, 64)
        closers.append { close(fd) }
        return port
    }

    /// A UDP socket that is bound and never answers.
    private func silentUDP() -> UInt16 {
        let (fd, port) = Harness.boundLoopbackSocket(type: SOCK_DGRAM)
        closers.append { close(fd) }
        return port
    }

    /// A UDP server (Python) that answers every other datagram: the 1st, the 3rd, ...
    private func answersEveryOther() throws -> UInt16 {
        let port = Harness.freePort(udp: true)
        let script = """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
        n = 0
        while True:
            data, peer = s.recvfrom(65536); n += 1
            if n % 2: s.sendto(data, peer)
        """
        let peer = try Peer("/usr/bin/python3", ["-c", script, "\(port)"])
        peers.append(peer)
        try peer.waitUntilListening(port: port, tcp: false)
        return port
    }

    private func run(_ arguments: [String], _ test: Case) throws -> Harness.Result {
        guard let after = test.interruptAfter else { return try Harness.swnet(arguments, stdin: test.stdin, limit: 30) }
        let process = Process()
        process.executableURL = Harness.binary
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = Pipe()  // open, never written: a client waits on it
        try process.run()
        let out = StreamCollector(output), err = StreamCollector(errors)
        Thread.sleep(forTimeInterval: after)
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        out.waitForEOF(timeout: 2)
        err.waitForEOF(timeout: 2)
        return Harness.Result(status: process.terminationStatus, stdout: out.data, stderr: err.text)
    }

    private func check(_ cases: [Case], file: StaticString = #filePath, line: UInt = #line) throws {
        for test in cases {
            let label = "\(test.command) \(test.kind): \(test.arguments.joined(separator: " "))"
            // Text: the status, and the first words after `swnet: COMMAND: ` (or `swnet: ` for an interruption).
            let text = try run(test.arguments, test)
            XCTAssertEqual(text.status, test.code, "\(label): \(text.stderr)", file: file, line: line)
            let prefix = test.code == 130 ? "swnet: " : "swnet: \(test.command): "
            let said = text.stderr.split(separator: "\n").first { $0.hasPrefix(prefix) && $0.contains(test.words) }
            XCTAssertNotNil(said, "\(label): stderr lacks '\(prefix)...\(test.words)': \(text.stderr)", file: file, line: line)

            // JSON: the same status; stdout only JSON, and a failure's error object with its code.
            let json = try run(["--json"] + test.arguments, test)
            XCTAssertEqual(json.status, test.code, "--json \(label): \(json.stderr)", file: file, line: line)
            let lines = json.text.split(separator: "\n")
            XCTAssertFalse(lines.isEmpty, "--json \(label): nothing on stdout", file: file, line: line)
            let objects = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            XCTAssertEqual(objects.count, lines.count, "--json \(label): stdout is not only JSON: \(json.text)", file: file, line: line)
            if test.code != 0 && test.code != 9 {
                let error = objects.last?["error"] as? [String: Any]
                XCTAssertEqual(error?["code"] as? Int, Int(test.code), "--json \(label): \(json.text)", file: file, line: line)
                XCTAssertTrue((error?["message"] as? String ?? "").contains(test.words), "--json \(label): \(json.text)", file: file, line: line)
            }
        }
    }

    func testServe() throws {
        let (held, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        listen(held, 1)
        defer { close(held) }
        try check([
            Case(command: "serve", kind: "usage", code: 2, arguments: ["serve", "echo", "--port", "70000"], words: "invalid value '70000' for --port"),
            Case(command: "serve", kind: "resolve", code: 3, arguments: ["serve", "echo", "-b", "name.invalid", "--port", "0"], words: "resolve name.invalid"),
            Case(command: "serve", kind: "local", code: 10, arguments: ["serve", "echo", "--tcp", "-b", "127.0.0.1", "--port", "\(port)"], words: "127.0.0.1:\(port)/tcp"),
        ])
    }

    func testConnect() throws {
        let open = Harness.freePort(), refused = Harness.refusedPort()
        peers.append(try Peer.tcp(port: open, exec: "sleep 5"))
        let hole = try BlackHole()
        let selfSigned = try TLSServer.sServer(TLSFixture.selfSigned)
        closers.append(selfSigned.stop)
        try check([
            Case(command: "connect", kind: "usage", code: 2, arguments: ["connect", "127.0.0.1:99999"], words: "99999"),
            Case(command: "connect", kind: "resolve", code: 3, arguments: ["connect", "name.invalid:80"], words: "resolve name.invalid"),
            Case(command: "connect", kind: "refused", code: 4, arguments: ["connect", "127.0.0.1:\(refused)"], words: "127.0.0.1:\(refused)/tcp: connection refused"),
            Case(command: "connect", kind: "timeout", code: 5, arguments: ["connect", "--connect-timeout", "300ms", "127.0.0.1:\(hole.port)"],
                 words: "no connection within 300ms (--connect-timeout)"),
            Case(command: "connect", kind: "tls", code: 6, arguments: ["connect", "--tls", "localhost:\(selfSigned.port)"], words: "certificate verification failed: self-signed certificate"),
            Case(command: "connect", kind: "partial", code: 9, arguments: ["connect", "-z", "127.0.0.1:\(open),\(refused)"], words: "1 of 2 ports open"),
            Case(command: "connect", kind: "local", code: 10, arguments: ["connect", "-s", "192.0.2.1", "127.0.0.1:\(open)"], words: "source 192.0.2.1:0/tcp"),
            Case(command: "connect", kind: "interrupted", code: 130, arguments: ["connect", "127.0.0.1:\(open)"], words: "interrupted", interruptAfter: 0.5),
        ])
    }

    func testUDPSend() throws {
        let silent = silentUDP(), half = try answersEveryOther(), refused = Harness.freePort(udp: true)
        try check([
            Case(command: "udp-send", kind: "usage", code: 2, arguments: ["udp-send", "127.0.0.1:9", String(repeating: "x", count: 70000)], words: "UDP carries at most"),
            Case(command: "udp-send", kind: "resolve", code: 3, arguments: ["udp-send", "name.invalid:9", "x"], words: "resolve name.invalid"),
            Case(command: "udp-send", kind: "refused", code: 4, arguments: ["udp-send", "--reply=2s", "127.0.0.1:\(refused)", "x"], words: "connection refused"),
            Case(command: "udp-send", kind: "timeout", code: 5, arguments: ["udp-send", "--reply=300ms", "127.0.0.1:\(silent)", "x"], words: "no reply within 300ms (--reply)"),
            Case(command: "udp-send", kind: "local", code: 10, arguments: ["udp-send", "-s", "192.0.2.1", "127.0.0.1:\(silent)", "x"], words: "source 192.0.2.1:0/udp"),
            Case(command: "udp-send", kind: "interrupted", code: 130, arguments: ["udp-send", "--reply=20s", "127.0.0.1:\(silent)", "x"], words: "interrupted", interruptAfter: 0.5),
            Case(command: "udp-send", kind: "partial", code: 9, arguments: ["udp-send", "--reply=300ms", "--count", "2", "--interval", "0", "127.0.0.1:\(half)", "x"],
                 words: "1 of 2 datagrams got no reply"),
        ])
    }

    func testHTTPGet() throws {
        for name in ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] { unsetenv(name) }
        let server = try HTTPTestServer()
        let tls = try HTTPTestServer(certificate: FTPFixture.certificate.certificate, key: FTPFixture.certificate.key)
        closers += [server.stop, tls.stop]
        let refused = Harness.refusedPort(), silent = silentTCP()
        try check([
            Case(command: "http-get", kind: "usage", code: 2, arguments: ["http-get", "ftp://127.0.0.1/"], words: "http:// and https:// URLs only"),
            Case(command: "http-get", kind: "resolve", code: 3, arguments: ["http-get", "http://name.invalid/"], words: "resolve name.invalid"),
            Case(command: "http-get", kind: "refused", code: 4, arguments: ["http-get", "http://127.0.0.1:\(refused)/"], words: "127.0.0.1:\(refused)/tcp: connection refused"),
            Case(command: "http-get", kind: "timeout", code: 5, arguments: ["http-get", "--max-time", "300ms", "http://127.0.0.1:\(silent)/"], words: "gave up after 300ms (--max-time)"),
            Case(command: "http-get", kind: "tls", code: 6, arguments: ["http-get", tls.url("/hello")], words: "certificate"),
            Case(command: "http-get", kind: "auth", code: 7, arguments: ["http-get", "-u", "anna:guess", server.url("/auth")], words: "server answered 401"),
            Case(command: "http-get", kind: "server", code: 8, arguments: ["http-get", server.url("/status/404")], words: "server answered 404"),
            Case(command: "http-get", kind: "partial", code: 9, arguments: ["http-get", server.url("/hello"), server.url("/status/500")], words: "1 of 2 URLs failed"),
            Case(command: "http-get", kind: "local", code: 10, arguments: ["http-get", "-o", "/nonexistent/dir/file", server.url("/hello")], words: "cannot create /nonexistent/dir/file"),
            Case(command: "http-get", kind: "interrupted", code: 130, arguments: ["http-get", server.url("/sleep/5000")], words: "interrupted", interruptAfter: 0.5),
        ])
    }

    func testFTPList() throws {
        let plain = try FTPTestServer(root: FTPFixture.root)
        let tls = try FTPTestServer(root: FTPFixture.root, security: .explicitTLS(certificate: FTPFixture.certificate.certificate, key: FTPFixture.certificate.key))
        closers += [plain.stop, tls.stop]
        let refused = Harness.refusedPort(), silent = silentTCP()
        try check([
            Case(command: "ftp-list", kind: "usage", code: 2, arguments: ["ftp-list", "http://127.0.0.1/"], words: "ftp://"),
            Case(command: "ftp-list", kind: "resolve", code: 3, arguments: ["ftp-list", "ftp://name.invalid/"], words: "resolve name.invalid"),
            Case(command: "ftp-list", kind: "refused", code: 4, arguments: ["ftp-list", "ftp://127.0.0.1:\(refused)/"], words: "127.0.0.1:\(refused)/tcp: connection refused"),
            Case(command: "ftp-list", kind: "timeout", code: 5, arguments: ["ftp-list", "--connect-timeout", "300ms", "ftp://127.0.0.1:\(silent)/"],
                 words: "did not finish its handshake within 300ms (--connect-timeout"),
            Case(command: "ftp-list", kind: "tls", code: 6, arguments: ["ftp-list", "--tls", tls.url], words: "certificate"),
            Case(command: "ftp-list", kind: "auth", code: 7, arguments: ["ftp-list", "-u", "anna:guess", plain.url], words: "530"),
            Case(command: "ftp-list", kind: "server", code: 8, arguments: ["ftp-list", plain.url + "missing/"], words: "550"),
            Case(command: "ftp-list", kind: "local", code: 10, arguments: ["ftp-list", "-u", "anna", "--password-file", "/nonexistent", plain.url], words: "/nonexistent"),
            Case(command: "ftp-list", kind: "interrupted", code: 130, arguments: ["ftp-list", "ftp://127.0.0.1:\(silent)/"], words: "interrupted", interruptAfter: 0.5),
        ])
    }

    func testSMTPSend() throws {
        let smtp = try SMTPTestServer(.init(refuse: ["bob@example.com"], auth: "anna:secret"))
        closers.append(smtp.stop)
        let refused = Harness.refusedPort(), silent = silentTCP()
        let mail = ["-f", "a@example.com", "--body", "hi"]
        let server = ["-s", "127.0.0.1:\(smtp.port)"]
        try check([
            Case(command: "smtp-send", kind: "usage", code: 2, arguments: ["smtp-send"] + mail, words: "no recipient"),
            Case(command: "smtp-send", kind: "resolve", code: 3, arguments: ["smtp-send", "-s", "name.invalid", "-t", "c@example.com"] + mail, words: "resolve name.invalid"),
            Case(command: "smtp-send", kind: "refused", code: 4, arguments: ["smtp-send", "-s", "127.0.0.1:\(refused)", "-t", "c@example.com"] + mail,
                 words: "127.0.0.1:\(refused)/tcp: connection refused"),
            Case(command: "smtp-send", kind: "timeout", code: 5, arguments: ["smtp-send", "-s", "127.0.0.1:\(silent)", "--connect-timeout", "300ms", "-t", "c@example.com"] + mail,
                 words: "did not finish its handshake within 300ms (--connect-timeout"),
            Case(command: "smtp-send", kind: "tls", code: 6, arguments: ["smtp-send"] + server + ["--starttls", "require", "-t", "c@example.com"] + mail,
                 words: "does not offer STARTTLS"),
            Case(command: "smtp-send", kind: "auth", code: 7, arguments: ["smtp-send"] + server + ["-u", "anna:guess", "-t", "c@example.com"] + mail, words: "refused: 535"),
            Case(command: "smtp-send", kind: "server", code: 8, arguments: ["smtp-send"] + server + ["-t", "bob@example.com"] + mail, words: "the recipient was refused"),
            Case(command: "smtp-send", kind: "partial", code: 9, arguments: ["smtp-send"] + server + ["-t", "bob@example.com,c@example.com"] + mail, words: "rejected <bob@example.com>"),
            Case(command: "smtp-send", kind: "local", code: 10, arguments: ["smtp-send", "-t", "c@example.com", "--attach", "/nonexistent.pdf"] + mail, words: "/nonexistent.pdf"),
            Case(command: "smtp-send", kind: "interrupted", code: 130, arguments: ["smtp-send", "-s", "127.0.0.1:\(silent)", "-t", "c@example.com"] + mail,
                 words: "interrupted", interruptAfter: 0.5),
        ])
    }

    /// A client that connects to `port` every 100 ms and sends plain text, for 20 s at most.
    private func plainClientLoop(_ port: UInt16) throws {
        let script = """
        import socket, sys, time
        end = time.time() + 20
        while time.time() < end:
            try:
                c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1); c.sendall(b"hello\\n"); c.close()
            except OSError:
                pass
            time.sleep(0.1)
        """
        peers.append(try Peer("/usr/bin/python3", ["-c", script, "\(port)"]))
    }

    func testListen() throws {
        let (held, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        listen(held, 1)
        defer { close(held) }
        let tlsPort = Harness.freePort()
        try plainClientLoop(tlsPort)
        try check([
            Case(command: "listen", kind: "usage", code: 2, arguments: ["listen", "70000"], words: "port 70000 is out of range"),
            Case(command: "listen", kind: "resolve", code: 3, arguments: ["listen", "name.invalid:0"], words: "resolve name.invalid"),
            Case(command: "listen", kind: "timeout", code: 5, arguments: ["listen", "--accept-timeout", "300ms", "127.0.0.1:0"], words: "no client within 300ms (--accept-timeout)"),
            Case(command: "listen", kind: "tls", code: 6, arguments: ["listen", "--tls", "127.0.0.1:\(tlsPort)"], words: "TLS handshake: the client is not speaking TLS"),
            Case(command: "listen", kind: "local", code: 10, arguments: ["listen", "127.0.0.1:\(port)"], words: "127.0.0.1:\(port)/tcp: bind: address already in use"),
            Case(command: "listen", kind: "interrupted", code: 130, arguments: ["listen", "127.0.0.1:0"], words: "interrupted", interruptAfter: 0.5),
        ])
    }

    func testForward() throws {
        let (held, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        listen(held, 1)
        defer { close(held) }
        try check([
            Case(command: "forward", kind: "usage", code: 2, arguments: ["forward", "127.0.0.1:0", "127.0.0.1:70000"], words: "port 70000 is out of range"),
            Case(command: "forward", kind: "resolve", code: 3, arguments: ["forward", "127.0.0.1:0", "name.invalid:9"], words: "resolve name.invalid"),
            Case(command: "forward", kind: "local", code: 10, arguments: ["forward", "127.0.0.1:\(port)", "127.0.0.1:9"], words: "127.0.0.1:\(port)/tcp: bind: address already in use"),
        ])
    }

    /// A server (serve, forward, listen -k) has nothing to report when it is
    /// interrupted: SIGINT stops it as SIGTERM does, with 0, and with --json
    /// its stdout holds only its events, no error.
    func testServersStopOnSIGINTWith0() throws {
        let servers = [["serve", "echo", "--tcp", "-b", "127.0.0.1", "--port", "0"], ["forward", "127.0.0.1:0", "127.0.0.1:9"],
                       ["listen", "-k", "127.0.0.1:0"]]
        for arguments in servers {
            let test = Case(command: arguments[0], kind: "interrupted", code: 0, arguments: arguments, words: "", interruptAfter: 0.5)
            let text = try run(arguments, test)
            XCTAssertEqual(text.status, 0, "\(arguments): \(text.stderr)")
            XCTAssertFalse(text.stderr.contains("interrupted"), "\(arguments): \(text.stderr)")
            let json = try run(["--json"] + arguments, test)
            XCTAssertEqual(json.status, 0, "--json \(arguments): \(json.stderr)")
            let lines = json.text.split(separator: "\n")
            let objects = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            XCTAssertFalse(objects.isEmpty, "--json \(arguments): no event on stdout")
            XCTAssertEqual(objects.count, lines.count, "--json \(arguments): stdout is not only JSON: \(json.text)")
            XCTAssertFalse(objects.contains { $0["error"] != nil }, "--json \(arguments): \(json.text)")
        }
    }

    func testTLSInfo() throws {
        let selfSigned = try TLSServer.sServer(TLSFixture.selfSigned)
        closers.append(selfSigned.stop)
        let refused = Harness.refusedPort(), silent = silentTCP()
        try check([
            Case(command: "tls-info", kind: "usage", code: 2, arguments: ["tls-info", "127.0.0.1:70000"], words: "port 70000 is out of range"),
            Case(command: "tls-info", kind: "resolve", code: 3, arguments: ["tls-info", "name.invalid:443"], words: "resolve name.invalid"),
            Case(command: "tls-info", kind: "refused", code: 4, arguments: ["tls-info", "127.0.0.1:\(refused)"], words: "127.0.0.1:\(refused)/tcp: connection refused"),
            Case(command: "tls-info", kind: "timeout", code: 5, arguments: ["tls-info", "--connect-timeout", "300ms", "127.0.0.1:\(silent)"], words: "the TLS handshake did not finish within 300ms (--connect-timeout)"),
            Case(command: "tls-info", kind: "tls", code: 6, arguments: ["tls-info", "localhost:\(selfSigned.port)"], words: "certificate verification failed: self-signed certificate"),
            Case(command: "tls-info", kind: "interrupted", code: 130, arguments: ["tls-info", "127.0.0.1:\(silent)"], words: "interrupted", interruptAfter: 0.5),
        ])
    }
}
