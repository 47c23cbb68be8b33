/// Text from the other side (a server's reply, a certificate's names) made
/// safe for a one-line message on a terminal: control characters become
/// `\xNN`, so no escape sequence or line break of theirs reaches the user.
enum PrintableText {
    /// At most `limit` characters, then `...`.
    static func escaped(_ text: String, limit: Int = .max) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            escaped += scalar.value < 0x20 || scalar.value == 0x7F ? "\\x" + String(scalar.value, radix: 16) : String(scalar)
        }
        return escaped + (text.unicodeScalars.count > limit ? "..." : "")
    }
}
