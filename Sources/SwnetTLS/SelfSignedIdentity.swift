import COpenSSL
import Glibc
import SwnetSocket
import SwnetCore

/// A certificate and key made at start for a server given none: ECDSA
/// P-256, valid from an hour ago for 30 days, its names and addresses as
/// subject alternative names. Clients pin it by its SHA-256 fingerprint.
public final class SelfSignedIdentity: @unchecked Sendable {
    let certificate: OpaquePointer
    let key: OpaquePointer

    public init(names: [String]) throws {
        guard let key = swnet_EVP_EC_gen("P-256") else { throw SwnetError(.tls, "cannot make an ECDSA P-256 key") }
        guard let certificate = X509_new() else {
            EVP_PKEY_free(key)
            throw SwnetError(.tls, "cannot make a certificate")
        }
        self.key = key
        self.certificate = certificate

        X509_set_version(certificate, 2)
        var serial: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &serial) { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 8) }
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial >> 1)
        X509_gmtime_adj(X509_getm_notBefore(certificate), -3600)
        X509_gmtime_adj(X509_getm_notAfter(certificate), 30 * 86400)
        X509_set_pubkey(certificate, key)
        let subject = X509_get_subject_name(certificate)
        X509_NAME_add_entry_by_txt(subject, "CN", swnet_MBSTRING_ASC(), names.first ?? "localhost", -1, -1, 0)
        X509_NAME_add_entry_by_txt(subject, "O", swnet_MBSTRING_ASC(), "swnet self-signed", -1, -1, 0)
        X509_set_issuer_name(certificate, subject)

        let alternatives = Self.unique(names).map { IPLiteral.isAddress($0) ? "IP:\($0)" : "DNS:\($0)" }.joined(separator: ",")
        var extensionContext = X509V3_CTX()
        X509V3_set_ctx(&extensionContext, certificate, certificate, nil, nil, 0)
        for (nid, value) in [(NID_subject_alt_name, alternatives), (NID_basic_constraints, "critical,CA:FALSE"),
                             (NID_ext_key_usage, "serverAuth")] {
            guard let ext = X509V3_EXT_conf_nid(nil, &extensionContext, nid, value) else { continue }
            X509_add_ext(certificate, ext, -1)
            X509_EXTENSION_free(ext)
        }
        guard X509_sign(certificate, key, EVP_sha256()) > 0 else {
            throw SwnetError(.tls, "cannot sign the self-signed certificate")
        }
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    /// `AB:CD:...`: what a client compares or pins.
    public var fingerprint: String { Fingerprint.sha256(of: certificate) }

    /// The key's pin, for `swnet connect --tls --pin`.
    public var keyPin: KeyPin { Fingerprint.keyPin(of: certificate) }

    private static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
