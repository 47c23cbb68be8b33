import Foundation
import XCTest

/// One rule for `--json` in every command: stdout holds exactly one JSON
/// document (or NDJSON for streams); a failure still writes the command's
/// report when it has one, with the error inside; and the summary says
/// what happened.
final class JSONContractTests: XCTestCase {
    var peers: [Peer] = []
    override func tearDown() { peers.forEach { $0.stop() } }

    /// stdout is exactly one JSON object: one line, parsed by a real parser.
    private func document(_ result: Harness.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(result.text.filter { $0 == "\n" }.count, 1, "one document: \(result.text)", file: file, line: line)
        return try result.json(file: file, line: line)
    }

    func testAUDPSessionThatGotItsReplySaysSo() throws {
        let port = Harness.freePort(udp: true)
        peers.append(try Peer.udpEcho(port: port))
        let result = try Harness.swnet(["--json", "connect", "-u", "--idle-timeout", "500ms", "127.0.0.1:\(port)"], stdin: Data("hi\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try document(result)
        XCTAssertEqual(summary["bytes_received"] as? Int, 3)
        XCTAssertEqual(summary["end"] as? String, "input ended")
    }

    func testAConnectThatTimedOutStillReportsWhatMoved() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "head -c 3 >/dev/null; sleep 5"))  // reads, never answers
        let result = try Harness.swnet(["--json", "connect", "--idle-timeout", "300ms", "--stdin-eof", "keep", "127.0.0.1:\(port)"],
                                       stdin: Data("hi\n".utf8))
        XCTAssertEqual(result.status, 5, result.stderr)
        let summary = try document(result)
        XCTAssertEqual(summary["bytes_sent"] as? Int, 3, result.text)
        XCTAssertEqual(summary["bytes_received"] as? Int, 0)
        XCTAssertNil(summary["end"], "the error says how it ended")
        let error = try XCTUnwrap(summary["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 5)
        XCTAssertTrue((error["message"] as? String)?.contains("(--idle-timeout)") == true, "\(error)")
    }

    func testDiscardSaysItDiscarded() throws {
        let server = try Server(["serve", "discard", "--json", "-v", "--port", "0", "-b", "127.0.0.1", "--udp"])
        defer { _ = server.stop() }
        let client = try UDPClient()
        try client.send("dropped", to: server.port)
        let event = server.waitForEvent { $0["event"] as? String == "datagram" }
        XCTAssertEqual(event?["end"] as? String, "discarded", "\(server.events)")
    }

    func testAFailedUDPSendStillReportsWhatItSent() throws {
        let (fd, port) = Harness.boundLoopbackSocket(type: SOCK_DGRAM)  // bound, never answers
        defer { close(fd) }
        let result = try Harness.swnet(["--json", "udp-send", "--reply=300ms", "127.0.0.1:\(port)", "ping"])
        XCTAssertEqual(result.status, 5, result.stderr)
        let report = try document(result)
        XCTAssertEqual(report["sent"] as? Int, 1)
        XCTAssertEqual((report["replies"] as? [Any])?.count, 0)
        XCTAssertEqual((report["error"] as? [String: Any])?["kind"] as? String, "timeout", result.text)
    }

    func testAScanThatRanOutOfTimeStillListsItsPorts() throws {
        let open = Harness.freePort(), closed = Harness.refusedPort()
        peers.append(try Peer.tcp(port: open, exec: "true"))
        let result = try Harness.swnet(["--json", "connect", "-z", "--wait", "300ms", "127.0.0.1:\(open),\(closed)"])
        XCTAssertEqual(result.status, 5, result.stderr)
        let report = try document(result)
        let states = Dictionary(uniqueKeysWithValues: (report["ports"] as? [[String: Any]] ?? []).map { ($0["port"] as? Int ?? 0, $0["state"] as? String) })
        XCTAssertEqual(states, [Int(open): "open", Int(closed): "closed"], result.text)
        XCTAssertEqual((report["error"] as? [String: Any])?["code"] as? Int, 5, result.text)
    }

    func testARefusedMailStillReportsItsRecipients() throws {
        let smtp = try SMTPTestServer(.init(refuse: ["bob@example.com"]))
        defer { smtp.stop() }
        let result = try Harness.swnet(["--json", "smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com",
                                        "-t", "bob@example.com", "--body", "hi"])
        XCTAssertEqual(result.status, 8, result.stderr)
        let report = try document(result)
        XCTAssertEqual(report["server"] as? String, "smtp://127.0.0.1:\(smtp.port)")
        XCTAssertEqual((report["accepted"] as? [Any])?.count, 0)
        XCTAssertEqual((report["rejected"] as? [[String: Any]])?.first?["address"] as? String, "bob@example.com", result.text)
        XCTAssertEqual((report["error"] as? [String: Any])?["code"] as? Int, 8, result.text)
    }

    func testVersionAndAMissingCommand() throws {
        let version = try Harness.swnet(["--version", "--json"])
        XCTAssertEqual(version.status, 0)
        XCTAssertNotNil(try document(version)["version"] as? String)

        let bare = try Harness.swnet([])
        XCTAssertEqual(bare.status, 2)
        XCTAssertEqual(bare.text, "")
        XCTAssertTrue(bare.stderr.hasPrefix("swnet: missing COMMAND; usage: swnet [global options] COMMAND"), bare.stderr)
        let json = try Harness.swnet(["--json"])
        XCTAssertEqual(json.status, 2)
        XCTAssertEqual((try document(json)["error"] as? [String: Any])?["kind"] as? String, "usage")
    }
}
