import Foundation
import XCTest
@testable import SwnetCommands

/// Base64, quoted-printable, RFC 2047 words and header folding on their own.
final class MailEncodingTests: XCTestCase {
    func testBase64MatchesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors { XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded, plain) }
        for count in [0, 1, 2, 56, 57, 58, 1000] {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255) }
            XCTAssertEqual(Base64.encode(bytes), Data(bytes).base64EncodedString())
            let lines = String(decoding: Base64.lines(bytes), as: UTF8.self)
            XCTAssertEqual(lines, count == 0 ? "" : Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]) + "\r\n")
        }
    }

    func testQuotedPrintableRules() {
        func encode(_ text: String) -> String { String(decoding: QuotedPrintable.encode(Array(text.utf8)), as: UTF8.self) }
        XCTAssertEqual(encode("a=b\r\n"), "a=3Db\r\n")
        XCTAssertEqual(encode("trailing space \r\ntab\t\r\n"), "trailing space=20\r\ntab=09\r\n", "white space before a line end is encoded")
        XCTAssertEqual(encode("in the middle ok"), "in the middle ok")
        XCTAssertEqual(encode("Grüße"), "Gr=C3=BC=C3=9Fe")
        XCTAssertEqual(encode(".dot\r\n"), ".dot\r\n")
        let long = String(repeating: "abcdefghij", count: 30) + "é"
        let encoded = encode(long + "\r\n")
        for line in encoded.components(separatedBy: "\r\n") { XCTAssertLessThanOrEqual(line.count, 76, line) }
        XCTAssertEqual(MailDecode.quotedPrintable(encoded), Array((long + "\r\n").utf8))
        // An encoded byte never straddles a soft break.
        let equals = String(repeating: "=", count: 100)
        let lines = encode(equals).components(separatedBy: "=\r\n")
        XCTAssertTrue(lines.allSatisfy { $0.count % 3 == 0 && $0.count <= 75 }, "\(lines)")
        XCTAssertEqual(MailDecode.quotedPrintable(encode(equals)), Array(equals.utf8))
    }

    func testLineEndsBecomeCRLF() {
        XCTAssertEqual(TextLines.crlf(Array("a\nb\r\nc\rd".utf8)), Array("a\r\nb\r\nc\r\nd\r\n".utf8))
        XCTAssertEqual(TextLines.crlf([]), [])
        XCTAssertEqual(TextLines.crlf(Array("\n\n".utf8)), Array("\r\n\r\n".utf8))
        XCTAssertEqual(TextLines.split(Array("a\r\n\r\nb".utf8)).map { Array($0) }, [Array("a".utf8), [], Array("b".utf8)])
    }

    func testEncodedWordsKeepCharactersWhole() {
        let text = String(repeating: "ä€𝄞👩‍👩‍👧", count: 20)
        let words = EncodedWord.encode(text)
        XCTAssertGreaterThan(words.count, 5)
        for word in words {
            XCTAssertLessThanOrEqual(word.count, 75, word)
            let payload = String(word.dropFirst(10).dropLast(2))
            XCTAssertNotNil(String(data: Data(base64Encoded: payload)!, encoding: .utf8), word)
        }
        XCTAssertEqual(MailDecode.words(words.joined(separator: " ")), text)
        XCTAssertFalse(EncodedWord.isNeeded(for: "Plain subject: (ok) [yes]"))
        XCTAssertTrue(EncodedWord.isNeeded(for: "é"))
        XCTAssertTrue(EncodedWord.isNeeded(for: "bell \u{7}"))
    }

    func testFoldingOnlyAtSpacesAndOnlyWhenNeeded() {
        XCTAssertEqual(HeaderField("Subject", "short").folded, "Subject: short")
        let value = (1...30).map { "w\($0)" }.joined(separator: " ")
        let folded = HeaderField("Subject", value).folded
        XCTAssertTrue(folded.contains("\r\n "))
        XCTAssertEqual(folded.replacingOccurrences(of: "\r\n", with: ""), "Subject: " + value)
        for line in folded.components(separatedBy: "\r\n") { XCTAssertLessThanOrEqual(line.count, 76) }
        // A word longer than a line stays whole on its own line.
        let url = "https://example.com/" + String(repeating: "p", count: 100)
        let withURL = HeaderField("X-Link", "see " + url + " now").folded
        XCTAssertEqual(withURL, "X-Link: see\r\n " + url + "\r\n now")
    }
}
