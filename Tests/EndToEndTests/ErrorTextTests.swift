import Foundation
import XCTest

/// One phrasing per failure kind, whatever command met it: the address
/// (or the proxy) named, and the option named when a limit fired.
final class ErrorTextTests: XCTestCase {
    override func setUp() {
        for name in ["http_proxy", "https_proxy", "HTTPS_PROXY", "ftp_proxy", "all_proxy", "ALL_PROXY"] { unsetenv(name) }
    }

    /// The command lines of every command that talks to `host:port`, with `extra` options.
    private func everyClient(_ port: UInt16, _ extra: [String], connectOnly: Bool = false) -> [(String, [String])] {
        [
            ("connect", ["connect"] + extra + ["127.0.0.1:\(port)"]),
            ("http-get", ["http-get"] + extra + ["http://127.0.0.1:\(port)/"]),
            ("ftp-list", ["ftp-list"] + extra + ["ftp://127.0.0.1:\(port)/"]),
            ("smtp-send", ["smtp-send", "-s", "127.0.0.1:\(port)", "-f", "a@example.com", "-t", "b@example.com", "--body", "hi"] + extra),
        ]
    }

    /// Runs each case and checks its status and that stderr is one line
    /// `swnet: COMMAND: ...` ending in `ending`.
    private func check(_ cases: [(String, [String])], status: Int32, ending: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for (command, arguments) in cases {
            let result = try Harness.swnet(arguments, stdin: Data(), limit: 30)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)", file: file, line: line)
            XCTAssertTrue(result.stderr.hasPrefix("swnet: \(command): ") && result.stderr.hasSuffix(ending + "\n")
                          && result.stderr.filter { $0 == "\n" }.count == 1, "\(arguments): \(result.stderr)", file: file, line: line)
        }
    }

    func testRefused() throws {
        let port = Harness.refusedPort()
        try check(everyClient(port, []), status: 4, ending: ": 127.0.0.1:\(port)/tcp: connection refused")
        // The libcurl commands put the URL first, as the README says: smtp-send the server's.
        for (command, arguments) in everyClient(port, []).dropFirst() {
            let url = command == "smtp-send" ? "smtp://127.0.0.1:\(port)" : arguments.last!
            let result = try Harness.swnet(arguments, stdin: Data(), limit: 30)
            XCTAssertEqual(result.stderr, "swnet: \(command): \(url): 127.0.0.1:\(port)/tcp: connection refused\n")
        }
    }

    func testAnUnresolvableName() throws {
        let cases = [
            ("connect", ["connect", "name.invalid:80"]), ("udp-send", ["udp-send", "name.invalid:9", "x"]),
            ("http-get", ["http-get", "http://name.invalid/"]), ("ftp-list", ["ftp-list", "ftp://name.invalid/"]),
            ("smtp-send", ["smtp-send", "-s", "name.invalid", "-t", "b@example.com", "--body", "hi"]),
        ]
        for (command, arguments) in cases {
            let result = try Harness.swnet(arguments, limit: 30)
            XCTAssertEqual(result.status, 3, "\(arguments): \(result.stderr)")
            // The reason after the name is the resolver's (getaddrinfo's, or libcurl's "no address found").
            XCTAssertTrue(result.stderr.hasPrefix("swnet: \(command): ") && result.stderr.contains("resolve name.invalid: "), result.stderr)
        }
        setenv("http_proxy", "http://proxy.invalid:3128", 1)
        defer { unsetenv("http_proxy") }
        try check([("http-get", ["http-get", "http://127.0.0.1:9/"])], status: 3, ending: ": resolve proxy proxy.invalid: no address found")
    }

    func testARefusedProxyIsNamed() throws {
        let port = Harness.refusedPort()
        setenv("http_proxy", "http://127.0.0.1:\(port)", 1)
        defer { unsetenv("http_proxy") }
        try check([("http-get", ["http-get", "http://127.0.0.1:9/"])], status: 4, ending: ": proxy 127.0.0.1:\(port)/tcp: connection refused")
    }

    func testNoConnectionNamesConnectTimeout() throws {
        let hole = try BlackHole()
        try check(everyClient(hole.port, ["--connect-timeout", "300ms"]), status: 5, ending: ": no connection within 300ms (--connect-timeout)")
    }

    func testTheTotalLimitIsNamed() throws {
        // Connects complete in the kernel's queue, and nobody ever answers.
        let (listener, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        defer { close(listener) }
        listen(listener, 64)
        try check([("connect", ["connect", "--timeout", "300ms", "--stdin-eof", "keep", "127.0.0.1:\(port)"])],
                  status: 5, ending: ": gave up after 300ms (--timeout)")
        try check(everyClient(port, ["--max-time", "300ms"]).dropFirst().map { $0 }, status: 5, ending: ": gave up after 300ms (--max-time)")
    }

    func testAStalledHandshakeNamesConnectTimeout() throws {
        let (listener, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        defer { close(listener) }
        listen(listener, 64)
        // Connected, but no greeting ever comes: libcurl's connect phase covers it.
        try check(everyClient(port, ["--connect-timeout", "300ms"]).suffix(2).map { $0 }, status: 5,
                  ending: ": the server did not finish its handshake within 300ms (--connect-timeout, which covers TLS and the greeting, login or AUTH)")
        // Connected, and the TLS handshake never answered: a handshake, not a missing connection.
        let tls = [
            ("http-get", ["http-get", "--connect-timeout", "300ms", "https://127.0.0.1:\(port)/"]),
            ("ftp-list", ["ftp-list", "--connect-timeout", "300ms", "ftps://127.0.0.1:\(port)/"]),
            ("smtp-send", ["smtp-send", "-s", "smtps://127.0.0.1:\(port)", "-f", "a@example.com", "-t", "b@example.com", "--body", "hi", "--connect-timeout", "300ms"]),
        ]
        try check(tls, status: 5, ending: ": the server did not finish its handshake within 300ms (--connect-timeout, which covers TLS and the greeting, login or AUTH)")
    }

    func testIdleNamesIdleTimeout() throws {
        let (listener, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        defer { close(listener) }
        listen(listener, 64)
        try check(everyClient(port, ["--idle-timeout", "300ms"]).prefix(2).map { $0 }, status: 5, ending: ": no data for 300ms (--idle-timeout)")
    }

    func testAnOversizedHeaderIsTheServersError() throws {
        let port = Harness.freePort()
        let script = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
        while True:
            c, _ = s.accept(); c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\\r\\nX-Big: " + b"a" * 110000 + b"\\r\\nContent-Length: 2\\r\\n\\r\\nhi"); c.close()
        """
        let peer = try Peer("/usr/bin/python3", ["-c", script, "\(port)"])
        defer { peer.stop() }
        try peer.waitUntilListening(port: port, tcp: true)
        try check([("http-get", ["http-get", "http://127.0.0.1:\(port)/"])], status: 8,
                  ending: ": the server sent a header larger than libcurl accepts (100 KB)")
    }
}
