import Foundation
import XCTest

/// `swnet tls-info` against nginx serving the test chains, and against
/// peers that are not TLS servers at all.
final class TLSInfoTests: XCTestCase {
    private var servers: [TLSServer] = []

    override func tearDown() {
        servers.forEach { $0.stop() }
        servers = []
    }

    private func nginx(_ identity: TLSFixture.Identity = TLSFixture.localhost, stapling: String? = nil, http2: Bool = false) throws -> TLSServer {
        let server = try TLSServer.nginx(identity, stapling: stapling, http2: http2)
        servers.append(server)
        return server
    }

    /// What `openssl x509 -noout OPTIONS` says of a certificate file, after the `name=`.
    private func openssl(_ file: String, _ options: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["x509", "-in", file, "-noout"] + options
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return String(line[line.index(after: line.firstIndex(of: "=")!)...])
    }

    /// `2026-12-21 20:48:49Z` (openssl -dateopt iso_8601) as swnet writes it: `2026-12-21T20:48:49Z`.
    private func date(_ file: String, _ option: String) throws -> String {
        try openssl(file, option, "-dateopt", "iso_8601").replacingOccurrences(of: " ", with: "T")
    }

    private func lines(_ result: Harness.Result) throws -> [[String: Any]] {
        try result.text.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    func testAChainOfTwoFieldByField() throws {
        let server = try nginx(stapling: TLSFixture.localhostOCSP)
        let result = try Harness.swnet(["--json", "tls-info", "--cacert", TLSFixture.root, "localhost:\(server.port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["target"] as? String, "localhost:\(server.port)")
        XCTAssertEqual(json["host"] as? String, "localhost")
        XCTAssertEqual(json["port"] as? Int, Int(server.port))
        XCTAssertTrue(["127.0.0.1", "::1"].contains(json["address"] as? String ?? ""), "\(json)")
        XCTAssertTrue(json["starttls"] is NSNull)
        XCTAssertEqual(json["verified"] as? Bool, true)
        XCTAssertTrue(json["verify_error"] is NSNull)
        XCTAssertEqual(json["name"] as? String, "localhost")
        XCTAssertEqual(json["version"] as? String, "TLSv1.3")
        XCTAssertEqual(json["cipher"] as? String, "TLS_AES_256_GCM_SHA384")
        XCTAssertTrue(json["alpn"] is NSNull)
        XCTAssertTrue(json["error"] is NSNull)
        let days = try XCTUnwrap(json["days_left"] as? Int)
        XCTAssertTrue((TLSFixture.validDays - 1...TLSFixture.validDays).contains(days), "\(days)")

        let ocsp = try XCTUnwrap(json["ocsp"] as? [String: Any])
        XCTAssertEqual(ocsp["status"] as? String, "good")
        XCTAssertEqual(ocsp["verified"] as? Bool, true)
        XCTAssertTrue(ocsp["revoked_at"] is NSNull)
        XCTAssertNotNil(ocsp["this_update"] as? String)
        XCTAssertNotNil(ocsp["next_update"] as? String)

        let chain = try XCTUnwrap(json["chain"] as? [[String: Any]])
        XCTAssertEqual(chain.count, 2)
        let (leaf, intermediate) = (chain[0], chain[1])
        let leafFile = TLSFixture.localhost.certificate
        XCTAssertEqual(leaf["subject"] as? String, "CN=localhost")
        XCTAssertEqual(leaf["issuer"] as? String, "CN=swnet test intermediate CA")
        XCTAssertEqual(leaf["sans"] as? [String], ["DNS:localhost", "IP:127.0.0.1", "IP:::1"])
        XCTAssertEqual(leaf["not_before"] as? String, try date(leafFile, "-startdate"))
        XCTAssertEqual(leaf["not_after"] as? String, try date(leafFile, "-enddate"))
        XCTAssertEqual(leaf["days_left"] as? Int, days)
        XCTAssertEqual(leaf["key_type"] as? String, "EC")
        XCTAssertEqual(leaf["key_bits"] as? Int, 256)
        XCTAssertEqual(leaf["curve"] as? String, "P-256")
        XCTAssertEqual(leaf["signature_algorithm"] as? String, "ecdsa-with-SHA256")
        XCTAssertEqual(leaf["sha256"] as? String, try openssl(leafFile, "-fingerprint", "-sha256"))
        XCTAssertEqual(leaf["serial"] as? String, try openssl(leafFile, "-serial"))

        XCTAssertEqual(intermediate["subject"] as? String, "CN=swnet test intermediate CA")
        XCTAssertEqual(intermediate["issuer"] as? String, "CN=swnet test root CA")
        XCTAssertEqual(intermediate["sans"] as? [String], [])
        XCTAssertEqual(intermediate["key_type"] as? String, "EC")
        XCTAssertEqual(intermediate["curve"] as? String, "P-384")
        XCTAssertEqual(intermediate["key_bits"] as? Int, 384)
        XCTAssertEqual(intermediate["signature_algorithm"] as? String, "sha256WithRSAEncryption")
        XCTAssertEqual(intermediate["sha256"] as? String, try openssl(TLSFixture.intermediate, "-fingerprint", "-sha256"))
        XCTAssertEqual(intermediate["not_after"] as? String, try date(TLSFixture.intermediate, "-enddate"))
    }

    func testTheTextReportShowsEachCertificate() throws {
        let server = try nginx()
        let result = try Harness.swnet(["tls-info", "--cacert", TLSFixture.root, "127.0.0.1:\(server.port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let text = result.text
        XCTAssertTrue(text.hasPrefix("127.0.0.1:\(server.port) (127.0.0.1)\n  verified:  yes, for 127.0.0.1\n"), text)
        XCTAssertTrue(text.contains("  protocol:  TLSv1.3, cipher TLS_AES_256_GCM_SHA384, ALPN none\n"), text)
        XCTAssertTrue(text.contains("  OCSP:      not stapled\n"), text)
        XCTAssertTrue(text.contains("  certificate 0: CN=localhost\n    issuer:    CN=swnet test intermediate CA\n"), text)
        XCTAssertTrue(text.contains("    names:     DNS:localhost, IP:127.0.0.1, IP:::1\n"), text)
        XCTAssertTrue(text.contains("    key:       EC P-256, signature ecdsa-with-SHA256\n"), text)
        XCTAssertTrue(text.contains("    sha256:    \(try openssl(TLSFixture.localhost.certificate, "-fingerprint", "-sha256"))\n"), text)
        XCTAssertTrue(text.contains("  certificate 1: CN=swnet test intermediate CA\n    issuer:    CN=swnet test root CA\n"), text)
        XCTAssertNotNil(text.range(of: #"days? left\n"#, options: .regularExpression), text)
    }

    func testAnExpiredLeafIsShownAndFails() throws {
        let server = try nginx(TLSFixture.expired)
        let result = try Harness.swnet(["tls-info", "--cacert", TLSFixture.root, "localhost:\(server.port)"])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: tls-info: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("certificate verification failed: certificate expired on 2020-02-01T00:00:00Z"), result.stderr)
        XCTAssertTrue(result.stderr.contains(try openssl(TLSFixture.expired.certificate, "-fingerprint", "-sha256")), result.stderr)
        XCTAssertTrue(result.text.contains("  verified:  NO: certificate expired on 2020-02-01T00:00:00Z\n"), result.text)
        XCTAssertTrue(result.text.contains("valid:     2020-01-01T00:00:00Z to 2020-02-01T00:00:00Z, EXPIRED"), result.text)

        let json = try Harness.swnet(["--json", "tls-info", "--cacert", TLSFixture.root, "localhost:\(server.port)"])
        XCTAssertEqual(json.status, 6)
        let object = try json.json()
        XCTAssertEqual(object["verified"] as? Bool, false)
        XCTAssertEqual(object["verify_error"] as? String, "certificate expired on 2020-02-01T00:00:00Z")
        XCTAssertLessThan(try XCTUnwrap(object["days_left"] as? Int), -300)
        let error = try XCTUnwrap(object["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 6)
        XCTAssertEqual(error["kind"] as? String, "tls")
    }

    func testAStapledRevocationFails() throws {
        let server = try nginx(TLSFixture.revoked, stapling: TLSFixture.revokedOCSP)
        let result = try Harness.swnet(["--json", "tls-info", "--cacert", TLSFixture.root, "localhost:\(server.port)"])
        XCTAssertEqual(result.status, 6, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["verified"] as? Bool, true, "the chain itself verifies")
        let ocsp = try XCTUnwrap(json["ocsp"] as? [String: Any])
        XCTAssertEqual(ocsp["status"] as? String, "revoked")
        XCTAssertEqual(ocsp["verified"] as? Bool, true)
        XCTAssertNotNil(ocsp["revoked_at"] as? String)
        let error = try XCTUnwrap(json["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 6)
        XCTAssertTrue((error["message"] as? String)?.contains("the stapled OCSP answer says the certificate was revoked on ") == true, "\(error)")
        let insecure = try Harness.swnet(["tls-info", "-k", "localhost:\(server.port)"])
        XCTAssertEqual(insecure.status, 0, insecure.stderr)
        XCTAssertTrue(insecure.text.contains("  OCSP:      revoked, revoked 20"), insecure.text)
    }

    func testKReportsWithoutFailing() throws {
        let server = try nginx(TLSFixture.expired)
        let result = try Harness.swnet(["--json", "tls-info", "-k", "localhost:\(server.port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: -k"), result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["verified"] as? Bool, false)
        XCTAssertNotNil(json["verify_error"] as? String)
        XCTAssertTrue(json["error"] is NSNull)
    }

    func testAWrongNameFailsUnlessServernameSaysIt() throws {
        let server = try nginx(TLSFixture.wrongName)
        let wrong = try Harness.swnet(["tls-info", "--cacert", TLSFixture.root, "localhost:\(server.port)"])
        XCTAssertEqual(wrong.status, 6, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("host name mismatch: the certificate is not valid for localhost"), wrong.stderr)
        let named = try Harness.swnet(["tls-info", "--cacert", TLSFixture.root, "--servername", "wrong.example", "127.0.0.1:\(server.port)"])
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertTrue(named.text.contains("verified:  yes, for wrong.example"), named.text)
    }

    func testSelfSignedAndUntrustedChainsFailWithTheirReason() throws {
        let selfSigned = try nginx(TLSFixture.selfSigned)
        let result = try Harness.swnet(["tls-info", "--cacert", TLSFixture.root, "localhost:\(selfSigned.port)"])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("self-signed certificate"), result.stderr)
        let untrusted = try nginx()
        let unknown = try Harness.swnet(["tls-info", "localhost:\(untrusted.port)"])
        XCTAssertEqual(unknown.status, 6, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("unknown issuer"), unknown.stderr)
    }

    func testExpiresWithinFailsAValidCertificateThatExpiresSooner() throws {
        let server = try nginx()
        let soon = try Harness.swnet(["tls-info", "-q", "--cacert", TLSFixture.root, "--expires-within", "30d", "localhost:\(server.port)"])
        XCTAssertEqual(soon.status, 6, soon.stderr)
        XCTAssertNotNil(soon.stderr.range(of: #"the certificate CN=localhost expires in (19|20) days \(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\), within --expires-within 30d"#,
                                           options: .regularExpression), soon.stderr)
        let later = try Harness.swnet(["tls-info", "--cacert", TLSFixture.root, "--expires-within", "10d", "localhost:\(server.port)"])
        XCTAssertEqual(later.status, 0, later.stderr)
        let json = try Harness.swnet(["--json", "tls-info", "--cacert", TLSFixture.root, "--expires-within", "720h", "localhost:\(server.port)"])
        XCTAssertEqual(json.status, 6)
        let error = try XCTUnwrap(try json.json()["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 6)
        XCTAssertTrue((error["message"] as? String)?.contains("within --expires-within 30d") == true, "\(error)")
    }

    func testSeveralTargetsAreReportedInOrderAndSomeFailingIsExit9() throws {
        let good = try nginx(), expired = try nginx(TLSFixture.expired)
        let closed = Harness.refusedPort()
        let targets = ["localhost:\(good.port)", "localhost:\(expired.port)", "127.0.0.1:\(closed)", "127.0.0.1:\(good.port)"]
        let result = try Harness.swnet(["--json", "tls-info", "--cacert", TLSFixture.root] + targets)
        XCTAssertEqual(result.status, 9, result.stderr)
        let objects = try lines(result)
        XCTAssertEqual(objects.map { $0["target"] as? String }, targets)
        XCTAssertTrue(objects[0]["error"] is NSNull)
        XCTAssertEqual((objects[1]["error"] as? [String: Any])?["code"] as? Int, 6)
        XCTAssertEqual((objects[2]["error"] as? [String: Any])?["code"] as? Int, 4)
        XCTAssertNil(objects[2]["chain"], "an unreachable target has no report")
        XCTAssertTrue(objects[3]["error"] is NSNull)

        let text = try Harness.swnet(["tls-info", "--cacert", TLSFixture.root] + targets)
        XCTAssertEqual(text.status, 9)
        XCTAssertTrue(text.stderr.contains("127.0.0.1:\(closed)/tcp: connection refused"), text.stderr)
        XCTAssertTrue(text.stderr.contains("tls-info: 2 of 4 targets failed"), text.stderr)
        let headers = text.text.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.isEmpty }.map { String($0.prefix { $0 != " " }) }
        XCTAssertEqual(headers, [targets[0], targets[1], targets[3]])

        let allFailed = try Harness.swnet(["tls-info", "127.0.0.1:\(closed)", "localhost:\(expired.port)"])
        XCTAssertEqual(allFailed.status, 4, "all failed: the first failure's code")
    }

    func testALPNAndIPv6() throws {
        let server = try nginx(http2: true)
        let result = try Harness.swnet(["--json", "tls-info", "--cacert", TLSFixture.root, "--alpn", "h2,http/1.1", "[::1]:\(server.port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["alpn"] as? String, "h2")
        XCTAssertEqual(json["address"] as? String, "::1")
        XCTAssertEqual(json["name"] as? String, "::1")
        XCTAssertEqual(json["verified"] as? Bool, true, "the leaf's IP:::1 matches")
    }

    func testAPeerThatIsNotATLSServer() throws {
        let port = Harness.freePort()
        let peer = try Peer.tcp(port: port, exec: "echo hello")
        defer { peer.stop() }
        let result = try Harness.swnet(["tls-info", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: tls-info: 127.0.0.1:\(port)/tcp: TLS handshake: "), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    }

    func testBadArguments() throws {
        for (arguments, message) in [
            (["tls-info"], "missing"),
            (["tls-info", "--starttls", "gopher", "localhost"], "invalid value 'gopher' for --starttls"),
            (["tls-info", "localhost:99999"], "port 99999 is out of range"),
            (["tls-info", "--expires-within", "soon", "localhost"], "invalid value 'soon' for --expires-within"),
            (["tls-info", "[::1"], "'[::1' is not a target"),
        ] {
            let result = try Harness.swnet(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let unresolvable = try Harness.swnet(["tls-info", "no-such-host.invalid"])
        XCTAssertEqual(unresolvable.status, 3, unresolvable.stderr)
    }
}
