import Foundation
import XCTest

/// -x, --proxy-user and --noproxy against tinyproxy, which marks what it
/// forwarded with a `Via` header: http-get's plain requests and its HTTPS
/// tunnels, and ftp-list's tunnel.
final class HTTPProxyTests: HTTPTestCase {
    var proxies: [ProxyTestServer] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        // no_proxy from the environment would send 127.0.0.1 around any proxy.
        for name in ["no_proxy", "NO_PROXY"] { unsetenv(name) }
    }

    override func tearDown() {
        proxies.forEach { $0.stop() }
        unsetenv("http_proxy")
        unsetenv("SWNET_PROXY_PASSWORD")
        super.tearDown()
    }

    func proxy(credentials: (user: String, password: String)? = nil) throws -> ProxyTestServer {
        let proxy = try ProxyTestServer(credentials: credentials)
        proxies.append(proxy)
        return proxy
    }

    /// The `Via` header of the answer, from --json; nil when it came directly.
    func via(_ result: Harness.Result, file: StaticString = #filePath, line: UInt = #line) throws -> String? {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return try XCTUnwrap(result.json()["headers"] as? [String: Any], file: file, line: line)["via"] as? String
    }

    func testProxyOptionRoutesThroughTinyproxyAndNoproxyBypassesIt() throws {
        let proxy = try proxy()
        let url = server.url("/hello")
        XCTAssertEqual(try via(get(["--json", "-x", proxy.url(), url]))?.contains("tinyproxy"), true)
        // Without a scheme, as curl takes it.
        XCTAssertEqual(try via(get(["--json", "--proxy", "127.0.0.1:\(proxy.port)", url]))?.contains("tinyproxy"), true)
        XCTAssertNil(try via(get(["--json", "-x", proxy.url(), "--noproxy", "127.0.0.1", url])))
        XCTAssertNil(try via(get(["--json", "-x", proxy.url(), "--noproxy", "*", url])))
        XCTAssertEqual(try via(get(["--json", "-x", proxy.url(), "--noproxy", "example.test", url]))?.contains("tinyproxy"), true)

        // -x wins over http_proxy; -x '' turns the environment's proxy off.
        setenv("http_proxy", "http://127.0.0.1:\(Harness.refusedPort())", 1)
        XCTAssertEqual(try via(get(["--json", "-x", proxy.url(), url]))?.contains("tinyproxy"), true)
        XCTAssertNil(try via(get(["--json", "-x", "", url])))
        let body = try get(["-x", proxy.url(), url])
        XCTAssertEqual(body.text, "hello\n", body.stderr)
    }

    func testHTTPSGoesThroughATunnel() throws {
        let proxy = try proxy(credentials: ("anna", "secret"))
        let nginx = try TLSServer.nginx()
        defer { nginx.stop() }
        let url = "https://localhost:\(nginx.port)/"
        let result = try get(["-x", proxy.url(), "--proxy-user", "anna:secret", "--cacert", TLSFixture.root, url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "hello\n")
        // CONNECT went to tinyproxy: without its login, it refuses the tunnel.
        let refusedTunnel = try get(["-x", proxy.url(), "--cacert", TLSFixture.root, url])
        XCTAssertEqual(refusedTunnel.status, 7, refusedTunnel.stderr)
        XCTAssertEqual(refusedTunnel.stderr, "swnet: http-get: \(url): proxy 127.0.0.1:\(proxy.port) answered 407 Proxy Authentication Required\n")
        // A proxy that is not there is named as the proxy.
        let absent = Harness.refusedPort()
        let refused = try get(["-x", "http://127.0.0.1:\(absent)", "--cacert", TLSFixture.root, "https://localhost:\(nginx.port)/"])
        XCTAssertEqual(refused.status, 4, refused.stderr)
        XCTAssertEqual(refused.stderr, "swnet: http-get: https://localhost:\(nginx.port)/: proxy 127.0.0.1:\(absent)/tcp: connection refused\n")
    }

    func testProxyUserLogsInToTinyproxy() throws {
        let proxy = try proxy(credentials: ("anna", "secret"))
        let url = server.url("/hello")
        let none = try get(["-x", proxy.url(), url])
        XCTAssertEqual(none.status, 7, none.stderr)
        XCTAssertTrue(none.stderr.contains("proxy answered 407"), none.stderr)
        let wrong = try get(["-x", proxy.url(), "--proxy-user", "anna:guess", url])
        XCTAssertEqual(wrong.status, 7, wrong.stderr)

        let right = try get(["-x", proxy.url(), "--proxy-user", "anna:secret", url])
        XCTAssertEqual(right.status, 0, right.stderr)
        XCTAssertEqual(right.text, "hello\n")
        // Without PASS, from SWNET_PROXY_PASSWORD (SWNET_PASSWORD stays -u's).
        setenv("SWNET_PROXY_PASSWORD", "secret", 1)
        let fromEnvironment = try get(["-x", proxy.url(), "--proxy-user", "anna", url])
        XCTAssertEqual(fromEnvironment.status, 0, fromEnvironment.stderr)
        unsetenv("SWNET_PROXY_PASSWORD")
        // No variable and no terminal: a usage error, never a prompt nobody sees.
        let noPassword = try get(["-x", proxy.url(), "--proxy-user", "anna", url])
        XCTAssertEqual(noPassword.status, 2, noPassword.stderr)
        XCTAssertEqual(noPassword.stderr,
                       "swnet: http-get: no password for anna (--proxy-user): give USER:PASS, set SWNET_PROXY_PASSWORD, or run on a terminal\n")
    }

    func testAProxySchemeLibcurlDoesNotKnowIsAUsageError() throws {
        let result = try get(["-x", "ftp://anna:pw@127.0.0.1:1", server.url("/hello")])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr, "swnet: http-get: invalid value 'ftp://anna:[redacted]@127.0.0.1:1' for --proxy: the scheme is one of http, https, socks4, socks4a, socks5, socks5h\n")
    }

    func testFTPListGoesThroughTheProxysTunnel() throws {
        let proxy = try proxy(credentials: ("anna", "secret"))
        let ftp = try FTPTestServer(root: FTPFixture.root)
        defer { ftp.stop() }
        let result = try Harness.swnet(["ftp-list", "--names", "-x", proxy.url(), "--proxy-user", "anna:secret", ftp.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(Set(result.text.split(separator: "\n").map(String.init)), Set(FTPFixture.names))
        // The proxy was in the way: without its login, no listing.
        let refused = try Harness.swnet(["ftp-list", "--names", "-x", proxy.url(), ftp.url])
        XCTAssertEqual(refused.status, 7, refused.stderr)
        XCTAssertEqual(refused.text, "")
    }
}
