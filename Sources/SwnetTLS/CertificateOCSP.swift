import COpenSSL
import SwnetCore

/// The OCSP response a server stapled to its handshake (RFC 6066
/// status_request): what the CA said about the leaf, and when.
public struct OCSPStaple: Sendable, Equatable {
    /// `good`, `revoked` or `unknown` for the leaf; when the response as a
    /// whole was not successful, its status instead (`trylater`,
    /// `internalerror`, ...), and `no answer for the leaf` when it speaks
    /// of other certificates only.
    public let status: String
    /// Unix times.
    public let thisUpdate: Int?
    public let nextUpdate: Int?
    public let revokedAt: Int?
    /// Its signature leads to a trusted CA and its signer may speak for the leaf's issuer.
    public let verified: Bool

    /// Reads a DER OCSPResponse about `leaf`, issued by `issuer`; `chain`
    /// (a `STACK_OF(X509)`) and `store` (an `X509_STORE`) check its
    /// signature. Nil when the bytes are not an OCSP response.
    public init?(der: [UInt8], leaf: OpaquePointer, issuer: OpaquePointer?, chain: OpaquePointer?, store: OpaquePointer?) {
        let response: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_OCSP_RESPONSE(nil, &cursor, buffer.count)
        }
        guard let response else { return nil }
        defer { OCSP_RESPONSE_free(response) }
        let responseStatus = OCSP_response_status(response)
        guard responseStatus == OCSP_RESPONSE_STATUS_SUCCESSFUL, let basic = OCSP_response_get1_basic(response) else {
            self.init(status: String(cString: OCSP_response_status_str(Int(responseStatus))), verified: false)
            return
        }
        defer { OCSP_BASICRESP_free(basic) }
        let verified = store != nil && OCSP_basic_verify(basic, chain, store, 0) == 1
        _ = TLSFailure.drainQueue()

        var status: Int32 = -1, reason: Int32 = -1
        var revoked: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var thisUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var nextUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        let id = issuer.flatMap { OCSP_cert_to_id(nil, leaf, $0) }
        defer { OCSP_CERTID_free(id) }
        guard let id, OCSP_resp_find_status(basic, id, &status, &reason, &revoked, &thisUpdate, &nextUpdate) == 1 else {
            self.init(status: "no answer for the leaf", verified: verified)
            return
        }
        self.init(status: String(cString: OCSP_cert_status_str(Int(status))), verified: verified,
                  thisUpdate: thisUpdate.flatMap { TLSTime.unixTime($0) }, nextUpdate: nextUpdate.flatMap { TLSTime.unixTime($0) },
                  revokedAt: revoked.flatMap { TLSTime.unixTime($0) })
    }

    private init(status: String, verified: Bool, thisUpdate: Int? = nil, nextUpdate: Int? = nil, revokedAt: Int? = nil) {
        (self.status, self.verified) = (status, verified)
        (self.thisUpdate, self.nextUpdate, self.revokedAt) = (thisUpdate, nextUpdate, revokedAt)
    }

    public var json: JSONValue {
        .object([
            ("status", .string(status)),
            ("this_update", thisUpdate.map { .string(TLSTime.iso8601($0)) } ?? .null),
            ("next_update", nextUpdate.map { .string(TLSTime.iso8601($0)) } ?? .null),
            ("revoked_at", revokedAt.map { .string(TLSTime.iso8601($0)) } ?? .null),
            ("verified", .bool(verified)),
        ])
    }
}

extension TLSSession {
    /// Asks the server to staple its OCSP response; call before the handshake.
    public func requestOCSPStapling() {
        _ = SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE, Int(TLSEXT_STATUSTYPE_ocsp), nil)
    }

    /// What the server stapled, nil when nothing (or not asked).
    public var ocspStaple: OCSPStaple? {
        var data: UnsafeMutableRawPointer?
        let length = SSL_ctrl(ssl, SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP, 0, &data)
        guard length > 0, let data, let leaf = peerLeaf else { return nil }
        let der = Array(UnsafeRawBufferPointer(start: data, count: length))
        let chain = peerChain
        return OCSPStaple(der: der, leaf: leaf, issuer: chain.count > 1 ? chain[1] : nil,
                          chain: SSL_get_peer_cert_chain(ssl), store: SSL_CTX_get_cert_store(context.context))
    }

    /// Each certificate the peer sent, its own first.
    public var chainSummary: [CertificateSummary] { peerChain.map(CertificateSummary.init) }
}
