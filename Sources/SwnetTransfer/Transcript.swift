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
            let shown = type == CURLINFO_HEADER_OUT ? redacted(String(line)) : String(line)
            console.err.write(prefix + shown + "\n")
        }
    }

    /// The line as it may be shown.
    func redacted(_ line: String) -> String {
        if secretLinesAhead > 0 {
            secretLinesAhead -= 1
            return "[redacted]"
        }
        let lower = line.lowercased()
        for header in ["authorization:", "proxy-authorization:", "cookie:"] where lower.hasPrefix(header) {
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
