/// `-x/--hexdump`'s view of the bytes a socket command moves, in the
/// layout of `hexdump -C` (offset, sixteen bytes in hex, the printable
/// ones as text), each line marked with its direction: `> ` sent,
/// `< ` received. Each direction counts its own offsets, as ncat -x and
/// socat -x do, so a line can be found again in a capture of one side.
/// Each chunk starts a new line, and repeated lines are shown, not folded
/// into `*`: a trace shows what moved when.
final class HexDump {
    private var sentOffset = 0
    private var receivedOffset = 0

    func lines(_ bytes: UnsafeRawBufferPointer, sent: Bool) -> String {
        let prefix = sent ? "> " : "< "
        var offset = sent ? sentOffset : receivedOffset
        var text = ""
        var index = 0
        while index < bytes.count {
            let line = bytes[index..<min(index + 16, bytes.count)]
            text += prefix + Self.hex(offset, width: 8) + "  "
            for column in 0..<16 {
                text += column < line.count ? Self.hex(Int(line[line.startIndex + column]), width: 2) + " " : "   "
                if column == 7 { text += " " }
            }
            text += " |" + String(decoding: line.map { (0x20..<0x7F).contains($0) ? $0 : UInt8(ascii: ".") }, as: UTF8.self) + "|\n"
            offset += line.count
            index += 16
        }
        if sent { sentOffset = offset } else { receivedOffset = offset }
        return text
    }

    private static func hex(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
