import Foundation
import XCTest

/// A count of one is worded in the singular in the servers' closing
/// lines (`-v`): "served 1 client", never "1 clients".
final class CountWordingTests: XCTestCase {
    func testListenServedOneClient() throws {
        let listener = try Listener(["listen", "-v", "127.0.0.1:0"], stdin: Data("hi\n".utf8), closeStdin: true)
        let client = try Tool.run("ncat", ["127.0.0.1", "\(listener.port)"], stdin: Data())
        XCTAssertEqual(client.text, "hi\n")
        let exit = try XCTUnwrap(listener.waitForExit())
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertTrue(exit.stderr.contains("swnet: listen: served 1 client; 0 turned away\n"), exit.stderr)
    }

    func testListenReceivedOneDatagram() throws {
        let listener = try Listener(["listen", "-u", "-k", "-v", "127.0.0.1:0"])
        let client = try UDPClient()
        try client.send("one\n", to: listener.port)
        XCTAssertTrue(listener.out.wait(timeout: 5) { $0 == Data("one\n".utf8) })
        let exit = listener.stop()
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertTrue(exit.stderr.contains("swnet: listen: 1 datagram received\n"), exit.stderr)
    }

    func testForwardStoppedAfterOneConnection() throws {
        let backendPort = Harness.freePort()
        let backend = try Peer.tcp(port: backendPort, exec: "cat")
        defer { backend.stop() }
        let forwarder = try startForwarder(["127.0.0.1:\(backendPort)"])
        let result = try Tool.run("nc", ["-N", "127.0.0.1", String(forwarder.port)], stdin: Data("once\n".utf8), limit: 20)
        XCTAssertEqual(result.text, "once\n", result.stderr)
        XCTAssertEqual(forwarder.waitForConnections(1).count, 1)
        let exit = forwarder.stop()
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertTrue(exit.stderr.contains("forward: stopped after 1 connection; 0 turned away\n"), exit.stderr)
    }
}
