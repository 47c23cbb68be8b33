import Foundation
import XCTest

/// One exit code per failure kind, whatever phase it happens in: refused
/// credentials are 7 for http-get as for ftp-list and smtp-send, a redirect
/// loop is the server's error (8), and `--max-time` bounds the retries too.
final class ExitPhaseTests: HTTPTestCase {
    func testRefusedOrMissingCredentialsExit7() throws {
        let wrong = try get(["-u", "anna:guess", server.url("/auth")])
        XCTAssertEqual(wrong.status, 7, wrong.stderr)
        XCTAssertEqual(wrong.stderr, "swnet: http-get: \(server.url("/auth")): server answered 401 Unauthorized\n")
        let none = try get([server.url("/auth")])
        XCTAssertEqual(none.status, 7, none.stderr)
        let json = try get(["--json", "-u", "anna:guess", server.url("/auth")])
        XCTAssertEqual(json.status, 7)
        XCTAssertEqual((try json.json()["error"] as? [String: Any])?["kind"] as? String, "auth", json.text)
        // --no-fail still takes any answer.
        XCTAssertEqual(try get(["--no-fail", server.url("/auth")]).status, 0)
    }

    func testAProxyAskingForCredentialsExits7() throws {
        let proxy = try ProxyTestServer(credentials: ("anna", "secret"))
        defer { proxy.stop() }
        setenv("http_proxy", proxy.url(), 1)
        defer { unsetenv("http_proxy") }
        let refused = try get([server.url("/hello")])
        XCTAssertEqual(refused.status, 7, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("proxy answered 407"), refused.stderr)

        setenv("http_proxy", proxy.url(credentials: "anna:secret"), 1)
        let through = try get([server.url("/hello")])
        XCTAssertEqual(through.status, 0, through.stderr)
        XCTAssertEqual(through.text, "hello\n")
    }

    func testARedirectLoopIsTheServersError() throws {
        let result = try get([server.url("/loop")], limit: 20)
        XCTAssertEqual(result.status, 8, result.stderr)
        let json = try get(["--json", server.url("/loop")], limit: 20)
        XCTAssertEqual(json.status, 8)
        XCTAssertEqual((try json.json()["error"] as? [String: Any])?["kind"] as? String, "server", json.text)
    }

    func testMaxTimeWinsOverRetryAfter() throws {
        // Retry-After asks for a day (capped at 10 minutes); --max-time 3s must end it, not sleep.
        let url = server.url("/flaky/day?fails=5&after=86400")
        let result = try get(["--retry", "3", "--max-time", "3s", url], limit: 60)
        XCTAssertEqual(result.status, 8, "killed after 60 s, or another result: \(result.stderr)")
        XCTAssertEqual(result.text, "try later\n", "the final answer's body is written")
        XCTAssertEqual(result.stderr, "swnet: http-get: \(url): server answered 503 Service Unavailable (not retried: waiting 10m would pass --max-time)\n")
        XCTAssertEqual(try arrivals("day").count, 1)
    }

    func testRetriesStopWhereMaxTimeEnds() throws {
        let (listener, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        defer { close(listener) }
        listen(listener, 16)
        // Unbounded, 50 attempts of 1.5 s each would run past the 60 s limit.
        let result = try get(["--retry", "50", "--retry-delay", "10ms", "--max-time", "1500ms", "http://127.0.0.1:\(port)/"], limit: 60)
        XCTAssertEqual(result.status, 5, result.stderr)
        let retries = result.stderr.split(separator: "\n").filter { $0.contains("; retry ") }.count
        XCTAssertLessThanOrEqual(retries, 1, result.stderr)
    }

    private func arrivals(_ key: String) throws -> [Double] {
        try server.fetch("/times/\(key)").split(separator: "\n").compactMap { Double($0) }
    }
}
