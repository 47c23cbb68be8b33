import Foundation
import XCTest

/// `swnet connect` against real peers (socat) on loopback.
final class ConnectTests: XCTestCase {
    var peers: [Peer] = []
    override func tearDown() { peers.forEach { $0.stop() } }

    func echoServer() throws -> UInt16 {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "cat"))
        return port
    }

    func testHelloRoundTrip() throws {
        let port = try echoServer()
        let result = try Harness.swnet(["connect", "127.0.0.1:\(port)"], stdin: Data("hello\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "hello\n")
        XCTAssertEqual(result.stderr, "")
    }

    func testHostAndPortAsTwoArgumentsAndServiceName() throws {
        let port = try echoServer()
        let result = try Harness.swnet(["connect", "localhost", "\(port)"], stdin: Data("two args\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "two args\n")
        // A service name as port: nothing listens on 127.0.0.1:discard (9) here, so it is refused.
        let named = try Harness.swnet(["connect", "127.0.0.1:discard"])
        XCTAssertEqual(named.status, 4, named.stderr)
        XCTAssertTrue(named.stderr.contains("127.0.0.1:9/tcp"), named.stderr)
    }

    func testTenMebibytesOfRandomBytesComeBackIdentical() throws {
        let port = try echoServer()
        var bytes = Data(count: 10 << 20)
        bytes.withUnsafeMutableBytes { raw in
            for index in stride(from: 0, to: raw.count, by: 8) {
                raw.storeBytes(of: UInt64.random(in: .min ... .max), toByteOffset: index, as: UInt64.self)
            }
        }
        let result = try Harness.swnet(["connect", "127.0.0.1:\(port)"], stdin: bytes, limit: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.count, bytes.count)
        XCTAssertTrue(result.stdout == bytes, "echoed bytes differ")
    }

    func testHalfCloseLetsThePeerSeeEOFAndTheReplyAfterItIsPrinted() throws {
        let port = Harness.freePort()
        // The peer counts bytes until EOF, then answers: only a half-close gets that answer back.
        peers.append(try Peer.tcp(port: port, exec: "wc -c; echo after-eof"))
        let result = try Harness.swnet(["connect", "127.0.0.1:\(port)"], stdin: Data("12345".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }, ["5", "after-eof"])
    }

    func testStdinEOFKeepSendsNoEOF() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "cat; echo peer-saw-eof"))
        let result = try Harness.swnet(["connect", "--stdin-eof", "keep", "--idle-timeout", "700ms", "127.0.0.1:\(port)"],
                                       stdin: Data("x\n".utf8))
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertEqual(result.text, "x\n")
        XCTAssertTrue(result.stderr.contains("--idle-timeout"), result.stderr)
    }

    func testStdinEOFCloseEndsAtOnce() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "sleep 3"))
        // Waiting for the silent peer would hit --timeout and exit 5; close must exit 0 first.
        let result = try Harness.swnet(["connect", "--stdin-eof=close", "--timeout", "2s", "127.0.0.1:\(port)"], stdin: Data("x".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "")
    }

    func testPeerClosingFirstEndsTheSessionWhileStdinStaysOpen() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "echo bye"))
        // stdin stays open for 5 s; the peer's close must end swnet before that.
        let result = try Harness.swnet(["connect", "--timeout", "3s", "127.0.0.1:\(port)"], closeStdinAfter: 5)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "bye\n")
    }

    func testSendAndCRLF() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "od -An -c"))
        let result = try Harness.swnet(["connect", "--crlf", "--send", "a\nb\r\n", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let characters = result.text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        XCTAssertEqual(characters, ["a", "\\r", "\\n", "b", "\\r", "\\n"])
    }

    func testSourcePortIsUsed() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "echo $SOCAT_PEERPORT"))
        let source = Harness.freePort()
        let result = try Harness.swnet(["connect", "-s", "127.0.0.1:\(source)", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "\(source)\n")
    }

    func testIPv6Loopback() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "cat", host: "[::1]"))
        let result = try Harness.swnet(["connect", "-6", "[::1]:\(port)"], stdin: Data("six\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "six\n")
    }

    func testVerboseReportsConnectionAndBytes() throws {
        let port = try echoServer()
        let result = try Harness.swnet(["-v", "connect", "127.0.0.1:\(port)"], stdin: Data("abc".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("connected to 127.0.0.1:\(port)/tcp in "), result.stderr)
        XCTAssertTrue(result.stderr.contains("sent 3 bytes, received 3 bytes"), result.stderr)
    }

    func testDoubleVerboseShowsTheDataBothWays() throws {
        let port = try echoServer()
        let result = try Harness.swnet(["-vv", "connect", "127.0.0.1:\(port)"], stdin: Data("hi\r\n\u{1}".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("> hi\\x0d\n> \\x01\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("< hi\\x0d\n< \\x01\n"), result.stderr)
        XCTAssertEqual(result.text, "hi\r\n\u{1}")
    }

    func testJSONSummaryAndNoDataOnStdout() throws {
        let port = try echoServer()
        let result = try Harness.swnet(["connect", "--json", "127.0.0.1:\(port)"], stdin: Data("hello".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try result.json()
        XCTAssertEqual(summary["address"] as? String, "127.0.0.1")
        XCTAssertEqual(summary["port"] as? Int, Int(port))
        XCTAssertEqual(summary["proto"] as? String, "tcp")
        XCTAssertEqual(summary["bytes_sent"] as? Int, 5)
        XCTAssertEqual(summary["bytes_received"] as? Int, 5)
        XCTAssertNotNil(summary["connect_ms"] as? Double)
        XCTAssertNotNil(summary["duration_ms"] as? Double)
    }

    func testRefusedPortExits4() throws {
        let port = Harness.freePort()
        let result = try Harness.swnet(["connect", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 4)
        XCTAssertEqual(result.stderr, "swnet: connect: 127.0.0.1:\(port)/tcp: connection refused\n")
        let json = try Harness.swnet(["--json", "connect", "127.0.0.1:\(port)"])
        XCTAssertEqual(json.status, 4)
        let error = try XCTUnwrap(try json.json()["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 4)
        XCTAssertEqual(error["kind"] as? String, "connect")
        XCTAssertEqual(error["message"] as? String, "connect: 127.0.0.1:\(port)/tcp: connection refused")
    }

    func testUnresolvableNameExits3() throws {
        let result = try Harness.swnet(["connect", "name.invalid:80"])
        XCTAssertEqual(result.status, 3)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: connect: resolve name.invalid: "), result.stderr)
    }

    func testIdleTimeoutAgainstSilentListener() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "sleep 3"))
        let result = try Harness.swnet(["connect", "--idle-timeout", "300ms", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 5)
        XCTAssertTrue(result.stderr.contains("no data for 300ms (--idle-timeout)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--idle-timeout"), result.stderr)
    }

    func testTotalTimeoutAgainstSilentListener() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "sleep 3"))
        let result = try Harness.swnet(["connect", "--timeout", "400ms", "127.0.0.1:\(port)"], closeStdinAfter: 5)
        XCTAssertEqual(result.status, 5)
        XCTAssertTrue(result.stderr.contains("--timeout"), result.stderr)
    }

    func testConnectTimeoutAgainstFullBacklog() throws {
        let hole = try BlackHole()
        let result = try Harness.swnet(["connect", "--connect-timeout", "300ms", "127.0.0.1:\(hole.port)"])
        XCTAssertEqual(result.status, 5)
        XCTAssertTrue(result.stderr.contains("no connection within 300ms (--connect-timeout)"), result.stderr)
    }

    func testUsageErrors() throws {
        let cases: [([String], String)] = [
            (["connect", "--idle-tmeout", "1s", "127.0.0.1:1"], "did you mean --idle-timeout?"),
            (["connect", "127.0.0.1:70000"], "port 70000 is out of range"),
            (["connect", "127.0.0.1"], "has no port"),
            (["connect", "--connect-timeout", "soon", "127.0.0.1:1"], "invalid value 'soon' for --connect-timeout"),
            (["conect", "127.0.0.1:1"], "did you mean 'connect'?"),
            (["connect", "127.0.0.1:nosuchservice"], "unknown port 'nosuchservice'"),
        ]
        for (arguments, message) in cases {
            let result = try Harness.swnet(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        }
    }
}
