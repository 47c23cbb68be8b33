import Foundation
import XCTest

/// `swnet forward` with the protocols around it, against real peers:
/// curl and nginx, nginx's proxy_protocol listener, HAProxy's send-proxy,
/// openssl s_client, nginx over https, and dig with dnsmasq.
final class ForwardProtocolTests: XCTestCase {
    func testCurlFetchesAGibibyteThroughForwardToNginxOverOneKeptAliveConnection() throws {
        let nginx = try NginxPeer(server: "listen 127.0.0.1:PORT; root FOLDER/www; sendfile on;")
        try FileManager.default.createDirectory(atPath: nginx.folder + "/www", withIntermediateDirectories: true)
        let big = nginx.folder + "/www/big.bin"
        XCTAssertEqual(try Tool.run("sh", ["-c", "head -c 1073741824 /dev/urandom > \(big)"], limit: 120).status, 0)
        try "small\n".write(toFile: nginx.folder + "/www/small.txt", atomically: true, encoding: .utf8)
        let forwarder = try startForwarder(["127.0.0.1:\(nginx.port)"])
        defer { forwarder.stop() }
        let copy = nginx.folder + "/copy.bin", small = nginx.folder + "/small.copy"
        let base = "http://127.0.0.1:\(forwarder.port)"
        let result = try Tool.run("curl", ["-sS", "--fail", "-o", copy, "\(base)/big.bin", "-o", small, "\(base)/small.txt"], limit: 300)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try sha256(ofFile: copy), try sha256(ofFile: big))
        XCTAssertEqual(try String(contentsOfFile: small, encoding: .utf8), "small\n")
        // Both requests went over one connection: one connection event, more than a GiB back.
        Thread.sleep(forTimeInterval: 0.5)
        let events = forwarder.waitForConnections(1)
        XCTAssertEqual(events.count, 1, "\(events)")
        XCTAssertGreaterThan(events.first?["bytes_out"] as? Int ?? 0, 1 << 30)
        XCTAssertEqual(events.first?["spliced"] as? Bool, true)
    }

    /// nginx behind a proxy_protocol listener, answering and logging the address the header named.
    func proxyProtocolNginx() throws -> NginxPeer {
        try NginxPeer(server: """
            listen 127.0.0.1:PORT proxy_protocol;
            access_log FOLDER/access.log proxied;
            location / { return 200 "$proxy_protocol_addr $proxy_protocol_port\\n"; }
            """, http: "log_format proxied '$proxy_protocol_addr:$proxy_protocol_port';")
    }

    func testSendProxyV1AndV2NameTheClientToNginx() throws {
        let nginx = try proxyProtocolNginx()
        for version in ["v1", "v2"] {
            let forwarder = try startForwarder(["--send-proxy", version, "127.0.0.1:\(nginx.port)"])
            let result = try Tool.run("curl", ["-sS", "--interface", "127.0.0.9", "-w", " %{local_port}", "http://127.0.0.1:\(forwarder.port)/"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let fields = result.text.split(whereSeparator: \.isWhitespace).map(String.init)
            XCTAssertEqual(fields.count, 3, result.text)
            XCTAssertEqual(fields.first, "127.0.0.9", version)
            XCTAssertEqual(fields[1], fields.last, "\(version): the client's own port")
            XCTAssertTrue(nginx.file("access.log").contains("127.0.0.9:\(fields.last ?? "")"), nginx.file("access.log"))
            forwarder.stop()
        }
    }

    func testAcceptProxyTakesHAProxysHeaderOnlyFromAllowedPeers() throws {
        let nginx = try proxyProtocolNginx()
        let forwarder = try startForwarder(["--accept-proxy", "--allow", "127.0.0.1", "--send-proxy", "v2", "127.0.0.1:\(nginx.port)"])
        defer { forwarder.stop() }
        let front = Harness.freePort()
        let config = NSTemporaryDirectory() + "swnet-haproxy-\(UUID().uuidString).cfg"
        try """
        global
            maxconn 100
        defaults
            mode tcp
            timeout connect 5s
            timeout client 30s
            timeout server 30s
        frontend front
            bind 127.0.0.1:\(front)
            default_backend forwarder
        backend forwarder
            server swnet 127.0.0.1:\(forwarder.port) send-proxy

        """.write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let haproxy = try Peer("haproxy", ["-db", "-f", config])
        defer { haproxy.stop() }
        try haproxy.waitUntilListening(port: front, tcp: true)

        let result = try Tool.run("curl", ["-sS", "--interface", "127.0.0.11", "http://127.0.0.1:\(front)/"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.hasPrefix("127.0.0.11 "), "the client's address went HAProxy -> swnet -> nginx: \(result.text)")
        let event = forwarder.waitForConnections(1).first
        XCTAssertTrue((event?["client"] as? String ?? "").hasPrefix("127.0.0.11:"), "\(String(describing: event))")

        // From an allowed peer, bytes that are no PROXY header end that connection only.
        XCTAssertEqual(try exchange(port: forwarder.port, Data("GET / HTTP/1.0\r\n\r\n".utf8)), Data())
        XCTAssertTrue((forwarder.waitForConnections(2).last?["end"] as? String ?? "").hasPrefix("bad PROXY header: not a PROXY protocol header"))
        // A peer outside --allow is refused before it can claim an address.
        XCTAssertEqual(try exchange(from: "127.0.0.2", port: forwarder.port, Data("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n".utf8)), Data())
        XCTAssertEqual(forwarder.waitForConnections(3).last?["end"] as? String, "refused: not in any --allow block")
        XCTAssertEqual(try Tool.run("curl", ["-sS", "http://127.0.0.1:\(front)/"]).status, 0, "still serving")
    }

    func testTLSTerminationAnswersSClientAndCurl() throws {
        let refecho = try RefEcho()
        let identity = TLSFixture.localhost
        let forwarder = try startForwarder(["--tls", "--cert", identity.chain, "--key", identity.key, "127.0.0.1:\(refecho.port)"])
        defer { forwarder.stop() }
        XCTAssertEqual(forwarder.listening.first?["tls"] as? Bool, true)
        let sClient = try Tool.run("openssl", ["s_client", "-quiet", "-verify_return_error", "-CAfile", TLSFixture.root,
                                               "-connect", "127.0.0.1:\(forwarder.port)", "-servername", "localhost"],
                                   stdin: Data("through TLS\n".utf8), limit: 10)
        XCTAssertTrue(sClient.text.contains("through TLS"), "\(sClient.text) \(sClient.stderr)")
        let event = forwarder.waitForConnections(1).first
        XCTAssertEqual(event?["spliced"] as? Bool, false, "TLS is copied through memory")

        let nginx = try NginxPeer(server: #"listen 127.0.0.1:PORT; location / { return 200 "plain backend\n"; }"#)
        let https = try startForwarder(["--tls", "--cert", identity.chain, "--key", identity.key, "127.0.0.1:\(nginx.port)"])
        defer { https.stop() }
        let curl = try Tool.run("curl", ["-sS", "--cacert", TLSFixture.root, "--resolve", "localhost:\(https.port):127.0.0.1",
                                         "https://localhost:\(https.port)/"])
        XCTAssertEqual(curl.text, "plain backend\n", curl.stderr)
        // A client that speaks plain text fails its handshake alone.
        XCTAssertEqual(try Tool.run("curl", ["-sS", "http://127.0.0.1:\(https.port)/"]).text, "")
        XCTAssertEqual(try Tool.run("curl", ["-sS", "--cacert", TLSFixture.root, "--resolve", "localhost:\(https.port):127.0.0.1",
                                             "https://localhost:\(https.port)/"]).text, "plain backend\n")
    }

    func testTLSTerminationWithACertificateMadeAtStart() throws {
        let refecho = try RefEcho()
        let forwarder = try startForwarder(["--tls", "127.0.0.1:\(refecho.port)"])
        defer { forwarder.stop() }
        let fingerprint = try XCTUnwrap(forwarder.listening.first?["sha256"] as? String)
        let sClient = try Tool.run("openssl", ["s_client", "-connect", "127.0.0.1:\(forwarder.port)"], stdin: Data("hi\n".utf8), limit: 10)
        XCTAssertTrue(sClient.text.contains("CN = localhost") || sClient.text.contains("CN=localhost"), sClient.text)
        XCTAssertEqual(fingerprint.count, 95)
    }

    func testBackendTLSToNginxOverHTTPS() throws {
        let nginx = try TLSServer.nginx()
        let verified = try startForwarder(["--backend-tls", "--backend-cacert", TLSFixture.root, "127.0.0.1:\(nginx.port)"])
        defer { verified.stop() }
        XCTAssertEqual(try Tool.run("curl", ["-sS", "http://127.0.0.1:\(verified.port)/"]).text, "hello\n")
        XCTAssertEqual(verified.waitForConnections(1).first?["spliced"] as? Bool, false)

        // Not trusted: the backend is refused, the client closed, the reason reported.
        let untrusted = try startForwarder(["--backend-tls", "127.0.0.1:\(nginx.port)"])
        defer { untrusted.stop() }
        XCTAssertEqual(try Tool.run("curl", ["-sS", "http://127.0.0.1:\(untrusted.port)/"]).text, "")
        let end = untrusted.waitForConnections(1).first?["end"] as? String ?? ""
        XCTAssertTrue(end.contains("certificate verification failed"), end)

        let insecure = try startForwarder(["--backend-tls", "-k", "--backend-servername", "localhost", "127.0.0.1:\(nginx.port)"])
        defer { insecure.stop() }
        XCTAssertTrue(insecure.err.text.contains("not verified"), insecure.err.text)
        XCTAssertEqual(try Tool.run("curl", ["-sS", "http://127.0.0.1:\(insecure.port)/"]).text, "hello\n")
    }

    func testUDPCarriesDNSFromDigToDnsmasq() throws {
        let folder = NSTemporaryDirectory() + "swnet-dnsmasq-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (port, dnsmasqPID) = try startDnsmasq(folder: folder)
        defer { kill(dnsmasqPID, SIGTERM) }
        let forwarder = try startForwarder(["-u", "--idle-timeout", "1s", "127.0.0.1:\(port)"])
        defer { forwarder.stop() }
        XCTAssertEqual(forwarder.listening.first?["proto"] as? String, "udp")
        for name in ["swnet.test", "a.swnet.test"] {
            let dig = try Tool.run("dig", ["@127.0.0.1", "-p", String(forwarder.port), name, "A", "+short", "+tries=1", "+time=3"])
            XCTAssertEqual(dig.text, "192.0.2.53\n", dig.stderr)
        }
        // Each dig is a client of its own; its session ends after the idle timeout, counted.
        let sessions = forwarder.waitForConnections(2, timeout: 10)
        XCTAssertEqual(sessions.count, 2)
        for session in sessions {
            XCTAssertEqual(session["proto"] as? String, "udp")
            XCTAssertEqual(session["end"] as? String, "idle timeout")
            XCTAssertGreaterThan(session["bytes_out"] as? Int ?? 0, 0)
        }
    }

    /// dnsmasq runs on its own (its parent shell exits at once) and is stopped by the PID it wrote:
    /// as a child of this process it kept the children started after it from being reaped.
    /// It binds TCP as well as UDP on its port, so a port free for UDP may be taken for TCP:
    /// then it exits at once, and another port is tried.
    private func startDnsmasq(folder: String) throws -> (port: UInt16, pid: pid_t) {
        for attempt in 1...3 {
            let port = Harness.freePort(udp: true)
            let started = try Tool.run("sh", ["-c", "dnsmasq --port=\(port) --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts "
                                                    + "--conf-file=/dev/null --pid-file=\(folder)/pid --address=/swnet.test/192.0.2.53 --user=root"])
            if started.status != 0 && started.stderr.contains("Address already in use") && attempt < 3 { continue }
            XCTAssertEqual(started.status, 0, started.stderr)
            let pid = try XCTUnwrap(pid_t(try String(contentsOfFile: folder + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            return (port, pid)
        }
        preconditionFailure("the loop returns or throws by its third attempt")
    }
}
