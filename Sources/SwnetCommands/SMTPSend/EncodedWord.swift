/// RFC 2047 encoded words: non-ASCII text in a header, as
/// `=?UTF-8?B?base64?=`.
enum EncodedWord {
    /// The most UTF-8 bytes one word carries: 39 bytes are 52 base64
    /// characters, a 64-character word, which fits on the first line after
    /// `Subject: ` and any folded line within RFC 2047's 76.
    static let bytesPerWord = 39

    /// Whether `text` must be encoded to appear in an unstructured header:
    /// it has non-ASCII or control characters, or something a reader would
    /// take for an encoded word.
    static func isNeeded(for text: String) -> Bool {
        text.unicodeScalars.contains { $0.value > 126 || ($0.value < 32 && $0 != "\t") } || text.includes("=?")
    }

    /// `text` as encoded words, to be joined by spaces (which a reader
    /// drops between encoded words). Words hold whole characters, as RFC
    /// 2047 5 requires, so each decodes on its own.
    static func encode(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            if !chunk.isEmpty { words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=") }
            chunk = []
        }
        for character in text {
            let bytes = Array(character.utf8)
            if bytes.count > bytesPerWord {
                // A cluster too long for one word (a long emoji sequence) goes scalar by scalar.
                for scalar in character.unicodeScalars {
                    let scalarBytes = Array(String(scalar).utf8)
                    if chunk.count + scalarBytes.count > bytesPerWord { flush() }
                    chunk += scalarBytes
                }
                continue
            }
            if chunk.count + bytes.count > bytesPerWord { flush() }
            chunk += bytes
        }
        flush()
        return words
    }
}
