import Foundation
import XCTest

/// Names and local addresses, the same in every command: `localhost` is
/// the loopback (RFC 6761) with `-4` and `-6` alike, and a source address
/// that cannot be bound is named as the source.
final class NameContractTests: XCTestCase {
    var peers: [Peer] = []
    override func tearDown() { peers.forEach { $0.stop() } }

    func testLocalhostIsTheLoopbackInEveryFamily() throws {
        let probe = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        close(probe)
        try XCTSkipIf(bound != 0, "this machine has no ::1 to listen on")

        let tcp = Harness.freePort(), udp = Harness.freePort(udp: true)
        // socat would read escapes in its command line: the answer comes from a file.
        let answer = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-answer-\(UUID().uuidString)")
        try Data("HTTP/1.0 200 OK\r\n\r\nhi".utf8).write(to: answer)
        // The request is read to its blank line (or its end) first: a socket closed with
        // a request unread sends a reset, which may reach curl before the answer.
        let responder = answer.appendingPathExtension("sh")
        try Data("sed '/^\\r\\?$/q' >/dev/null; cat '\(answer.path)'\n".utf8).write(to: responder)
        defer { try? FileManager.default.removeItem(at: answer); try? FileManager.default.removeItem(at: responder) }
        peers.append(try Peer.tcp(port: tcp, exec: "sh \(responder.path)", host: "::1"))
        let echo = try Peer("socat", ["UDP6-RECVFROM:\(udp),bind=[::1],fork", "EXEC:cat"])
        peers.append(echo)
        try echo.waitUntilListening(port: udp, tcp: false)

        for name in ["localhost", "LOCALHOST", "api.localhost"] {
            let cases: [[String]] = [
                ["-6", "connect", "\(name):\(tcp)"],
                ["-6", "connect", "-z", "\(name):\(tcp)"],
                ["-6", "udp-send", "--reply", "\(name):\(udp)", "ping"],
                ["-6", "connect", "-u", "--idle-timeout", "300ms", "\(name):\(udp)"],
                ["-6", "http-get", "http://\(name):\(tcp)/"],
            ]
            for arguments in cases {
                let result = try Harness.swnet(arguments, stdin: Data("ping".utf8), limit: 20)
                XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            }
        }
    }

    func testLocalhostWithIPv4ForTheLibcurlCommands() throws {
        let ftp = try FTPTestServer(root: FTPFixture.root)
        defer { ftp.stop() }
        let smtp = try SMTPTestServer()
        defer { smtp.stop() }
        let list = try Harness.swnet(["-4", "ftp-list", "--names", "ftp://localhost:\(ftp.port)/"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let mail = try Harness.swnet(["-4", "smtp-send", "-s", "localhost:\(smtp.port)", "-f", "a@example.com", "-t", "b@example.com", "--body", "hi"])
        XCTAssertEqual(mail.status, 0, mail.stderr)
    }

    func testASourceThatCannotBeBoundIsNamed() throws {
        let port = Harness.freePort()
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine has it.
        let cases: [(String, [String], String)] = [
            ("connect", ["connect", "-s", "192.0.2.1", "127.0.0.1:\(port)"], "tcp"),
            ("connect", ["connect", "-z", "-s", "192.0.2.1", "127.0.0.1:\(port)"], "tcp"),
            ("connect", ["connect", "-u", "-s", "192.0.2.1", "127.0.0.1:\(port)"], "udp"),
            ("udp-send", ["udp-send", "-s", "192.0.2.1", "127.0.0.1:\(port)", "x"], "udp"),
        ]
        for (command, arguments, proto) in cases {
            let result = try Harness.swnet(arguments, stdin: Data())
            XCTAssertEqual(result.status, 10, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr, "swnet: \(command): source 192.0.2.1:0/\(proto): cannot assign requested address\n", "\(arguments)")
        }
    }
}
