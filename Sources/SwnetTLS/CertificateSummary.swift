import COpenSSL
import Glibc
import SwnetCore

/// What a user checks about one certificate: who it is for and from whom,
/// the names it covers, when it is valid and how long it has left, its key
/// and signature, and its SHA-256 fingerprint — as `openssl x509 -text`
/// would show them, in a form a script can read.
public struct CertificateSummary: Sendable, Equatable {
    /// RFC 2253: `CN=localhost,O=Example`.
    public let subject: String
    public let issuer: String
    /// As OpenSSL writes them: `DNS:localhost`, `IP:127.0.0.1`, `IP:::1`, `email:...`, `URI:...`.
    public let subjectAlternativeNames: [String]
    /// Unix time.
    public let notBefore: Int
    public let notAfter: Int
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `RSA-PSS`, `DSA`.
    public let keyType: String
    public let keyBits: Int
    /// An EC key's curve by its NIST name where it has one: `P-256`.
    public let curve: String?
    /// `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `ED25519`.
    public let signatureAlgorithm: String
    /// `AB:CD:...`: the SHA-256 of the DER certificate.
    public let sha256: String
    /// Hexadecimal, as `openssl x509 -serial` prints it.
    public let serial: String

    /// Reads an `X509 *`; OpenSSL keeps ownership.
    public init(_ certificate: OpaquePointer) {
        subject = DistinguishedName.text(X509_get_subject_name(certificate))
        issuer = DistinguishedName.text(X509_get_issuer_name(certificate))
        subjectAlternativeNames = Self.alternativeNames(certificate)
        notBefore = X509_get0_notBefore(certificate).flatMap(TLSTime.unixTime) ?? 0
        notAfter = X509_get0_notAfter(certificate).flatMap(TLSTime.unixTime) ?? 0
        let key = X509_get0_pubkey(certificate)
        (keyType, curve) = Self.keyType(key)
        keyBits = key.map { Int(EVP_PKEY_get_bits($0)) } ?? 0
        signatureAlgorithm = OBJ_nid2ln(X509_get_signature_nid(certificate)).map { String(cString: $0) } ?? "unknown"
        sha256 = Fingerprint.sha256(of: certificate)
        serial = Self.serial(certificate)
    }

    /// Whole days until it expires, from `now` (Unix time): 0 on its last
    /// day, negative once expired.
    public func daysLeft(at now: Int) -> Int {
        let seconds = notAfter - now
        return seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400)
    }

    /// `EC P-256`, `RSA 2048 bits`, `Ed25519`.
    public var keyDescription: String {
        if let curve { return "\(keyType) \(curve)" }
        if keyType.hasPrefix("Ed") { return keyType }
        return "\(keyType) \(keyBits) bits"
    }

    /// A Unix time as the summary writes it: RFC 3339 UTC, `2026-12-21T20:48:00Z`.
    public static func rfc3339(_ unixTime: Int) -> String { TLSTime.iso8601(unixTime) }

    public var json: JSONValue {
        .object([
            ("subject", .string(subject)),
            ("issuer", .string(issuer)),
            ("sans", .array(subjectAlternativeNames.map(JSONValue.string))),
            ("not_before", .string(TLSTime.iso8601(notBefore))),
            ("not_after", .string(TLSTime.iso8601(notAfter))),
            ("key_type", .string(keyType)),
            ("key_bits", .int(keyBits)),
            ("curve", curve.map(JSONValue.string) ?? .null),
            ("signature_algorithm", .string(signatureAlgorithm)),
            ("sha256", .string(sha256)),
            ("serial", .string(serial)),
        ])
    }

    private static func keyType(_ key: OpaquePointer?) -> (String, String?) {
        guard let key else { return ("unknown", nil) }
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: return ("RSA", nil)
        case EVP_PKEY_RSA_PSS: return ("RSA-PSS", nil)
        case EVP_PKEY_DSA: return ("DSA", nil)
        case EVP_PKEY_ED25519: return ("Ed25519", nil)
        case EVP_PKEY_ED448: return ("Ed448", nil)
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 80)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(key, "group", &name, name.count, &length) == 1 else { return ("EC", nil) }
            let group = String(cString: name)
            let nist = EC_curve_nid2nist(OBJ_sn2nid(group)).map { String(cString: $0) }
            return ("EC", nist ?? group)
        default:
            return (EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "unknown", nil)
        }
    }

    private static func alternativeNames(_ certificate: OpaquePointer) -> [String] {
        guard let names = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) else { return [] }
        let stack = OpaquePointer(names)
        defer { GENERAL_NAMES_free(stack) }
        return (0..<OPENSSL_sk_num(stack)).compactMap { index in
            guard let name = OPENSSL_sk_value(stack, index)?.assumingMemoryBound(to: GENERAL_NAME.self).pointee else { return nil }
            switch name.type {
            case GEN_DNS: return "DNS:" + text(name.d.dNSName)
            case GEN_EMAIL: return "email:" + text(name.d.rfc822Name)
            case GEN_URI: return "URI:" + text(name.d.uniformResourceIdentifier)
            case GEN_IPADD: return "IP:" + address(name.d.iPAddress)
            default: return nil
            }
        }
    }

    private static func text(_ string: UnsafeMutablePointer<ASN1_STRING>?) -> String {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return "" }
        return PrintableText.escaped(String(decoding: UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))), as: UTF8.self))
    }

    private static func address(_ string: UnsafeMutablePointer<ASN1_STRING>?) -> String {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return "" }
        let count = Int(ASN1_STRING_length(string))
        guard count == 4 || count == 16 else { return "?" }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(count == 4 ? AF_INET : AF_INET6, data, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(cString: buffer)
    }

    private static func serial(_ certificate: OpaquePointer) -> String {
        guard let number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nil) else { return "" }
        defer { BN_free(number) }
        guard let hex = BN_bn2hex(number) else { return "" }
        defer { CRYPTO_free(hex, #file, #line) }
        return String(cString: hex)
    }
}
