/// Line handling shared by the body encoders.
enum TextLines {
    /// The text with every line end (LF, CRLF or a lone CR) made CRLF, as
    /// SMTP requires, and a final CRLF when the text does not end with one.
    static func crlf(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count + text.count / 32 + 2)
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == 0x0D {
                out += [0x0D, 0x0A]
                if index + 1 < text.count, text[index + 1] == 0x0A { index += 1 }
            } else if byte == 0x0A {
                out += [0x0D, 0x0A]
            } else {
                out.append(byte)
            }
            index += 1
        }
        if !out.isEmpty, out.last != 0x0A { out += [0x0D, 0x0A] }
        return out
    }

    /// The lines of CRLF text, without their CRLF; a final CRLF ends the
    /// last line rather than starting an empty one.
    static func split(_ text: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index + 1 < text.count {
            if text[index] == 0x0D && text[index + 1] == 0x0A {
                lines.append(text[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        if start < text.count { lines.append(text[start...]) }
        return lines
    }
}
