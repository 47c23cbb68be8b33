import Glibc
import SwnetCLI
import SwnetCore
import SwnetSocket

/// How `serve daytime` writes the date (`--format`, `--local`).
struct DaytimeFormat {
    static let choices = "rfc867|rfc3339|ctime|unix|+STRFTIME"

    private enum Style {
        case rfc867, rfc3339, ctime, unix
        case strftime(String)
    }

    private let style: Style
    private let local: Bool

    init(_ text: String, local: Bool) throws {
        switch text {
        case "rfc867": style = .rfc867
        case "rfc3339": style = .rfc3339
        case "ctime": style = .ctime
        case "unix": style = .unix
        case _ where text.hasPrefix("+") && text.count > 1: style = .strftime(String(text.dropFirst()))
        default: throw SwnetError.usage("invalid value '\(text)' for --format: expected one of \(DaytimeFormat.choices.replacingBars())")
        }
        self.local = local
        if case .strftime(let pattern) = style, Self.format(pattern, tm()) == nil {
            throw SwnetError.usage("--format '\(text)' makes a line longer than \(Self.longestLine) bytes")
        }
    }

    /// The longest line a format may make: it fits a datagram and an empty
    /// socket buffer, and no date needs more.
    static let longestLine = 4096

    /// The line for `time` (now by default), ended by CRLF.
    func line(at time: time_t = Glibc.time(nil)) -> String {
        var clock = time
        var parts = tm()
        if local { localtime_r(&clock, &parts) } else { gmtime_r(&clock, &parts) }
        let zone = local ? "%Z" : "UTC"
        switch style {
        case .rfc867: return format("%A, %B %-d, %Y %H:%M:%S-" + zone, parts) + "\r\n"
        case .ctime: return format("%a %b %e %H:%M:%S %Y", parts) + "\r\n"
        case .unix: return "\(time)\r\n"
        case .strftime(let pattern): return format(pattern, parts) + "\r\n"
        case .rfc3339:
            guard local else { return format("%Y-%m-%dT%H:%M:%SZ", parts) + "\r\n" }
            // strftime's %z has no colon (+0100); RFC 3339 wants +01:00.
            let offset = format("%z", parts)
            return format("%Y-%m-%dT%H:%M:%S", parts) + offset.prefix(3) + ":" + offset.suffix(2) + "\r\n"
        }
    }

    private func format(_ pattern: String, _ parts: tm) -> String { Self.format(pattern, parts) ?? "" }

    /// The text, or nil when it would be longer than `longestLine`. strftime
    /// returns 0 both for an empty text and for one that does not fit: a
    /// character added to the pattern leaves only the second meaning, and
    /// the buffer grows until the text fits.
    /// The corresponding C function is `strftime`.
    private static func format(_ pattern: String, _ parts: tm) -> String? {
        var parts = parts
        // Room for the text, the added character and the NUL.
        for size in [256, longestLine + 2] {
            var buffer = [CChar](repeating: 0, count: size)
            let count = strftime(&buffer, size, pattern + "|", &parts)
            if count > 0 { return String(decoding: buffer[..<(count - 1)].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        }
        return nil
    }
}

private extension String {
    func replacingBars() -> String { split(separator: "|").joined(separator: ", ") }
}

/// The current daytime line, formatted once a second rather than per client.
struct DaytimeLine {
    private let format: DaytimeFormat
    private var second: time_t = -1
    private var bytes: [UInt8] = []

    init(_ format: DaytimeFormat) { self.format = format }

    mutating func current() -> [UInt8] {
        let now = time(nil)
        if now != second {
            second = now
            bytes = Array(format.line(at: now).utf8)
        }
        return bytes
    }

    /// Writes the line to `fd` and returns the bytes sent (a short line
    /// always fits an empty socket buffer; a failure sends nothing).
    mutating func send(to fd: Int32) -> Int {
        let line = current()
        guard case .done(let count)? = try? line.withUnsafeBytes({ try Descriptor.write(fd, from: $0) }) else { return 0 }
        return count
    }

    /// The same over a byte stream (a TLS session).
    mutating func send(to stream: ByteStream) -> Int {
        let line = current()
        guard case .done(let count)? = try? line.withUnsafeBytes({ try stream.write(from: $0) }) else { return 0 }
        return count
    }
}
