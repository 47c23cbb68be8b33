/// SMTP's and FTP's replies: a three-digit code, lines `250-more` until
/// the last, `250 done` (RFC 5321 4.2, RFC 959 4.2).
enum NumericReply {
    /// The verdict on the lines so far: complete when the last line is the
    /// first line's code followed by a space (or by nothing); `accepting`
    /// says which codes mean yes. 1xx is preliminary, 4xx and 5xx refuse.
    static func judge(_ lines: [String], accepting: ClosedRange<Int>) -> LineDialogue.Verdict {
        guard let code = code(lines[0]) else { return .malformed }
        let last = Array(lines[lines.count - 1].utf8)
        guard self.code(lines[lines.count - 1]) == code, last.count == 3 || last[3] == UInt8(ascii: " ") else {
            let first = Array(lines[0].utf8)
            return first.count > 3 && first[3] == UInt8(ascii: "-") ? .incomplete : .malformed
        }
        if accepting.contains(code) { return .accepted }
        if (100...199).contains(code) { return .preliminary }
        if (400...599).contains(code) { return .refused(text(lines, code: code)) }
        return .malformed
    }

    /// The code of a reply line: three digits at its start.
    static func code(_ line: String) -> Int? {
        let digits = Array(line.utf8.prefix(3))
        guard digits.count == 3, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(line.prefix(3))
    }

    /// `554 5.7.1 no TLS for you`: the code, then each line's text, joined by spaces.
    static func text(_ lines: [String], code: Int) -> String {
        let words = lines.map { line in self.code(line) == code ? String(line.dropFirst(4)) : line }.filter { !$0.isEmpty }
        return ([String(code)] + words).joined(separator: " ")
    }
}
