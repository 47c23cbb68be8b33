import COpenSSL

/// A certificate's subject or issuer as one line of RFC 2253 text:
/// `CN=localhost,O=Example`.
enum DistinguishedName {
    static func text(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        X509_NAME_print_ex(bio, name, 0, swnet_XN_FLAG_RFC2253())
        var data: UnsafeMutablePointer<CChar>?
        let count = swnet_BIO_get_mem_data(bio, &data)
        guard let data, count > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(count)), as: UTF8.self)
    }
}
