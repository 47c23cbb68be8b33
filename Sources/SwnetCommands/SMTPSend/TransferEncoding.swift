/// The Content-Transfer-Encoding of a text body (RFC 2045 6).
///
/// SMTP limits a line to 998 octets plus CRLF (RFC 5321 4.5.3.1.6), and
/// 8-bit data needs the 8BITMIME extension, which libcurl cannot ask for
/// (it sends no `BODY=8BITMIME`). So a body goes as it is (7bit) only when
/// it is ASCII in short lines; otherwise it is quoted-printable, which
/// keeps mostly-ASCII text readable, or base64 when most of it is not
/// ASCII (base64 is then the shorter).
enum TransferEncoding: String {
    case sevenBit = "7bit"
    case quotedPrintable = "quoted-printable"
    case base64 = "base64"

    /// The longest line SMTP carries, without its CRLF.
    static let maximumLineLength = 998

    /// The encoding for `text`, whose line ends are already CRLF.
    static func choose(for text: [UInt8]) -> TransferEncoding {
        var nonASCII = 0
        var control = false
        var longest = 0
        for line in TextLines.split(text) {
            longest = max(longest, line.count)
            for byte in line {
                if byte >= 0x80 { nonASCII += 1 } else if byte == 0 || byte == 0x0D || byte == 0x0A { control = true }
            }
        }
        if nonASCII == 0 && !control && longest <= maximumLineLength { return .sevenBit }
        return nonASCII * 3 > text.count ? .base64 : .quotedPrintable
    }

    /// `text` encoded, with CRLF line ends.
    func encode(_ text: [UInt8]) -> [UInt8] {
        switch self {
        case .sevenBit: return text
        case .quotedPrintable: return QuotedPrintable.encode(text)
        case .base64: return Base64.lines(text)
        }
    }
}
