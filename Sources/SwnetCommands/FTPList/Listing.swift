/// A directory listing: the server's lines, and the entries ftp-list reads
/// from them.
struct Listing: Sendable {
    /// What the server was asked, which says how to read its lines.
    enum Format: String, Sendable {
        /// RFC 3659 machine-readable facts.
        case mlsd = "MLSD"
        /// Free-form, in practice Unix `ls -l` or DOS `dir`.
        case list = "LIST"
    }

    let format: Format
    /// The server's lines in its order, line ends removed.
    let lines: [String]
    /// The entries in the server's order, without `.` and `..` and without
    /// LIST's `total` line. A line no parser understood is an entry with
    /// only its raw text: nothing the server sent is dropped.
    let entries: [ListingEntry]

    /// Reads a listing. `now` (seconds since the epoch) dates LIST's recent
    /// files, which carry a time of day but no year.
    init(lines: [String], format: Format, now: Int64) {
        self.format = format
        self.lines = lines
        entries = lines.compactMap { line in
            let entry = format == .mlsd ? Listing.mlsdEntry(line) : Listing.listEntry(line, now: now)
            return entry?.isSelfOrParent == true ? nil : entry
        }
    }

    /// Reads a listing from the bytes of the data connection.
    init(body: [UInt8], format: Format, now: Int64) {
        self.init(lines: Listing.lines(body), format: format, now: now)
    }

    /// How many lines no parser understood.
    var unparsedCount: Int { entries.lazy.filter { !$0.isUnderstood }.count }

    /// One MLSD line; nil for a blank line.
    static func mlsdEntry(_ line: String) -> ListingEntry? {
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return nil }
        return MLSDParser.parse(line) ?? .unparsed(line)
    }

    /// One LIST line, tried as Unix and then as DOS; nil for a blank line
    /// or `ls`'s `total 1234`.
    static func listEntry(_ line: String, now: Int64) -> ListingEntry? {
        let words = ListingFields.words(line)
        if words.isEmpty { return nil }
        if words.count == 2, words[0].lowercased() == "total", ListingFields.number(words[1]) != nil { return nil }
        return UnixListParser.parse(line, now: now) ?? DOSListParser.parse(line) ?? .unparsed(line)
    }

    /// The lines of `body`, split at LF with a CR before it removed. A line
    /// that is not UTF-8 is read as Latin-1, the usual older server charset,
    /// so every byte stays visible.
    static func lines(_ body: [UInt8]) -> [String] {
        var lines: [String] = []
        var start = 0
        while start < body.count {
            var end = body[start...].firstIndex(of: UInt8(ascii: "\n")) ?? body.count
            let next = end + 1
            if end > start, body[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            lines.append(decode(body[start..<end]))
            start = next
        }
        return lines
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return text
    }
}
