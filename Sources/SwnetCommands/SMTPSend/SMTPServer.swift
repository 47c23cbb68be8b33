import SwnetCore
import SwnetSocket

/// Where `smtp-send` delivers: `HOST[:PORT]`, `smtp://HOST[:PORT]` (port
/// 25, STARTTLS as --starttls says) or `smtps://HOST[:PORT]` (port 465,
/// TLS from the first byte). A URL's path is the name for EHLO, as in
/// libcurl.
struct SMTPServer: Equatable, CustomStringConvertible {
    let implicitTLS: Bool
    /// The host name or address, IPv6 without brackets.
    let host: String
    let port: UInt16
    /// The EHLO name from the URL's path, if any.
    let helo: String?

    static func parse(_ text: String) throws -> SMTPServer {
        var rest = Substring(text)
        var implicitTLS = false
        if let scheme = text.find("://") {
            switch text[..<scheme.lowerBound].lowercased() {
            case "smtp": break
            case "smtps": implicitTLS = true
            default: throw SwnetError.usage("unsupported scheme in --server '\(text)': expected smtp:// or smtps://")
            }
            rest = text[scheme.upperBound...]
        }
        var helo: String?
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            helo = path.isEmpty ? nil : String(path)
            rest = rest[..<slash]
        }
        guard !rest.contains("@") else {
            throw SwnetError.usage("--server '\(text)' holds a user name: give it with --user, and the password with --password-file or SWNET_PASSWORD")
        }
        guard let (host, portText) = Endpoint.split(String(rest)) else {
            throw SwnetError.usage("invalid value '\(text)' for --server: expected HOST[:PORT], smtp://HOST[:PORT] or smtps://HOST[:PORT]")
        }
        var port: UInt16 = implicitTLS ? 465 : 25
        if let portText {
            port = try Endpoint.port(portText, for: .tcp, use: .destination)
        }
        return SMTPServer(implicitTLS: implicitTLS, host: host, port: port, helo: helo)
    }

    /// `smtp://127.0.0.1:25`, `smtps://[::1]:465`: what diagnostics and --json name.
    var description: String {
        (implicitTLS ? "smtps://" : "smtp://") + (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }

    /// The URL libcurl is given: the EHLO name, if any, as its path.
    func url(helo: String?) -> String {
        guard let name = helo ?? self.helo else { return description }
        return description + "/" + Self.percentEncoded(name)
    }

    private static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~[]:".unicodeScalars.contains(scalar)) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return out
    }
}
