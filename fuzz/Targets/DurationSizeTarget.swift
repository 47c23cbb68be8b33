import SwnetCore

/// Durations and sizes as options take them (`250ms`, `1.5m`, `64K`).
enum DurationSizeTarget {
    static func run(_ input: FuzzInput) {
        let text = input.text
        if let duration = TimeSpan.parse(text) {
            require(duration >= .zero, "'\(text)' parsed as a negative duration")
            // format promises a spelling that parse reads back (to its rounding of a microsecond).
            let spelled = TimeSpan.format(duration)
            guard let again = TimeSpan.parse(spelled) else { return require(false, "'\(spelled)' (from '\(text)') does not parse") }
            let difference = abs((again - duration).milliseconds)
            require(difference <= max(1, duration.milliseconds * 1e-9), "'\(text)' -> '\(spelled)' is off by \(difference) ms")
        }
        if let size = ByteSize.parse(text) {
            require(size >= 0, "'\(text)' parsed as a negative size")
        }
    }
}
