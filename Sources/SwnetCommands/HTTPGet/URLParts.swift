/// The parts of a URL that http-get itself looks at, found by a quick scan
/// (libcurl parses the URL for real):
/// `scheme://user:password@host:port/path?query#fragment`.
struct URLParts {
    /// `http`, `HTTPS`; nil when the URL has none (libcurl then takes http).
    let scheme: Substring?
    /// `user:password`, before the `@`.
    let userInfo: Substring?
    /// `example.com`, `127.0.0.1`, `[::1]`.
    let host: Substring
    let port: Substring?
    /// From the first `/` after the host, up to `?` or `#`; may be empty.
    let path: Substring

    init(_ url: String) {
        var rest = Substring(url)
        let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
        if !name.isEmpty, rest[name.endIndex...].hasPrefix("://") {
            scheme = name
            rest = rest[rest.index(name.endIndex, offsetBy: 3)...]
        } else {
            scheme = nil
        }
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        rest = rest[authority.endIndex...]
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
        } else {
            userInfo = nil
        }
        let hostEnd = authority.hasPrefix("[") ? authority.firstIndex(of: "]").map(authority.index(after:)) ?? authority.endIndex
                                               : authority.firstIndex(of: ":") ?? authority.endIndex
        host = authority[..<hostEnd]
        port = hostEnd < authority.endIndex && authority[hostEnd] == ":" ? authority[authority.index(after: hostEnd)...] : nil
        path = rest.hasPrefix("/") ? rest.prefix { $0 != "?" && $0 != "#" } : rest[rest.startIndex..<rest.startIndex]
    }

    /// `host:port`, the port filled in from the scheme: `example.com:443`.
    var server: String {
        let defaultPort = scheme?.lowercased() == "https" ? "443" : "80"
        return "\(host):\(port.map(String.init) ?? defaultPort)"
    }

    /// The URL with the password of its user information (`user:secret@`)
    /// replaced by `[redacted]`, for messages and reports.
    static func redacted(_ url: String) -> String {
        let parts = URLParts(url)
        guard let userInfo = parts.userInfo, let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<userInfo.index(after: colon)]) + "[redacted]" + String(url[userInfo.endIndex...])
    }
}
