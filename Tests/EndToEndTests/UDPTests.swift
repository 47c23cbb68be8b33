import Foundation
import XCTest

/// `connect --udp` and `udp-send` against a socat UDP echo.
final class UDPTests: XCTestCase {
    var peers: [Peer] = []
    override func tearDown() { peers.forEach { $0.stop() } }

    func udpEcho() throws -> UInt16 {
        let port = Harness.freePort(udp: true)
        peers.append(try Peer.udpEcho(port: port))
        return port
    }

    func testConnectUDPRoundTrip() throws {
        let port = try udpEcho()
        let result = try Harness.swnet(["connect", "-u", "--idle-timeout", "500ms", "127.0.0.1:\(port)"], stdin: Data("ping\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "ping\n")
    }

    func testConnectUDPJSON() throws {
        let port = try udpEcho()
        let result = try Harness.swnet(["connect", "-u", "--json", "--idle-timeout", "500ms", "127.0.0.1:\(port)"], stdin: Data("ping".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try result.json()
        XCTAssertEqual(summary["proto"] as? String, "udp")
        XCTAssertEqual(summary["bytes_sent"] as? Int, 4)
        XCTAssertEqual(summary["bytes_received"] as? Int, 4)
    }

    func testUDPSendWithReply() throws {
        let port = try udpEcho()
        let result = try Harness.swnet(["udp-send", "--reply", "127.0.0.1:\(port)", "hello", "world"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "hello world\n")
        // One reply a line, however many.
        let three = try Harness.swnet(["udp-send", "--reply", "--count", "3", "--interval", "0", "127.0.0.1:\(port)", "ping"])
        XCTAssertEqual(three.status, 0, three.stderr)
        XCTAssertEqual(three.text, "ping\nping\nping\n")
        let ended = try Harness.swnet(["udp-send", "--reply", "127.0.0.1:\(port)"], stdin: Data("line\n".utf8))
        XCTAssertEqual(ended.text, "line\n", "a reply that ends with a newline gets no second one")
    }

    func testUDPSendFromStdinLinesCountAndJSON() throws {
        let port = try udpEcho()
        let result = try Harness.swnet(["udp-send", "--json", "--lines", "--reply=2s", "--count", "2", "--interval", "10ms", "127.0.0.1:\(port)"],
                                       stdin: Data("one\ntwo\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let document = try result.json()
        XCTAssertEqual(document["sent"] as? Int, 4)
        let replies = try XCTUnwrap(document["replies"] as? [[String: Any]])
        XCTAssertEqual(replies.map { $0["data"] as? String }, ["one", "two", "one", "two"])
        XCTAssertEqual(replies.map { $0["bytes"] as? Int }, [3, 3, 3, 3])
        XCTAssertEqual(replies.first?["from"] as? String, "127.0.0.1:\(port)")
    }

    func testUDPSendWithoutReplyToASilentPortTimesOut() throws {
        // A bound socket that never answers.
        let (fd, port) = Harness.boundLoopbackSocket(type: SOCK_DGRAM)
        defer { close(fd) }
        let result = try Harness.swnet(["udp-send", "--reply=300ms", "127.0.0.1:\(port)", "anyone?"])
        XCTAssertEqual(result.status, 5)
        XCTAssertTrue(result.stderr.contains("no reply within 300ms"), result.stderr)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        XCTAssertEqual(String(decoding: buffer[..<max(count, 0)], as: UTF8.self), "anyone?")
    }

    func testUDPSendToAClosedPortIsRefused() throws {
        let port = Harness.freePort(udp: true)
        let result = try Harness.swnet(["udp-send", "--reply", "127.0.0.1:\(port)", "x"])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertTrue(result.stderr.contains("connection refused"), result.stderr)
    }

    func testOversizedDatagramIsAUsageError() throws {
        let port = Harness.freePort(udp: true)
        let result = try Harness.swnet(["udp-send", "127.0.0.1:\(port)"], stdin: Data(count: 70_000))
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("UDP carries at most 65507"), result.stderr)
    }
}
