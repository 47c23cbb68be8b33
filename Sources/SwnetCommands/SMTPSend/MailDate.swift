import Glibc

/// The Date header's form (RFC 5322 3.3): `Tue, 04 Mar 2025 12:34:56 +0100`.
/// Names are spelt out here, not taken from strftime, so no locale can
/// change them.
enum MailDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `time` in the local time zone, or at `utcOffset` seconds east of UTC.
    /// The corresponding C functions are `localtime_r` and `gmtime_r`.
    static func format(_ time: time_t, utcOffset: Int? = nil) -> String {
        var parts = tm()
        let offset: Int
        if let utcOffset {
            var shifted = time + time_t(utcOffset)
            gmtime_r(&shifted, &parts)
            offset = utcOffset
        } else {
            var clock = time
            localtime_r(&clock, &parts)
            offset = parts.tm_gmtoff
        }
        let minutes = abs(offset) / 60
        return "\(days[Int(parts.tm_wday)]), \(two(Int(parts.tm_mday))) \(months[Int(parts.tm_mon)]) \(Int(parts.tm_year) + 1900) "
            + "\(two(Int(parts.tm_hour))):\(two(Int(parts.tm_min))):\(two(Int(parts.tm_sec))) "
            + (offset < 0 ? "-" : "+") + two(minutes / 60) + two(minutes % 60)
    }

    private static func two(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
