/// A response's status line and header lines as the server sent them, each
/// name in its own case: what the cache stores, what `-i` writes for an
/// answer from the cache, and what a `304` updates.
///
/// `value(_:)` reads a field for the cache's rules; `headers` reads the
/// same lines as the rest of http-get does, for `--json` and `-v`. The
/// lines are read byte by byte: a cache hit does little else, and should
/// cost little more than starting the program.
struct ResponseHead: Equatable {
    /// `HTTP/1.1 200 OK`, without its CRLF.
    var statusLine: String
    /// One entry per field line: its name lower-cased, and the line as sent
    /// (an obsolete folded continuation stays with its line).
    var fields: [Field]

    struct Field: Equatable {
        /// Lower-cased.
        let name: String
        let line: String
        /// Trimmed; a folded continuation joined by one space.
        let value: String
    }

    /// Fields a cache does not keep (RFC 9111 section 3.1): they belong to
    /// one connection or one transfer, not to the stored answer.
    static let hopByHop = ["connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade", "trailer"]

    /// Fields a `304` does not replace (section 3.2): those the stored body
    /// depends on (its length and coding), besides the hop-by-hop ones.
    static let keptOnUpdate = hopByHop + ["content-length", "content-encoding", "content-range"]

    /// The last response in `bytes`, header lines as libcurl hands them over
    /// (every response's, redirects and 1xx included); nil without a status line.
    init?<Bytes: BidirectionalCollection>(parsing bytes: Bytes) where Bytes.Element == UInt8 {
        var status: String?
        var fields: [Field] = []
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw[...]
            guard let first = line.first else { continue }
            if line.starts(with: "HTTP/".utf8) {
                status = String(decoding: line, as: UTF8.self)
                fields = []
            } else if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                // An obsolete folded line continues the field before it.
                guard let last = fields.popLast() else { continue }
                let more = Self.trimmed(line)
                fields.append(Field(name: last.name, line: last.line + "\r\n" + String(decoding: line, as: UTF8.self),
                                    value: last.value.isEmpty ? more : more.isEmpty ? last.value : last.value + " " + more))
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                fields.append(Field(name: String(decoding: line[..<colon], as: UTF8.self).lowercased(),
                                    line: String(decoding: line, as: UTF8.self), value: Self.trimmed(line[line.index(after: colon)...])))
            }
        }
        guard let status else { return nil }
        statusLine = status
        self.fields = fields
    }

    init(statusLine: String, fields: [Field]) {
        self.statusLine = statusLine
        self.fields = fields
    }

    /// The head as bytes: status line, field lines, and the empty line, each ending in CRLF.
    var bytes: [UInt8] {
        var text = statusLine + "\r\n"
        for field in fields { text += field.line + "\r\n" }
        return Array((text + "\r\n").utf8)
    }

    /// Every value of the field `name` (lower-case), joined as
    /// `ResponseHeaders.value` joins them; nil when absent.
    func value(_ name: String) -> String? {
        var result: String?
        for field in fields where field.name == name {
            result = result.map { $0 + (name == "set-cookie" ? "\n" : ", ") + field.value } ?? field.value
        }
        return result
    }

    /// The fields as the rest of http-get reads them (`--json`, `-v`).
    var headers: ResponseHeaders { ResponseHeaders(parsing: bytes) }

    /// The bytes without leading and trailing spaces and tabs, as text.
    static func trimmed<Bytes: BidirectionalCollection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }), let end = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }

    /// Without the fields of one connection or transfer: what is stored.
    var storable: ResponseHead {
        ResponseHead(statusLine: statusLine, fields: fields.filter { !Self.hopByHop.contains($0.name) })
    }

    /// This stored head updated by the head of a `304` (section 4.3.4,
    /// with the exceptions of section 3.2): each field the `304` sends
    /// replaces the stored field of that name, in its place; the status line stays.
    func updated(by notModified: ResponseHead) -> ResponseHead {
        let incoming = notModified.fields.filter { !Self.keptOnUpdate.contains($0.name) }
        let replaced = incoming.map(\.name)
        var result: [Field] = [], placed: [String] = []
        for field in fields {
            guard replaced.contains(field.name) else {
                result.append(field)
                continue
            }
            if !placed.contains(field.name) {
                result += incoming.filter { $0.name == field.name }
                placed.append(field.name)
            }
        }
        return ResponseHead(statusLine: statusLine, fields: result + incoming.filter { !placed.contains($0.name) })
    }

    /// With `Age: seconds` in place of any Age field: how a cache hands
    /// out a stored answer (section 5.1).
    func with(age seconds: Int64) -> ResponseHead {
        ResponseHead(statusLine: statusLine, fields: fields.filter { $0.name != "age" } + [Field(name: "age", line: "Age: \(seconds)", value: "\(seconds)")])
    }
}
