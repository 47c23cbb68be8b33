/// `-vv`'s view of the bytes a socket command moves: `> ` sent, `< `
/// received, a line per line of data, control bytes shown as `\xNN` so
/// binary data cannot garble the terminal.
enum DataTrace {
    static func lines(_ bytes: UnsafeRawBufferPointer, prefix: String) -> String {
        var text = ""
        var line = prefix
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n"):
                text += line + "\n"
                line = prefix
            case UInt8(ascii: "\t"), 0x20..<0x7F:
                line.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                line += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        if line != prefix { text += line + "\n" }
        return text
    }
}
