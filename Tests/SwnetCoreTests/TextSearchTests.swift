import SwnetCore
import XCTest

final class TextSearchTests: XCTestCase {
    func testFindsTheFirstOccurrence() {
        let url = "ftp://user@host/a://b"
        let found = url.find("://")
        XCTAssertEqual(found.map { url.distance(from: url.startIndex, to: $0.lowerBound) }, 3)
        XCTAssertEqual(found.map { String(url[$0.upperBound...]) }, "user@host/a://b")
        XCTAssertNil(url.find("//x"))
        XCTAssertNil("ab".find("abc"), "a needle longer than the text")
        XCTAssertEqual("aab".find("ab").map { "aab".distance(from: "aab".startIndex, to: $0.lowerBound) }, 1,
                       "a false start does not hide the match that overlaps it")
    }

    func testFindsTheLastOccurrence() {
        let line = "name [x] -> [target]"
        let last = line.findLast(" [")
        XCTAssertEqual(last.map { String(line[$0.upperBound...]) }, "target]")
        XCTAssertNil(line.findLast("]]"))
        XCTAssertEqual("aaaa".findLast("aa").map { "aaaa".distance(from: "aaaa".startIndex, to: $0.lowerBound) }, 2)
    }

    func testWorksOnSubstringsAndComparesCharacters() {
        let text = "xx; size=1; name"
        let tail = text.dropFirst(2)
        XCTAssertEqual(tail.find("; ").map { String(tail[$0.upperBound...]) }, "size=1; name")
        XCTAssertTrue("alert unknown ca".includes("unknown"))
        XCTAssertFalse("alert unknown ca".includes("Unknown"))
        // "e" + combining acute is one character: it does not contain a bare "e" followed by a space.
        XCTAssertFalse("caf\u{65}\u{301} bar".includes("e "))
    }
}
