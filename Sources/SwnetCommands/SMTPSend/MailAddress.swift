import SwnetCore

/// A mailbox as users write it: `anna@example.com` or
/// `Anna Example <anna@example.com>` (RFC 5322 3.4).
struct MailAddress: Equatable, CustomStringConvertible {
    /// The name shown to readers, if any, as text (not yet quoted or encoded).
    let displayName: String?
    /// The addr-spec the SMTP envelope uses: `anna@example.com`.
    let address: String

    init(_ address: String, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName
    }

    /// `<anna@example.com>`, as the envelope and diagnostics show it.
    var description: String { "<\(address)>" }

    /// The domain after the last `@`, if there is one.
    var domain: String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let domain = address[address.index(after: at)...]
        return domain.isEmpty ? nil : String(domain)
    }

    /// The mailbox as a header shows it: the name quoted when it holds
    /// specials, encoded per RFC 2047 when it is not ASCII.
    var headerText: String {
        guard let name = displayName, !name.isEmpty else { return address }
        let encoded = { EncodedWord.encode(name).joined(separator: " ") }
        var phrase: String
        if EncodedWord.isNeeded(for: name) {
            phrase = encoded()
        } else if name.contains(where: { "()<>[]:;@\\,.\"".contains($0) }) || name.hasPrefix(" ") || name.hasSuffix(" ") {
            phrase = "\"" + name.replacingEach(["\\": "\\\\", "\"": "\\\""]) + "\""
        } else {
            phrase = name
        }
        // A name with a word too long for any folding goes as encoded words, which fold.
        if HeaderField("From", phrase).longestLine > TransferEncoding.maximumLineLength { phrase = encoded() }
        return phrase + " <" + address + ">"
    }

    /// The longest address SMTP carries (RFC 5321 4.5.3.1.3), which also
    /// keeps every header line that names it within 998 octets.
    static let longestAddress = 254

    /// One mailbox; `what` names the option in errors.
    static func parse(_ text: String, what: String) throws -> MailAddress {
        let text = text.withoutOuterSpaces
        func invalid(_ why: String) -> SwnetError { .usage("invalid address '\(text)' for \(what): \(why)") }
        guard !text.isEmpty else { throw invalid("it is empty") }
        var name: String?
        var address = text
        if text.hasSuffix(">"), let open = text.lastIndex(of: "<") {
            address = String(text[text.index(after: open)..<text.index(before: text.endIndex)]).withoutOuterSpaces
            var phrase = String(text[..<open]).withoutOuterSpaces
            if phrase.count >= 2, phrase.hasPrefix("\""), phrase.hasSuffix("\"") {
                phrase = unquoted(phrase.dropFirst().dropLast())
            }
            name = phrase.isEmpty ? nil : phrase
        }
        guard !address.isEmpty else { throw invalid("no address between < and >") }
        if let bad = address.unicodeScalars.first(where: { $0.value <= 32 || $0.value == 127 || "<>,;\"()".unicodeScalars.contains($0) }) {
            throw invalid(bad.value <= 32 ? "an address holds no spaces or control characters" : "an address holds no '\(bad)'")
        }
        // RFC 5321 4.5.3.1.3: a path is at most 256 octets with its angle brackets.
        guard address.utf8.count <= longestAddress else { throw invalid("an address is at most \(longestAddress) octets long") }
        guard address.unicodeScalars.allSatisfy(\.isASCII) else {
            throw invalid("swnet sends ASCII addresses only (internationalised addresses need SMTPUTF8, which it does not do)")
        }
        if let name, name.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) { throw invalid("a name is one line") }
        return MailAddress(address, displayName: name)
    }

    /// Every mailbox in `text`, which may list several separated by commas
    /// (`a@x, "Doe, Jo" <b@y>`); commas inside quotes or angle brackets
    /// do not separate.
    static func parseList(_ text: String, what: String) throws -> [MailAddress] {
        var items: [String] = []
        var current = ""
        var quoted = false, escaped = false, angle = false
        for character in text {
            if escaped {
                escaped = false
            } else if quoted && character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if !quoted && character == "<" {
                angle = true
            } else if !quoted && character == ">" {
                angle = false
            } else if !quoted && !angle && character == "," {
                items.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        items.append(current)
        let nonEmpty = items.filter { !$0.withoutOuterSpaces.isEmpty }
        guard !nonEmpty.isEmpty else { throw SwnetError.usage("invalid value '\(text)' for \(what): expected an address") }
        return try nonEmpty.map { try parse($0, what: what) }
    }

    private static func unquoted(_ text: Substring) -> String {
        var out = ""
        var escaped = false
        for character in text {
            if !escaped && character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            out.append(character)
        }
        return out
    }
}

private extension String {
    /// Without leading and trailing spaces and tabs.
    var withoutOuterSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// Every occurrence of each key replaced by its value, in one pass.
    func replacingEach(_ replacements: [Character: String]) -> String {
        var out = ""
        for character in self {
            if let replacement = replacements[character] { out += replacement } else { out.append(character) }
        }
        return out
    }
}
