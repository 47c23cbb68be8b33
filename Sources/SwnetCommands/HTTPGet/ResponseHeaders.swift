import SwnetCore

/// The status line and header fields of the latest response, read line by
/// line as libcurl hands them over. A status line starts a new response, so
/// after redirects and `100 Continue` what is left is the final answer's.
struct ResponseHeaders {
    /// `1.1`, `2`: the version in the status line.
    private(set) var version = ""
    private(set) var status = 0
    /// The reason phrase (`Not Found`); HTTP/2 has none.
    private(set) var reason = ""
    /// Field names lower-cased, values trimmed, in the order received.
    private(set) var fields: [(name: String, value: String)] = []
    /// Responses seen so far in this attempt (redirects and 1xx included).
    private(set) var responses = 0

    /// Reads one header line, with or without its CRLF.
    mutating func add(_ line: Substring) {
        var line = line
        while let last = line.last, last.isNewline { line = line.dropLast() }  // "\r\n" is one Character
        if line.hasPrefix("HTTP/") {
            responses += 1
            fields = []
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            version = String(words[0].dropFirst("HTTP/".count))
            status = words.count > 1 ? Int(words[1]) ?? 0 : 0
            reason = words.count > 2 ? Self.trimmed(words[2]) : ""
        } else if line.first == " " || line.first == "\t" {
            // An obsolete folded line continues the previous field, the fold
            // read as one space; the value is trimmed again, as it may have been empty.
            if let last = fields.popLast() { fields.append((last.name, Self.trimmed(Substring(last.value + " " + Self.trimmed(line))))) }
        } else if let colon = line.firstIndex(of: ":") {
            fields.append((line[..<colon].lowercased(), Self.trimmed(line[line.index(after: colon)...])))
        }
    }

    /// Reads the lines of `bytes`, as they came from the server.
    init<Bytes: Collection>(parsing bytes: Bytes) where Bytes.Element == UInt8 {
        // Split the bytes, not the String: there "\r\n" is a single Character.
        for line in bytes.split(separator: UInt8(ascii: "\n")) { add(Substring(String(decoding: line, as: UTF8.self))) }
    }

    init() {}

    /// Every value of the field `name`, joined as `value(_:)` joins them; nil when absent.
    func value(_ name: String) -> String? {
        let name = name.lowercased()
        let values = fields.filter { $0.name == name }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: Self.separator(for: name))
    }

    /// `404 Not Found`, or `404` when there is no reason phrase.
    var statusText: String { reason.isEmpty ? "\(status)" : "\(status) \(reason)" }

    /// The fields as one JSON object, names lower-cased, in the order first
    /// seen. A field sent more than once has its values joined by ", " as
    /// RFC 9110 allows, except Set-Cookie, whose values may hold commas and
    /// are joined by a newline.
    var json: JSONValue {
        var names: [String] = []
        for field in fields where !names.contains(field.name) { names.append(field.name) }
        return .object(names.map { ($0, .string(value($0)!)) })
    }

    private static func separator(for name: String) -> String { name == "set-cookie" ? "\n" : ", " }

    /// Without leading and trailing spaces and tabs.
    static func trimmed(_ text: Substring) -> String {
        let isSpace = { (c: Character) in c == " " || c == "\t" }
        guard let start = text.firstIndex(where: { !isSpace($0) }), let end = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[start...end])
    }
}
