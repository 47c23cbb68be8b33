import Foundation
import XCTest

/// `--starttls try` is opportunistic (RFC 7435), `require` verifies: against
/// aiosmtpd offering STARTTLS with a self-signed certificate the test makes,
/// as a stock Debian Postfix does.
final class SMTPStartTLSTests: XCTestCase {
    var servers: [SMTPTestServer] = []
    override func tearDown() { servers.forEach { $0.stop() } }

    private func server(_ options: SMTPTestServer.Options) throws -> SMTPTestServer {
        let server = try SMTPTestServer(options)
        servers.append(server)
        return server
    }

    private let mail = ["-f", "a@example.com", "-t", "b@example.com", "--body", "hi"]

    func testTryEncryptsWithAnUnverifiedCertificateAndSaysSo() throws {
        let smtp = try server(.init(tls: .startTLS))
        // The README's first example: the default is try.
        let result = try Harness.swnet(["smtp-send", "-v", "-s", "127.0.0.1:\(smtp.port)"] + mail)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try smtp.messages().first?["tls"] as? Bool, true, "the mail went encrypted")
        XCTAssertTrue(result.stderr.contains("swnet: smtp-send: encrypted, but the certificate was not verified (OpenSSL verify result 18: self-signed certificate)"), result.stderr)

        let json = try Harness.swnet(["--json", "smtp-send", "-s", "127.0.0.1:\(smtp.port)"] + mail)
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(try json.json()["tls"] as? String, "unverified")
    }

    func testRequireVerifies() throws {
        let smtp = try server(.init(tls: .startTLS))
        let refused = try Harness.swnet(["smtp-send", "--starttls", "require", "-s", "127.0.0.1:\(smtp.port)"] + mail)
        XCTAssertEqual(refused.status, 6, refused.stderr)
        XCTAssertTrue(refused.stderr.lowercased().contains("certificate"), refused.stderr)
        XCTAssertEqual(try smtp.messages().count, 0)

        let ca = try SMTPTestServer.certificate().cert.path
        let verified = try Harness.swnet(["--json", "smtp-send", "--starttls", "require", "--cacert", ca, "-s", "127.0.0.1:\(smtp.port)"] + mail)
        XCTAssertEqual(verified.status, 0, verified.stderr)
        XCTAssertEqual(try verified.json()["tls"] as? String, "verified")
    }

    func testAPasswordIsNeverSentOverAnUnverifiedCertificate() throws {
        let smtp = try server(.init(auth: "anna:secret", authRequiresTLS: true, tls: .startTLS))
        let result = try Harness.swnet(["smtp-send", "-u", "anna:secret", "-s", "127.0.0.1:\(smtp.port)"] + mail)
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("with --user the certificate must verify"), result.stderr)
        XCTAssertEqual(try smtp.messages().count, 0)
    }

    func testTryWithoutSTARTTLSSendsInTheClearAndSaysSo() throws {
        let smtp = try server(.init())
        let result = try Harness.swnet(["smtp-send", "-v", "-s", "127.0.0.1:\(smtp.port)"] + mail)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("swnet: smtp-send: not encrypted: the server offers no STARTTLS"), result.stderr)
        let json = try Harness.swnet(["--json", "smtp-send", "-s", "127.0.0.1:\(smtp.port)"] + mail)
        XCTAssertEqual(try json.json()["tls"] as? String, "none")
    }
}
