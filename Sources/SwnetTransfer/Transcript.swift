import CCurl
import SwnetCore

/// The protocol transcript that `-vv` shows: `> ` what swnet sent, `< `
/// what it received, `* ` libcurl's own notes. Credentials never appear:
/// Authorization headers, FTP's PASS and SMTP's AUTH lines (and the
/// base64 answers that follow AUTH LOGIN) are replaced by `[redacted]`.
public final class Transcript {
    private let console: Console
    /// Client lines still to hide after `AUTH LOGIN` (user, then password).
    private var secretLinesAhead = 0

    public init(console: Console) { self.console = console }

    /// Feeds one chunk of libcurl's debug output.
    public func record(_ type: curl_infotype, _ bytes: UnsafeRawBufferPointer) {
        let prefix: String
        switch type {
        case CURLINFO_HEADER_OUT: prefix = "> "
        case CURLINFO_HEADER_IN: prefix = "< "
        case CURLINFO_TEXT: prefix = "* "
        default: return  // bodies and TLS records are not a transcript
        }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty { continue }
            let shown = type == CURLINFO_HEADER_OUT ? redacted(String(line)) : type == CURLINFO_TEXT ? redactedNote(String(line)) : String(line)
            console.err.write(prefix + shown + "\n")
        }
    }

    /// One of libcurl's own notes as it may be shown: it quotes proxy URLs
    /// with their passwords, and HTTP/2 request headers as `h2h3 [name: value]`.
    func redactedNote(_ line: String) -> String {
        var line = Transcript.withoutURLPasswords(line)
        if let open = line.find("h2h3 [") {
            let header = String(line[open.upperBound...])
            let lower = header.lowercased()
            for name in Transcript.secretHeaders where lower.hasPrefix(name) {
                line = line[..<open.upperBound] + header.prefix(name.count) + " [redacted]]"
            }
        }
        return line
    }

    static let secretHeaders = ["authorization:", "proxy-authorization:", "cookie:"]

    /// `scheme://user:secret@host` becomes `scheme://user:[redacted]@host`.
    static func withoutURLPasswords(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let scheme = rest.find("://") {
            result += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != " " && $0 != "'" && $0 != "\"" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result += rest[..<colon] + ":[redacted]"
                rest = rest[at...]
            }
        }
        return result + rest
    }

    /// The line as it may be shown.
    func redacted(_ line: String) -> String {
        if secretLinesAhead > 0 {
            secretLinesAhead -= 1
            return "[redacted]"
        }
        let lower = line.lowercased()
        for header in Transcript.secretHeaders where lower.hasPrefix(header) {
            return line.prefix(header.count) + " [redacted]"
        }
        if lower.hasPrefix("pass ") { return "PASS [redacted]" }
        if lower.hasPrefix("auth ") {
            let words = line.split(separator: " ")
            if words.count > 2 { return "\(words[0]) \(words[1]) [redacted]" }  // the secret inline
            switch words.last?.uppercased() {
            case "TLS", "SSL": break                // FTP's AUTH TLS carries no secret
            case "LOGIN": secretLinesAhead = 2      // user, then password, a line each
            default: secretLinesAhead = 1           // the answer to the server's challenge
            }
        }
        return line
    }
}
