import CCurl
import SwnetCore

extension SwnetError {
    /// A libcurl failure in the user's words, classified by the exit-code
    /// table. This is the one place that maps a `CURLcode` to an exit code.
    ///
    /// `detail` is libcurl's error buffer, which says more than the code
    /// ("Failed to connect to 127.0.0.1 port 9: Connection refused").
    public init(curl code: CURLcode, detail: String) {
        let summary = String(cString: curl_easy_strerror(code))
        // libcurl keeps its first message; in active FTP that is a harmless
        // note made before the real failure, so the code's own words serve better.
        let reason = detail.isEmpty || code == CURLE_FTP_ACCEPT_TIMEOUT ? summary : detail
        self.init(SwnetError.exitCode(for: code), reason.asReason)
    }

    static func exitCode(for code: CURLcode) -> ExitCode {
        switch code {
        case CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            return .usage
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .resolve
        case CURLE_COULDNT_CONNECT:
            return .unreachable
        case CURLE_OPERATION_TIMEDOUT, CURLE_FTP_ACCEPT_TIMEOUT:
            return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_USE_SSL_FAILED, CURLE_SSL_CLIENTCERT:
            return .tls
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR:
            return .auth
        case CURLE_REMOTE_ACCESS_DENIED, CURLE_REMOTE_FILE_NOT_FOUND, CURLE_FTP_COULDNT_RETR_FILE, 
             CURLE_FTP_WEIRD_PASV_REPLY, CURLE_FTP_WEIRD_227_FORMAT, CURLE_FTP_COULDNT_SET_TYPE, CURLE_FTP_PORT_FAILED,
             CURLE_FTP_COULDNT_USE_REST, CURLE_QUOTE_ERROR, CURLE_UPLOAD_FAILED, CURLE_HTTP_RETURNED_ERROR,
             CURLE_WEIRD_SERVER_REPLY, CURLE_RANGE_ERROR, CURLE_FTP_ACCEPT_FAILED,
             CURLE_TOO_MANY_REDIRECTS:  // the server's answers never came to an end
            return .serverError
        case CURLE_WRITE_ERROR, CURLE_READ_ERROR, CURLE_FILE_COULDNT_READ_FILE:
            return .local
        case CURLE_ABORTED_BY_CALLBACK:
            return .interrupted
        default:
            return .failure
        }
    }
}
