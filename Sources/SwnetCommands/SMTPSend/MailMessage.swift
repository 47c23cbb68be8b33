import Glibc
import SwnetCore

/// A mail message built from the command line: RFC 5322 headers and a MIME
/// body (RFC 2045-2047, 2231), CRLF line ends throughout.
///
/// Bcc recipients are part of the envelope only: no header names them.
struct MailMessage {
    /// A file sent along, as a base64 MIME part.
    struct Attachment {
        /// The name the reader sees: the file's own name without its directory.
        let fileName: String
        let contentType: String
        let bytes: [UInt8]

        init(fileName: String, bytes: [UInt8], contentType: String? = nil) {
            self.fileName = fileName
            self.bytes = bytes
            self.contentType = contentType ?? ContentType.guess(fileName: fileName)
        }
    }

    var from: MailAddress
    var to: [MailAddress] = []
    var cc: [MailAddress] = []
    var bcc: [MailAddress] = []
    var subject: String?
    /// The text, in any line-end convention; it goes as UTF-8.
    var body: [UInt8] = []
    var attachments: [Attachment] = []
    var date: time_t = Glibc.time(nil)
    /// Seconds east of UTC for the Date header; nil: the local time zone.
    var utcOffset: Int?
    var messageID: String
    /// The multipart boundary; nil: a random one.
    var boundary: String?
    var userAgent: String? = "swnet/" + Program.version
    /// Fields from `-H`, in the order given: each replaces a built field
    /// of the same name, or else follows the built ones.
    private(set) var extraHeaders: [(name: String, value: String)] = []

    init(from: MailAddress) {
        self.from = from
        self.messageID = MessageID.make(domain: from.domain)
    }

    /// The envelope recipients: To, Cc and Bcc, each address once.
    var recipients: [MailAddress] {
        var seen = Set<String>()
        return (to + cc + bcc).filter { seen.insert($0.address.lowercased()).inserted }
    }

    /// The Message-ID the message carries (a `-H Message-ID` wins).
    var sentMessageID: String {
        extraHeaders.last { $0.name.lowercased() == "message-id" }?.value ?? messageID
    }

    /// Adds a `-H` field, `Name: value`. Bcc would defeat itself and the
    /// MIME framing is swnet's to write; Content-Type sets the type of the
    /// text (`text/html`, say).
    mutating func addHeader(_ text: String) throws {
        let (name, value) = try HeaderField.parse(text)
        switch name.lowercased() {
        case "bcc":
            throw SwnetError.usage("a Bcc header would show the hidden recipients to all: use --bcc, which adds them to the envelope only")
        case "mime-version", "content-transfer-encoding":
            throw SwnetError.usage("swnet writes \(name) itself; to send a message exactly as written use --message-file")
        case "content-type":
            let type = value.lowercased()
            if type.hasPrefix("multipart/") || type.hasPrefix("message/") {
                throw SwnetError.usage("-H Content-Type sets the type of the text; to send your own MIME structure use --message-file")
            }
        default:
            break
        }
        extraHeaders.append((name, value))
    }

    // MARK: Rendering

    /// The whole message, CRLF line ends, ending with CRLF.
    func rendered() throws -> [UInt8] {
        let text = TextLines.crlf(body)
        let encoding = TransferEncoding.choose(for: text)
        let encodedText = encoding.encode(text)

        var out: [UInt8] = []
        for field in try headerFields() { out += Array(field.folded.utf8) + [0x0D, 0x0A] }
        out += Array("MIME-Version: 1.0\r\n".utf8)
        if attachments.isEmpty {
            out += part(type: bodyType, encoding: encoding, content: encodedText)
            return out
        }
        let boundary = chooseBoundary(avoiding: encodedText)
        out += Array(HeaderField("Content-Type", "multipart/mixed; boundary=\"\(boundary)\"").folded.utf8) + [0x0D, 0x0A]
        out += Array("\r\nThis is a multi-part message in MIME format.\r\n".utf8)
        // Each delimiter is CRLF--boundary; the CRLF belongs to it, so a
        // part that ends with a line end keeps that line end.
        if !text.isEmpty {
            out += Array("\r\n--\(boundary)\r\n".utf8)
            out += part(type: bodyType, encoding: encoding, content: encodedText)
        }
        for attachment in attachments {
            out += Array("\r\n--\(boundary)\r\n".utf8)
            out += attachmentPart(attachment)
        }
        out += Array("\r\n--\(boundary)--\r\n".utf8)
        return out
    }

    /// The header fields before the MIME ones, in the usual order.
    func headerFields() throws -> [HeaderField] {
        var built: [HeaderField] = [
            HeaderField("Date", MailDate.format(date, utcOffset: utcOffset)),
            HeaderField("From", from.headerText),
        ]
        if !to.isEmpty { built.append(HeaderField("To", to.map(\.headerText).joined(separator: ", "))) }
        if !cc.isEmpty { built.append(HeaderField("Cc", cc.map(\.headerText).joined(separator: ", "))) }
        // Bcc only: the group syntax tells readers the recipients are hidden (RFC 5322 A.1.3).
        if to.isEmpty && cc.isEmpty { built.append(HeaderField("To", "undisclosed-recipients:;")) }
        if let subject { built.append(.unstructured("Subject", subject)) }
        built.append(HeaderField("Message-ID", messageID))
        if let userAgent { built.append(HeaderField("User-Agent", userAgent)) }

        var extras = extraHeaders.filter { $0.name.lowercased() != "content-type" }
        var fields: [HeaderField] = []
        for field in built {
            let replacing = extras.filter { $0.name.lowercased() == field.name.lowercased() }
            if replacing.isEmpty {
                fields.append(field)
            } else {
                fields += try replacing.map { try Self.extraField($0.name, $0.value) }
                extras.removeAll { $0.name.lowercased() == field.name.lowercased() }
            }
        }
        fields += try extras.map { try Self.extraField($0.name, $0.value) }
        return fields
    }

