import CCurl
import SwnetCLI
import SwnetCore
import SwnetTransfer

/// A libcurl failure told the way the socket commands tell theirs, the
/// same in http-get, ftp-list and smtp-send: one phrasing per failure
/// kind, the address (and the proxy, when it is the proxy's failure)
/// named, and the option named when a limit fired.
enum TransferFailure {
    /// `failure` as libcurl put it, for the transfer `handle` ran with `code`.
    /// `maxTimeRanOut` says whether `--max-time` had passed when it ended.
    static func explain(_ failure: SwnetError, code: CURLcode, handle: EasyHandle, invocation: Invocation, maxTimeRanOut: Bool) -> SwnetError {
        let url = handle.string(CURLINFO_EFFECTIVE_URL) ?? ""
        let proxy = ProxyEnvironment.proxy(for: url, invocation: invocation)
        switch code {
        case CURLE_COULDNT_CONNECT:
            // libcurl says "Couldn't connect to server"; the system's reason says which way.
            let reason = handle.long(CURLINFO_OS_ERRNO)
            guard reason != 0 else { return failure }
            // --connect-to and --resolve send it elsewhere than the URL says: libcurl's words name where.
            let server = primaryAddress(handle) ?? attemptedAddress(failure.reason)
            if let proxy, server == nil || server?.hasSuffix(":\(proxy.port)") == true {
                return SwnetError(failure.code, "proxy \(server ?? proxy.server)/tcp: \(Errno(Int32(reason)))")
            }
            return SwnetError(failure.code, "\(server ?? URLParts(url).server)/tcp: \(Errno(Int32(reason)))")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            // libcurl: "Could not resolve host: NAME"; the socket commands: "resolve NAME: why".
            guard let colon = failure.reason.lastIndex(of: ":") else { return failure }
            let name = failure.reason[failure.reason.index(after: colon)...].drop { $0 == " " }
            return SwnetError(.resolve, "resolve \(code == CURLE_COULDNT_RESOLVE_PROXY ? "proxy " : "")\(name): no address found")
        case CURLE_OPERATION_TIMEDOUT:
            let connectTimeout = TimeSpan.format(invocation.duration("connect-timeout")!)
            if maxTimeRanOut, let limit = invocation.duration("max-time") {
                return SwnetError(.timeout, "gave up after \(TimeSpan.format(limit)) (--max-time)")
            }
            // libcurl 7.88 leaves the connect time at 0 until TLS is done too;
            // its count of connections made says whether TCP ever connected.
            if handle.offset(CURLINFO_CONNECT_TIME_T) == 0 && handle.long(CURLINFO_NUM_CONNECTS) == 0 {
                return SwnetError(.timeout, "no connection within \(connectTimeout) (--connect-timeout)")
            }
            if handle.offset(CURLINFO_PRETRANSFER_TIME_T) == 0 {
                return SwnetError(.timeout, "the server did not finish its handshake within \(connectTimeout) (--connect-timeout, which covers TLS and the greeting, login or AUTH)")
            }
            return failure
        case _ where [CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_SSL_CONNECT_ERROR].contains(code) && clientCertificateRefusal(failure.reason) != nil:
            // In TLS 1.3 the server checks our certificate after the handshake, so
            // libcurl meets its alert as a read error: a TLS failure all the same.
            return SwnetError(.tls, clientCertificateRefusal(failure.reason)!)
        case CURLE_OUT_OF_MEMORY where handle.offset(CURLINFO_CONNECT_TIME_T) > 0:
            // libcurl refuses a header over 100 KB with this code and no words of its own.
            return SwnetError(.serverError, "the server sent a header larger than libcurl accepts (100 KB)")
        default:
            let connectCode = handle.long(CURLINFO_HTTP_CONNECTCODE)
            guard connectCode >= 300 else { return failure }
            // The proxy refused the tunnel (CONNECT): its answer, not the server's.
            let name = proxy?.server ?? primaryAddress(handle) ?? "?"
            return SwnetError(connectCode == 407 ? .auth : .serverError,
                              "proxy \(name) answered \(connectCode)\(connectCode == 407 ? " Proxy Authentication Required" : "")")
        }
    }

    /// The server's refusal of our certificate, or of its absence, in the
    /// words connect --tls uses, from OpenSSL's alert in libcurl's message.
    static func clientCertificateRefusal(_ reason: String) -> String? {
        if reason.includes("alert certificate required") { return "the server requires a client certificate (--cert and --key)" }
        if reason.includes("alert unknown ca") { return "the server does not trust our certificate (unknown CA)" }
        if reason.includes("alert bad certificate") || reason.includes("alert certificate unknown") { return "the server rejected our certificate" }
        return nil
    }

    /// `127.0.0.1:8443` from libcurl's "Failed to connect to 127.0.0.1 port
    /// 8443 after 0 ms: ...", `[::1]:8443` for an IPv6 address.
    static func attemptedAddress(_ reason: String) -> String? {
        let words = reason.split(separator: " ")
        guard let to = words.indices.first(where: { words[$0].lowercased() == "connect" && $0 + 4 < words.count && words[$0 + 1] == "to" }),
              words[to + 3] == "port" else { return nil }
        let host = words[to + 2]
        let port = words[to + 4].prefix { $0.isASCII && $0.isNumber }
        guard !port.isEmpty else { return nil }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `127.0.0.1:8080` or `[::1]:8080`: where libcurl last connected, if anywhere.
    private static func primaryAddress(_ handle: EasyHandle) -> String? {
        guard let address = handle.string(CURLINFO_PRIMARY_IP), !address.isEmpty else { return nil }
        let port = handle.long(CURLINFO_PRIMARY_PORT)
        return address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}
