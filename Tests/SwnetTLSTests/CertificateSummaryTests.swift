import COpenSSL
import Foundation
import SwnetCore
import XCTest
@testable import SwnetTLS

/// The certificate summary read from certificates the `openssl` command
/// made, checked against what `openssl x509` itself prints about them.
final class CertificateSummaryTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "swnet-certificate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// Runs `openssl ARGUMENTS` in the test's folder; its stdout.
    @discardableResult
    private func openssl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "openssl \(arguments.joined(separator: " ")): \(message)")
        return String(decoding: data, as: UTF8.self)
    }

    /// `openssl x509 -noout -FIELD` with the `name=` before the value removed.
    private func field(_ file: String, _ options: String...) throws -> String {
        let line = try openssl(["x509", "-in", file, "-noout"] + options).trimmingCharacters(in: .whitespacesAndNewlines)
        return String(line[line.index(after: line.firstIndex(of: "=")!)...])
    }

    /// A self-signed certificate: `key` is openssl req's -newkey argument.
    private func selfSigned(_ name: String, key: String, subject: String, extensions: [String] = [], days: Int = 30) throws -> String {
        try openssl(["req", "-x509", "-newkey", key, "-nodes", "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "\(days)",
                     "-subj", subject] + extensions.flatMap { ["-addext", $0] })
        return folder + "/\(name).pem"
    }

    /// The certificate in a PEM file, as an `X509 *` the caller frees.
    private func load(_ file: String) throws -> OpaquePointer {
        let bio = try XCTUnwrap(BIO_new_file(file, "r"))
        defer { BIO_free(bio) }
        return try XCTUnwrap(PEM_read_bio_X509(bio, nil, nil, nil))
    }

    private func summary(_ file: String) throws -> CertificateSummary {
        let certificate = try load(file)
        defer { X509_free(certificate) }
        return CertificateSummary(certificate)
    }

    func testEveryFieldOfAnRSACertificateAgreesWithOpenSSL() throws {
        let file = try selfSigned("rsa", key: "rsa:2048", subject: "/C=DE/O=Example Org/CN=a.example",
                                  extensions: ["subjectAltName=DNS:a.example,DNS:*.b.example,IP:192.0.2.1,IP:2001:db8::1,email:ops@example.com,URI:https://example.com/"])
        let summary = try summary(file)
        XCTAssertEqual(summary.subject, try field(file, "-subject", "-nameopt", "RFC2253"))
        XCTAssertEqual(summary.subject, "CN=a.example,O=Example Org,C=DE")
        XCTAssertEqual(summary.issuer, summary.subject)
        XCTAssertEqual(summary.subjectAlternativeNames,
                       ["DNS:a.example", "DNS:*.b.example", "IP:192.0.2.1", "IP:2001:db8::1", "email:ops@example.com", "URI:https://example.com/"])
        XCTAssertEqual(summary.keyType, "RSA")
        XCTAssertEqual(summary.keyBits, 2048)
        XCTAssertNil(summary.curve)
        XCTAssertEqual(summary.keyDescription, "RSA 2048 bits")
        XCTAssertEqual(summary.signatureAlgorithm, "sha256WithRSAEncryption")
        XCTAssertEqual(summary.sha256, try field(file, "-fingerprint", "-sha256"))
        XCTAssertEqual(summary.serial, try field(file, "-serial"))
        XCTAssertEqual(CertificateSummary.iso(summary.notAfter), try field(file, "-enddate", "-dateopt", "iso_8601"))
        XCTAssertEqual(CertificateSummary.iso(summary.notBefore), try field(file, "-startdate", "-dateopt", "iso_8601"))
        XCTAssertEqual(summary.notAfter - summary.notBefore, 30 * 86400)
    }

    func testECAndEd25519KeysAndAnIssuerThatIsNotTheSubject() throws {
        let ca = try selfSigned("ca", key: "rsa:2048", subject: "/CN=Test CA")
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "ec.key",
                     "-out", "ec.csr", "-subj", "/CN=ec.example"])
        try openssl(["x509", "-req", "-in", "ec.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "3",
                     "-sha384", "-out", "ec.pem"])
        let ec = try summary(folder + "/ec.pem")
        XCTAssertEqual(ec.issuer, "CN=Test CA")
        XCTAssertEqual(ec.subject, "CN=ec.example")
        XCTAssertEqual(ec.keyType, "EC")
        XCTAssertEqual(ec.keyBits, 384)
        XCTAssertEqual(ec.curve, "P-384")
        XCTAssertEqual(ec.keyDescription, "EC P-384")
        XCTAssertEqual(ec.signatureAlgorithm, "sha384WithRSAEncryption")
        XCTAssertEqual(ec.subjectAlternativeNames, [])
        XCTAssertEqual(try summary(ca).keyBits, 2048)

        let ed = try summary(try selfSigned("ed", key: "ed25519", subject: "/CN=ed.example"))
        XCTAssertEqual(ed.keyType, "Ed25519")
        XCTAssertEqual(ed.keyDescription, "Ed25519")
        XCTAssertEqual(ed.signatureAlgorithm, "ED25519")
    }

    func testDaysLeftCountWholeDaysAndGoNegativeOnceExpired() throws {
        let summary = try summary(try selfSigned("days", key: "ed25519", subject: "/CN=days", days: 10))
        XCTAssertEqual(summary.daysLeft(at: summary.notAfter - 10 * 86400), 10)
        XCTAssertEqual(summary.daysLeft(at: summary.notAfter - 86400 - 1), 1)
        XCTAssertEqual(summary.daysLeft(at: summary.notAfter - 1), 0)
        XCTAssertEqual(summary.daysLeft(at: summary.notAfter), 0)
        XCTAssertEqual(summary.daysLeft(at: summary.notAfter + 1), -1)
        XCTAssertEqual(summary.daysLeft(at: summary.notAfter + 86400), -1)
        XCTAssertEqual(summary.daysLeft(at: summary.notAfter + 86401), -2)
    }

    func testJSONNamesEveryField() throws {
        let summary = try summary(try selfSigned("json", key: "rsa:2048", subject: "/CN=json", extensions: ["subjectAltName=DNS:json"]))
        let text = summary.json.rendered
        for key in ["subject", "issuer", "sans", "not_before", "not_after", "key_type", "key_bits", "curve", "signature_algorithm", "sha256", "serial"] {
            XCTAssertTrue(text.contains("\"\(key)\":"), "\(key) missing from \(text)")
        }
        XCTAssertTrue(text.contains("\"sans\":[\"DNS:json\"]"), text)
    }

    // MARK: OCSP

    /// A CA, a leaf it signs, and the CA's own OCSP response about the leaf: good, or revoked on 2024-01-02.
    private func ocspResponse(revoked: Bool) throws -> (der: [UInt8], leaf: OpaquePointer, issuer: OpaquePointer) {
        _ = try selfSigned("ocsp-ca", key: "rsa:2048", subject: "/CN=OCSP CA", extensions: ["basicConstraints=critical,CA:true"])
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key",
                     "-out", "leaf.csr", "-subj", "/CN=leaf"])
        try openssl(["x509", "-req", "-in", "leaf.csr", "-CA", "ocsp-ca.pem", "-CAkey", "ocsp-ca.key", "-set_serial", "0x1234",
                     "-days", "3", "-out", "leaf.pem"])
        // The index `openssl ca` keeps: status, expiry, revocation time, serial, file, subject.
        let line = revoked ? "R\t301231235959Z\t240102030405Z\t1234\tunknown\t/CN=leaf\n" : "V\t301231235959Z\t\t1234\tunknown\t/CN=leaf\n"
        try line.write(toFile: folder + "/index.txt", atomically: true, encoding: .utf8)
        try openssl(["ocsp", "-index", "index.txt", "-CA", "ocsp-ca.pem", "-rsigner", "ocsp-ca.pem", "-rkey", "ocsp-ca.key",
                     "-issuer", "ocsp-ca.pem", "-cert", "leaf.pem", "-ndays", "2", "-respout", "response.der"])
        let der = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/response.der")))
        return (der, try load(folder + "/leaf.pem"), try load(folder + "/ocsp-ca.pem"))
    }

    private func store(trusting certificate: OpaquePointer) -> OpaquePointer {
        let store = X509_STORE_new()!
        X509_STORE_add_cert(store, certificate)
        return store
    }

    func testAGoodOCSPResponseSignedByATrustedIssuer() throws {
        let (der, leaf, issuer) = try ocspResponse(revoked: false)
        defer { X509_free(leaf); X509_free(issuer) }
        let trusted = store(trusting: issuer)
        defer { X509_STORE_free(trusted) }
        let staple = try XCTUnwrap(OCSPStaple(der: der, leaf: leaf, issuer: issuer, chain: nil, store: trusted))
        XCTAssertEqual(staple.status, "good")
        XCTAssertTrue(staple.verified)
        XCTAssertNil(staple.revokedAt)
        let (thisUpdate, nextUpdate) = (try XCTUnwrap(staple.thisUpdate), try XCTUnwrap(staple.nextUpdate))
        XCTAssertEqual(nextUpdate - thisUpdate, 2 * 86400)

        let untrusted = X509_STORE_new()!
        defer { X509_STORE_free(untrusted) }
        XCTAssertEqual(OCSPStaple(der: der, leaf: leaf, issuer: issuer, chain: nil, store: untrusted)?.verified, false)
        XCTAssertEqual(OCSPStaple(der: der, leaf: leaf, issuer: nil, chain: nil, store: nil)?.status, "no answer for the leaf")
    }

    func testARevokedLeafAndBytesThatAreNoResponse() throws {
        let (der, leaf, issuer) = try ocspResponse(revoked: true)
        defer { X509_free(leaf); X509_free(issuer) }
        let staple = try XCTUnwrap(OCSPStaple(der: der, leaf: leaf, issuer: issuer, chain: nil, store: nil))
        XCTAssertEqual(staple.status, "revoked")
        XCTAssertEqual(staple.revokedAt.map(CertificateSummary.iso), "2024-01-02 03:04:05Z")
        XCTAssertFalse(staple.verified)
        XCTAssertNil(OCSPStaple(der: Array("not DER at all".utf8), leaf: leaf, issuer: issuer, chain: nil, store: nil))
    }
}

private extension CertificateSummary {
    /// A Unix time as `openssl x509 -dateopt iso_8601` writes it: `2026-12-21 20:48:49Z`.
    static func iso(_ time: Int) -> String {
        TLSTime.iso8601(time).replacingOccurrences(of: "T", with: " ")
    }
}
