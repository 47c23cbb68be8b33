import SwnetCore
import SwnetTransfer

/// The URL ftp-list takes: `ftp://[USER[:PASS]@]HOST[:PORT]/PATH/`, or
/// `ftps://` for implicit TLS. Without a scheme it is `ftp://`.
///
/// The path names a directory relative to the login directory (RFC 1738;
/// `%2F` at its start makes it absolute). A missing final `/` is added, so
/// that libcurl lists the path instead of fetching it as a file.
struct FTPURL: Equatable, Sendable {
    /// `ftp` or `ftps`.
    let scheme: String
    /// From the URL, percent-decoded.
    let user: String?
    let password: String?
    /// `host`, `host:port`, `[::1]:port`, as written.
    let authority: String
    /// The path as written, starting and ending with `/`.
    let path: String

    init(_ text: String) throws {
        var rest = Substring(text)
        if let separator = text.find("://") {
            let scheme = text[..<separator.lowerBound].lowercased()
            guard scheme == "ftp" || scheme == "ftps" else {
                throw SwnetError.usage("'\(text)' is not an FTP URL: ftp-list takes ftp:// and ftps:// URLs")
            }
            self.scheme = scheme
            rest = text[separator.upperBound...]
        } else {
            scheme = "ftp"
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        var path = String(rest[slash...])
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = PercentEncoding.decoded(userInfo[..<colon])
                password = PercentEncoding.decoded(userInfo[userInfo.index(after: colon)...])
            } else {
                user = PercentEncoding.decoded(userInfo)
                password = nil
            }
        } else {
            user = nil
            password = nil
        }
        guard let first = authority.first, first != ":" else {
            throw SwnetError.usage("'\(text)' names no host: expected ftp://HOST[:PORT]/PATH/")
        }
        if !path.hasSuffix("/") { path += "/" }
        self.authority = String(authority)
        self.path = path
    }

    /// What libcurl is given: no credentials (they go through their own
    /// options, unescaped), and the path with spaces, non-ASCII and the
    /// characters URLs reserve percent-encoded, so `ftp://host/my dir/` works.
    var location: String {
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case 0x21...0x7E where byte != UInt8(ascii: "?") && byte != UInt8(ascii: "#"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                encoded += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return "\(scheme)://\(authority)\(encoded)"
    }

    /// For messages: the user, never the password.
    var display: String { display(user: user) }

    /// For messages, with the user who logs in (which `-u` may have set).
    func display(user: String?) -> String {
        "\(scheme)://" + (user.map { "\($0)@" } ?? "") + authority + path
    }
}
