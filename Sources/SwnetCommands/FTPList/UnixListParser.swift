/// One line of a LIST reply in the Unix style, `ls -l` as most servers
/// write it:
///
///     drwxr-xr-x    2 ftp      ftp          4096 May 17 15:04 pub
///     -rw-r--r--    1 1000     1000   5368709120 Jan  2  2020 big file.iso
///     lrwxrwxrwx    1 root     root            7 May 17 15:04 latest -> pub/v2
///     crw-rw-rw-    1 root     root       1,   3 May 17 15:04 null
///     -rw-r--r--    1 ftp      ftp           512 2024-05-17 15:04 iso-dated.txt
///
/// The columns between the mode and the size vary from server to server
/// (link count, owner, group: any may be missing, names may be numbers),
/// so the parser finds the date, whose form is fixed, and takes the size
/// just before it and the name just after it.
enum UnixListParser {
    /// The entry on `line`, or nil when the line is not in this style.
    /// `now` (seconds since the epoch) dates the recent files, which `ls`
    /// shows with a time of day instead of a year.
    static func parse(_ line: String, now: Int64) -> ListingEntry? {
        let words = ListingFields.words(line)
        guard words.count >= 5, let (kind, permissions, isDevice) = mode(words[0]) else { return nil }
        // The mode, the size and at least one of links, owner and group come
        // before the date; starting there keeps an owner called "jan" from
        // passing for a month.
        for index in 3..<(words.count - 1) {
            guard let (modified, last) = date(words, at: index, now: now), last + 1 < words.count else { continue }
            let size: Int?
            if isDevice {
                // "1,   3" or "1,3": the device numbers stand where the size would.
                guard words[index - 1].contains(",") || (ListingFields.number(words[index - 1]) != nil && words[index - 2].hasSuffix(","))
                else { continue }
                size = nil
            } else {
                guard let bytes = ListingFields.number(words[index - 1]) else { continue }
                size = bytes
            }
            let rest = ListingFields.rest(after: words[last], in: line)
            guard !rest.isEmpty else { return nil }
            var name = String(rest)
            var target: String?
            // The arrow splits only where a name comes before it and a target after it.
            if kind == .link, let arrow = rest.dropFirst().find(" -> "), arrow.upperBound < rest.endIndex {
                name = String(rest[..<arrow.lowerBound])
                target = String(rest[arrow.upperBound...])
            }
            return ListingEntry(name: name, kind: kind, size: size, modified: modified, permissions: permissions, target: target, raw: line)
        }
        return nil
    }

    /// The mode column, `drwxr-xr-x` (maybe with `+`, `@` or `.` after it
    /// for ACLs, extended attributes or a security context): the kind, the
    /// nine permission characters, and whether it is a device.
    static func mode(_ word: Substring) -> (ListingEntry.Kind, String, Bool)? {
        let characters = Array(word)
        guard characters.count == 10 || (characters.count == 11 && "+@.".contains(characters[10])) else { return nil }
        let kind: ListingEntry.Kind
        switch characters[0] {
        case "-": kind = .file
        case "d": kind = .dir
        case "l": kind = .link
        case "c", "b", "p", "s", "D", "n", "w", "?": kind = .other
        default: return nil
        }
        let permissions = characters[1...9]
        // Each letter in its own place (rwx for owner, group, others; s, S, t, T
        // and the old l, L for locking where they belong): a line with them out
        // of place is not read as a mode, it is kept as sent.
        let allowed = ["r-", "w-", "xsS-", "r-", "w-", "xsSlL-", "r-", "w-", "xtT-"]
        guard zip(permissions, allowed).allSatisfy({ $1.contains($0) }) else { return nil }
        return (kind, String(permissions), characters[0] == "c" || characters[0] == "b")
    }

    /// The date starting at `words[index]`, and the index of its last word:
    /// `May 17 15:04`, `Jan  2  2020`, `2024-05-17 15:04` (`--time-style=long-iso`),
    /// or `2024-05-17 15:04:05.123456789 +0000` (`full-iso`).
    static func date(_ words: [Substring], at index: Int, now: Int64) -> (ListingTime, Int)? {
        guard index + 1 < words.count else { return nil }
        if let month = ListingFields.month(words[index]) {
            guard index + 2 < words.count, let day = ListingFields.number(words[index + 1]), words[index + 1].count <= 2 else { return nil }
            let third = words[index + 2]
            if let year = ListingFields.number(third, digits: 4) {
                return ListingTime(year: year, month: month, day: day, precision: .day).map { ($0, index + 2) }
            }
            guard let clock = ListingFields.clock(third), clock.second == nil else { return nil }
            return ListingFields.recentTime(month: month, day: day, hour: clock.hour, minute: clock.minute, now: now).map { ($0, index + 2) }
        }
        let parts = words[index].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let year = ListingFields.number(parts[0], digits: 4),
              let month = ListingFields.number(parts[1], digits: 2), let day = ListingFields.number(parts[2], digits: 2)
        else { return nil }
        // The time may carry a fraction of a second (full-iso), which is cut off here and kept.
        let clockWord = words[index + 1]
        let dot = clockWord.firstIndex(of: ".")
        guard let clock = ListingFields.clock(clockWord[..<(dot ?? clockWord.endIndex)]) else { return nil }
        let fraction = dot.map { String(clockWord[clockWord.index(after: $0)...]) } ?? ""
        guard let time = ListingTime(year: year, month: month, day: day, hour: clock.hour, minute: clock.minute, second: clock.second ?? 0,
                                     fraction: fraction, precision: clock.second == nil ? .minute : .second)
        else { return nil }
        // full-iso ends with the zone (+0200): the one LIST time whose zone is known, so it is made UTC.
        if index + 2 < words.count, let sign = words[index + 2].first, sign == "+" || sign == "-",
           let offset = ListingFields.number(words[index + 2].dropFirst(), digits: 4) {
            let seconds = Int64(offset / 100 * 3600 + offset % 100 * 60)
            return (time.adding(seconds: sign == "+" ? -seconds : seconds), index + 2)
        }
        return (time, index + 1)
    }
}
