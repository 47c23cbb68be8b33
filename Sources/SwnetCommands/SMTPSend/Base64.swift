/// Base64 (RFC 4648, the standard alphabet with `=` padding), as MIME uses
/// it for attachments (RFC 2045 6.8) and RFC 2047 for encoded words.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` as one line of base64.
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: encodedBytes(Array(bytes)), as: UTF8.self)
    }

    /// `bytes` as a MIME body: lines of at most `lineLength` characters
    /// (76, the MIME limit), each ended by CRLF.
    static func lines(_ bytes: [UInt8], lineLength: Int = 76) -> [UInt8] {
        let encoded = encodedBytes(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count + encoded.count / lineLength * 2 + 2)
        var start = 0
        while start < encoded.count {
            let end = min(start + lineLength, encoded.count)
            out += encoded[start..<end]
            out += [0x0D, 0x0A]
            start = end
        }
        return out
    }

    private static func encodedBytes(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(group >> 18 & 63)], alphabet[Int(group >> 12 & 63)], alphabet[Int(group >> 6 & 63)], alphabet[Int(group & 63)]]
            index += 3
        }
        switch bytes.count - index {
        case 1:
            let group = UInt32(bytes[index]) << 16
            out += [alphabet[Int(group >> 18 & 63)], alphabet[Int(group >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        case 2:
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(group >> 18 & 63)], alphabet[Int(group >> 12 & 63)], alphabet[Int(group >> 6 & 63)], UInt8(ascii: "=")]
        default:
            break
        }
        return out
    }
}
