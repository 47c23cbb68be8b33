import CCurl

/// libcurl as a whole.
public enum Curl {
    /// `curl_global_init` runs once, before the first handle, on first use
    /// (Swift runs a static initializer exactly once, thread-safely).
    static let initialized: Void = {
        let status = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        precondition(status == CURLE_OK, "curl_global_init failed: \(status)")
    }()

    /// "libcurl/7.88.1 OpenSSL/3.0.x ...", for diagnostics.
    public static var version: String { String(cString: curl_version()) }
}
