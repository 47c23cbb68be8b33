import Foundation
import XCTest

/// `swnet http-get` when things go wrong: retries, timeouts, refused and
/// unresolvable servers, and TLS with a certificate the test makes.
final class HTTPFailureTests: HTTPTestCase {
    /// The arrival times of the requests for `/flaky/KEY`.
    func arrivals(_ key: String) throws -> [Double] {
        try server.fetch("/times/\(key)").split(separator: "\n").compactMap { Double($0) }
    }

    func testRetryGetsThroughTwo503s() throws {
        let url = server.url("/flaky/plain?fails=2")
        let result = try get(["--retry", "3", "--retry-delay", "100ms", url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "finally\n", "the bodies of the 503s are not written")
        XCTAssertEqual(result.stderr, """
            swnet: http-get: \(url): server answered 503 Service Unavailable; retry 1 of 3 in 100ms
            swnet: http-get: \(url): server answered 503 Service Unavailable; retry 2 of 3 in 200ms

            """)
        let times = try arrivals("plain")
        XCTAssertEqual(times.count, 3)
        XCTAssertGreaterThanOrEqual(times[2] - times[1], 0.18, "the delay doubles: \(times)")
    }

    func testRetryAfterInSecondsIsHonoured() throws {
        let result = try get(["--retry", "2", "--retry-delay", "10ms", server.url("/flaky/seconds?fails=2&after=1")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "finally\n")
        XCTAssertTrue(result.stderr.contains("retry 1 of 2 in 1s"), result.stderr)
        let times = try arrivals("seconds")
        XCTAssertEqual(times.count, 3)
        XCTAssertGreaterThanOrEqual(times[1] - times[0], 0.95, "Retry-After: 1 wins over --retry-delay 10ms: \(times)")
        XCTAssertGreaterThanOrEqual(times[2] - times[1], 0.95, "\(times)")
    }

    func testRetryAfterAsAnHTTPDateIsHonoured() throws {
        let result = try get(["--retry", "1", "--retry-delay", "10ms", server.url("/flaky/date?fails=1&after=date")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "finally\n")
        let times = try arrivals("date")
        XCTAssertEqual(times.count, 2)
        // The date is 2 s ahead, in whole seconds: the wait is 1 to 2 s.
        XCTAssertGreaterThanOrEqual(times[1] - times[0], 0.9, "\(times)")
    }

    func testRetriesRunOutAndTheLastAnswerIsTheResult() throws {
        let url = server.url("/flaky/never?fails=9")
        let result = try get(["--retry", "1", "--retry-delay", "50ms", url])
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertEqual(result.text, "try later\n", "the final answer's body is written")
        XCTAssertTrue(result.stderr.hasSuffix("swnet: http-get: \(url): server answered 503 Service Unavailable\n"), result.stderr)
        XCTAssertEqual(try arrivals("never").count, 2)
    }

    func testARetryAfterAStallResumesWithContinue() throws {
        let bytes = Self.randomBytes(1 << 20)
        try server.serve(bytes, as: "data.bin")
        // The first answer stops after 100000 bytes and says nothing more; the retry asks for the rest.
        let result = try get(["-C", "-o", path("data.bin"), "--retry", "1", "--retry-delay", "10ms", "--idle-timeout", "500ms",
                              server.url("/stall/data.bin?after=100000")], limit: 20)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("no data for 500ms (--idle-timeout); retry 1 of 1"), result.stderr)
        XCTAssertEqual(contents("data.bin"), bytes)

        // Without -C the retry starts over, and the file is replaced, not appended to.
        let again = try get(["-o", path("fresh.bin"), "--retry", "1", "--retry-delay", "10ms", "--idle-timeout", "500ms",
                             server.url("/stall/data.bin?after=100000")], limit: 20)
        XCTAssertEqual(again.status, 5, "no Range, so the retry stalls too: \(again.stderr)")
        XCTAssertEqual(contents("fresh.bin")?.count, 100000, "the second attempt's bytes only")
    }

    func testPermanentFailuresAreNotRetried() throws {
        let missing = try get(["--retry", "3", "--retry-delay", "10ms", server.url("/status/404")])
        XCTAssertEqual(missing.status, 8)
        XCTAssertFalse(missing.stderr.contains("retry"), missing.stderr)
        let unresolvable = try get(["--retry", "3", "--retry-delay", "10ms", "http://name.invalid/"])
        XCTAssertEqual(unresolvable.status, 3)
        XCTAssertFalse(unresolvable.stderr.contains("retry"), unresolvable.stderr)
    }

    func testRefusedExits4AndIsRetried() throws {
        let port = Harness.freePort()
        let url = "http://127.0.0.1:\(port)/x"
        let result = try get([url])
        XCTAssertEqual(result.status, 4)
        XCTAssertEqual(result.stderr, "swnet: http-get: \(url): 127.0.0.1:\(port)/tcp: connection refused\n")

        let retried = try get(["--retry", "2", "--retry-delay", "20ms", url])
        XCTAssertEqual(retried.status, 4)
        XCTAssertEqual(retried.stderr.components(separatedBy: "; retry ").count, 3, retried.stderr)
    }

    func testUnresolvableNameExits3() throws {
        let result = try get(["http://name.invalid/"])
        XCTAssertEqual(result.status, 3)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: http-get: http://name.invalid/: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("name.invalid"), result.stderr)
    }

    func testSilentListenerTimesOut() throws {
        // Connects complete in the kernel's queue, and nobody ever answers.
        let (listener, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        defer { close(listener) }
        listen(listener, 16)
        let url = "http://127.0.0.1:\(port)/"

        var start = Date()
        let total = try get(["--max-time", "1s", url], limit: 10)
        XCTAssertEqual(total.status, 5, total.stderr)
        XCTAssertTrue(total.stderr.contains("gave up after 1s (--max-time)"), total.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)

        start = Date()
        let idle = try get(["--idle-timeout", "700ms", url], limit: 10)
        XCTAssertEqual(idle.status, 5, idle.stderr)
        XCTAssertEqual(idle.stderr, "swnet: http-get: \(url): no data for 700ms (--idle-timeout)\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.5)

        // --max-time bounds the retries too: once it has run out, nothing is retried.
        let retried = try get(["--retry", "1", "--retry-delay", "10ms", "--max-time", "300ms", url], limit: 10)
        XCTAssertEqual(retried.status, 5, retried.stderr)
        XCTAssertTrue(retried.stderr.contains("(not retried: waiting 10ms would pass --max-time)"), retried.stderr)
        let perAttempt = try get(["--retry", "1", "--retry-delay", "10ms", "--connect-timeout", "5s", "--idle-timeout", "300ms", url], limit: 10)
        XCTAssertEqual(perAttempt.status, 5, perAttempt.stderr)
        XCTAssertTrue(perAttempt.stderr.contains("retry 1 of 1"), perAttempt.stderr)
    }

    func testConnectTimeoutAgainstAFullAcceptQueue() throws {
        let hole = try BlackHole()
        let start = Date()
        let result = try get(["--connect-timeout", "500ms", "http://127.0.0.1:\(hole.port)/"], limit: 10)
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
    }

    func testOneFailedURLAmongGoodOnesExits9() throws {
        let refused = "http://127.0.0.1:\(Harness.refusedPort())/"
        let result = try get(["-o", path("a"), "-o", path("b"), server.url("/hello"), refused])
        XCTAssertEqual(result.status, 9, result.stderr)
        XCTAssertEqual(contents("a"), Data("hello\n".utf8))
        XCTAssertTrue(result.stderr.contains("\(refused): 127.0.0.1:"), result.stderr)
        XCTAssertTrue(result.stderr.hasSuffix("swnet: http-get: 1 of 2 URLs failed\n"), result.stderr)

        let allFailed = try get([refused, "http://name.invalid/"])
        XCTAssertEqual(allFailed.status, 4, "all failed: the first failure's code")
    }

    // MARK: TLS

    func testTLSVerificationCACertAndInsecure() throws {
        let (certificate, key) = try HTTPTestServer.makeCertificate(in: folder)
        let tls = try HTTPTestServer(certificate: certificate, key: key)
        defer { tls.stop() }
        let url = tls.url("/hello")

        let unverified = try get([url])
        XCTAssertEqual(unverified.status, 6, unverified.stderr)
        XCTAssertTrue(unverified.stderr.hasPrefix("swnet: http-get: \(url): "), unverified.stderr)
        XCTAssertTrue(unverified.stderr.lowercased().contains("certificate"), unverified.stderr)
        XCTAssertEqual(unverified.text, "")

        let trusted = try get(["--cacert", certificate, url])
        XCTAssertEqual(trusted.status, 0, trusted.stderr)
        XCTAssertEqual(trusted.text, "hello\n")

        let insecure = try get(["-k", url])
        XCTAssertEqual(insecure.status, 0, insecure.stderr)
        XCTAssertEqual(insecure.text, "hello\n")

        let json = try get(["--json", "--cacert", certificate, url]).json()
        let time = try XCTUnwrap(json["time"] as? [String: Any])
        XCTAssertNotNil(time["tls"] as? Double, "the handshake is timed: \(time)")

        // A file that cannot be read is a local error (exit 10), named in the message.
        let missingCA = try get(["--cacert", path("no-such.pem"), url])
        XCTAssertEqual(missingCA.status, 10, missingCA.stderr)
        XCTAssertTrue(missingCA.stderr.contains("no-such.pem: cannot read the CA certificates (--cacert)"), missingCA.stderr)
    }
}
