import Foundation
import XCTest

/// `swnet connect --tls` against real TLS servers on loopback, with the
/// certificates of `TLSFixture`.
final class ConnectTLSTests: XCTestCase {
    private let trust = ["--cacert", TLSFixture.root]

    func testSServerReceivesWhatIsSentAndAnswers() throws {
        let server = try TLSServer.sServer()
        defer { server.stop() }
        server.send("from the server\n")
        let result = try Harness.swnet(["connect", "--tls", "-v"] + trust + ["--idle-timeout", "1s", server.address],
                                       stdin: Data("hello over tls\n".utf8), closeStdinAfter: 0.5)
        XCTAssertTrue(server.waitForOutput("hello over tls"), server.output)
        XCTAssertTrue(result.text.contains("from the server"), result.text + result.stderr)
        XCTAssertTrue(result.stderr.contains("TLS TLSv1.3"), result.stderr)
        XCTAssertTrue(result.stderr.contains("certificate: CN=localhost; issuer: CN=swnet test intermediate CA; expires 20"), result.stderr)
        XCTAssertTrue(result.stderr.contains("certificate verified for 127.0.0.1"), result.stderr)
    }

    func testClientCertificateForSServerVerify() throws {
        let server = try TLSServer.sServer(options: ["-Verify", "1", "-CAfile", TLSFixture.root])
        defer { server.stop() }
        let client = TLSFixture.client
        let result = try Harness.swnet(["connect", "--tls", "--cert", client.certificate, "--key", client.key] + trust + [server.address],
                                       stdin: Data("with a certificate\n".utf8))
        XCTAssertTrue(server.waitForOutput("with a certificate"), server.output + server.log)
        XCTAssertEqual(result.status, 0, result.stderr)

        let refused = try Harness.swnet(["connect", "--tls"] + trust + [server.address], stdin: Data("no certificate\n".utf8))
        XCTAssertEqual(refused.status, 6, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("requires a client certificate"), refused.stderr)
        XCTAssertFalse(server.output.contains("no certificate"))
    }

    func testALPNIsNegotiatedAndReportedInJSON() throws {
        let server = try TLSServer.sServer(options: ["-alpn", "h2,http/1.1"])
        defer { server.stop() }
        let result = try Harness.swnet(["--json", "connect", "--ssl", "--alpn", "http/1.1"] + trust + [server.address], stdin: Data("x\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let tls = try XCTUnwrap(try result.json()["tls"] as? [String: Any])
        XCTAssertEqual(tls["alpn"] as? String, "http/1.1")
        XCTAssertEqual(tls["verified"] as? Bool, true)
        XCTAssertEqual(tls["version"] as? String, "TLSv1.3")
        XCTAssertEqual(tls["subject"] as? String, "CN=localhost")
        XCTAssertEqual(tls["issuer"] as? String, "CN=swnet test intermediate CA")
        XCTAssertNotNil((tls["cipher"] as? String).flatMap { $0.isEmpty ? nil : $0 })
        XCTAssertEqual(tls["sha256"] as? String, try fingerprint(TLSFixture.localhost.certificate))
        XCTAssertTrue((tls["not_after"] as? String)?.hasSuffix("Z") == true)
    }

    func testTenMebibytesThroughSocatEchoComeBackUnchanged() throws {
        let server = try TLSServer.socatEcho()
        defer { server.stop() }
        var data = Data(count: 10 << 20)
        data.withUnsafeMutableBytes { bytes in
            var state: UInt64 = 0x9E3779B97F4A7C15
            for index in 0..<bytes.count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
            }
        }
        let result = try Harness.swnet(["connect", "--tls"] + trust + ["localhost:\(server.port)"], stdin: data, limit: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.count, data.count)
        XCTAssertTrue(result.stdout == data, "the echo differs")
    }

    func testHalfCloseSendsCloseNotifyAndReadsTheAnswer() throws {
        // wc -c answers only once it has read to end of file: the close_notify.
        let server = try TLSServer.socat(exec: "wc -c")
        defer { server.stop() }
        let result = try Harness.swnet(["connect", "--tls"] + trust + [server.address], stdin: Data(repeating: 65, count: 100_000))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text.trimmingCharacters(in: .whitespacesAndNewlines), "100000")
    }

