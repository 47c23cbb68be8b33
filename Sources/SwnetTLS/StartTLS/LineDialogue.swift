import SwnetCore

/// A dialogue of text lines (SMTP, IMAP, POP3, FTP): a fixed series of
/// exchanges, each a command (none for the greeting) and a reply judged
/// line by line. The last exchange accepted means the upgrade.
struct LineDialogue: StartTLSDialogue {
    /// One command and what its reply means.
    struct Exchange {
        /// The line to send, without its CRLF; nil for the server's greeting.
        let command: String?
        /// How messages name this point of the dialogue: "greeting", "STARTTLS".
        let name: String
        let judge: ([String]) -> Verdict
    }

    /// What the reply lines so far mean.
    enum Verdict: Equatable {
        /// More lines belong to this reply.
        case incomplete
        /// A preliminary reply (FTP's 1xx): forget it and read the real one.
        case preliminary
        case accepted
        /// A well-formed negative answer: exit 8 with its text.
        case refused(String)
        /// Not this protocol's reply at all.
        case malformed
    }

    /// Longer lines are not a reply of any of these protocols; the limit keeps a hostile server from filling memory.
    static let maximumLineLength = 8192
    /// So does this one, on the lines of one reply.
    static let maximumReplyLines = 1000

    let protocolName: String
    let exchanges: [Exchange]
    private var current = 0
    private var reply: [String] = []
    private var pending: [UInt8] = []

    init(protocolName: String, exchanges: [Exchange]) {
        self.protocolName = protocolName
        self.exchanges = exchanges
    }

    mutating func opening() -> [UInt8] {
        exchanges[0].command.map(Self.line) ?? []
    }

    mutating func receive(_ bytes: [UInt8]) throws -> StartTLSStep {
        pending += bytes
        var toSend: [UInt8] = []
        while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            pending.removeSubrange(...end)
            reply.append(String(decoding: line, as: UTF8.self))
            guard reply.count <= Self.maximumReplyLines else { throw failure("a reply of more than \(Self.maximumReplyLines) lines") }
            let exchange = exchanges[current]
            switch exchange.judge(reply) {
            case .incomplete:
                continue
            case .preliminary:
                reply = []
            case .malformed:
                throw SwnetError(.failure, "the server does not speak \(protocolName): \(exchange.name) answered \(Self.quoted(reply.last!))")
            case .refused(let text):
                let what = exchange.command == nil ? "the server's greeting is an error" : "the server refused \(exchange.name)"
                throw SwnetError(.serverError, "\(what): \(PrintableText.escaped(text, limit: 300))")
            case .accepted:
                reply = []
                current += 1
                if current == exchanges.count {
                    guard pending.isEmpty else {
                        throw SwnetError(.tls, "the server sent \(pending.count) bytes after agreeing to \(exchange.name), before the TLS handshake: refused, they could have been injected")
                    }
                    return .handshake
                }
                toSend += exchanges[current].command.map(Self.line) ?? []
            }
        }
        guard pending.count <= Self.maximumLineLength else { throw failure("a line longer than \(Self.maximumLineLength) bytes") }
        return toSend.isEmpty ? .read : .send(toSend)
    }

    func closed() -> SwnetError {
        let exchange = exchanges[min(current, exchanges.count - 1)]
        let what = exchange.command == nil ? "before its greeting" : "before answering \(exchange.name)"
        return SwnetError(.failure, "the server closed the connection \(what)")
    }

    private func failure(_ what: String) -> SwnetError {
        SwnetError(.failure, "the server sent \(what)")
    }

    private static func line(_ command: String) -> [UInt8] {
        Array((command + "\r\n").utf8)
    }

    /// A reply line for an error message: quoted, at most 80 characters, control characters escaped.
    static func quoted(_ line: String) -> String {
        "'" + PrintableText.escaped(line, limit: 80) + "'"
    }
}
