import CCurl

/// The SMTP conversation as libcurl's debug callback shows it: each
/// command swnet sent (`CURLINFO_HEADER_OUT`) paired with the server's
/// reply to it (`CURLINFO_HEADER_IN`, multi-line replies joined).
///
/// libcurl does not pipeline SMTP commands, so replies arrive in the order
/// of the commands; the reply after the message data, which answers no
/// command line, is paired with ".", the line that ends the data.
final class SMTPDialogue {
    /// A server reply: its code and its text lines (`250-a`, `250 b` give
    /// code 250, lines `a` and `b`).
    struct Reply: Equatable, CustomStringConvertible {
        let code: Int
        let lines: [String]

        /// `550 5.1.1 no such user`, continuation lines joined by a space.
        var description: String {
            let text = lines.filter { !$0.isEmpty }.joined(separator: " ")
            return text.isEmpty ? String(code) : "\(code) \(text)"
        }

        var isPositive: Bool { code < 400 }
    }

    struct Exchange: Equatable {
        /// The command line as sent, nil for the greeting; SASL answers
        /// and AUTH's arguments are never kept.
        let command: String?
        let reply: Reply

        /// The command's verb in capitals: `RCPT`, `MAIL`, `AUTH`, `.`.
        var verb: String {
            command.map { String($0.prefix { $0 != " " && $0 != ":" }).uppercased() } ?? ""
        }
    }

    private(set) var exchanges: [Exchange] = []
    /// Commands sent and not yet answered.
    private var pending: [String] = []
    /// The lines of a multi-line reply so far.
    private var replyLines: [String] = []
    private var sent: [UInt8] = []
    private var received: [UInt8] = []

    /// Feeds one chunk of libcurl's debug output; other kinds are ignored.
    func record(_ type: curl_infotype, _ bytes: UnsafeRawBufferPointer) {
        switch type {
        case CURLINFO_HEADER_OUT:
            sent += bytes
            for line in Self.completeLines(&sent) { pending.append(kept(line)) }
        case CURLINFO_HEADER_IN:
            received += bytes
            for line in Self.completeLines(&received) { receive(line) }
        default:
            break
        }
    }

    /// What may be kept of a command line: AUTH without its initial
    /// response, and nothing of an answer to a SASL challenge (334).
    private func kept(_ line: String) -> String {
        if let last = exchanges.last, last.reply.code == 334, pending.isEmpty { return "[redacted]" }
        if line.uppercased().hasPrefix("AUTH ") { return line.split(separator: " ").prefix(2).joined(separator: " ") }
        return line
    }

    private func receive(_ line: String) {
        let characters = Array(line.utf8)
        guard characters.count >= 3, characters[0...2].allSatisfy({ (0x30...0x39).contains($0) }),
              let code = Int(line.prefix(3)) else { return }  // not a reply line
        let separator = characters.count > 3 ? characters[3] : UInt8(ascii: " ")
        replyLines.append(String(line.dropFirst(4)))
        if separator == UInt8(ascii: "-") { return }  // more lines to come
        let reply = Reply(code: code, lines: replyLines)
        replyLines = []
        let command: String?
        if !pending.isEmpty {
            command = pending.removeFirst()
        } else if let last = exchanges.last, last.verb == "DATA", last.reply.code == 354 {
            command = "."
        } else {
            command = nil
        }
        exchanges.append(Exchange(command: command, reply: reply))
    }

    /// The complete lines at the front of `buffer`, without their line ends;
    /// a partial line stays for the next chunk.
    private static func completeLines(_ buffer: inout [UInt8]) -> [String] {
        var lines: [String] = []
        while let end = buffer.firstIndex(of: 0x0A) {
            var line = buffer[..<end]
            if line.last == 0x0D { line = line.dropLast() }
            lines.append(String(decoding: line, as: UTF8.self))
            buffer.removeSubrange(...end)
        }
        return lines
    }

    // MARK: What happened

    /// The last exchange whose verb is `verb`.
    func last(_ verb: String) -> Exchange? {
        exchanges.last { $0.verb == verb }
    }

    /// The server's reply to the message data: `250 OK queued as 12`.
    var dataReply: Reply? { last(".")?.reply }

    /// Whether a login succeeded (235, RFC 4954).
    var authenticated: Bool { exchanges.contains { $0.reply.code == 235 } }

    /// The AUTH mechanisms the last EHLO reply offered, in capitals.
    var offeredMechanisms: [String] {
        guard let ehlo = last("EHLO") else { return [] }
        for line in ehlo.reply.lines where line.uppercased().hasPrefix("AUTH ") || line.uppercased().hasPrefix("AUTH=") {
            return line.dropFirst(5).split(separator: " ").map { $0.uppercased() }
        }
        return []
    }

    /// The exchange that ended the session in failure: the last refusal,
    /// leaving out refused recipients (they may be allowed to fail) and the
    /// goodbye.
    var failure: Exchange? {
        exchanges.last { !$0.reply.isPositive && $0.verb != "RCPT" && $0.verb != "QUIT" }
    }
}
