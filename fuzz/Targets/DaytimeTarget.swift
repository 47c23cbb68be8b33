import Glibc
import SwnetCore

/// `serve daytime --format +STRFTIME`: the first 8 bytes are the time (and
/// their lowest bit `--local`), the rest is the pattern after the `+`.
enum DaytimeTarget {
    static func run(_ input: FuzzInput) {
        guard input.bytes.count > 8 else { return }
        let seconds = input.bytes.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        // A pattern comes from the command line, which holds no NUL.
        let pattern = String(decoding: input.bytes.dropFirst(8).prefix { $0 != 0 }, as: UTF8.self)
        guard !pattern.isEmpty else { return }
        do {
            let format = try DaytimeFormat("+" + pattern, local: seconds & 1 == 1)
            let line = format.line(at: time_t(truncatingIfNeeded: seconds))
            require(line.hasSuffix("\r\n"), "the line for '\(pattern)' has no CRLF")
            // Bytes, not Characters: a prepended mark (U+06DD) joins the `%` after it into one Character.
            if !pattern.utf8.contains(UInt8(ascii: "%")) {
                // Text without conversions is sent as it is.
                require(line == pattern + "\r\n", "'\(pattern)' gives '\(line)'")
            }
        } catch let error as SwnetError {
            require(error.code == .usage, "'\(pattern)' failed with exit \(error.code.rawValue)")
        } catch {
            require(false, "'\(pattern)' threw \(error)")
        }
    }
}
