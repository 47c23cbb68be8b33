extension LineDialogue {
    /// RFC 3207: the greeting (220), EHLO (250, whether or not it lists
    /// STARTTLS: the server's answer to STARTTLS says it better), then
    /// STARTTLS, which a 220 accepts.
    static func smtp(clientName: String) -> LineDialogue {
        LineDialogue(protocolName: "SMTP", exchanges: [
            Exchange(command: nil, name: "greeting") { NumericReply.judge($0, accepting: 220...220) },
            Exchange(command: "EHLO \(clientName)", name: "EHLO") { NumericReply.judge($0, accepting: 250...250) },
            Exchange(command: "STARTTLS", name: "STARTTLS") { NumericReply.judge($0, accepting: 220...220) },
        ])
    }
}
