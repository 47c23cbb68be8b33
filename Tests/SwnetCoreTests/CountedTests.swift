import XCTest
import SwnetCore

final class CountedTests: XCTestCase {
    func testOneIsSingularEveryOtherCountPlural() {
        XCTAssertEqual(counted(1, "client"), "1 client")
        XCTAssertEqual(counted(0, "client"), "0 clients")
        XCTAssertEqual(counted(2, "port"), "2 ports")
        XCTAssertEqual(counted(1, "open connection"), "1 open connection")
        XCTAssertEqual(counted(3, "reply", plural: "replies"), "3 replies")
    }
}
