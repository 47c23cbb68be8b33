/// The message smtp-send builds, from random subjects, names, bodies,
/// attachment names and `-H` fields (fields of the input cut at 0xFF:
/// subject, From name, To list, body, -H field, then up to four attachment names).
/// The built message is read back by a reader of its own, which checks
/// what SMTP and MIME require and that every name and subject survives.
enum MailTarget {
    static let hidden = "hidden@example.net"

    static func run(_ input: FuzzInput) {
        let fields = input.fields(separator: 0xFF)
        func text(_ index: Int) -> String? { index < fields.count ? String(decoding: fields[index], as: UTF8.self) : nil }
        let subject = text(0) ?? ""
        let fromName = text(1) ?? ""
        let body = fields.count > 3 ? fields[3] : []

        var message = MailMessage(from: MailAddress("anna@example.com", displayName: fromName))
        message.to = text(2).flatMap { try? MailAddress.parseList($0, what: "--to") } ?? [MailAddress("bob@example.org")]
        message.bcc = [MailAddress(hidden)]
        message.subject = subject
        message.body = body
        message.date = 1_715_947_200
        message.utcOffset = 0
        var replaced: Set<String> = []
        if let field = text(4), (try? message.addHeader(field)) != nil, let (name, _) = try? HeaderField.parse(field) {
            require(name.lowercased() != "bcc", "-H Bcc was accepted")
            replaced.insert(name.lowercased())
        }
        // A few attachments find what many would, in a fraction of the time.
        let names = fields.dropFirst(5).prefix(4).map { String(decoding: $0, as: UTF8.self) }
        message.attachments = names.map { MailMessage.Attachment(fileName: $0, bytes: body) }

        let rendered: [UInt8]
        do {
            rendered = try message.rendered()
        } catch {
            // Only a -H address field that does not parse may stop the build.
            return require(!replaced.isEmpty, "the message failed to build: \(error)")
        }
        let reader = MessageReader(rendered)
        require(!reader.fields.contains { $0.name.lowercased() == "bcc" }, "a Bcc field is present")
        if !input.text.contains(hidden) {
            require(!reader.headerText.contains(hidden), "the Bcc recipient shows in the header")
        }
        if !replaced.contains("subject") {
            let value = reader.value("Subject")
            require(value == subject || value.flatMap(MessageReader.decodedWords) == subject,
                    "Subject \(String(reflecting: subject)) went as \(String(reflecting: value))")
        }
        if !replaced.contains("from") { checkFrom(reader.value("From"), name: fromName) }
        checkAttachments(reader, names: names)
    }

    /// The From field gives back the display name, plain, quoted or encoded.
    private static func checkFrom(_ value: String?, name: String) {
        guard let value else { return require(false, "no From field") }
        if name.isEmpty { return require(value == "anna@example.com", "From \(value) for no name") }
        let suffix = " <anna@example.com>"
        require(value.hasSuffix(suffix), "From \(String(reflecting: value)) lost the address")
        let phrase = String(value.dropLast(suffix.count))
        let read: String?
        if phrase.hasPrefix("=?") {
            read = MessageReader.decodedWords(phrase)
        } else if phrase.hasPrefix("\"") {
            read = MessageReader.unquoted(phrase)
        } else {
            read = phrase
        }
        require(read == name, "From name \(String(reflecting: name)) went as \(String(reflecting: phrase))")
    }

    /// Each attachment part names its file, and the name reads back.
    private static func checkAttachments(_ reader: MessageReader, names: [String]) {
        let parts = reader.parts.filter { $0.value("Content-Disposition") != nil }
        require(parts.count == names.count, "\(names.count) attachments went as \(parts.count) parts")
        for (part, name) in zip(parts, names) {
            let disposition = part.value("Content-Disposition")!
            require(disposition.hasPrefix("attachment; "), "attachment \(String(reflecting: name)) is \(String(reflecting: disposition))")
            let read = MessageReader.parameter("filename", in: disposition)
            require(read == name, "attachment \(String(reflecting: name)) went as \(String(reflecting: disposition))")
            let type = part.value("Content-Type") ?? ""
            // Encoded words inside the quotes are not RFC 2047, but what mail programs write and read.
            let typed = MessageReader.parameter("name", in: type)
            require(typed == name || typed.flatMap(MessageReader.decodedWords) == name,
                    "attachment \(String(reflecting: name)) is typed as \(String(reflecting: type))")
        }
    }
}

/// A reader of the built message, independent of the code that wrote it:
/// it checks the line rules as it splits, unfolds header fields, and
/// decodes encoded words, quoted strings and RFC 2231 values.
struct MessageReader {
    struct Part {
        let fields: [(name: String, value: String)]

        /// The unfolded value after `Name: `.
        func value(_ name: String) -> String? { fields.last { $0.name.lowercased() == name.lowercased() }?.value }
    }

