/// Durations as the command line writes them: `250ms`, `2s`, `1.5m`, `1h`,
/// `30d`; a bare number is seconds.
public enum TimeSpan {
    private static let units: [(suffix: String, nanoseconds: Double)] = [
        ("ms", 1e6), ("us", 1e3), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9),
    ]

    /// Parses a duration, or returns nil when `text` is not one.
    public static func parse(_ text: String) -> Duration? {
        var number = Substring(text)
        var scale = 1e9
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.nanoseconds
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value.isFinite
        else { return nil }
        let nanoseconds = value * scale
        guard nanoseconds < 9e18 else { return nil }
        return .nanoseconds(Int64(nanoseconds.rounded()))
    }

    /// The shortest spelling that `parse` reads back: `250ms`, `2s`, `1.5m`.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms < 1000 { return "\(trim(ms))ms" }
        if ms.truncatingRemainder(dividingBy: 86_400_000) == 0 { return "\(trim(ms / 86_400_000))d" }
        if ms.truncatingRemainder(dividingBy: 3_600_000) == 0 { return "\(trim(ms / 3_600_000))h" }
        if ms.truncatingRemainder(dividingBy: 60_000) == 0 { return "\(trim(ms / 60_000))m" }
        return "\(trim(ms / 1000))s"
    }

    private static func trim(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        return String(rounded)
    }
}

extension Duration {
    /// The duration in (fractional) milliseconds, for timeouts and reports.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
