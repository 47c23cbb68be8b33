import SwnetCore
@testable import SwnetCommands
import XCTest

/// `serve daytime --format +STRFTIME`.
final class DaytimeFormatTests: XCTestCase {
    /// 2024-05-17T12:00:00Z.
    let noon: time_t = 1_715_947_200

    func testAPatternIsFormatted() throws {
        XCTAssertEqual(try DaytimeFormat("+%Y-%m-%d %H:%M", local: false).line(at: noon), "2024-05-17 12:00\r\n")
        XCTAssertEqual(try DaytimeFormat("+%p", local: false).line(at: noon), "PM\r\n")
    }

    /// Found by the daytime fuzz target: a text longer than strftime's
    /// 256-byte buffer came out as an empty line.
    func testALongTextIsSentWhole() throws {
        let found = [UInt8](repeating: 0xA5, count: 1) + [UInt8](repeating: 0xFF, count: 5) + [UInt8](repeating: 0xA5, count: 60)
            + [UInt8](repeating: 0xFF, count: 20) + [UInt8](repeating: 0xA5, count: 15) + [0x67]
        let pattern = String(decoding: found, as: UTF8.self)
        XCTAssertEqual(try DaytimeFormat("+" + pattern, local: false).line(at: noon), pattern + "\r\n")
        let long = String(repeating: "%Y", count: 1000)
        XCTAssertEqual(try DaytimeFormat("+" + long, local: false).line(at: noon), String(repeating: "2024", count: 1000) + "\r\n")
    }

    func testALineLongerThanTheLimitIsRefused() {
        for pattern in ["+%5000Y", "+" + String(repeating: "x", count: 5000), "+" + String(repeating: "%c", count: 400)] {
            XCTAssertThrowsError(try DaytimeFormat(pattern, local: false)) { error in
                XCTAssertEqual((error as? SwnetError)?.code, .usage)
                XCTAssertTrue((error as? SwnetError)?.reason.contains("longer than 4096 bytes") == true, "\(error)")
            }
        }
    }
}
