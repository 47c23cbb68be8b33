import CCurl
import Glibc
import SwnetCLI
import SwnetCore
import SwnetTransfer

/// The options of the commands that fetch from a server, http-get and
/// ftp-list: the proxy, the .netrc login and the download rate, declared
/// once. smtp-send, which sends, takes none of them.
///
/// They are read once, before any transfer (a password prompt must not
/// interleave with output, and a bad value fails before anything is
/// fetched), and then applied to each handle.
struct FetchOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("proxy", short: "x", .text, placeholder: "URL",
                   help: "Go through this proxy, [SCHEME://][USER:PASS@]HOST[:PORT] (http by default; https, socks4, socks4a, socks5, socks5h), not the one http_proxy, https_proxy or all_proxy names; '' for none"),
        OptionSpec("proxy-user", .text, placeholder: "USER[:PASS]",
                   help: "Log in to the proxy; without PASS, it comes from SWNET_PROXY_PASSWORD, else a prompt on the terminal"),
        OptionSpec("noproxy", .text, placeholder: "LIST",
                   help: "Reach these hosts without the proxy: names (each with its subdomains) and addresses, comma-separated, '*' for all; instead of no_proxy"),
        OptionSpec("netrc", help: "Take the login from ~/.netrc: the password of the user given, or the user and password for the host when none is given"),
        OptionSpec("netrc-file", .file, help: "Like --netrc, with FILE instead of ~/.netrc"),
        OptionSpec("limit-rate", .size, placeholder: "SPEED",
                   help: "Receive at most SPEED bytes per second (K, M, G are 1024s), on average over the transfer"),
    ]

    /// The schemes libcurl takes for a proxy.
    static let proxySchemes = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]

    /// `-x`: nil to leave the choice to the environment, "" for no proxy.
    let proxy: String?
    let proxyCredentials: Credentials?
    let noProxy: String?
    /// `--netrc` or `--netrc-file`: the login may come from a .netrc file.
    let netrc: Bool
    let netrcFile: String?
    /// `--limit-rate`, in bytes per second.
    let rateLimit: Int?

    init(_ invocation: Invocation) throws {
        proxy = try invocation.text("proxy").map(Self.checkedProxy)
        noProxy = invocation.text("noproxy")
        netrcFile = invocation.text("netrc-file")
        if let netrcFile, access(netrcFile, R_OK) != 0 {
            throw SwnetError(.local, "cannot read the .netrc file").adding(netrcFile)
        }
        netrc = invocation.isSet("netrc") || netrcFile != nil
        rateLimit = invocation.size("limit-rate")
        if rateLimit == 0 {
            throw SwnetError.usage("invalid value '0' for --limit-rate: expected a speed above 0 such as 500K (without the option there is no limit)")
        }
        // Asked last: a prompt only once every other value is known to be good.
        proxyCredentials = try invocation.text("proxy-user").map {
            try Credentials.resolve($0, option: "--proxy-user", environment: "SWNET_PROXY_PASSWORD")
        }
    }

    /// Sets up `handle`. `tunnel`: an HTTP proxy gets a CONNECT tunnel even
    /// for a plain-text URL, which ftp-list needs: through a proxy's own
    /// FTP-over-HTTP, its FEAT, MLSD and LIST dialogue would not happen.
    func apply(to handle: EasyHandle, tunnel: Bool = false) throws {
        if let proxy { try handle.set(CURLOPT_PROXY, proxy) }
        if let noProxy { try handle.set(CURLOPT_NOPROXY, noProxy) }
        if let proxyCredentials {
            try handle.set(CURLOPT_PROXYUSERNAME, proxyCredentials.user)
            try handle.set(CURLOPT_PROXYPASSWORD, proxyCredentials.password)
        }
        if tunnel { try handle.set(CURLOPT_HTTPPROXYTUNNEL, true) }
        if netrc {
            if let netrcFile { try handle.set(CURLOPT_NETRC_FILE, netrcFile) }
            try handle.set(CURLOPT_NETRC, Int(CURL_NETRC_OPTIONAL.rawValue))
        }
        if let rateLimit {
            try handle.set(CURLOPT_MAX_RECV_SPEED_LARGE, offset: Int64(rateLimit))
            try handle.set(CURLOPT_BUFFERSIZE, Self.bufferSize(forRate: rateLimit))
        }
    }

    /// libcurl (7.88) checks the rate only between its rounds of reading,
    /// and a round reads up to 100 buffers while the socket has data: with
    /// http-get's 512 KiB buffer, tens of megabytes in a burst on a fast
    /// network before the first pause. A buffer of a thousandth of the rate
    /// keeps a round to a tenth of a second's worth (libcurl's smallest
    /// buffer is 1 KiB; 512 KiB is http-get's own).
    static func bufferSize(forRate rate: Int) -> Int {
        min(max(rate / 1000, 1 << 10), 512 << 10)
    }

    /// Who logs in as `text`, `USER[:PASS]` (from `-u`, or a URL's user):
    /// with `--netrc`, a user without a password takes it from the file,
    /// unless `passwordFile` gives it; otherwise as `Credentials.resolve`.
    func login(_ text: String, passwordFile: String? = nil, offersPasswordFile: Bool = false) throws -> Login {
        if netrc && passwordFile == nil && !text.contains(":") {
            guard !text.isEmpty else { throw SwnetError.usage("invalid value '' for --user: the user name is empty") }
            return .user(text)
        }
        return .credentials(try Credentials.resolve(text, passwordFile: passwordFile, offersPasswordFile: offersPasswordFile))
    }

    /// A login: a user and password, or a user whose password is in .netrc.
    enum Login {
        case credentials(Credentials)
        case user(String)

        var user: String {
            switch self {
            case .credentials(let credentials): return credentials.user
            case .user(let user): return user
            }
        }

        /// Gives the user and password to libcurl by their own options.
        /// A user alone goes in the URL instead (`located(in:)`): libcurl
        /// looks a user's password up in .netrc only for a user in the URL,
        /// and not at all once CURLOPT_USERNAME is set.
        func apply(to handle: EasyHandle) throws {
            guard case .credentials(let credentials) = self else { return }
            try handle.set(CURLOPT_USERNAME, credentials.user)
            try handle.set(CURLOPT_PASSWORD, credentials.password)
        }

        /// `url` as libcurl is to get it: for a user alone, with that user
        /// in place of any user information the URL has (a URL without a
        /// scheme starts with its authority).
        func located(in url: String) -> String {
            guard case .user(let user) = self else { return url }
            let authorityStart = url.find("://")?.upperBound ?? url.startIndex
            let rest = url[authorityStart...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            let hostStart = rest[..<authorityEnd].lastIndex(of: "@").map(rest.index(after:)) ?? rest.startIndex
            return String(url[..<authorityStart]) + PercentEncoding.encoded(user) + "@" + String(rest[hostStart...])
        }
    }

    /// `-x` as libcurl takes it, its scheme checked here: libcurl's own
    /// word for an unknown one would come only at the first transfer.
    static func checkedProxy(_ text: String) throws -> String {
        guard let scheme = URLParts(text).scheme?.lowercased() else { return text }
        guard proxySchemes.contains(scheme) else {
            throw SwnetError.usage("invalid value '\(URLParts.redacted(text).quotedInMessage)' for --proxy: the scheme is one of \(proxySchemes.joined(separator: ", "))")
        }
        return text
    }
}
