import SwnetTransfer
import XCTest

final class PercentEncodingTests: XCTestCase {
    func testValidEscapesAreDecodedAndOthersKept() {
        XCTAssertEqual(PercentEncoding.decoded("a%20b%3a%C3%A9"), "a b:é")
        XCTAssertEqual(PercentEncoding.decoded("100%"), "100%")
        XCTAssertEqual(PercentEncoding.decoded("%zz"), "%zz")
        XCTAssertEqual(PercentEncoding.decoded("%4"), "%4")
        XCTAssertEqual(PercentEncoding.decoded("%41%42"), "AB")
    }
}
