import XCTest
@testable import SwnetCore

final class ByteSizeTests: XCTestCase {
    func testParses() {
        XCTAssertEqual(ByteSize.parse("512"), 512)
        XCTAssertEqual(ByteSize.parse("0"), 0)
        XCTAssertEqual(ByteSize.parse("64K"), 65536)
        XCTAssertEqual(ByteSize.parse("64k"), 65536)
        XCTAssertEqual(ByteSize.parse("1M"), 1_048_576)
        XCTAssertEqual(ByteSize.parse("1m"), 1_048_576)
        XCTAssertEqual(ByteSize.parse("2G"), 2_147_483_648)
        XCTAssertEqual(ByteSize.parse("1KiB"), 1024)
        XCTAssertEqual(ByteSize.parse("1kB"), 1024)
        XCTAssertEqual(ByteSize.parse("1KB"), 1024)
        XCTAssertEqual(ByteSize.parse("3MiB"), 3 << 20)
        XCTAssertEqual(ByteSize.parse("100B"), 100)
    }

    func testRejectsMalformed() {
        for text in ["", "K", "B", "iB", "KiB", "-1", "-1K", "1T", "1.5K", "+1", "1 K", " 1", "1Ki", "abc", "1KK", "K1", "١K"] {
            XCTAssertNil(ByteSize.parse(text), "'\(text)' should not parse")
        }
    }

    func testRejectsOverflow() {
        XCTAssertNil(ByteSize.parse("9223372036854775807G"))
        XCTAssertNil(ByteSize.parse("8589934592G"))          // 2^33 * 2^30 = 2^63
        XCTAssertNil(ByteSize.parse("99999999999999999999"))  // beyond Int
        XCTAssertEqual(ByteSize.parse("8589934591G"), (8_589_934_591 as Int) << 30)
        XCTAssertEqual(ByteSize.parse("9223372036854775807"), Int.max)
    }
}
