import Foundation
import SwnetCore
import XCTest
@testable import SwnetCommands

/// The message builder: RFC 5322 headers, MIME structure, encodings.
final class MailMessageTests: XCTestCase {
    func testHeadersArePresentAndWellFormed() throws {
        let raw = try sampleMessage().rendered()
        let mail = ParsedMail(raw)
        XCTAssertEqual(mail.fields.map(\.name),
                       ["Date", "From", "To", "Cc", "Subject", "Message-ID", "User-Agent", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"])
        XCTAssertEqual(mail.field("Date"), "Tue, 14 Nov 2023 23:13:20 +0100")
        XCTAssertEqual(mail.field("From"), "Anna Example <anna@example.com>")
        XCTAssertEqual(mail.field("To"), "bob@example.com")
        XCTAssertEqual(mail.field("Cc"), "Carol <carol@example.com>")
        XCTAssertEqual(mail.field("Subject"), "Hello")
        XCTAssertEqual(mail.field("MIME-Version"), "1.0")
        XCTAssertEqual(mail.field("Content-Type"), "text/plain; charset=utf-8")
        XCTAssertEqual(mail.field("Content-Transfer-Encoding"), "7bit")
        for line in mail.headerLines {
            // A field starts with a name of printable ASCII and a colon, or continues a folded one.
            XCTAssertTrue(line.range(of: #"^([!-9;-~]+:|[ \t])"#, options: .regularExpression) != nil, line)
            XCTAssertTrue(line.utf8.allSatisfy { $0 < 128 }, "non-ASCII header line: \(line)")
            XCTAssertLessThanOrEqual(line.utf8.count, 78, line)
        }
        XCTAssertEqual(mail.body, "Hi Bob,\r\nsee you.\r\n")
        assertCRLFOnly(raw)
    }

    func testDateIsInRFC5322Form() {
        XCTAssertEqual(MailDate.format(0, utcOffset: 0), "Thu, 01 Jan 1970 00:00:00 +0000")
        XCTAssertEqual(MailDate.format(1_700_000_000, utcOffset: -7 * 3600), "Tue, 14 Nov 2023 15:13:20 -0700")
        XCTAssertEqual(MailDate.format(1_709_210_096, utcOffset: 5 * 3600 + 1800), "Thu, 29 Feb 2024 18:04:56 +0530")
        // The local zone, whatever it is, gives the same shape.
        let local = MailDate.format(time(nil))
        XCTAssertNotNil(local.range(of: #"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [+-][0-9]{4}$"#,
                                    options: .regularExpression), local)
    }

    func testMessageIDsAreUniqueAndWellFormed() {
        let ids = (0..<2000).map { _ in MessageID.make(domain: "Example.COM") }
        XCTAssertEqual(Set(ids).count, ids.count)
        for id in ids.prefix(50) {
            XCTAssertNotNil(id.range(of: #"^<[0-9]{14}\.[0-9a-z]+@example\.com>$"#, options: .regularExpression), id)
        }
        // No usable domain in the sender: this host's name, or localhost, still a dot-atom.
        for domain in [nil, "", "bad domain", "a..b", "[127.0.0.1]"] as [String?] {
            let id = MessageID.make(domain: domain)
            let right = String(id.dropFirst().dropLast().split(separator: "@").last!)
            XCTAssertTrue(MessageID.isDotAtom(right), id)
        }
        XCTAssertEqual(MailMessage(from: MailAddress("a@mail.example.net")).messageID.split(separator: "@").last, "mail.example.net>")
    }

    func testBccIsNeverInTheHeadersButInTheEnvelope() throws {
        var mail = sampleMessage()
        mail.messageID = "<fixed@example.org>"   // a random one may hold the letters "bcc"
        let raw = try mail.rendered()
        let text = String(decoding: raw, as: UTF8.self)
        XCTAssertFalse(text.lowercased().contains("bcc"), text)
        XCTAssertFalse(text.contains("hidden@example.org"), text)
        XCTAssertEqual(mail.recipients.map(\.address), ["bob@example.com", "carol@example.com", "hidden@example.org"])

        // Only hidden recipients: the To header says so without naming them.
        var hidden = MailMessage(from: MailAddress("a@example.com"))
        hidden.bcc = [MailAddress("x@example.com"), MailAddress("X@example.com")]
        hidden.messageID = "<fixed@example.org>"   // a random one may end in "x" and read "...x@example.com"
        let parsed = ParsedMail(try hidden.rendered())
        XCTAssertEqual(parsed.field("To"), "undisclosed-recipients:;")
        XCTAssertFalse(String(decoding: parsed.raw, as: UTF8.self).contains("x@example.com"))
        XCTAssertEqual(hidden.recipients.count, 1, "the same address twice is one recipient")

        var withHeader = sampleMessage()
        XCTAssertThrowsError(try withHeader.addHeader("Bcc: leak@example.com")) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .usage)
        }
    }

    func testNonASCIISubjectIsEncodedPerRFC2047() throws {
        var mail = sampleMessage()
        let subject = "Grüße aus Köln — 東京からこんにちは 🎉👩‍👩‍👧 und ein langer Rest, der gefaltet werden muss"
        mail.subject = subject
        let parsed = ParsedMail(try mail.rendered())
        let lines = parsed.headerLines.drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        XCTAssertGreaterThan(lines.count, 2, "a long subject is folded")
        for line in lines {
            XCTAssertLessThanOrEqual(line.count, 76, "RFC 2047 limits lines with encoded words to 76: \(line)")
            XCTAssertTrue(line.utf8.allSatisfy { $0 < 128 })
        }
        let value = try XCTUnwrap(parsed.field("Subject"))
        for word in value.split(separator: " ") {
            XCTAssertTrue(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="), String(word))
            XCTAssertLessThanOrEqual(word.count, 75)
            // Each word holds whole characters: it decodes alone as valid UTF-8.
            let payload = word.dropFirst(10).dropLast(2)
            XCTAssertNotNil(String(data: Data(base64Encoded: String(payload))!, encoding: .utf8), String(word))
        }
        XCTAssertEqual(MailDecode.words(value), subject)

        mail.subject = "plain ASCII"
        XCTAssertEqual(ParsedMail(try mail.rendered()).field("Subject"), "plain ASCII")
        mail.subject = "looks =?like?= a word"
        let tricky = try XCTUnwrap(ParsedMail(try mail.rendered()).field("Subject"))
        XCTAssertTrue(tricky.hasPrefix("=?UTF-8?B?"))
        XCTAssertEqual(MailDecode.words(tricky), "looks =?like?= a word")
    }

    func testLongHeadersAreFoldedAndUnfoldBackExactly() throws {
        var mail = sampleMessage()
        let subject = (1...40).map { "word\($0)" }.joined(separator: " ") + "  two  spaces"
        mail.subject = subject
        mail.to = (1...12).map { MailAddress("person\($0)@example.com", displayName: "Person \($0)") }
        let parsed = ParsedMail(try mail.rendered())
        for line in parsed.headerLines { XCTAssertLessThanOrEqual(line.count, 76, line) }
        XCTAssertEqual(parsed.field("Subject"), subject)
        XCTAssertEqual(parsed.field("To"), mail.to.map(\.headerText).joined(separator: ", "))
        XCTAssertFalse(parsed.headerLines.contains { $0.allSatisfy { $0 == " " } }, "no line of white space only")

        // A value with no space to fold at, beyond SMTP's 998: encoded words, which fold anywhere.
        let long = String(repeating: "x", count: 2500)
        try mail.addHeader("X-Long: " + long)
        let again = ParsedMail(try mail.rendered())
        for line in again.lines { XCTAssertLessThanOrEqual(line.utf8.count, 998) }
        XCTAssertEqual(MailDecode.words(try XCTUnwrap(again.field("X-Long"))), long)
    }

    func testAttachmentsAreBase64InLinesOf76() throws {
        var mail = sampleMessage()
        let bytes = (0..<10_000).map { _ in UInt8.random(in: 0...255) }
        mail.attachments = [MailMessage.Attachment(fileName: "photo.JPG", bytes: bytes),
                            MailMessage.Attachment(fileName: "notes.txt", bytes: Array("plain text\n".utf8))]
        mail.boundary = "BOUNDARY"
        let raw = try mail.rendered()
        assertCRLFOnly(raw)
        let parsed = ParsedMail(raw)
        XCTAssertEqual(parsed.field("Content-Type"), "multipart/mixed; boundary=\"BOUNDARY\"")
        let parts = parsed.body.components(separatedBy: "\r\n--BOUNDARY")
        XCTAssertEqual(parts.count, 5, "preamble, text, two files, and the close")
        XCTAssertEqual(parts.last, "--\r\n")

        let photo = ParsedMail(part: parts[2])
        XCTAssertEqual(photo.field("Content-Type"), "image/jpeg; name=\"photo.JPG\"")
        XCTAssertEqual(photo.field("Content-Disposition"), "attachment; filename=\"photo.JPG\"")
        XCTAssertEqual(photo.field("Content-Transfer-Encoding"), "base64")
        let lines = photo.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertTrue(lines.dropLast().allSatisfy { $0.count == 76 }, "every base64 line but the last is 76 long")
        XCTAssertLessThanOrEqual(lines.last!.count, 76)
        XCTAssertEqual(Data(base64Encoded: lines.joined()), Data(bytes))

        let notes = ParsedMail(part: parts[3])
        XCTAssertEqual(notes.field("Content-Type"), "text/plain; charset=utf-8; name=\"notes.txt\"")
        XCTAssertEqual(Data(base64Encoded: notes.body.replacingOccurrences(of: "\r\n", with: "")), Data("plain text\n".utf8))

        let text = ParsedMail(part: parts[1])
        XCTAssertEqual(text.field("Content-Type"), "text/plain; charset=utf-8")
        XCTAssertEqual(text.body, "Hi Bob,\r\nsee you.\r\n", "the text keeps its last line end: the delimiter's CRLF is extra")
    }

    func testRandomBoundaryIsQuotedAndAbsentFromTheParts() throws {
        var mail = sampleMessage()
        mail.attachments = [MailMessage.Attachment(fileName: "a.bin", bytes: [1, 2, 3])]
        let parsed = ParsedMail(try mail.rendered())
        let type = try XCTUnwrap(parsed.field("Content-Type"))
        let match = try XCTUnwrap(type.range(of: #"boundary="([^"]+)""#, options: .regularExpression))
        let boundary = String(type[match].dropFirst(10).dropLast())
        XCTAssertTrue(boundary.count >= 20 && boundary.count <= 70, boundary)
        XCTAssertEqual(parsed.body.components(separatedBy: "--" + boundary).count, 4)
        XCTAssertTrue(parsed.body.hasSuffix("\r\n--\(boundary)--\r\n"))
    }

    func testNonASCIIFileNamesUseRFC2231() throws {
        var mail = sampleMessage()
        mail.attachments = [MailMessage.Attachment(fileName: "Bericht März \"final\".pdf", bytes: [0])]
        mail.boundary = "B"
        let part = ParsedMail(part: ParsedMail(try mail.rendered()).body.components(separatedBy: "\r\n--B")[2])
        XCTAssertEqual(part.field("Content-Disposition"), "attachment; filename*=utf-8''Bericht%20M%C3%A4rz%20%22final%22.pdf")
        XCTAssertEqual(part.field("Content-Type"), "application/pdf; name*=utf-8''Bericht%20M%C3%A4rz%20%22final%22.pdf")
    }

    /// Found by the mail fuzz target: a file name longer than a line made
    /// a Content-Disposition (and a Content-Type) line of over 998 octets.
    func testALongFileNameGoesInRFC2231Continuations() throws {
        let x = { (count: Int) in [UInt8](repeating: UInt8(ascii: "x"), count: count) }
        let found = String(decoding: x(347) + [0, 0x20] + x(60) + Array("Bcc: x@exaxm".utf8) + x(138) + [UInt8(ascii: "X")] + x(546)
                           + [UInt8(ascii: "h")] + x(41) + [0x88, 0x87] + x(62), as: UTF8.self)
        let ascii = String(repeating: "report-", count: 150) + "final.txt"
        var mail = sampleMessage()
        mail.boundary = "B"
        mail.attachments = [MailMessage.Attachment(fileName: found, bytes: [1]), MailMessage.Attachment(fileName: ascii, bytes: [2])]
        let raw = try mail.rendered()
        let parsed = ParsedMail(raw)
        XCTAssertEqual(parsed.lines.filter { $0.utf8.count > 998 }.count, 0)
        assertCRLFOnly(raw)

        let parts = parsed.body.components(separatedBy: "\r\n--B").dropFirst(2).map { ParsedMail(part: $0) }
        for (part, name) in zip(parts, [found, ascii]) {
            let disposition = try XCTUnwrap(part.field("Content-Disposition"))
            XCTAssertTrue(disposition.hasPrefix("attachment; filename*0*=utf-8''"), disposition)
            let type = try XCTUnwrap(part.field("Content-Type"))
            XCTAssertTrue(type.contains("; name*0*=utf-8''") || type.contains("; name=\"=?UTF-8?B?"), type)
            for (value, attribute) in [(disposition, "filename"), (type, "name")] where value.contains(attribute + "*0*") {
                // The pieces in order, joined, are the ext-value of the whole name.
                let pieces = value.components(separatedBy: "; ").filter { $0.hasPrefix(attribute + "*") }
                for (index, piece) in pieces.enumerated() { XCTAssertTrue(piece.hasPrefix("\(attribute)*\(index)*="), piece) }
                let joined = pieces.map { String($0.drop { $0 != "=" }.dropFirst()) }.joined()
                XCTAssertEqual(String(joined.dropFirst("utf-8''".count)).removingPercentEncoding, name)
            }
        }
    }

    func testAMessageAttachmentGoesUnencodedWhenItCan() throws {
        var mail = sampleMessage()
        mail.boundary = "B"
        mail.attachments = [MailMessage.Attachment(fileName: "fwd.eml", bytes: Array("Subject: old\n\nold text\n".utf8))]
        let part = ParsedMail(part: ParsedMail(try mail.rendered()).body.components(separatedBy: "\r\n--B")[2])
        XCTAssertEqual(part.field("Content-Type"), "message/rfc822; name=\"fwd.eml\"")
        XCTAssertEqual(part.field("Content-Transfer-Encoding"), "7bit", "RFC 2046 5.2.1 allows no base64 for message/rfc822")
        XCTAssertTrue(part.body.hasPrefix("Subject: old\r\n"), part.body)
    }

    func testTooLongLinesMakeTheBodyQuotedPrintable() throws {
        var mail = sampleMessage()
        let long = String(repeating: "0123456789", count: 250) + " end  "
        mail.body = Array("short\n\(long)\n.dot\n".utf8)
        let raw = try mail.rendered()
        let parsed = ParsedMail(raw)
        XCTAssertEqual(parsed.field("Content-Transfer-Encoding"), "quoted-printable")
        for line in parsed.lines { XCTAssertLessThanOrEqual(line.utf8.count, 76, line) }
        XCTAssertEqual(MailDecode.quotedPrintable(parsed.body), Array("short\r\n\(long)\r\n.dot\r\n".utf8))
        assertCRLFOnly(raw)
    }

    func testTransferEncodingFollowsTheText() throws {
        func encoding(_ text: String) throws -> String? {
            var mail = sampleMessage()
            mail.body = Array(text.utf8)
            return ParsedMail(try mail.rendered()).field("Content-Transfer-Encoding")
        }
        XCTAssertEqual(try encoding("plain ASCII\n"), "7bit")
        XCTAssertEqual(try encoding(String(repeating: "a", count: 998)), "7bit")
        XCTAssertEqual(try encoding(String(repeating: "a", count: 999)), "quoted-printable")
        XCTAssertEqual(try encoding("Grüße, mostly ASCII text\n"), "quoted-printable")
        XCTAssertEqual(try encoding("Привет, как дела? Всё хорошо.\n"), "base64")
        XCTAssertEqual(try encoding("nul \u{0} inside\n"), "quoted-printable")

        var mail = sampleMessage()
        mail.body = Array("Привет, как дела?\n".utf8)
        let parsed = ParsedMail(try mail.rendered())
        XCTAssertEqual(String(data: Data(base64Encoded: parsed.body.replacingOccurrences(of: "\r\n", with: ""))!, encoding: .utf8), "Привет, как дела?\r\n")
    }

    func testLineEndsAreCRLFEverywhere() throws {
        var mail = sampleMessage()
        mail.body = Array("unix\nmac\rdos\r\nlast without end".utf8)
        mail.attachments = [MailMessage.Attachment(fileName: "x.bin", bytes: Array("a\nb\rc".utf8))]
        let raw = try mail.rendered()
        assertCRLFOnly(raw)
        XCTAssertTrue(String(decoding: raw, as: UTF8.self).contains("unix\r\nmac\r\ndos\r\nlast without end\r\n"))
        XCTAssertEqual(Array(raw.suffix(2)), [0x0D, 0x0A])
    }

    func testDotLinesAreLeftForLibcurlToStuff() throws {
        // libcurl doubles a leading dot on upload; stuffing here as well would double it twice.
        var mail = sampleMessage()
        mail.body = Array(".\n.dot\n..two\n".utf8)
        XCTAssertEqual(ParsedMail(try mail.rendered()).body, ".\r\n.dot\r\n..two\r\n")
    }

    func testHeaderOptionAddsOrReplaces() throws {
        var mail = sampleMessage()
        try mail.addHeader("X-Mailer-Test: one")
        try mail.addHeader("subject: Replaced")
        try mail.addHeader("Message-ID: <fixed@example.com>")
        try mail.addHeader("Reply-To: Jürgen <j@example.com>")
        try mail.addHeader("X-Note: Grüße")
        try mail.addHeader("Content-Type: text/html")
        let parsed = ParsedMail(try mail.rendered())
        XCTAssertEqual(parsed.fields.filter { $0.name.lowercased() == "subject" }.count, 1)
        XCTAssertEqual(parsed.field("Subject"), "Replaced")
        XCTAssertEqual(parsed.field("Message-ID"), "<fixed@example.com>")
        XCTAssertEqual(mail.sentMessageID, "<fixed@example.com>")
        XCTAssertEqual(parsed.field("X-Mailer-Test"), "one")
        XCTAssertEqual(parsed.field("Content-Type"), "text/html; charset=utf-8")
        let replyTo = try XCTUnwrap(parsed.field("Reply-To"))
        XCTAssertTrue(replyTo.hasPrefix("=?UTF-8?B?") && replyTo.hasSuffix(" <j@example.com>"), replyTo)
        XCTAssertEqual(MailDecode.words(replyTo), "Jürgen <j@example.com>")
        XCTAssertEqual(MailDecode.words(try XCTUnwrap(parsed.field("X-Note"))), "Grüße")

        for bad in ["NoColon", "Bad Name: x", ": empty name", "MIME-Version: 2.0", "Content-Transfer-Encoding: binary",
                    "Content-Type: multipart/alternative", "X-Two: line\nline"] {
            XCTAssertThrowsError(try mail.addHeader(bad), bad) { XCTAssertEqual(($0 as? SwnetError)?.code, .usage, bad) }
        }
    }

    func testAddressesParseAndRender() throws {
        let list = try MailAddress.parseList(#"a@example.com, "Doe, Jo" <jo@example.com>,Änne <anne@example.com>, <bare@example.com>"#, what: "--to")
        XCTAssertEqual(list.map(\.address), ["a@example.com", "jo@example.com", "anne@example.com", "bare@example.com"])
        XCTAssertEqual(list.map(\.displayName), [nil, "Doe, Jo", "Änne", nil])
        XCTAssertEqual(list[1].headerText, #""Doe, Jo" <jo@example.com>"#)
        XCTAssertEqual(MailAddress("x@y", displayName: #"Say "hi""#).headerText, #""Say \"hi\"" <x@y>"#)
        XCTAssertEqual(MailAddress("x@y", displayName: "Plain Name").headerText, "Plain Name <x@y>")
        XCTAssertEqual(MailDecode.words(list[2].headerText), "Änne <anne@example.com>")
        XCTAssertEqual(list[2].description, "<anne@example.com>")
        for bad in ["", "two words@example.com", "<>", "a@b>", " , ", "jürgen@example.com", "Jo <jo@bücher.de>"] {
            XCTAssertThrowsError(try MailAddress.parseList(bad, what: "--to"), bad) { XCTAssertEqual(($0 as? SwnetError)?.code, .usage, bad) }
        }
    }

    /// Found by the mail fuzz target: a 1201-character address (and a name
    /// with a word as long) made a header line longer than 998 octets.
    func testLongAddressesAreRefusedAndLongNamesEncoded() throws {
        let found = String(repeating: "x", count: 263) + "&" + String(repeating: "x", count: 937)
        XCTAssertThrowsError(try MailAddress.parseList(found, what: "--to")) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .usage)
            XCTAssertTrue((error as? SwnetError)?.reason.contains("at most 254 octets") == true, "\(error)")
        }
        let local = String(repeating: "a", count: 64)
        let longest = local + "@" + String(repeating: "b", count: 254 - 65)
        XCTAssertEqual(try MailAddress.parse(longest, what: "--to").address, longest)
        XCTAssertThrowsError(try MailAddress.parse(longest + "c", what: "--to"))

        var mail = sampleMessage()
        let name = "Dr. " + String(repeating: "x", count: 1200)
        mail.from = MailAddress("anna@example.com", displayName: name)
        mail.to = [MailAddress("bob@example.com", displayName: String(repeating: "y", count: 1100))]
        let parsed = ParsedMail(try mail.rendered())
        XCTAssertEqual(parsed.headerLines.filter { $0.utf8.count > 998 }.count, 0)
        XCTAssertEqual(MailDecode.words(try XCTUnwrap(parsed.field("From"))), name + " <anna@example.com>")
        XCTAssertEqual(MailDecode.words(try XCTUnwrap(parsed.field("To"))), String(repeating: "y", count: 1100) + " <bob@example.com>")
        XCTAssertEqual(MailAddress("x@y", displayName: "Plain Name").headerText, "Plain Name <x@y>", "short names stay as they were")
    }

    func testContentTypeIsGuessedFromTheExtension() {
        XCTAssertEqual(ContentType.guess(fileName: "report.PDF"), "application/pdf")
        XCTAssertEqual(ContentType.guess(fileName: "a.tar.gz"), "application/gzip")
        XCTAssertEqual(ContentType.guess(fileName: "image.png"), "image/png")
        XCTAssertEqual(ContentType.guess(fileName: "data.csv"), "text/csv")
        XCTAssertEqual(ContentType.guess(fileName: "README"), "application/octet-stream")
        XCTAssertEqual(ContentType.guess(fileName: ".bashrc"), "application/octet-stream")
        XCTAssertEqual(ContentType.guess(fileName: "x.unknownext"), "application/octet-stream")
    }
}
