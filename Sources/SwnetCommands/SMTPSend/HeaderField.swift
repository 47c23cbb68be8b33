import SwnetCore

/// One header field of a message (RFC 5322 2.2), folded for the wire.
struct HeaderField: Equatable {
    let name: String
    /// The value as sent, before folding: ASCII only.
    let value: String

    /// Folded lines are kept within 76 characters where the value has
    /// spaces to fold at: RFC 5322 asks for 78, RFC 2047 for 76 on lines
    /// that hold encoded words.
    static let lineLimit = 76

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// An unstructured field (Subject, Comments, X-anything): text that is
    /// not ASCII, or that no folding could bring within SMTP's 998-octet
    /// line, goes as RFC 2047 encoded words.
    static func unstructured(_ name: String, _ text: String) -> HeaderField {
        if !EncodedWord.isNeeded(for: text) {
            let plain = HeaderField(name, text)
            if plain.longestLine <= TransferEncoding.maximumLineLength { return plain }
        }
        return HeaderField(name, EncodedWord.encode(text).joined(separator: " "))
    }

    /// `Name: value` folded at spaces (a fold is a CRLF put before an
    /// existing space, so unfolding gives the value back exactly), with
    /// CRLF between lines and none at the end.
    var folded: String {
        var lines: [String] = []
        var line = name + ":"
        for token in value.split(separator: " ", omittingEmptySubsequences: false) {
            if token.isEmpty {
                line += " "
                continue
            }
            if line.utf8.count + 1 + token.utf8.count > HeaderField.lineLimit && line.contains(where: { $0 != " " }) {
                lines.append(line)
                line = ""
            }
            line += " " + token
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }

    /// The longest line of the folded field, in octets.
    var longestLine: Int {
        folded.split(separator: "\r\n").map(\.utf8.count).max() ?? 0
    }

    /// Whether `name` is a field name: printable ASCII without a colon (RFC 5322 2.2).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") }
    }

    /// Reads `Name: value` as `-H` takes it.
    static func parse(_ text: String) throws -> (name: String, value: String) {
        guard let colon = text.firstIndex(of: ":") else {
            throw SwnetError.usage("invalid header '\(text)': expected 'Name: value'")
        }
        let name = String(text[..<colon])
        let value = String(text[text.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
        guard isValidName(name) else {
            throw SwnetError.usage("invalid header name '\(name)': printable ASCII without spaces or a colon")
        }
        guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw SwnetError.usage("header \(name) must be one line: fold it nowhere, swnet folds long headers itself")
        }
        return (name, value)
    }
}
