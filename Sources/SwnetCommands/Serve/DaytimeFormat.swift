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
    }

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

    /// The corresponding C function is `strftime`.
    private func format(_ pattern: String, _ parts: tm) -> String {
        var parts = parts
        var buffer = [CChar](repeating: 0, count: 256)
        let count = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
}
