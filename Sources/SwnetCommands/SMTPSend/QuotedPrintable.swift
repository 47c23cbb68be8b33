/// Quoted-printable (RFC 2045 6.7): text that stays readable where it is
/// ASCII, with any line length and any byte.
enum QuotedPrintable {
    /// Encodes text whose line ends are CRLF. Line ends stay hard line
    /// breaks; everything else that is not printable ASCII becomes `=XX`;
    /// space and tab before a line end are encoded, so no transport can
    /// strip them; encoded lines are at most 76 characters, broken by a
    /// soft line break (`=` CRLF) where needed.
    static func encode(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count + text.count / 8)
        for (number, line) in TextLines.split(text).enumerated() {
            if number > 0 { out += [0x0D, 0x0A] }
            encodeLine(line, into: &out)
        }
        if text.count >= 2, text[text.count - 2] == 0x0D, text.last == 0x0A { out += [0x0D, 0x0A] }
        return out
    }

    private static func encodeLine(_ line: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var length = 0
        for index in line.indices {
            let byte = line[index]
            let last = index == line.index(before: line.endIndex)
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !last)
            let width = literal ? 1 : 3
            // Room is kept for the `=` of a soft break unless this is the line's end.
            if length + width > (last ? 76 : 75) {
                out += [UInt8(ascii: "="), 0x0D, 0x0A]
                length = 0
            }
            if literal {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
            length += width
        }
    }

    private static let hex = Array("0123456789ABCDEF".utf8)
}
