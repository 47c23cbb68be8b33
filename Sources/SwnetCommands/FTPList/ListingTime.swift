/// A modification time from a directory listing: a calendar date and a
/// time of day as the server wrote them, taken as UTC (MLSD's `modify` is
/// UTC by RFC 3659; LIST times are in the server's clock, whose zone the
/// protocol does not tell, and most servers run on or report UTC).
///
/// Plain arithmetic, no Foundation: the binary stays small and starts fast.
struct ListingTime: Equatable, Sendable {
    /// How much the server told: LIST shows only the date for older files.
    enum Precision: Sendable { case day, minute, second }

    let year: Int
    let month: Int
    let day: Int
    let hour: Int
    let minute: Int
    let second: Int
    /// The digits after the decimal point of the seconds, as the server wrote them ("123" of `.123`); empty when none.
    let fraction: String
    let precision: Precision

    /// A checked time: nil when any part is out of range (February 30, 24:00).
    init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, fraction: String = "",
          precision: Precision) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...ListingTime.days(inMonth: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              fraction.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.fraction = fraction
        self.precision = precision
    }

    /// RFC 3339 in UTC: `2024-05-17T15:04:00Z`, `2024-05-17T15:04:05.123Z`.
    /// A date alone (old files in LIST) reads as its midnight.
    var rfc3339: String {
        var text = ListingTime.digits(year, 4) + "-" + ListingTime.digits(month, 2) + "-" + ListingTime.digits(day, 2)
        text += "T" + ListingTime.digits(hour, 2) + ":" + ListingTime.digits(minute, 2) + ":" + ListingTime.digits(second, 2)
        if !fraction.isEmpty { text += "." + fraction }
        return text + "Z"
    }

    /// For the table: `2024-05-17 15:04`, or `2024-05-17` when only the date is known.
    var shortText: String {
        let date = ListingTime.digits(year, 4) + "-" + ListingTime.digits(month, 2) + "-" + ListingTime.digits(day, 2)
        return precision == .day ? date : date + " " + ListingTime.digits(hour, 2) + ":" + ListingTime.digits(minute, 2)
    }

    /// Seconds since 1970-01-01T00:00:00Z, for sorting by time.
    var epochSeconds: Int64 {
        ListingTime.daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The same instant `seconds` later (earlier when negative), for times given with a zone offset.
    func adding(seconds: Int64) -> ListingTime {
        let total = epochSeconds + seconds
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let date = ListingTime.civilFromDays(days)
        let rest = Int(total - days * 86_400)
        return ListingTime(year: date.year, month: date.month, day: date.day, hour: rest / 3600, minute: rest / 60 % 60, second: rest % 60,
                           fraction: fraction, precision: precision) ?? self
    }

    /// The UTC date of an instant given in seconds since the epoch.
    static func date(epochSeconds seconds: Int64) -> (year: Int, month: Int, day: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return civilFromDays(days)
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = Int64((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysFromCivil` (Howard Hinnant's `civil_from_days`).
    static func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// `value` in decimal, zero-padded to `width` digits.
    static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
