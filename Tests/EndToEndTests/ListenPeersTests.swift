import Foundation
import XCTest

/// `listen` with --allow/--deny, Unix sockets, UDP, -x and --tls, against
/// nc, socat, openssl s_client and swnet connect.
final class ListenPeersTests: XCTestCase {
    private func hasIPv6Loopback() -> Bool {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } } == 0
    }

    func testAllowAndDenyForIPv4AndIPv6() throws {
        guard hasIPv6Loopback() else { throw XCTSkip("no IPv6 loopback on this host") }
        let listener = try Listener(["listen", "-k", "-v", "--allow", "127.0.0.0/8", "--allow", "::1", "--deny", "127.0.0.2",
                                     "--port", "0", "--sh-exec", "echo welcome"], sockets: 2)
        XCTAssertEqual(try Tool.run("nc", ["-N", "127.0.0.1", "\(listener.port)"], stdin: Data()).text, "welcome\n")
        XCTAssertEqual(try Tool.run("nc", ["-N", "::1", "\(listener.port)"], stdin: Data()).text, "welcome\n")
        // 127.0.0.2 is denied: closed before any byte.
        let denied = try Tool.run("nc", ["-N", "-s", "127.0.0.2", "127.0.0.1", "\(listener.port)"], stdin: Data())
        XCTAssertEqual(denied.text, "")
        XCTAssertTrue(listener.waitForStderr("127.0.0.2:"), listener.err.text)
        XCTAssertTrue(listener.err.text.contains("refused: denied by --deny 127.0.0.2/32"), listener.err.text)
        listener.stop()

        let v6denied = try Listener(["listen", "-k", "-v", "--deny", "::1/128", "--port", "0", "--sh-exec", "echo welcome"], sockets: 2)
        XCTAssertEqual(try Tool.run("nc", ["-N", "::1", "\(v6denied.port)"], stdin: Data()).text, "")
        XCTAssertEqual(try Tool.run("nc", ["-N", "127.0.0.1", "\(v6denied.port)"], stdin: Data()).text, "welcome\n")
        XCTAssertTrue(v6denied.waitForStderr("refused: denied by --deny ::1/128"), v6denied.err.text)
        let onlyV6 = try Listener(["listen", "-k", "-v", "--allow", "::/0", "--port", "0", "--sh-exec", "echo welcome"], sockets: 2)
        XCTAssertEqual(try Tool.run("nc", ["-N", "127.0.0.1", "\(onlyV6.port)"], stdin: Data()).text, "")
        XCTAssertTrue(onlyV6.waitForStderr("not in any --allow block"), onlyV6.err.text)
        v6denied.stop()
        onlyV6.stop()
    }

    func testUnixSocketsWithSocatBothWays() throws {
        let directory = NSTemporaryDirectory() + "swnet-listen-unix-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/echo.sock"

        // listen unix:PATH, socat UNIX-CONNECT as the client.
        let listener = try Listener(["listen", "-k", "unix:\(path)", "--exec", "cat"])
        XCTAssertTrue(listener.err.text.contains("listening on unix:\(path)"), listener.err.text)
        let echoed = try Tool.run("socat", ["-", "UNIX-CONNECT:\(path)"], stdin: Data("over unix\n".utf8))
        XCTAssertEqual(echoed.text, "over unix\n", echoed.stderr)
        // A second listener does not take a live socket's path.
        let second = try Harness.swnet(["listen", "unix:\(path)"], limit: 10)
        XCTAssertEqual(second.status, 10, second.stderr)
        XCTAssertTrue(second.stderr.contains("another process listens on it"), second.stderr)
        XCTAssertEqual(listener.stop().status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "its own socket file is removed on exit")

        // A stale file (its server killed) is replaced.
        let killed = try Listener(["listen", "unix:\(path)"])
        kill(killed.pid, SIGKILL)
        _ = killed.waitForExit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let again = try Listener(["listen", "unix:\(path)"], stdin: Data("hi from swnet\n".utf8), closeStdin: true)
        let reply = try Tool.run("socat", ["-", "UNIX-CONNECT:\(path)"], stdin: Data("hi from socat\n".utf8))
        XCTAssertEqual(reply.text, "hi from swnet\n")
        XCTAssertEqual(again.waitForExit()?.stdout, "hi from socat\n")

        // connect unix:PATH to socat UNIX-LISTEN, and the abstract namespace.
        let socat = Process()
        socat.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        socat.arguments = ["UNIX-LISTEN:\(path),fork", "EXEC:cat"]
        try socat.run()
        defer { kill(socat.processIdentifier, SIGTERM); socat.waitUntilExit() }
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let connected = try Harness.swnet(["connect", "unix:\(path)"], stdin: Data("to socat\n".utf8))
        XCTAssertEqual(connected.text, "to socat\n", connected.stderr)
        XCTAssertEqual(connected.status, 0)

        let name = "swnet-test-\(getpid())"
        let abstract = try Listener(["listen", "-k", "unix:@\(name)", "--exec", "cat"])
        let viaSocat = try Tool.run("socat", ["-", "ABSTRACT-CONNECT:\(name)"], stdin: Data("abstract\n".utf8))
        XCTAssertEqual(viaSocat.text, "abstract\n", viaSocat.stderr)
        let viaSwnet = try Harness.swnet(["connect", "unix:@\(name)"], stdin: Data("abstract 2\n".utf8))
        XCTAssertEqual(viaSwnet.text, "abstract 2\n", viaSwnet.stderr)
        abstract.stop()

        let missing = try Harness.swnet(["connect", "unix:\(directory)/none.sock"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("unix:\(directory)/none.sock"), missing.stderr)
    }

    func testUDPOnePeerThenEveryPeer() throws {
        let one = try Listener(["listen", "-u", "127.0.0.1:0"], stdin: Data("pong\n".utf8))
        let client = try UDPClient()
        try client.send("ping\n", to: one.port)
        XCTAssertEqual(client.receive(timeout: 5).map { String(decoding: $0, as: UTF8.self) }, "pong\n")
        XCTAssertTrue(one.out.wait(timeout: 5) { $0 == Data("ping\n".utf8) })
        one.closeInput()
        let exit = try XCTUnwrap(one.waitForExit(timeout: 10), "stdin's end, then the idle linger, ends it")
        XCTAssertEqual(exit.status, 0, exit.stderr)

        let many = try Listener(["listen", "-u", "-k", "-v", "127.0.0.1:0"])
        let first = try UDPClient(), second = try UDPClient()
        try first.send("one\n", to: many.port)
        try second.send("two\n", to: many.port)
        XCTAssertTrue(many.waitForStderr("datagrams from", count: 2), many.err.text)
        XCTAssertTrue(many.out.wait(timeout: 5) { Set(String(decoding: $0, as: UTF8.self).split(separator: "\n")) == ["one", "two"] })
        many.write("to both\n")
        XCTAssertEqual(first.receive(timeout: 5), Data("to both\n".utf8))
        XCTAssertEqual(second.receive(timeout: 5), Data("to both\n".utf8))
        XCTAssertEqual(many.stop().status, 0)
    }

    func testHexdumpMatchesHexdumpC() throws {
        let payload = Data((0..<100).map { UInt8(($0 * 7 + 3) % 256) })
        let listener = try Listener(["listen", "-x", "127.0.0.1:0"], stdin: Data("ok\n".utf8), closeStdin: true)
        _ = try Tool.run("socat", ["-", "TCP:127.0.0.1:\(listener.port)"], stdin: payload)
        let exit = try XCTUnwrap(listener.waitForExit())
        XCTAssertEqual(exit.status, 0)
        let expected = try Tool.run("hexdump", ["-C"], stdin: payload).text.split(separator: "\n").dropLast()   // the last line is the length
        let received = exit.stderr.split(separator: "\n").filter { $0.hasPrefix("< ") }.map { $0.dropFirst(2) }
        XCTAssertEqual(received.map(String.init), expected.map(String.init))
        let sent = exit.stderr.split(separator: "\n").filter { $0.hasPrefix("> ") }
        XCTAssertEqual(sent.map(String.init), ["> 00000000  6f 6b 0a                                          |ok.|"])

        // connect -x shows the same layout.
        let peer = try Listener(["listen", "127.0.0.1:0"], stdin: Data("hello\n".utf8), closeStdin: true)
        let connect = try Harness.swnet(["connect", "-x", "127.0.0.1:\(peer.port)"])
        XCTAssertTrue(connect.stderr.contains("< 00000000  68 65 6c 6c 6f 0a                                 |hello.|"), connect.stderr)
    }

    func testTLSWithAnEphemeralCertificateAndWithGivenOnes() throws {
        let listener = try Listener(["listen", "--tls", "127.0.0.1:0"], stdin: Data("over tls\n".utf8))
        let client = try Tool.run("openssl", ["s_client", "-quiet", "-connect", "127.0.0.1:\(listener.port)"], stdin: Data("hello tls\n".utf8), limit: 10)
        XCTAssertTrue(client.text.contains("over tls"), client.stderr)
        listener.closeInput()
        XCTAssertEqual(listener.waitForExit()?.stdout, "hello tls\n")

        let identity = TLSFixture.localhost
        let echo = try Listener(["listen", "-k", "--tls", "--cert", identity.chain, "--key", identity.key, "127.0.0.1:0", "--exec", "cat"])
        let verified = try Harness.swnet(["connect", "--tls", "--cacert", TLSFixture.root, "localhost:\(echo.port)"], stdin: Data("verified\n".utf8))
        XCTAssertEqual(verified.text, "verified\n", verified.stderr)
        XCTAssertEqual(verified.status, 0)
        // A plain-text client fails its handshake; the next client is still served.
        let plain = try TCPClient("127.0.0.1", echo.port)
        try plain.send("not tls\r\n\r\n")
        _ = plain.receiveToEOF(timeout: 10)
        plain.close()
        let after = try Tool.run("socat", ["-", "OPENSSL:127.0.0.1:\(echo.port),verify=0"], stdin: Data("after\n".utf8))
        XCTAssertEqual(after.text, "after\n", after.stderr)
        echo.stop()

        let strict = try Listener(["listen", "--tls", "--cert", identity.chain, "--key", identity.key, "--client-ca", TLSFixture.root, "127.0.0.1:0"])
        let noCertificate = try Harness.swnet(["connect", "--tls", "--cacert", TLSFixture.root, "localhost:\(strict.port)"], stdin: Data("x\n".utf8))
        XCTAssertNotEqual(noCertificate.status, 0)
        let strictExit = try XCTUnwrap(strict.waitForExit())
        XCTAssertEqual(strictExit.status, 6, strictExit.stderr)
    }
}
