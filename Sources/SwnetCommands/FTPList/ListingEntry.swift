/// One entry of a directory listing, whichever way the server wrote it
/// (MLSD facts, Unix `ls -l`, DOS/Windows `dir`).
///
/// A line no parser understood is an entry too, with no name and only its
/// raw text: a listing keeps every line the server sent.
struct ListingEntry: Equatable, Sendable {
    enum Kind: String, Sendable {
        case file, dir, link
        /// Devices, pipes, sockets, OS-specific types, and lines not understood.
        case other
    }

    /// The name as the server sent it; nil when the line was not understood.
    var name: String?
    var kind: Kind
    /// Bytes, as the server reports them; nil when it does not (devices, some MLSD dirs).
    var size: Int?
    var modified: ListingTime?
    /// The Unix mode as `ls` shows it without the type (`rwxr-xr-x`) when the
    /// server tells it (LIST in Unix style, MLSD `unix.mode`), else MLSD's
    /// `perm` fact as sent (RFC 3659, e.g. `flr`), else nil.
    var permissions: String?
    /// Where a link points, when the server says.
    var target: String?
    /// The server's own line.
    var raw: String

    init(name: String?, kind: Kind, size: Int? = nil, modified: ListingTime? = nil, permissions: String? = nil,
         target: String? = nil, raw: String) {
        self.name = name
        self.kind = kind
        self.size = size
        self.modified = modified
        self.permissions = permissions
        self.target = target
        self.raw = raw
    }

    /// A line kept as it is because no parser understood it.
    static func unparsed(_ line: String) -> ListingEntry {
        ListingEntry(name: nil, kind: .other, raw: line)
    }

    var isUnderstood: Bool { name != nil }

    /// `.` and `..`: the directory itself and its parent, never listed.
    var isSelfOrParent: Bool { name == "." || name == ".." }
}
