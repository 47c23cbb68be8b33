import COpenSSL
import SwnetTLS

/// tls-info's certificate summary over whatever DER a server may send:
/// every field is read and rendered, never trusted to be well formed.
enum CertificateTarget {
    static func run(_ input: FuzzInput) {
        input.bytes.withUnsafeBufferPointer { buffer in
            var start = buffer.baseAddress
            guard let certificate = d2i_X509(nil, &start, buffer.count) else { return }
            defer { X509_free(certificate) }
            let summary = CertificateSummary(certificate)
            _ = summary.json.rendered
            _ = summary.keyDescription
        }
    }
}
