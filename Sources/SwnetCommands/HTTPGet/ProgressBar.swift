import Glibc
import SwnetCore

/// The progress bar on stderr, one line redrawn in place at most five
/// times a second:
///
///     big.iso      42% [=====>       ]  430.1 MiB / 1.0 GiB    85.3 MiB/s  ETA 7s
///
/// The command shows it only when stderr is a terminal and every body goes
/// to a file: never in a pipe, never over a body printed on the terminal.
final class ProgressBar {
    private let err: OutputSink
    private let descriptor: Int32
    private let start = MonotonicClock.now
    private var lastDraw: MonotonicClock.Instant?
    /// The count at the first update: bytes resumed from are not speed.
    private var firstDone: Int64?
    private var drawn = false

    static let interval: Duration = .milliseconds(200)

    init(err: OutputSink, descriptor: Int32) {
        self.err = err
        self.descriptor = descriptor
    }

    /// Redraws the line, unless it was drawn less than `interval` ago.
    func update(label: String, done: Int64, total: Int64?) {
        let now = MonotonicClock.now
        if let lastDraw, now - lastDraw < Self.interval { return }
        lastDraw = now
        draw(label: label, done: done, total: total, final: false)
    }

    /// Draws the line one last time, complete, and moves to the next line.
    func finish(label: String, done: Int64, total: Int64?) {
        draw(label: label, done: done, total: total, final: true)
        err.write("\n")
        drawn = false
        lastDraw = nil
    }

    /// Erases the line, so that a message can be written; the next update redraws it.
    func clear() {
        guard drawn else { return }
        err.write("\r\u{1B}[K")
        drawn = false
        lastDraw = nil
    }

    private func draw(label: String, done: Int64, total: Int64?, final: Bool) {
        if firstDone == nil { firstDone = done }
        let elapsed = MonotonicClock.now - start
        let seconds = elapsed.milliseconds / 1000
        let rate = seconds > 0 ? Double(done - (firstDone ?? 0)) / seconds : 0
        let text = Self.line(label: label, done: done, total: total, bytesPerSecond: rate,
                             elapsed: final ? seconds : nil, width: width())
        err.write("\r" + text + "\u{1B}[K")
        drawn = true
    }

    /// The terminal's width in columns (`COLUMNS`, else 80 when it cannot be
    /// asked). The corresponding C function is `ioctl` with `TIOCGWINSZ`.
    private func width() -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = getenv("COLUMNS"), let value = Int(String(cString: columns)), value > 0 { return value }
        return 80
    }

    // MARK: The line

    /// One line of at most `width - 1` columns. With a known total: label,
    /// percentage, bar, amounts, speed and time left (or, when `elapsed` is
    /// given, the time taken); without one, the amount and the speed.
    static func line(label: String, done: Int64, total: Int64?, bytesPerSecond: Double, elapsed: Double?, width: Int) -> String {
        let speed = size(Int64(bytesPerSecond.isFinite ? max(0, bytesPerSecond) : 0)) + "/s"
        var tail: String
        var percent = ""
        if let total, total > 0 {
            let fraction = min(1, max(0, Double(done) / Double(total)))
            percent = padLeft(String(Int(fraction * 100)) + "%", to: 4)
            // Fields of fixed width while the download runs, so that the bar keeps its length.
            tail = padLeft(size(done), to: 10) + " / \(size(total))  " + padLeft(speed, to: 12)
            if let elapsed {
                tail += pad("  in " + clock(elapsed, tenths: true), to: 12)
            } else if bytesPerSecond > 0, done < total {
                tail += pad("  ETA " + clock(Double(total - done) / bytesPerSecond), to: 12)
            } else {
                tail += String(repeating: " ", count: 12)
            }
            // What is left once the label (up to 24 columns), the percentage and the amounts have theirs.
            let labelWidth = max(10, min(label.count, 24))
            let barWidth = min(40, width - 1 - labelWidth - 2 - percent.count - 1 - 1 - tail.count)
            if barWidth >= 10 {
                let filled = Int(fraction * Double(barWidth - 2))
                let arrow = filled < barWidth - 2 ? ">" : ""
                let bar = "[" + String(repeating: "=", count: filled) + arrow
                    + String(repeating: " ", count: barWidth - 2 - filled - arrow.count) + "]"
                tail = percent + " " + bar + " " + tail
            } else {
                tail = percent + "  " + tail
            }
        } else {
            tail = size(done) + "  " + speed
            if let elapsed { tail += "  in " + clock(elapsed, tenths: true) }
        }
        let room = width - 1 - tail.count - 2
        guard room >= 4 else { return String(tail.prefix(max(0, width - 1))) }
        let shown = label.count <= room ? label : String(label.prefix(room - 1)) + "…"
        let line = pad(shown, to: min(room, max(shown.count, 10))) + "  " + tail
        return String(line[..<(line.lastIndex { $0 != " " }.map(line.index(after:)) ?? line.endIndex)])
    }

    /// `512 B`, `1.5 KiB`, `430.1 MiB`, `1.0 GiB`.
    static func size(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        for unit in ["KiB", "MiB", "GiB"] {
            if value < 1024 || unit == "GiB" {
                let tenths = Int64((value * 10).rounded())
                return "\(tenths / 10).\(tenths % 10) \(unit)"
            }
            value /= 1024
        }
        return "\(bytes) B"
    }

    /// `7s`, `2m05s`, `1h03m`; with `tenths`, `0.4s` and `7.2s` under ten seconds.
    static func clock(_ seconds: Double, tenths: Bool = false) -> String {
        guard seconds.isFinite, seconds < 360_000 else { return "--" }
        if tenths && seconds < 9.95 {
            let value = Int((max(0, seconds) * 10).rounded())
            return "\(value / 10).\(value % 10)s"
        }
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m" + twoDigits(whole % 60) + "s" }
        return "\(whole / 3600)h" + twoDigits(whole % 3600 / 60) + "m"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func pad(_ text: String, to width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func padLeft(_ text: String, to width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