    let fields: [(name: String, value: String)]
    let headerText: String
    let parts: [Part]

    init(_ message: [UInt8]) {
        // SMTP's lines: CRLF only, at most 998 octets before it.
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in message.indices {
            let byte = message[index]
            if byte == 0x0D { require(index + 1 < message.count && message[index + 1] == 0x0A, "a bare CR at octet \(index)") }
            if byte == 0x0A {
                require(index > 0 && message[index - 1] == 0x0D, "a bare LF at octet \(index)")
                lines.append(message[start..<(index - 1)])
                start = index + 1
            }
        }
        require(start == message.count, "the message does not end with CRLF")
        for line in lines { require(line.count <= 998, "a line of \(line.count) octets: \(String(decoding: line.prefix(60), as: UTF8.self))...") }

        let blank = lines.firstIndex { $0.isEmpty } ?? lines.count
        let header = lines[..<blank]
        require(header.allSatisfy { $0.allSatisfy { $0 < 0x80 } }, "a header holds 8-bit octets")
        headerText = header.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
        fields = MessageReader.unfold(Array(header))

        // The MIME parts, when the message is multipart: each part's own header fields.
        var parts: [Part] = []
        if let type = fields.last(where: { $0.name.lowercased() == "content-type" })?.value,
           let at = type.firstRange(of: "boundary=\"") {
            let boundary = "--" + type[at.upperBound...].prefix { $0 != "\"" }
            var index = blank + 1
            while index < lines.count {
                let line = String(decoding: lines[index], as: UTF8.self)
                index += 1
                guard line == boundary else { continue }
                let end = lines[index...].firstIndex { $0.isEmpty } ?? lines.count
                parts.append(Part(fields: MessageReader.unfold(Array(lines[index..<end]))))
                index = end
            }
        }
        self.parts = parts
    }

    func value(_ name: String) -> String? { fields.last { $0.name.lowercased() == name.lowercased() }?.value }

    /// Header lines as fields: a line that starts with a space or tab
    /// continues the field before it (the fold is taken out, the space kept),
    /// and a fold may come right after the colon.
    static func unfold(_ lines: [ArraySlice<UInt8>]) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        for line in lines.map({ String(decoding: $0, as: UTF8.self) }) {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                require(!fields.isEmpty, "a header starts with a continuation line")
                fields[fields.count - 1].value += line
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { require(false, "header line '\(line)' has no colon"); continue }
            fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        // The one space after the colon separates; it is not part of the value.
        return fields.map { ($0.name, $0.value.hasPrefix(" ") ? String($0.value.dropFirst()) : $0.value) }
    }

    /// Encoded words (`=?UTF-8?B?...?=`) separated by single spaces, decoded
    /// and joined; nil when the text is not such words.
    static func decodedWords(_ text: String) -> String? {
        var bytes: [UInt8] = []
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="), word.count >= 12,
                  let decoded = base64(word.dropFirst(10).dropLast(2)) else { return nil }
            bytes += decoded
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The last parameter of a MIME field, `attribute`: a quoted string, an
    /// RFC 2231 ext-value (`attribute*=utf-8''...`) or its continuations
    /// (`attribute*0*=utf-8''...; attribute*1*=...`), decoded.
    static func parameter(_ attribute: String, in value: String) -> String? {
        if let at = value.firstRange(of: "; \(attribute)=\"") {
            return unquoted(value[value.index(at.upperBound, offsetBy: -1)...])
        }
        if let at = value.firstRange(of: "; \(attribute)*=utf-8''") {
            return percentDecoded(value[at.upperBound...])
        }
        let items = value.split(separator: "; ", omittingEmptySubsequences: false)
        var encoded = ""
        for (index, item) in items.filter({ $0.hasPrefix("\(attribute)*") }).enumerated() {
            let head = "\(attribute)*\(index)*=" + (index == 0 ? "utf-8''" : "")
            guard item.hasPrefix(head) else { return nil }
            encoded += item.dropFirst(head.count)
        }
        return encoded.isEmpty ? nil : percentDecoded(encoded)
    }

    /// A quoted-string's content, backslash escapes removed.
    static func unquoted(_ text: some StringProtocol) -> String? {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return nil }
        var out = ""
        var escaped = false
        for character in text.dropFirst().dropLast() {
            if !escaped && character == "\\" { escaped = true; continue }
            if !escaped && character == "\"" { return nil }
            escaped = false
            out.append(character)
        }
        return escaped ? nil : out
    }

    /// `%XX` escapes decoded as UTF-8; nil when a `%` is not followed by two hex digits.
    static func percentDecoded(_ text: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func base64(_ text: some StringProtocol) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var bits: UInt32 = 0
        var count = 0
        for (index, character) in characters.enumerated() {
            if character == UInt8(ascii: "=") {
                guard index >= characters.count - 2 else { return nil }
                continue
            }
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            bits = bits << 6 | UInt32(value)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return out
    }
}
