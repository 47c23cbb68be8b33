import Glibc

/// Message-ID values (RFC 5322 3.6.4): `<20250304T123456.8f3a...@domain>`,
/// unique by the time and 64 random bits, on the right the sender's
/// domain (as mail programs do) or else this host's name.
enum MessageID {
    static func make(domain: String?, time: time_t = Glibc.time(nil)) -> String {
        var clock = time
        var parts = tm()
        gmtime_r(&clock, &parts)
        let stamp = String(Int(parts.tm_year) + 1900) + [parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec]
            .map { $0 < 10 ? "0\($0)" : "\($0)" }.joined()
        var random = SystemRandomNumberGenerator()
        let unique = String(random.next() as UInt64, radix: 36)
        return "<\(stamp).\(unique)@\(rightSide(domain))>"
    }

    /// The part after `@`: `domain` when it is a dot-atom, else this host's
    /// name when that is one, else `localhost`.
    static func rightSide(_ domain: String?) -> String {
        if let domain, isDotAtom(domain) { return domain.lowercased() }
        var name = [CChar](repeating: 0, count: 256)
        if gethostname(&name, name.count - 1) == 0 {
            let host = String(cString: name)
            if isDotAtom(host) { return host }
        }
        return "localhost"
    }

    /// RFC 5322 3.2.3 dot-atom-text: atext runs joined by single dots.
    static func isDotAtom(_ text: String) -> Bool {
        let atext = "!#$%&'*+-/=?^_`{|}~"
        return !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
            !atom.isEmpty && atom.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || atext.unicodeScalars.contains($0)) }
        }
    }
}
