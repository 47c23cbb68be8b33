extension LineDialogue {
    /// RFC 2595 section 4: the greeting (+OK), then STLS, which +OK accepts.
    static let pop3 = LineDialogue(protocolName: "POP3", exchanges: [
        Exchange(command: nil, name: "greeting", judge: judgePOP3),
        Exchange(command: "STLS", name: "STLS", judge: judgePOP3),
    ])

    /// A POP3 reply is one line: `+OK text` or `-ERR text`.
    private static func judgePOP3(_ lines: [String]) -> Verdict {
        let line = lines[0]
        if line == "+OK" || line.hasPrefix("+OK ") { return .accepted }
        if line == "-ERR" || line.hasPrefix("-ERR ") { return .refused(line) }
        return .malformed
    }
}
