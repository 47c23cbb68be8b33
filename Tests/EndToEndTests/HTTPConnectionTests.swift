import Foundation
import XCTest

/// How http-get reaches nginx when not the usual way: a name pinned to an
/// address (--resolve), a host and port sent elsewhere (--connect-to), a
/// client certificate (--cert/--key), a Unix socket, and the HTTP version
/// asked for (--http1.1, --http2). Certificates are TLSFixture's.
final class HTTPConnectionTests: HTTPTestCase {
    private let trust = ["--cacert", TLSFixture.root]

    /// nginx over TLS on 127.0.0.1 with `identity`'s chain, answering
    /// `name $host` (and anything `extra` adds to its server block).
    func tlsNginx(_ identity: TLSFixture.Identity, http2: Bool = false, extra: String = "",
                  location: String = #"return 200 "name $host\n";"#) throws -> NginxPeer {
        try NginxPeer(server: """
            listen 127.0.0.1:PORT ssl\(http2 ? " http2" : "");
            ssl_protocols TLSv1.2 TLSv1.3;
            ssl_certificate \(identity.chain);
            ssl_certificate_key \(identity.key);
            \(extra)
            location / { \(location) }
            """)
    }

    // MARK: Another name

    func testResolvePinsANameToAnAddressAndTheCertificateIsCheckedForTheName() throws {
        // wrong.example is the only name the certificate holds, and DNS knows nothing of it.
        let nginx = try tlsNginx(TLSFixture.wrongName)
        let url = "https://wrong.example:\(nginx.port)/"
        let result = try get(trust + ["--resolve", "wrong.example:\(nginx.port):127.0.0.1", url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "name wrong.example\n")

        // Another port than the URL's is not pinned: the name goes to DNS, which has no answer.
        let other = try get(trust + ["--resolve", "wrong.example:1:127.0.0.1", url])
        XCTAssertEqual(other.status, 3, other.stderr)
        // By address, the certificate does not match: the check was made for the name above.
        let byAddress = try get(trust + ["https://127.0.0.1:\(nginx.port)/"])
        XCTAssertEqual(byAddress.status, 6, byAddress.stderr)
    }

    func testConnectToSendsHostAndPortElsewhereKeepingTheURL() throws {
        let nginx = try tlsNginx(TLSFixture.wrongName)
        // The URL's port 443 is not nginx's: --connect-to sends it there.
        let result = try get(["--json"] + trust + ["--connect-to", "wrong.example:443:127.0.0.1:\(nginx.port)", "https://wrong.example/"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try result.json()
        XCTAssertEqual(report["status"] as? Int, 200)
        XCTAssertEqual(report["effective_url"] as? String, "https://wrong.example/")
        // Empty parts: any host on any port goes to nginx's port, the host kept (and pinned by --resolve).
        let wildcard = try get(trust + ["--connect-to", "::127.0.0.1:\(nginx.port)", "https://wrong.example:8443/"])
        XCTAssertEqual(wildcard.status, 0, wildcard.stderr)
        XCTAssertEqual(wildcard.text, "name wrong.example\n")
        // A refusal names where the connect went, not the URL's port.
        let free = Harness.freePort()
        let refused = try get(trust + ["--connect-to", "wrong.example:443:127.0.0.1:\(free)", "https://wrong.example/"])
        XCTAssertEqual(refused.status, 4, refused.stderr)
        XCTAssertEqual(refused.stderr, "swnet: http-get: https://wrong.example/: 127.0.0.1:\(free)/tcp: connection refused\n")
    }

    func testMalformedResolveAndConnectToAreUsageErrors() throws {
        for (option, value, expected) in [
            ("--resolve", "wrong.example:443", "expected HOST:PORT:ADDR"),
            ("--resolve", "wrong.example:443:localhost", "expected HOST:PORT:ADDR"),
            ("--connect-to", "wrong.example:443:127.0.0.1", "expected HOST:PORT:HOST2:PORT2"),
            ("--connect-to", "a:99999:b:1", "port 99999 is out of range (1-65535); expected HOST:PORT:HOST2:PORT2"),
        ] {
            let result = try get([option, value, server.url("/hello")])
            XCTAssertEqual(result.status, 2, "\(option) \(value): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("swnet: http-get: invalid value '\(value)' for \(option): \(expected) such as "), result.stderr)
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
            XCTAssertEqual(result.text, "")
        }
    }

    // MARK: Client certificates

    func testAClientCertificateIsSentToNginxThatRequiresOne() throws {
        let nginx = try tlsNginx(TLSFixture.localhost, extra: """
            ssl_client_certificate \(TLSFixture.root);
            ssl_verify_client on;
            """, location: #"return 200 "client $ssl_client_s_dn\n";"#)
        let url = "https://localhost:\(nginx.port)/"
        let client = TLSFixture.client
        let accepted = try get(trust + ["--cert", client.certificate, "--key", client.key, url])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertEqual(accepted.text, "client CN=swnet test client\n")

        // nginx finishes the handshake and answers 400 itself: the server's error, exit 8.
        let refused = try get(trust + [url])
        XCTAssertEqual(refused.status, 8, refused.stderr)
        XCTAssertEqual(refused.stderr, "swnet: http-get: \(url): server answered 400 Bad Request\n")
        XCTAssertTrue(refused.text.contains("No required SSL certificate was sent"), refused.text)
        // A certificate nginx's CA did not sign: 400 as well.
        let stranger = try get(trust + ["--cert", TLSFixture.selfSigned.certificate, "--key", TLSFixture.selfSigned.key, url])
        XCTAssertEqual(stranger.status, 8, stranger.stderr)
    }

    func testAServerThatRefusesInTheHandshakeIsATLSFailure() throws {
        // s_server -WWW serves files over HTTP/1.0; with -Verify and -verify_return_error
        // it refuses a client without a certificate by a TLS alert, in TLS 1.3 after the handshake.
        try "served\n".write(to: folder.appendingPathComponent("page.txt"), atomically: true, encoding: .utf8)
        let refusing = ["-WWW", "-Verify", "1", "-verify_return_error", "-CAfile", TLSFixture.root]
        let server = try TLSServer.sServer(options: refusing, directory: folder.path)
        defer { server.stop() }
        let url = "https://localhost:\(server.port)/page.txt"
        let client = TLSFixture.client
        let accepted = try get(trust + ["--cert", client.certificate, "--key", client.key, url])
        XCTAssertEqual(accepted.status, 0, accepted.stderr + server.log)
        XCTAssertEqual(accepted.text, "served\n")
        let refused = try get(trust + [url])
        XCTAssertEqual(refused.status, 6, refused.stderr)
        XCTAssertEqual(refused.stderr, "swnet: http-get: \(url): the server requires a client certificate (--cert and --key)\n")

        // In TLS 1.2 the refusal is part of the handshake: a TLS failure too.
        let older = try TLSServer.sServer(options: refusing + ["-tls1_2"], directory: folder.path)
        defer { older.stop() }
        let refused12 = try get(trust + ["https://localhost:\(older.port)/page.txt"])
        XCTAssertEqual(refused12.status, 6, refused12.stderr)
    }

    func testCertificateFilesAreCheckedFirst() throws {
        let missing = path("missing.pem")
        let unreadable = try get(["--cert", missing, "--key", TLSFixture.client.key, server.url("/hello")])
        XCTAssertEqual(unreadable.status, 10, unreadable.stderr)
        XCTAssertEqual(unreadable.stderr, "swnet: http-get: \(missing): cannot read the client certificate (--cert)\n")
        let noKey = try get(["--cert", TLSFixture.client.certificate, server.url("/hello"), server.url("/hello")])
        XCTAssertEqual(noKey.status, 2, noKey.stderr)
        XCTAssertEqual(noKey.stderr, "swnet: http-get: --cert and --key go together: give both or neither\n")
    }

    // MARK: A Unix socket

    func testUnixSocketReachesNginxListeningOnOne() throws {
        let nginx = try NginxPeer(server: """
            listen 127.0.0.1:PORT;
            listen unix:FOLDER/http.sock;
            location / { return 200 "unix $host\\n"; }
            """)
        let socket = nginx.folder + "/http.sock"
        let result = try get(["--unix-socket", socket, "http://example.test/"])
        XCTAssertEqual(result.status, 0, result.stderr + nginx.file("error.log"))
        // The URL's host still names the site.
        XCTAssertEqual(result.text, "unix example.test\n")

        let absent = try get(["--unix-socket", nginx.folder + "/absent.sock", "http://example.test/"])
        XCTAssertEqual(absent.status, 10, absent.stderr)
        XCTAssertEqual(absent.stderr, "swnet: http-get: http://example.test/: unix:\(nginx.folder)/absent.sock: no such file or directory\n")
        let proxied = try get(["--unix-socket", socket, "-x", "127.0.0.1:1", "http://example.test/"])
        XCTAssertEqual(proxied.status, 2, proxied.stderr)
    }

    // MARK: The HTTP version

    func testHTTPVersionIsChosenAgainstNginxWithHTTP2() throws {
        let nginx = try tlsNginx(TLSFixture.localhost, http2: true, location: #"return 200 "$server_protocol\n";"#)
        let url = "https://localhost:\(nginx.port)/"
        for (options, version) in [([String](), "2"), (["--http2"], "2"), (["--http1.1"], "1.1")] {
            let result = try get(["--json", "-o", path("body")] + trust + options + [url])
            XCTAssertEqual(result.status, 0, "\(options): \(result.stderr)")
            XCTAssertEqual(try result.json()["http_version"] as? String, version, "\(options)")
            XCTAssertEqual(contents("body").map { String(decoding: $0, as: UTF8.self) }, "HTTP/\(version == "2" ? "2.0" : version)\n", "\(options)")
        }
        let both = try get(["--http1.1", "--http2", url])
        XCTAssertEqual(both.status, 2)
        XCTAssertEqual(both.stderr, "swnet: http-get: --http1.1 and --http2 exclude each other\n")
    }
}
