import COpenSSL

/// The two hashes a user compares a certificate by: the SHA-256 of the
/// whole certificate (what `openssl x509 -fingerprint -sha256` prints) and
/// the SHA-256 of its public key, the pin that survives a renewal with the
/// same key.
public enum Fingerprint {
    /// `AB:CD:...`, 32 bytes in upper-case hex.
    public static func sha256(of certificate: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1 else { return "?" }
        return digest[..<Int(length)].map { hex($0) }.joined(separator: ":")
    }

    /// The key's pin: base64 of the SHA-256 of its DER SubjectPublicKeyInfo.
    public static func keyPin(of certificate: OpaquePointer) -> KeyPin {
        var der: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der)
        defer { CRYPTO_free(der, #file, #line) }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        guard length > 0, let der, EVP_Digest(der, Int(length), &digest, &digestLength, EVP_sha256(), nil) == 1 else {
            return KeyPin(base64: "")
        }
        var encoded = [UInt8](repeating: 0, count: 4 * ((Int(digestLength) + 2) / 3) + 1)
        let count = EVP_EncodeBlock(&encoded, digest, Int32(digestLength))
        return KeyPin(base64: String(decoding: encoded[..<Int(count)], as: UTF8.self))
    }

    /// The DER encoding of a certificate.
    public static func der(of certificate: OpaquePointer) -> [UInt8] {
        var der: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(certificate, &der)
        defer { CRYPTO_free(der, #file, #line) }
        guard length > 0, let der else { return [] }
        return Array(UnsafeBufferPointer(start: der, count: Int(length)))
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
