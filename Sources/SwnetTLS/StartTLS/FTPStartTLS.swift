extension LineDialogue {
    /// RFC 4217: the greeting (220, after any 120 "ready in a while"), then
    /// AUTH TLS, which a 234 accepts.
    static let ftp = LineDialogue(protocolName: "FTP", exchanges: [
        Exchange(command: nil, name: "greeting") { NumericReply.judge($0, accepting: 220...220) },
        Exchange(command: "AUTH TLS", name: "AUTH TLS") { NumericReply.judge($0, accepting: 234...234) },
    ])
}