    func testNcatSSLEcho() throws {
        // ncat ends the whole connection at the client's first end of stream, so the
        // client keeps its side open and the server ends once head has answered.
        let server = try TLSServer.ncat(exec: "/usr/bin/head -n 1")
        defer { server.stop() }
        let result = try Harness.swnet(["connect", "--tls", "--stdin-eof", "keep"] + trust + [server.address], stdin: Data("ncat echo\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "ncat echo\n")
    }

    func testNginxAnswersARequest() throws {
        let server = try TLSServer.nginx()
        defer { server.stop() }
        let request = Data("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8)
        let result = try Harness.swnet(["connect", "--tls"] + trust + ["localhost:\(server.port)"], stdin: request)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.hasPrefix("HTTP/1.1 200"), result.text)
        XCTAssertTrue(result.text.hasSuffix("hello\n"), result.text)
        let v6 = try Harness.swnet(["connect", "--tls"] + trust + ["[::1]:\(server.port)"], stdin: request)
        XCTAssertEqual(v6.status, 0, "IP SAN ::1: " + v6.stderr)
    }

    // MARK: Verification

    func testEachVerificationFailureExitsSixWithItsReasonAndFingerprint() throws {
        let cases: [(TLSFixture.Identity, [String], String)] = [
            (TLSFixture.expired, trust, "certificate verification failed: certificate expired on 2020-02-01T00:00:00Z"),
            (TLSFixture.selfSigned, trust, "certificate verification failed: self-signed certificate"),
            (TLSFixture.localhost, [], "certificate verification failed: unknown issuer"),
            (TLSFixture.wrongName, trust, "certificate verification failed: host name mismatch: the certificate is not valid for 127.0.0.1"),
        ]
        for (identity, options, message) in cases {
            let server = try TLSServer.sServer(identity)
            defer { server.stop() }
            let result = try Harness.swnet(["connect", "--tls"] + options + [server.address], stdin: Data("secret\n".utf8))
            XCTAssertEqual(result.status, 6, "\(message): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("swnet: connect: \(server.address)/tcp: TLS handshake: \(message)"), result.stderr)
            XCTAssertTrue(result.stderr.contains("leaf SHA-256 fingerprint \(try fingerprint(identity.certificate))"), result.stderr)
            XCTAssertFalse(server.output.contains("secret"), "data was sent to an unverified server")
        }
    }

    func testHostNameMismatchForAName() throws {
        let server = try TLSServer.sServer(TLSFixture.wrongName)
        defer { server.stop() }
        let result = try Harness.swnet(["connect", "--tls"] + trust + ["localhost:\(server.port)"], stdin: Data())
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("host name mismatch: the certificate is not valid for localhost"), result.stderr)
    }

    func testServernameChangesTheNameChecked() throws {
        // SNI wrong.example gets the wrong-name certificate, anything else (or no SNI) localhost's.
        let server = try TLSServer.sServer(options: ["-servername", "wrong.example", "-cert2", TLSFixture.wrongName.certificate,
                                                     "-key2", TLSFixture.wrongName.key, "-cert_chain", TLSFixture.intermediate])
        defer { server.stop() }
        // s_server sends no chain with -cert2: trust a hashed directory holding the root and the intermediate.
        let directory = NSTemporaryDirectory() + "swnet-ca-dir-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try shell("cp '\(TLSFixture.root)' '\(TLSFixture.intermediate)' '\(directory)/' && openssl rehash '\(directory)'")
        let trust = ["--cacert", directory]
        let named = try Harness.swnet(["--json", "connect", "--tls", "--servername", "wrong.example"] + trust + [server.address], stdin: Data("x\n".utf8))
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual((try named.json()["tls"] as? [String: Any])?["subject"] as? String, "CN=wrong.example")
        // No SNI for an IP literal: the default certificate, checked against its IP SAN.
        let literal = try Harness.swnet(["--json", "connect", "--tls"] + trust + [server.address], stdin: Data("x\n".utf8))
        XCTAssertEqual(literal.status, 0, literal.stderr)
        XCTAssertEqual((try literal.json()["tls"] as? [String: Any])?["subject"] as? String, "CN=localhost")
        // The name checked is --servername's, not the host connected to.
        let mismatch = try Harness.swnet(["connect", "--tls", "--servername", "other.example"] + trust + [server.address], stdin: Data())
        XCTAssertEqual(mismatch.status, 6, mismatch.stderr)
        XCTAssertTrue(mismatch.stderr.contains("not valid for other.example"), mismatch.stderr)
    }

    func testInsecureSaysSoAndReportsUnverified() throws {
        let server = try TLSServer.sServer(TLSFixture.selfSigned)
        defer { server.stop() }
        let result = try Harness.swnet(["--json", "connect", "--tls", "-k", server.address], stdin: Data("anyway\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: -k: the server's certificate is not verified"), result.stderr)
        XCTAssertEqual((try result.json()["tls"] as? [String: Any])?["verified"] as? Bool, false)
        XCTAssertTrue(server.waitForOutput("anyway"))
    }

    func testPinRightPassesAndWrongFailsEvenWithInsecure() throws {
        let server = try TLSServer.sServer(TLSFixture.selfSigned)
        defer { server.stop() }
        let pin = try keyPin(TLSFixture.selfSigned.certificate)
        let right = try Harness.swnet(["connect", "--tls", "-k", "--pin", pin, server.address], stdin: Data("pinned\n".utf8))
        XCTAssertEqual(right.status, 0, right.stderr)
        let wrongPin = "sha256:" + Data(repeating: 7, count: 32).base64EncodedString()
        let wrong = try Harness.swnet(["connect", "--tls", "-k", "--pin", wrongPin, server.address], stdin: Data("leak\n".utf8))
        XCTAssertEqual(wrong.status, 6, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("the server's key does not match --pin \(wrongPin): its pin is \(pin)"), wrong.stderr)
        let bad = try Harness.swnet(["connect", "--tls", "--pin", "md5:abc", server.address])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertFalse(server.output.contains("leak"))
    }

    func testProtocolVersionAndNoSharedCipher() throws {
        let old = try TLSServer.sServer(options: ["-tls1_2"])
        defer { old.stop() }
        let version = try Harness.swnet(["connect", "--tls", "--tls-min", "1.3"] + trust + [old.address], stdin: Data())
        XCTAssertEqual(version.status, 6, version.stderr)
        XCTAssertTrue(version.stderr.contains("protocol version"), version.stderr)

        let picky = try TLSServer.sServer(options: ["-tls1_2", "-cipher", "aNULL"])
        defer { picky.stop() }
        let cipher = try Harness.swnet(["connect", "--tls"] + trust + [picky.address], stdin: Data())
        XCTAssertEqual(cipher.status, 6, cipher.stderr)
        XCTAssertTrue(cipher.stderr.contains("no shared cipher"), cipher.stderr)
    }

    func testAPlainTextPeerIsNotSpeakingTLS() throws {
        let port = Harness.freePort()
        let peer = try Peer.tcp(port: port, exec: "echo SSH-2.0-OpenSSH_9.2 && sleep 2")
        defer { peer.stop() }
        let result = try Harness.swnet(["connect", "--tls", "127.0.0.1:\(port)"], stdin: Data())
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("TLS handshake: the server is not speaking TLS"), result.stderr)
    }

    func testAStallingServerTimesOutTheHandshake() throws {
        let port = Harness.freePort()
        let peer = try Peer.tcp(port: port, exec: "sleep 3")
        defer { peer.stop() }
        let result = try Harness.swnet(["connect", "--tls", "--connect-timeout", "500ms", "127.0.0.1:\(port)"], stdin: Data())
        XCTAssertEqual(result.status, 5, result.stderr)
        // The option that set the limit is named, as connect's other limits are.
        XCTAssertTrue(result.stderr.hasSuffix("127.0.0.1:\(port)/tcp: the TLS handshake did not finish within 500ms (--connect-timeout)\n"), result.stderr)
    }

    func testAnEndWithoutCloseNotifyIsReported() throws {
        // Python's ssl module closes the socket without close_notify unless told to unwrap.
        let port = Harness.freePort()
        let script = """
        import socket, ssl, sys
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
        connection, _ = listener.accept()
        tls = context.wrap_socket(connection, server_side=True)
        tls.sendall(b"cut short\\n")
        tls.close()
        """
        let peer = try Peer("/usr/bin/python3", ["-c", script, "\(port)", TLSFixture.localhost.chain, TLSFixture.localhost.key])
        defer { peer.stop() }
        try peer.waitUntilListening(port: port, tcp: true)
        let result = try Harness.swnet(["connect", "--tls", "-v", "--stdin-eof", "keep"] + trust + ["localhost:\(port)"], closeStdinAfter: 0.1)
        XCTAssertEqual(result.text, "cut short\n")
        XCTAssertTrue(result.stderr.contains("closed the connection without TLS close_notify"), result.stderr)
    }

    func testTLSOptionsNeedTLSAndTCP() throws {
        let without = try Harness.swnet(["connect", "--cacert", TLSFixture.root, "127.0.0.1:1"])
        XCTAssertEqual(without.status, 2)
        XCTAssertTrue(without.stderr.contains("--cacert needs --tls"), without.stderr)
        let udp = try Harness.swnet(["connect", "--tls", "-u", "127.0.0.1:1"])
        XCTAssertEqual(udp.status, 2)
        let missing = try Harness.swnet(["connect", "--tls", "--cacert", "/nonexistent/ca.pem", "127.0.0.1:1"])
        XCTAssertEqual(missing.status, 10, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("--cacert /nonexistent/ca.pem"), missing.stderr)
    }
}

/// `openssl x509 -fingerprint -sha256` of a PEM file: `AB:CD:...`.
func fingerprint(_ certificate: String) throws -> String {
    let output = try shell("openssl x509 -in '\(certificate)' -noout -fingerprint -sha256")
    return String(output.split(separator: "=", maxSplits: 1)[1]).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The `sha256:BASE64` pin of a PEM certificate's public key, computed by openssl.
func keyPin(_ certificate: String) throws -> String {
    let output = try shell("openssl x509 -in '\(certificate)' -noout -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64")
    return "sha256:" + output.trimmingCharacters(in: .whitespacesAndNewlines)
}

private func shell(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
