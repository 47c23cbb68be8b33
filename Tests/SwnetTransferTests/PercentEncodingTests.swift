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

    func testEncodingKeepsOnlyUnreservedCharacters() {
        XCTAssertEqual(PercentEncoding.encoded("anna"), "anna")
        XCTAssertEqual(PercentEncoding.encoded("a.b-c_d~e"), "a.b-c_d~e")
        XCTAssertEqual(PercentEncoding.encoded("anna@example.com:x/y é"), "anna%40example.com%3Ax%2Fy%20%C3%A9")
        XCTAssertEqual(PercentEncoding.decoded(Substring(PercentEncoding.encoded("a:b@c%d"))), "a:b@c%d")
    }
}
