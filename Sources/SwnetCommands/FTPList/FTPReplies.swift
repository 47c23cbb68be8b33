/// The FTP server's reply lines, as libcurl passes them to the header
/// callback (every line of every reply on the control connection). They
/// give the error messages their words, and FEAT its answer.
final class FTPReplies {
    /// Every line so far, line ends removed.
    private(set) var lines: [String] = []
    private var partial: [UInt8] = []

    /// Feeds one chunk from the header callback; libcurl gives whole lines,
    /// but a line split across chunks is joined all the same.
    func record(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if partial.last == UInt8(ascii: "\r") { partial.removeLast() }
                lines.append(Listing.decode(partial[...]))
                partial.removeAll(keepingCapacity: true)
            } else {
                partial.append(byte)
            }
        }
    }

    /// The last complete reply: its code and its final line
    /// (`550 No such file or directory.`).
    var last: (code: Int, line: String)? {
        for line in lines.reversed() {
            if let code = FTPReplies.finalCode(line) { return (code, line) }
        }
        return nil
    }

    /// The last reply when it is a refusal (4xx or 5xx).
    var lastRefusal: String? {
        guard let last, last.code >= 400 else { return nil }
        return last.line
    }

    /// The code of a reply's final line: three digits, then a space or
    /// nothing (`211-` starts a multi-line reply; ` MLST` continues one).
    static func finalCode(_ line: String) -> Int? {
        let bytes = Array(line.utf8.prefix(4))
        guard bytes.count >= 3, bytes[..<3].allSatisfy(ListingFields.isDigit), bytes.count == 3 || bytes[3] == UInt8(ascii: " ")
        else { return nil }
        return Int(line.prefix(3))
    }
}
