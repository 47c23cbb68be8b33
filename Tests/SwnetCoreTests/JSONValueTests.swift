import Foundation
import XCTest
@testable import SwnetCore

final class JSONValueTests: XCTestCase {
    /// Parses `text` with Foundation, failing the test when it is not JSON.
    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    private func roundTrip(_ string: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let rendered = JSONValue.array([.string(string)]).rendered
        let parsed = try XCTUnwrap(try parse(rendered) as? [String], file: file, line: line)
        XCTAssertEqual(parsed, [string], "rendered as \(rendered)", file: file, line: line)
    }

    func testScalars() {
        XCTAssertEqual(JSONValue.null.rendered, "null")
        XCTAssertEqual(JSONValue.bool(true).rendered, "true")
        XCTAssertEqual(JSONValue.bool(false).rendered, "false")
        XCTAssertEqual(JSONValue.int(42).rendered, "42")
        XCTAssertEqual(JSONValue.int(-7).rendered, "-7")
        XCTAssertEqual(JSONValue.string("").rendered, "\"\"")
        XCTAssertEqual(JSONValue.array([]).rendered, "[]")
        XCTAssertEqual(JSONValue.object([]).rendered, "{}")
    }

    func testEscapesQuotesAndBackslash() throws {
        XCTAssertEqual(JSONValue.string("a\"b\\c").rendered, #""a\"b\\c""#)
        try roundTrip("say \"hi\" \\ there")
        try roundTrip("C:\\path\\\"quoted\"")
    }

    func testEscapesControlCharacters() throws {
        XCTAssertEqual(JSONValue.string("a\nb\rc\td").rendered, #""a\nb\rc\td""#)
        XCTAssertEqual(JSONValue.string("\u{01}").rendered, #""\u0001""#)
        XCTAssertEqual(JSONValue.string("\u{1B}[0m").rendered, #""\u001b[0m""#)
        XCTAssertEqual(JSONValue.string("\u{1F}").rendered, #""\u001f""#)
        XCTAssertEqual(JSONValue.string("\u{00}").rendered, #""\u0000""#)
        XCTAssertEqual(JSONValue.string("\u{08}\u{0C}").rendered.count, 14)  // each as \u00XX
        // No raw control character survives.
        let all = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar($0)! }))
        let rendered = JSONValue.string(all).rendered
        XCTAssertFalse(rendered.unicodeScalars.contains { $0.value < 0x20 }, rendered)
        try roundTrip(all)
    }

    func testKeepsNonASCII() throws {
        XCTAssertEqual(JSONValue.string("héllo wörld ✓ 🚀 日本").rendered, "\"héllo wörld ✓ 🚀 日本\"")
        try roundTrip("héllo wörld ✓ 🚀 日本 \u{2028}")
        try roundTrip("\u{7F}")
    }

    func testObjectKeepsKeyOrder() throws {
        let document = JSONValue.object([("zeta", .int(1)), ("alpha", .int(2)), ("mid", .object([("y", .null), ("b", .bool(true))]))])
        XCTAssertEqual(document.rendered, #"{"zeta":1,"alpha":2,"mid":{"y":null,"b":true}}"#)
        let parsed = try XCTUnwrap(try parse(document.rendered) as? [String: Any])
        XCTAssertEqual(parsed["zeta"] as? Int, 1)
        XCTAssertEqual(parsed["alpha"] as? Int, 2)
        let mid = try XCTUnwrap(parsed["mid"] as? [String: Any])
        XCTAssertTrue(mid["y"] is NSNull)
        XCTAssertEqual(mid["b"] as? Bool, true)
    }

    func testKeysAreEscaped() throws {
        let document = JSONValue.object([("a\"b\n", .string("v"))])
        let parsed = try XCTUnwrap(try parse(document.rendered) as? [String: String])
        XCTAssertEqual(parsed, ["a\"b\n": "v"])
    }

    func testDoubles() throws {
        XCTAssertEqual(JSONValue.double(0.4).rendered, "0.4")
        XCTAssertEqual(JSONValue.double(1.25).rendered, "1.25")
        XCTAssertEqual(JSONValue.double(-2.5).rendered, "-2.5")
        XCTAssertEqual(JSONValue.double(3.0).rendered, "3")
        XCTAssertEqual(JSONValue.double(0).rendered, "0")
        XCTAssertEqual(JSONValue.double(-0.0).rendered, "0")
        XCTAssertEqual(JSONValue.double(-12.0).rendered, "-12")
        XCTAssertEqual(JSONValue.double(123456789012345).rendered, "123456789012345")
        for value in [0.4, 1.0 / 3.0, 1e15, 1e20, -1e300, 5e-324, 0.1 + 0.2, 123456.789] {
            let rendered = JSONValue.array([.double(value)]).rendered
            // Valid JSON (Foundation on Linux may lose the last digit, so compare loosely there)...
            let parsed = try XCTUnwrap(try parse(rendered) as? [NSNumber], rendered)
            XCTAssertEqual(try XCTUnwrap(parsed.first?.doubleValue), value, accuracy: abs(value) * 1e-15, rendered)
            // ...and exact: the text reads back as the same Double.
            XCTAssertEqual(Double(String(rendered.dropFirst().dropLast())), value, rendered)
        }
    }

    func testNonFiniteIsNull() throws {
        XCTAssertEqual(JSONValue.double(.nan).rendered, "null")
        XCTAssertEqual(JSONValue.double(.infinity).rendered, "null")
        XCTAssertEqual(JSONValue.double(-.infinity).rendered, "null")
        let parsed = try XCTUnwrap(try parse(JSONValue.array([.double(.nan)]).rendered) as? [Any])
        XCTAssertTrue(parsed.first is NSNull)
    }

    func testMilliseconds() {
        XCTAssertEqual(JSONValue.milliseconds(1.23456).rendered, "1.235")
        XCTAssertEqual(JSONValue.milliseconds(2.0).rendered, "2")
        XCTAssertEqual(JSONValue.milliseconds(0.0004).rendered, "0")
    }

    func testNestedDocumentParsesBack() throws {
        let document = JSONValue.object([
            ("event", .string("listening")),
            ("ports", .array([.int(7), .int(13)])),
            ("ratio", .double(0.4)),
            ("ok", .bool(false)),
            ("none", .null),
            ("text", .string("tab\there \"q\" \u{02}")),
        ])
        let parsed = try XCTUnwrap(try parse(document.rendered) as? [String: Any])
        XCTAssertEqual(parsed["event"] as? String, "listening")
        XCTAssertEqual(parsed["ports"] as? [Int], [7, 13])
        XCTAssertEqual((parsed["ratio"] as? NSNumber)?.doubleValue, 0.4)
        XCTAssertEqual(parsed["ok"] as? Bool, false)
        XCTAssertTrue(parsed["none"] is NSNull)
        XCTAssertEqual(parsed["text"] as? String, "tab\there \"q\" \u{02}")
        XCTAssertFalse(document.rendered.contains("\n"), "the compact form is one line")
    }
}
