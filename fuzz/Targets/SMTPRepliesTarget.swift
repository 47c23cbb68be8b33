import CCurl

/// An SMTP conversation as libcurl's debug callback shows it: chunks cut
/// at 0xFF bytes, each sent (first byte even) or received (odd).
enum SMTPRepliesTarget {
    static func run(_ input: FuzzInput) {
        let dialogue = SMTPDialogue()
        for chunk in input.fields(separator: 0xFF) {
            guard let kind = chunk.first else { continue }
            let type = kind % 2 == 0 ? CURLINFO_HEADER_OUT : CURLINFO_HEADER_IN
            chunk.dropFirst().withUnsafeBytes { dialogue.record(type, $0) }
        }
        for exchange in dialogue.exchanges {
            require((0...999).contains(exchange.reply.code), "reply code \(exchange.reply.code)")
            _ = exchange.reply.description
            _ = exchange.verb
            if let command = exchange.command, command.uppercased().hasPrefix("AUTH ") {
                require(command.split(separator: " ").count <= 2, "AUTH kept its initial response: '\(command)'")
            }
        }
        _ = dialogue.dataReply
        _ = dialogue.authenticated
        _ = dialogue.offeredMechanisms
        _ = dialogue.failure
        let report = RecipientReport(dialogue)
        _ = report.acceptedJSON.rendered
        _ = report.rejectedJSON.rendered
    }
}
