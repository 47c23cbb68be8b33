import SwnetCore
import XCTest

final class MonotonicClockTests: XCTestCase {
    func testMovesForwardAndDoesArithmetic() {
        let start = MonotonicClock.now
        let later = start + .seconds(2)
        XCTAssertLessThan(start, later)
        XCTAssertEqual(later - start, .seconds(2))
        XCTAssertEqual(later - .seconds(2), start)
        XCTAssertGreaterThanOrEqual(MonotonicClock.now, start)
    }
}
