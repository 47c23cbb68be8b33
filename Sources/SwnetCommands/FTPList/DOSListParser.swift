/// One line of a LIST reply in the DOS/Windows style, as IIS and other
/// Windows servers write it:
///
///     05-17-24  03:04PM       <DIR>          Documents
///     05-17-24  03:04PM                 1234 annual report.pdf
///     01-02-2023  11:30AM         5368709120 disk.iso
///     05/17/2024  15:04       <DIR>          logs
///
/// Dates are month-day-year (two-digit years are 1970-2069, as POSIX
/// reads them) or year-month-day; times have AM/PM or are 24-hour. There
/// is no owner and no mode. Name columns are padded, so the name starts
/// at the first non-blank after the size or `<DIR>`.
enum DOSListParser {
    /// The entry on `line`, or nil when the line is not in this style.
    static func parse(_ line: String) -> ListingEntry? {
        let words = ListingFields.words(line)
        guard words.count >= 4, let date = date(words[0]) else { return nil }
        // "03:04PM", or "03:04 PM" with the half of the day as a word of its own.
        var next = 1
        var clockText = words[1]
        var half: Substring?
        if clockText.hasSuffix("AM") || clockText.hasSuffix("PM") || clockText.hasSuffix("am") || clockText.hasSuffix("pm") {
            half = clockText.suffix(2)
            clockText = clockText.dropLast(2)
        } else if ["AM", "PM", "am", "pm"].contains(words[2]) {
            half = words[2]
            next = 2
        }
        guard let clock = ListingFields.clock(clockText) else { return nil }
        var hour = clock.hour
        if let half {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (half.lowercased() == "pm" ? 12 : 0)
        }
        let sizeIndex = next + 1
        guard sizeIndex + 1 < words.count,
              let modified = ListingTime(year: date.year, month: date.month, day: date.day, hour: hour, minute: clock.minute,
                                         second: clock.second ?? 0, precision: clock.second == nil ? .minute : .second)
        else { return nil }

        let sizeWord = words[sizeIndex]
        let kind: ListingEntry.Kind
        var size: Int?
        switch sizeWord.uppercased() {
        case "<DIR>": kind = .dir
        case "<JUNCTION>", "<SYMLINK>", "<SYMLINKD>": kind = .link
        default:
            // Some servers group the digits as `dir` does: 1,234,567.
            let digits = sizeWord.filter { $0 != "," && $0 != "." }
            guard !sizeWord.hasPrefix(","), let bytes = ListingFields.number(Substring(digits)) else { return nil }
            kind = .file
            size = bytes
        }
        let rest = line[sizeWord.endIndex...].drop(while: { $0 == " " || $0 == "\t" })
        guard !rest.isEmpty else { return nil }
        var name = String(rest)
        var target: String?
        // `dir` shows a link as "name [target]".
        if kind == .link, rest.hasSuffix("]"), let open = rest.findLast(" ["), open.upperBound < rest.index(before: rest.endIndex) {
            name = String(rest[..<open.lowerBound])
            target = String(rest[open.upperBound..<rest.index(before: rest.endIndex)])
        }
        return ListingEntry(name: name, kind: kind, size: size, modified: modified, target: target, raw: line)
    }

    /// `05-17-24`, `05-17-2024`, `05/17/2024` or `2024-05-17`.
    static func date(_ word: Substring) -> (year: Int, month: Int, day: Int)? {
        let separator: Character = word.contains("/") ? "/" : "-"
        let parts = word.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        if parts[0].count == 4 {
            guard let year = ListingFields.number(parts[0]), let month = ListingFields.number(parts[1], digits: 2),
                  let day = ListingFields.number(parts[2], digits: 2)
            else { return nil }
            return (year, month, day)
        }
        guard let month = ListingFields.number(parts[0]), parts[0].count <= 2, let day = ListingFields.number(parts[1]), parts[1].count <= 2,
              parts[2].count == 2 || parts[2].count == 4, var year = ListingFields.number(parts[2])
        else { return nil }
        if parts[2].count == 2 { year += year < 70 ? 2000 : 1900 }
        return (year, month, day)
    }
}
