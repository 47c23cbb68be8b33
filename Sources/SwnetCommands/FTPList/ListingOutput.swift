import SwnetCore

/// How ftp-list writes a listing on stdout: a table, the names, the
/// server's own lines, or JSON; and in which order.
enum ListingOutput {
    enum Style: Sendable { case table, names, raw, json }

    /// `--sort`. Entries not understood have no name, time or size: they
    /// come last, in the server's order.
    enum Order: String, CaseIterable, Sendable {
        /// By name, byte by byte in UTF-8 (as `LC_ALL=C ls`): the same on every machine.
        case name
        /// Newest first, as `ls -t`.
        case time
        /// Largest first, as `ls -S`.
        case size
        /// As the server sent them.
        case none
    }

    /// What goes to stdout for `listing`.
    static func render(_ listing: Listing, style: Style, order: Order) -> String {
        switch style {
        case .raw: return listing.lines.map { $0 + "\n" }.joined()
        case .names: return sorted(listing.entries, by: order).map { ($0.name ?? $0.raw) + "\n" }.joined()
        case .table: return table(sorted(listing.entries, by: order))
        case .json: return json(sorted(listing.entries, by: order)).rendered + "\n"
        }
    }

    static func sorted(_ entries: [ListingEntry], by order: Order) -> [ListingEntry] {
        if order == .none { return entries }
        // Sorting the positions too keeps ties in the server's order.
        return entries.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.isUnderstood != y.isUnderstood { return x.isUnderstood }
            guard x.isUnderstood else { return a.offset < b.offset }
            switch order {
            case .time: if let first = descending(x.modified?.epochSeconds, y.modified?.epochSeconds) { return first }
            case .size: if let first = descending(x.size, y.size) { return first }
            case .name, .none: break
            }
            let (m, n) = (x.name!, y.name!)
            if m != n { return m.utf8.lexicographicallyPrecedes(n.utf8) }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// One line per entry: type, size, modified, name (`name -> target` for
    /// links); `-` where the server did not say. A line not understood
    /// shows as `?` and its raw text. Control characters in names show as
    /// `?`, so a name cannot move the cursor or recolour the terminal.
    static func table(_ entries: [ListingEntry]) -> String {
        let rows = entries.map { entry -> (String, String, String, String) in
            guard let name = entry.name else { return ("?", "-", "-", printable(entry.raw)) }
            let shown = entry.target.map { "\(name) -> \($0)" } ?? name
            return (entry.kind.rawValue, entry.size.map(String.init) ?? "-", entry.modified?.shortText ?? "-", printable(shown))
        }
        let kindWidth = rows.map(\.0.count).max() ?? 0
        let sizeWidth = rows.map(\.1.count).max() ?? 0
        let timeWidth = rows.map(\.2.count).max() ?? 0
        var text = ""
        for (kind, size, time, name) in rows {
            text += pad(kind, kindWidth) + "  " + String(repeating: " ", count: sizeWidth - size.count) + size + "  " + pad(time, timeWidth)
            text += "  " + name + "\n"
        }
        return text
    }

    /// An array of `{"name","type","size","modified","permissions","target","raw"}`,
    /// null where unknown; `modified` in RFC 3339, UTC.
    static func json(_ entries: [ListingEntry]) -> JSONValue {
        .array(entries.map { entry in
            .object([
                ("name", entry.name.map(JSONValue.string) ?? .null),
                ("type", .string(entry.kind.rawValue)),
                ("size", entry.size.map(JSONValue.int) ?? .null),
                ("modified", entry.modified.map { .string($0.rfc3339) } ?? .null),
                ("permissions", entry.permissions.map(JSONValue.string) ?? .null),
                ("target", entry.target.map(JSONValue.string) ?? .null),
                ("raw", .string(entry.raw)),
            ])
        })
    }

    /// Whether `a` goes first when larger goes first and unknown last; nil on a tie.
    private static func descending<T: Comparable>(_ a: T?, _ b: T?) -> Bool? {
        switch (a, b) {
        case let (a?, b?): return a == b ? nil : a > b
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return nil
        }
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var shown = ""
        shown.unicodeScalars.append(contentsOf: text.unicodeScalars.map { isControl($0) ? "?" : $0 })
        return shown
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
