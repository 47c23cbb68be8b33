import Glibc

/// Whether libcurl may be going through a proxy named in the environment.
enum ProxyEnvironment {
    static var isSet: Bool {
        let names: [String] = ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
        return names.contains { getenv($0) != nil }
    }
}