    /// A `-H` field: sent as written when it is ASCII and fits SMTP's
    /// lines; otherwise address fields get their names encoded and other
    /// fields become encoded words.
    private static func extraField(_ name: String, _ value: String) throws -> HeaderField {
        guard EncodedWord.isNeeded(for: value) else { return .unstructured(name, value) }
        let addressFields: Set<String> = ["from", "to", "cc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc", "resent-sender"]
        if addressFields.contains(name.lowercased()) {
            let addresses = try MailAddress.parseList(value, what: "-H \(name)")
            return HeaderField(name, addresses.map(\.headerText).joined(separator: ", "))
        }
        return .unstructured(name, value)
    }

    /// The type of the text: `text/plain; charset=utf-8`, or what `-H
    /// Content-Type` says, with the charset added to a text type without one.
    var bodyType: String {
        guard let given = extraHeaders.last(where: { $0.name.lowercased() == "content-type" })?.value else {
            return "text/plain; charset=utf-8"
        }
        let lower = given.lowercased()
        return lower.hasPrefix("text/") && !lower.includes("charset=") ? given + "; charset=utf-8" : given
    }

    private func part(type: String, encoding: TransferEncoding, content: [UInt8]) -> [UInt8] {
        var out = Array(HeaderField("Content-Type", type).folded.utf8) + [0x0D, 0x0A]
        out += Array("Content-Transfer-Encoding: \(encoding.rawValue)\r\n\r\n".utf8)
        return out + content
    }

    private func attachmentPart(_ attachment: Attachment) -> [UInt8] {
        var type = attachment.contentType
        var encoding = TransferEncoding.base64
        var content = attachment.bytes
        if type.lowercased() == "message/rfc822" {
            // RFC 2046 5.2.1 allows no base64 for a message: it goes as it
            // is when it can, else as an opaque file.
            content = TextLines.crlf(content)
            if TransferEncoding.choose(for: content) == .sevenBit {
                encoding = .sevenBit
            } else {
                type = ContentType.fallback
                content = attachment.bytes
            }
        } else if type.lowercased().hasPrefix("text/"), String(validating: attachment.bytes, as: UTF8.self) != nil {
            type += "; charset=utf-8"
        }
        let name = attachment.fileName
        let ascii = name.unicodeScalars.allSatisfy { $0.value >= 32 && $0.value < 127 }
        // RFC 2231 parameters when the name is not ASCII: an RFC 2047 encoded word
        // inside a quoted string is forbidden (RFC 2047 section 5), and strict parsers refuse it.
        var contentType = ascii ? "\(type); name=\(Self.quoted(name))"
                                : "\(type); name*=utf-8''\(Self.percentEncoded(name))"
        var disposition = ascii ? "attachment; filename=\(Self.quoted(name))"
                                : "attachment; filename*=utf-8''\(Self.percentEncoded(name))"
        // A name that no folding brings within SMTP's line goes in pieces.
        if HeaderField("Content-Type", contentType).longestLine > TransferEncoding.maximumLineLength {
            contentType = "\(type); " + Self.continued("name", name)
        }
        if HeaderField("Content-Disposition", disposition).longestLine > TransferEncoding.maximumLineLength {
            disposition = "attachment; " + Self.continued("filename", name)
        }
        var out = Array(HeaderField("Content-Type", contentType).folded.utf8) + [0x0D, 0x0A]
        out += Array(HeaderField("Content-Disposition", disposition).folded.utf8) + [0x0D, 0x0A]
        out += Array("Content-Transfer-Encoding: \(encoding.rawValue)\r\n\r\n".utf8)
        return out + (encoding == .base64 ? Base64.lines(content) : content)
    }

    /// A MIME parameter value as a quoted-string.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" || character == "\\" { out += "\\" }
            out.append(character)
        }
        return out + "\""
    }

    /// RFC 2231 continuations, `filename*0*=utf-8''...; filename*1*=...`:
    /// the ext-value of `text` cut into pieces short enough to fold between.
    private static func continued(_ attribute: String, _ text: String) -> String {
        let encoded = Array(percentEncoded(text))
        var pieces: [String] = []
        var start = 0
        while start < encoded.count {
            var end = min(start + 60, encoded.count)
            // A %XX escape stays in one piece.
            if end < encoded.count, let percent = encoded[(end - 2)..<end].lastIndex(of: "%") { end = percent }
            pieces.append(String(encoded[start..<end]))
            start = end
        }
        return pieces.enumerated().map { "\(attribute)*\($0.offset)*=" + ($0.offset == 0 ? "utf-8''" : "") + $0.element }
            .joined(separator: "; ")
    }

    /// RFC 2231 ext-value: UTF-8 with everything but attribute characters as %XX.
    private static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "!#$&+-.^_`|~".unicodeScalars.contains(scalar)) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return out
    }

    /// The boundary, one that appears nowhere in the text (base64 and
    /// quoted-printable cannot contain `=_`, so only 7bit text can clash).
    private func chooseBoundary(avoiding text: [UInt8]) -> String {
        if let boundary { return boundary }
        var random = SystemRandomNumberGenerator()
        while true {
            let candidate = "=_swnet_" + String(random.next() as UInt64, radix: 16) + String(random.next() as UInt64, radix: 16)
            let needle = Array(candidate.utf8)
            let clash = text.count >= needle.count && (0...(text.count - needle.count)).contains { text[$0..<$0 + needle.count].elementsEqual(needle) }
            if !clash { return candidate }
        }
    }
}
