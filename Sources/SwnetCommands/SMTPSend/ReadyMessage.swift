/// A ready RFC 5322 message (`--message-file`), sent as it is: only its
/// line ends are made CRLF, as SMTP requires. swnet reads its header just
/// to report the Message-ID and to take the sender from From when there
/// is no --from.
struct ReadyMessage {
    /// The message with CRLF line ends, ending with CRLF.
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = TextLines.crlf(bytes)
    }

    /// The unfolded value of the first field called `name`, in any case.
    func field(_ name: String) -> String? {
        var found: String?
        for line in TextLines.split(bytes) {
            if line.isEmpty { break }  // the end of the header
            let text = String(decoding: line, as: UTF8.self)
            if text.first == " " || text.first == "\t" {
                if found != nil { found! += text }
                continue
            }
            if found != nil { break }
            if let colon = text.firstIndex(of: ":"), text[..<colon].lowercased() == name.lowercased() {
                found = String(text[text.index(after: colon)...])
            }
        }
        return found.map { String($0.drop { $0 == " " || $0 == "\t" }) }
    }

    /// The 1-based numbers of the lines longer than SMTP's 998 octets,
    /// which servers may refuse or break.
    var overlongLines: [Int] {
        TextLines.split(bytes).enumerated().filter { $0.element.count > TransferEncoding.maximumLineLength }.map { $0.offset + 1 }
    }
}
