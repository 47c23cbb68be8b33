import CCurl
import SwnetCLI
import SwnetCore
import SwnetSocket
import SwnetTransfer

/// How http-get reaches a URL's server, when not the usual way: a name
/// pinned to addresses (`--resolve`), a host and port sent elsewhere
/// (`--connect-to`), a Unix socket instead of TCP (`--unix-socket`), and
/// the HTTP version asked for (`--http1.1`, `--http2`). The URL, and so the
/// Host header, SNI and the certificate check, stay as written.
struct ConnectionOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("resolve", .text, placeholder: "HOST:PORT:ADDR", repeatable: true,
                   help: "Connect to ADDR (an IP address, or several, comma-separated) for HOST on PORT, without asking DNS; the URL, Host and the certificate check keep HOST"),
        OptionSpec("connect-to", .text, placeholder: "HOST:PORT:HOST2:PORT2", repeatable: true,
                   help: "Connect to HOST2:PORT2 for requests to HOST:PORT, keeping the URL, Host and the certificate check; an empty part matches any (HOST, PORT) or keeps the URL's (HOST2, PORT2)"),
        OptionSpec("unix-socket", .file, placeholder: "PATH", excludes: ["proxy", "resolve", "connect-to"],
                   help: "Connect to the Unix socket PATH instead of the URL's host and port (which still give Host)"),
        OptionSpec("http1.1", excludes: ["http2"], help: "Speak HTTP/1.1 only (over TLS, offer only http/1.1 by ALPN)"),
        OptionSpec("http2",
                   help: "Ask for HTTP/2: by ALPN over TLS (the default there), by an Upgrade header over http://; a server without it gets HTTP/1.1"),
    ]

    let resolve: [String]
    let connectTo: [String]
    let unixSocket: String?
    /// libcurl's `CURL_HTTP_VERSION_*`, nil for its default.
    let httpVersion: Int?

    init(_ invocation: Invocation) throws {
        resolve = try invocation.texts("resolve").map(Self.checkedResolve)
        connectTo = try invocation.texts("connect-to").map(Self.checkedConnectTo)
        unixSocket = invocation.text("unix-socket")
        httpVersion = invocation.isSet("http1.1") ? CURL_HTTP_VERSION_1_1
            : invocation.isSet("http2") ? CURL_HTTP_VERSION_2_0 : nil
    }

    func apply(to handle: EasyHandle) throws {
        if !resolve.isEmpty { try handle.set(CURLOPT_RESOLVE, list: resolve) }
        if !connectTo.isEmpty { try handle.set(CURLOPT_CONNECT_TO, list: connectTo) }
        if let unixSocket { try handle.set(CURLOPT_UNIX_SOCKET_PATH, unixSocket) }
        if let httpVersion { try handle.set(CURLOPT_HTTP_VERSION, httpVersion) }
    }

    // MARK: Checking the forms

    /// `HOST:PORT:ADDR[,ADDR...]`, each ADDR an IPv4 or IPv6 address (IPv6
    /// with or without brackets). curl's `+HOST` and `-HOST:PORT` forms,
    /// which only matter across the transfers of one curl command line
    /// with `--next`, are not taken.
    static func checkedResolve(_ text: String) throws -> String {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        func invalid() -> SwnetError {
            .usage("invalid value '\(text.quotedInMessage)' for --resolve: \(portProblem(in: parts.dropLast()))expected HOST:PORT:ADDR such as example.com:443:127.0.0.1 (ADDR an IP address, or several, comma-separated)")
        }
        guard parts.count == 3, isHost(parts[0]), !parts[0].hasPrefix("+"), !parts[0].hasPrefix("-"), port(parts[1]) != nil else { throw invalid() }
        let addresses = parts[2].split(separator: ",", omittingEmptySubsequences: false)
        for address in addresses {
            let bare = address.hasPrefix("[") && address.hasSuffix("]") ? address.dropFirst().dropLast() : address
            guard SocketAddress(numeric: String(bare), port: 0) != nil else { throw invalid() }
        }
        return text
    }

    /// `HOST:PORT:HOST2:PORT2`, where any part may be empty and a host may
    /// be an IPv6 address in brackets.
    static func checkedConnectTo(_ text: String) throws -> String {
        func invalid() -> SwnetError {
            .usage("invalid value '\(text.quotedInMessage)' for --connect-to: \(portProblem(in: fields(text) ?? []))expected HOST:PORT:HOST2:PORT2 such as example.com:443:127.0.0.1:8443 (an empty part matches any, or keeps the URL's)")
        }
        guard let parts = fields(text), parts.count == 4,
              isHost(parts[0], allowEmpty: true), parts[1].isEmpty || port(parts[1]) != nil,
              isHost(parts[2], allowEmpty: true), parts[3].isEmpty || port(parts[3]) != nil
        else { throw invalid() }
        return text
    }

    /// The colon-separated fields of `text`, a `[...]` field read whole; nil when a bracket is not closed.
    private static func fields(_ text: String) -> [Substring]? {
        var fields: [Substring] = []
        var rest = Substring(text)
        while true {
            var end = rest.firstIndex(of: ":") ?? rest.endIndex
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                end = rest.index(after: close)
                guard end == rest.endIndex || rest[end] == ":" else { return nil }
            }
            fields.append(rest[..<end])
            guard end < rest.endIndex else { return fields }
            rest = rest[rest.index(after: end)...]
        }
    }

    /// A host name or address as libcurl takes it: no spaces, no colon outside brackets.
    private static func isHost(_ text: Substring, allowEmpty: Bool = false) -> Bool {
        if text.isEmpty { return allowEmpty }
        if text.hasPrefix("[") {
            return text.hasSuffix("]") && text.count > 2 && SocketAddress(numeric: String(text.dropFirst().dropLast()), port: 0) != nil
        }
        return text.allSatisfy { !$0.isWhitespace && $0 != ":" && $0 != "," && $0 != "/" }
    }

    /// "port 70000 is out of range (1-65535); " when a field that can only
    /// be a port (all digits) is out of range, so the message names what is
    /// wrong; else nothing.
    private static func portProblem<Fields: Collection<Substring>>(in fields: Fields) -> String {
        guard let bad = fields.first(where: { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } && port($0) == nil }) else { return "" }
        return "port \(bad) is out of range (1-65535); "
    }

    /// A port, 1-65535.
    private static func port(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text), (1...65535).contains(number) else { return nil }
        return number
    }
}
