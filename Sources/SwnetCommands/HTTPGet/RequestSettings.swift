import CCurl
import SwnetCLI
import SwnetCore
import SwnetSocket
import SwnetTransfer

/// What every URL of one `http-get` asks for, read once from the command
/// line, and how it sets up each easy handle.
struct RequestSettings {
    let invocation: Invocation
    let console: Console
    let family: AddressFamily?
    let follow: Bool
    let maxRedirects: Int
    /// `-i`: the headers go before the body.
    let include: Bool
    /// `-I`: HEAD, and the headers are the output.
    let head: Bool
    let headers: [String]
    let userAgent: String
    /// `-u`; with `--netrc`, a user alone takes the password from the file.
    let login: FetchOptions.Login?
    /// `--no-fail`: a status of 400 or more is not a failure.
    let acceptAnyStatus: Bool
    /// `-C`: append to partial files.
    let resume: Bool
    let retry: RetryPolicy
    /// `--idle-timeout`, kept by the queue itself: libcurl's low-speed limit
    /// averages over several seconds, so it fires late after a burst.
    let idleTimeout: Duration?
    /// The proxy, the .netrc login, the rate limit: as for ftp-list.
    let fetch: FetchOptions
    /// `--resolve`, `--connect-to`, `--unix-socket`, `--http1.1`, `--http2`.
    let connection: ConnectionOptions
    /// `--cache` (or SWNET_CACHE): the cache the downloads share, nil when off.
    let cache: CacheSettings?

    /// libcurl's receive buffer: each write to the output is up to this big.
    /// Larger than curl's 100 KiB: a fast download makes fewer system calls
    /// (on loopback, 512 KiB took about 40 % less CPU than 100 KiB). Only
    /// running transfers have a handle, so at most `--parallel` of these exist.
    static let bufferSize = 512 << 10

    init(_ invocation: Invocation, _ context: Context) throws {
        self.invocation = invocation
        self.console = context.console
        self.family = context.family
        follow = !invocation.isSet("no-follow")
        maxRedirects = invocation.integer("max-redirs")!
        include = invocation.isSet("include")
        head = invocation.isSet("head")
        headers = try invocation.texts("header").map(Self.checkedHeader)
        userAgent = invocation.text("user-agent")!
        acceptAnyStatus = invocation.isSet("no-fail")
        resume = invocation.isSet("continue")
        retry = RetryPolicy(retries: invocation.integer("retry")!, delay: invocation.duration("retry-delay")!)
        idleTimeout = invocation.duration("idle-timeout")
        connection = try ConnectionOptions(invocation)
        try TransferOptions.check(invocation)  // a missing file fails once, not once per URL
        let fetch = try FetchOptions(invocation)
        self.fetch = fetch
        cache = try CacheOptions.settings(invocation, console: context.console)
        // Asked once, before any transfer starts (a prompt must not interleave with output).
        login = try invocation.text("user").map { try fetch.login($0) }
    }

    /// Sets up `handle` for `url`; attempts set only their resume point.
    func configure(_ handle: EasyHandle, url: String) throws {
        try handle.set(CURLOPT_URL, login?.located(in: url) ?? url)
        try handle.set(CURLOPT_DEFAULT_PROTOCOL, "http")  // not a guess from the host name (ftp.example.com)
        try handle.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try handle.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try handle.set(CURLOPT_FOLLOWLOCATION, follow)
        try handle.set(CURLOPT_MAXREDIRS, maxRedirects)
        try handle.set(CURLOPT_USERAGENT, userAgent)
        if !headers.isEmpty { try handle.set(CURLOPT_HTTPHEADER, list: headers) }
        // "": every encoding this libcurl can decode (gzip, deflate, br, zstd), decoded as it arrives.
        try handle.set(CURLOPT_ACCEPT_ENCODING, "")
        if head { try handle.set(CURLOPT_NOBODY, true) }
        // Basic authentication, sent to this host only: not to another one after a redirect.
        try login?.apply(to: handle)
        // The tunnel's own answer from a proxy is not the server's.
        try handle.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, true)
        try handle.set(CURLOPT_BUFFERSIZE, Self.bufferSize)
        switch family {
        case .v4?: try handle.set(CURLOPT_IPRESOLVE, Int(CURL_IPRESOLVE_V4))
        case .v6?: try handle.set(CURLOPT_IPRESOLVE, Int(CURL_IPRESOLVE_V6))
        case nil, .unix?: break
        }
        try TransferOptions.apply(invocation, to: handle, console: console)
        try fetch.apply(to: handle)
        try connection.apply(to: handle)
    }

    /// `Name: value` (`Name:` removes a header libcurl would send, `Name;`
    /// sends it empty), on one line.
    static func checkedHeader(_ header: String) throws -> String {
        let name = header.prefix { $0 != ":" && $0 != ";" }
        let wellFormed = name.count < header.count && !name.isEmpty
            && name.allSatisfy { $0.isASCII && !$0.isWhitespace && $0 != "\u{7F}" && $0.asciiValue! > 0x20 }
            && !header.utf8.contains(UInt8(ascii: "\r")) && !header.utf8.contains(UInt8(ascii: "\n"))  // "\r\n" is one Character
        guard wellFormed else {
            throw SwnetError.usage("invalid header '\(header)': expected 'Name: value' on one line ('Name:' removes a header)")
        }
        return header
    }

    /// The URL as libcurl gets it; a scheme other than http or https is refused here.
    static func checkedURL(_ url: String) throws -> String {
        guard let scheme = URLParts(url).scheme?.lowercased() else { return url }  // libcurl takes a bare host as http://
        guard scheme == "http" || scheme == "https" else {
            throw SwnetError.usage("\(url): http-get fetches http:// and https:// URLs only")
        }
        return url
    }
}
