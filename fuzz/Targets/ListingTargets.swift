/// The LIST parsers (Unix `ls -l` and DOS `dir` styles) and MLSD, fed a
/// whole data connection's bytes, then rendered in every output style.
enum ListingTargets {
    /// 2024-05-17T12:00:00Z, which dates the recent files of `ls -l`.
    static let now: Int64 = 1_715_947_200

    static func unix(_ input: FuzzInput) {
        for line in Listing.lines(input.bytes) {
            if let entry = UnixListParser.parse(line, now: now) { checkEntry(entry, line: line) }
        }
        render(input, .list)
    }

    static func dos(_ input: FuzzInput) {
        for line in Listing.lines(input.bytes) {
            if let entry = DOSListParser.parse(line) { checkEntry(entry, line: line) }
        }
        render(input, .list)
    }

    static func mlsd(_ input: FuzzInput) {
        for line in Listing.lines(input.bytes) {
            if let entry = MLSDParser.parse(line) { checkEntry(entry, line: line) }
        }
        render(input, .mlsd)
    }

    /// What every parsed entry promises: a name, the line it came from, a
    /// size that is a size, a time that is a time.
    private static func checkEntry(_ entry: ListingEntry, line: String) {
        require(entry.raw == line, "an entry lost its line")
        require(entry.name.map { !$0.isEmpty } == true, "a parsed entry has no name: '\(line)'")
        require(entry.target.map { !$0.isEmpty } ?? true, "a link with an empty target: '\(line)'")
        require(entry.size.map { $0 >= 0 } ?? true, "a negative size from '\(line)'")
        if let time = entry.modified {
            require(ListingTime(year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute,
                                second: time.second, fraction: time.fraction, precision: time.precision) == time,
                    "an impossible time from '\(line)'")
            _ = time.rfc3339
        }
    }

    private static func render(_ input: FuzzInput, _ format: Listing.Format) {
        let listing = Listing(body: input.bytes, format: format, now: now)
        require(listing.entries.count <= listing.lines.count, "more entries than lines")
        // One style and order per input, chosen by its length, keeps each run short.
        let styles: [ListingOutput.Style] = [.table, .names, .raw, .json]
        let orders = ListingOutput.Order.allCases
        _ = ListingOutput.render(listing, style: styles[input.bytes.count % 4], order: orders[input.bytes.count / 4 % orders.count])
    }
}
