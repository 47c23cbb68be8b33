import Foundation
import XCTest
@testable import SwnetCommands

/// A rendered message taken apart the simple way a test can trust: the
/// header block unfolded, the body as text.
struct ParsedMail {
    let raw: [UInt8]
    /// Unfolded fields, in order, names as written.
    let fields: [(name: String, value: String)]
    /// The header block's physical lines.
    let headerLines: [String]
    let body: String

    init(_ raw: [UInt8]) {
        self.raw = raw
        let text = String(decoding: raw, as: UTF8.self)
        let split = text.components(separatedBy: "\r\n\r\n")
        headerLines = split[0].components(separatedBy: "\r\n")
        body = split.dropFirst().joined(separator: "\r\n\r\n")
        var fields: [(String, String)] = []
        for line in headerLines {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                fields[fields.count - 1].1 += line
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        self.fields = fields.map { ($0.0, $0.1.hasPrefix(" ") ? String($0.1.dropFirst()) : $0.1) }
    }

    /// One MIME part as split off at `CRLF--boundary`: the rest of the
    /// delimiter line (its CRLF) comes first and is dropped.
    init(part: String) {
        self.init(Array((part.hasPrefix("\r\n") ? String(part.dropFirst()) : part).utf8))
    }

    func field(_ name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every physical line of the message, without CRLF.
    var lines: [String] {
        String(decoding: raw, as: UTF8.self).components(separatedBy: "\r\n")
    }
}

enum MailDecode {
    /// The text of a header value with its RFC 2047 encoded words decoded
    /// (B encoding, as swnet writes them); whitespace between two encoded
    /// words is dropped, as RFC 2047 6.2 says.
    static func words(_ value: String) -> String {
        let pattern = try! NSRegularExpression(pattern: #"=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=(\s+(?==\?UTF-8\?B\?))?"#)
        var out = ""
        var last = value.startIndex
        for match in pattern.matches(in: value, range: NSRange(value.startIndex..., in: value)) {
            let range = Range(match.range, in: value)!
            out += value[last..<range.lowerBound]
            let payload = String(value[Range(match.range(at: 1), in: value)!])
            out += String(decoding: Data(base64Encoded: payload)!, as: UTF8.self)
            last = range.upperBound
        }
        return out + value[last...]
    }

    /// Quoted-printable decoded (RFC 2045 6.7).
    static func quotedPrintable(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "=") {
                if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A {
                    index += 3  // a soft line break
                    continue
                }
                out.append(UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)!)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }
}

extension XCTestCase {
    /// Every LF is preceded by CR and every CR followed by LF.
    func assertCRLFOnly(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0A { XCTAssertTrue(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)", file: file, line: line) }
            if byte == 0x0D { XCTAssertTrue(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)", file: file, line: line) }
        }
    }

    /// A message with the usual parts and a fixed date, for tests.
    func sampleMessage() -> MailMessage {
        var mail = MailMessage(from: MailAddress("anna@example.com", displayName: "Anna Example"))
        mail.to = [MailAddress("bob@example.com")]
        mail.cc = [MailAddress("carol@example.com", displayName: "Carol")]
        mail.bcc = [MailAddress("hidden@example.org")]
        mail.subject = "Hello"
        mail.body = Array("Hi Bob,\nsee you.\n".utf8)
        mail.date = 1_700_000_000
        mail.utcOffset = 3600
        return mail
    }
}
