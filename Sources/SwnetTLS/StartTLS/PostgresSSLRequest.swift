import SwnetCore

/// PostgreSQL's upgrade (protocol 3, "SSL Session Encryption"): the client
/// speaks first with an SSLRequest — length 8 and the code 80877103 — and
/// the server answers one byte, `S` (go ahead) or `N` (no TLS here); a
/// server too old for SSLRequest answers an ErrorResponse (`E`).
struct PostgresSSLRequest: StartTLSDialogue {
    static let request: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]
    /// An ErrorResponse larger than this is not one.
    static let maximumErrorLength = 8192

    private var received: [UInt8] = []

    mutating func opening() -> [UInt8] { Self.request }

    mutating func receive(_ bytes: [UInt8]) throws -> StartTLSStep {
        received += bytes
        switch received.first {
        case UInt8(ascii: "S"):
            guard received.count == 1 else {
                throw SwnetError(.tls, "the server sent \(received.count - 1) bytes after agreeing to SSL, before the TLS handshake: refused, they could have been injected")
            }
            return .handshake
        case UInt8(ascii: "N"):
            throw SwnetError(.serverError, "the server refused SSL: it answered N (PostgreSQL without ssl = on)")
        case UInt8(ascii: "E"):
            guard let message = try errorMessage() else { return .read }
            throw SwnetError(.serverError, "the server refused SSL: \(PrintableText.escaped(message, limit: 300))")
        case nil:
            return .read
        default:
            throw SwnetError(.failure, "the server sent \(LineDialogue.quoted(String(decoding: received.prefix(16), as: UTF8.self))), not a PostgreSQL answer to SSLRequest")
        }
    }

    func closed() -> SwnetError {
        SwnetError(.failure, "the server closed the connection before answering SSLRequest")
    }

    /// The `M` (message) field of a complete ErrorResponse: `E`, an int32
    /// length counting itself, then fields of a type byte and a
    /// NUL-ended string, ended by a NUL. Nil while incomplete.
    private func errorMessage() throws -> String? {
        guard received.count >= 5 else { return nil }
        let length = received[1...4].reduce(0) { $0 << 8 | Int($1) }
        guard (4...Self.maximumErrorLength).contains(length) else {
            throw SwnetError(.failure, "the server sent an ErrorResponse of \(length) bytes, not a PostgreSQL answer to SSLRequest")
        }
        guard received.count >= 1 + length else { return nil }
        var fields = received[5..<(1 + length)]
        var message: String?
        var severity: String?
        while let type = fields.first, type != 0 {
            fields = fields.dropFirst()
            let end = fields.firstIndex(of: 0) ?? fields.endIndex
            let value = String(decoding: fields[..<end], as: UTF8.self)
            if type == UInt8(ascii: "M") { message = value }
            if type == UInt8(ascii: "S") { severity = value }
            fields = fields[min(end + 1, fields.endIndex)...]
        }
        return [severity, message].compactMap { $0 }.joined(separator: ": ")
    }
}
