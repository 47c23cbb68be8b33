import Glibc
import SwnetCLI

/// The proxy a transfer goes through, as libcurl chooses it: `-x` when the
/// command has it and it was given, else the variables curl reads.
enum ProxyEnvironment {
    /// The proxy for `url` (`-x`'s, else `http_proxy`, `https_proxy`,
    /// `ftp_proxy` by scheme, else `all_proxy`), to name it in messages;
    /// `--noproxy` and `no_proxy` are not weighed, so this may name a proxy
    /// libcurl did not use.
    static func proxy(for url: String, invocation: Invocation) -> (server: String, port: String)? {
        let given = invocation.command.options.contains { $0.long == "proxy" } ? invocation.text("proxy") : nil
        guard let value = given ?? fromEnvironment(for: url), !value.isEmpty else { return nil }
        let parts = URLParts(value.includes("://") ? value : "http://" + value)
        let port = parts.port.map(String.init) ?? "1080"  // libcurl's default proxy port
        return ("\(parts.host):\(port)", port)
    }

    private static func fromEnvironment(for url: String) -> String? {
        let scheme = (URLParts(url).scheme ?? "http").lowercased()
        let names = scheme == "http" ? ["http_proxy"] : ["\(scheme)_proxy", "\(scheme.uppercased())_PROXY"]
        return (names + ["all_proxy", "ALL_PROXY"]).lazy.compactMap({ getenv($0).map { String(cString: $0) } })
            .first(where: { !$0.isEmpty })
    }
}
