import COpenSSL
import SwnetCore

/// OpenSSL's failures in the user's words: the handshake's reason, the
/// certificate's verification result, the system error underneath.
enum TLSFailure {
    /// Everything OpenSSL queued for this thread, emptied, newest last.
    static func drainQueue() -> [UInt] {
        var codes: [UInt] = []
        while case let code = ERR_get_error(), code != 0 { codes.append(code) }
        return codes
    }

    /// The error after a failed SSL call whose SSL_get_error was `kind`.
    static func error(kind: Int32, during phase: String, server: Bool) -> SwnetError {
        let queue = drainQueue()
        if kind == SSL_ERROR_SYSCALL, queue.isEmpty {
            if let errno = lastSystemError() { return SwnetError(errno).adding("TLS \(phase)") }
            return SwnetError(.tls, "the peer closed the connection during the TLS \(phase)")
        }
        for code in queue.reversed() where swnet_ERR_GET_LIB(code) == ERR_LIB_SSL {
            if let reason = words(forReason: swnet_ERR_GET_REASON(code), server: server) {
                return SwnetError(.tls, reason).adding("TLS \(phase)")
            }
        }
        guard let last = queue.last, let text = ERR_reason_error_string(last) else {
            return SwnetError(.tls, "TLS \(phase) failed")
        }
        return SwnetError(.tls, String(cString: text)).adding("TLS \(phase)")
    }

    /// The reasons a user meets, in words; nil for OpenSSL's own text.
    static func words(forReason reason: Int32, server: Bool) -> String? {
        let peer = server ? "the client" : "the server"
        switch reason {
        case SSL_R_WRONG_VERSION_NUMBER, SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST, SSL_R_PACKET_LENGTH_TOO_LONG,
             SSL_R_UNKNOWN_PROTOCOL, SSL_R_RECORD_LENGTH_MISMATCH, SSL_R_LENGTH_MISMATCH, SSL_R_UNEXPECTED_MESSAGE,
             SSL_R_UNEXPECTED_RECORD:
            return "\(peer) is not speaking TLS"
        case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_R_NO_PROTOCOLS_AVAILABLE,
             SSL_R_VERSION_TOO_LOW, SSL_R_VERSION_TOO_HIGH:
            return "protocol version: \(peer) and swnet share no TLS version (see --tls-min)"
        case SSL_R_NO_SHARED_CIPHER, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, SSL_R_NO_SHARED_GROUPS,
             SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
            return "no shared cipher: \(peer) refused every cipher and parameter offered (handshake failure)"
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
            return "\(peer) does not trust our certificate (unknown CA)"
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
            return "\(peer) rejected our certificate"
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
            return "\(peer) requires a client certificate (--cert and --key)"
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return "\(peer) sent no certificate, and one is required (--client-ca)"
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
            return "\(peer)'s certificate did not verify"
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return "\(peer) closed the connection during the TLS handshake"
        case SSL_R_NO_APPLICATION_PROTOCOL, SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
            return "no application protocol in common (--alpn)"
        case SSL_R_TLSV1_ALERT_DECRYPT_ERROR, SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC:
            return "corrupted TLS data (bad record MAC or decryption)"
        default:
            return nil
        }
    }

    /// The verification result of a certificate in words.
    static func words(forVerifyResult code: Int, host: String?, leaf: OpaquePointer?) -> String {
        switch Int32(code) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return "certificate expired" + (leaf.map { " on " + TLSTime.iso8601(X509_get0_notAfter($0)) } ?? "")
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return "certificate not valid yet" + (leaf.map { " (from " + TLSTime.iso8601(X509_get0_notBefore($0)) + ")" } ?? "")
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return "self-signed certificate"
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return "self-signed certificate in the chain: its root is not trusted (--cacert)"
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return "unknown issuer: the chain leads to no trusted CA (--cacert)"
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "host name mismatch: the certificate is not valid for \(host ?? "this host")"
        default:
            return String(cString: X509_verify_cert_error_string(code)).asReason
        }
    }
}
