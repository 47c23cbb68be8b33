extension LineDialogue {
    /// RFC 3501 section 6.2.1 (and RFC 2595): the greeting (`* OK`, or
    /// `* PREAUTH`; `* BYE` refuses), then `a1 STARTTLS`; untagged lines
    /// may come first, and the tagged `a1 OK` accepts.
    static let imap = LineDialogue(protocolName: "IMAP", exchanges: [
        Exchange(command: nil, name: "greeting", judge: judgeIMAPGreeting),
        Exchange(command: "\(imapTag) STARTTLS", name: "STARTTLS", judge: judgeIMAPStartTLS),
    ])

    private static let imapTag = "a1"

    private static func judgeIMAPGreeting(_ lines: [String]) -> Verdict {
        let words = lines[0].split(separator: " ", maxSplits: 2)
        guard words.count >= 2, words[0] == "*" else { return .malformed }
        switch words[1].uppercased() {
        case "OK", "PREAUTH": return .accepted
        case "BYE": return .refused(lines[0])
        default: return .malformed
        }
    }

    private static func judgeIMAPStartTLS(_ lines: [String]) -> Verdict {
        let line = lines[lines.count - 1]
        let words = line.split(separator: " ", maxSplits: 2)
        if words.first == "*" { return .incomplete }  // untagged data, such as CAPABILITY
        guard words.count >= 2, words[0] == imapTag else { return .malformed }
        switch words[1].uppercased() {
        case "OK": return .accepted
        case "NO", "BAD": return .refused(line)
        default: return .malformed
        }
    }
}
