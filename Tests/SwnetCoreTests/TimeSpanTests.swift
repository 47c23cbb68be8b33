import XCTest
@testable import SwnetCore

final class TimeSpanTests: XCTestCase {
    func testParsesUnits() {
        XCTAssertEqual(TimeSpan.parse("250ms"), .milliseconds(250))
        XCTAssertEqual(TimeSpan.parse("2s"), .seconds(2))
        XCTAssertEqual(TimeSpan.parse("1.5m"), .seconds(90))
        XCTAssertEqual(TimeSpan.parse("1h"), .seconds(3600))
        XCTAssertEqual(TimeSpan.parse("500us"), .microseconds(500))
        XCTAssertEqual(TimeSpan.parse("0.1s"), .milliseconds(100))
        XCTAssertEqual(TimeSpan.parse("10m"), .seconds(600))
        XCTAssertEqual(TimeSpan.parse("30d"), .seconds(30 * 86400))
        XCTAssertEqual(TimeSpan.parse("0.5d"), .seconds(43200))
    }

    func testBareNumberIsSeconds() {
        XCTAssertEqual(TimeSpan.parse("3"), .seconds(3))
        XCTAssertEqual(TimeSpan.parse("0.5"), .milliseconds(500))
        XCTAssertEqual(TimeSpan.parse("0"), .zero)
        XCTAssertEqual(TimeSpan.parse("0s"), .zero)
        XCTAssertEqual(TimeSpan.parse("0ms"), .zero)
    }

    func testRejectsMalformed() {
        for text in ["", "-1s", "-1", "abc", "1x", "1.2.3s", "s", "ms", ".", "1e3", "1S", " 1s", "1s ", "1 s", "inf", "nan", "+1s", "1sm", "١s"] {
            XCTAssertNil(TimeSpan.parse(text), "'\(text)' should not parse")
        }
    }

    func testRejectsOverflow() {
        XCTAssertNil(TimeSpan.parse("10000000000s"))            // 1e19 ns > Int64.max
        XCTAssertNil(TimeSpan.parse("99999999999999999999h"))
        XCTAssertNil(TimeSpan.parse(String(repeating: "9", count: 400)))  // Double is infinite
        XCTAssertEqual(TimeSpan.parse("3000000000s"), .seconds(3_000_000_000))  // 3e18 ns still fits
    }

    func testFormat() {
        XCTAssertEqual(TimeSpan.format(.milliseconds(250)), "250ms")
        XCTAssertEqual(TimeSpan.format(.seconds(2)), "2s")
        XCTAssertEqual(TimeSpan.format(.seconds(30 * 86400)), "30d")
        XCTAssertEqual(TimeSpan.format(.seconds(36 * 3600)), "36h")
        XCTAssertEqual(TimeSpan.format(.milliseconds(1500)), "1.5s")
        XCTAssertEqual(TimeSpan.format(.seconds(90)), "90s")
        XCTAssertEqual(TimeSpan.format(.seconds(120)), "2m")
        XCTAssertEqual(TimeSpan.format(.seconds(3600)), "1h")
        XCTAssertEqual(TimeSpan.format(.seconds(7200)), "2h")
        XCTAssertEqual(TimeSpan.format(.seconds(5400)), "90m")
        XCTAssertEqual(TimeSpan.format(.zero), "0ms")
        XCTAssertEqual(TimeSpan.format(.microseconds(500)), "0.5ms")
    }

    func testFormatReadsBack() {
        let durations: [Duration] = [.zero, .milliseconds(1), .milliseconds(250), .milliseconds(999), .seconds(1), .milliseconds(1500),
                                     .seconds(59), .seconds(60), .seconds(90), .seconds(3600), .seconds(5400), .seconds(86400),
                                     .microseconds(500), .milliseconds(12345)]
        for duration in durations {
            let text = TimeSpan.format(duration)
            XCTAssertEqual(TimeSpan.parse(text), duration, "format gave '\(text)' for \(duration)")
        }
    }

    func testMilliseconds() {
        XCTAssertEqual(Duration.milliseconds(250).milliseconds, 250, accuracy: 1e-9)
        XCTAssertEqual(Duration.seconds(2).milliseconds, 2000, accuracy: 1e-9)
        XCTAssertEqual(Duration.microseconds(1500).milliseconds, 1.5, accuracy: 1e-9)
    }
}
