import SwnetCore
@testable import SwnetCommands
import XCTest

/// `--retry`: what is transient, the backoff, and Retry-After in both forms.
final class HTTPRetryTests: XCTestCase {
    /// 2026-11-21 12:00:00 UTC.
    let now: Int64 = 1_795_262_400

    func testHTTPDatesInAllThreeForms() {
        // RFC 9110's own example, 784111777 in Unix time, in its three spellings.
        XCTAssertEqual(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777)
        XCTAssertEqual(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784_111_777)
        XCTAssertEqual(HTTPDate.parse("Sun Nov  6 08:49:37 1994"), 784_111_777)
        XCTAssertEqual(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0)
        XCTAssertEqual(HTTPDate.parse("Sat, 21 Nov 2026 12:00:00 GMT"), now)
        XCTAssertEqual(HTTPDate.parse("Tue, 29 Feb 2028 23:59:60 GMT"), 1_835_481_600)
        XCTAssertNil(HTTPDate.parse("Sun, 06 Foo 1994 08:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun, 32 Nov 1994 08:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun, 06 Nov 1994 25:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun, 06 Nov 1994 08:49 GMT"))
        XCTAssertNil(HTTPDate.parse("tomorrow"))
    }

    func testRetryAfterSecondsOrDate() {
        XCTAssertEqual(RetryAfter.parse("120", now: now), .seconds(120))
        XCTAssertEqual(RetryAfter.parse(" 0 ", now: now), .zero)
        XCTAssertEqual(RetryAfter.parse("Sat, 21 Nov 2026 12:00:05 GMT", now: now), .seconds(5))
        XCTAssertEqual(RetryAfter.parse("Sat, 21 Nov 2026 11:00:00 GMT", now: now), .zero, "a date in the past is no wait")
        XCTAssertNotNil(RetryAfter.parse("99999999999999999999999", now: now), "absurdly large is still a wait (clamped later)")
        XCTAssertNil(RetryAfter.parse("-5", now: now))
        XCTAssertNil(RetryAfter.parse("1.5", now: now))
        XCTAssertNil(RetryAfter.parse("", now: now))
        XCTAssertNil(RetryAfter.parse("soon", now: now))
    }

    func testBackoffDoublesUpToTenMinutesAndRetryAfterWins() {
        let policy = RetryPolicy(retries: 20, delay: .seconds(1))
        XCTAssertEqual(policy.wait(beforeRetry: 1), .seconds(1))
        XCTAssertEqual(policy.wait(beforeRetry: 2), .seconds(2))
        XCTAssertEqual(policy.wait(beforeRetry: 3), .seconds(4))
        XCTAssertEqual(policy.wait(beforeRetry: 10), .seconds(512))
        XCTAssertEqual(policy.wait(beforeRetry: 11), .seconds(600))
        XCTAssertEqual(policy.wait(beforeRetry: 1000), .seconds(600))
        XCTAssertEqual(policy.wait(beforeRetry: 3, retryAfter: .seconds(1)), .seconds(1), "the server's word wins, even when shorter")
        XCTAssertEqual(policy.wait(beforeRetry: 1, retryAfter: .seconds(86400)), .seconds(600), "at most 10 minutes")
        XCTAssertEqual(RetryPolicy(retries: 1, delay: .milliseconds(250)).wait(beforeRetry: 2), .milliseconds(500))
    }

    func testHowManyAttempts() {
        let policy = RetryPolicy(retries: 2, delay: .seconds(1))
        XCTAssertTrue(policy.allowsRetry(after: 1))
        XCTAssertTrue(policy.allowsRetry(after: 2))
        XCTAssertFalse(policy.allowsRetry(after: 3))
        XCTAssertFalse(RetryPolicy(retries: 0, delay: .seconds(1)).allowsRetry(after: 1))
    }

    func testOnlyTransientFailuresAreRetried() {
        for status in [408, 429, 500, 502, 503, 504] { XCTAssertTrue(RetryPolicy.isTransient(status: status), "\(status)") }
        for status in [200, 206, 301, 400, 401, 403, 404, 410, 416, 501, 505] { XCTAssertFalse(RetryPolicy.isTransient(status: status), "\(status)") }
        XCTAssertTrue(RetryPolicy.isTransient(SwnetError(.timeout, "timed out")))
        XCTAssertTrue(RetryPolicy.isTransient(SwnetError(.unreachable, "connection refused")))
        XCTAssertFalse(RetryPolicy.isTransient(SwnetError(.resolve, "could not resolve")))
        XCTAssertFalse(RetryPolicy.isTransient(SwnetError(.tls, "certificate")))
        XCTAssertFalse(RetryPolicy.isTransient(SwnetError(.local, "disk full")))
    }

    func testExitCodeOfSeveralURLs() {
        let refused = SwnetError(.unreachable, "refused"), missing = SwnetError(.serverError, "404")
        XCTAssertEqual(ExitCode.overall([nil, nil]), .success)
        XCTAssertEqual(ExitCode.overall([nil, missing]), .partial)
        XCTAssertEqual(ExitCode.overall([refused, missing]), .unreachable, "all failed: the first failure's code")
        XCTAssertEqual(ExitCode.overall([missing]), .serverError)
    }
}
