/// The small pieces the LIST parsers share: words with their place in the
/// line, numbers, month names, and the year `ls` leaves out.
enum ListingFields {
    /// The words of `line`, split at runs of spaces and tabs. Each is a
    /// slice of `line`, so its indices say where the rest of the line begins.
    static func words(_ line: String) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// What follows `word` in its line, after exactly one separating space:
    /// `ls` pads the columns before the name, never the name itself, so
    /// further spaces belong to the name.
    static func rest(after word: Substring, in line: String) -> Substring {
        var start = word.endIndex
        if start < line.endIndex, line[start] == " " || line[start] == "\t" { start = line.index(after: start) }
        return line[start...]
    }

    /// A whole number written with ASCII digits only (no sign), within Int.
    static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy(isDigit) else { return nil }
        return Int(text)
    }

    /// A number of exactly `count` digits.
    static func number(_ text: Substring, digits count: Int) -> Int? {
        text.utf8.count == count ? number(text) : nil
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// 1...12 for an English month abbreviation (`Jan`, `sep`, `DEC`).
    static func month(_ text: Substring) -> Int? {
        guard text.utf8.count == 3 else { return nil }
        return months.firstIndex(of: text.lowercased()).map { $0 + 1 }
    }

    /// `15:04` or `15:04:05` as (hour, minute, second?).
    static func clock(_ text: Substring) -> (hour: Int, minute: Int, second: Int?)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, (1...2).contains(parts[0].count),
              let hour = number(parts[0]), let minute = number(parts[1], digits: 2)
        else { return nil }
        if parts.count == 2 { return (hour, minute, nil) }
        guard let second = number(parts[2], digits: 2) else { return nil }
        return (hour, minute, second)
    }

    /// `ls -l` shows recent files with a time of day and no year: the year
    /// is the latest one that does not put the date in the future. One day
    /// of slack allows for a server whose clock runs in another time zone;
    /// going back further than one year finds a February 29.
    static func recentTime(month: Int, day: Int, hour: Int, minute: Int, now: Int64) -> ListingTime? {
        let thisYear = ListingTime.date(epochSeconds: now).year
        for year in stride(from: thisYear, through: thisYear - 8, by: -1) {
            guard let time = ListingTime(year: year, month: month, day: day, hour: hour, minute: minute, precision: .minute) else { continue }
            if time.epochSeconds <= now + 86_400 { return time }
        }
        return nil
    }
}
