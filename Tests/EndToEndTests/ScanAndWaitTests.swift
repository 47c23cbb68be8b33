import Foundation
import XCTest

/// `swnet connect --scan` and `--wait` against real listeners.
final class ScanAndWaitTests: XCTestCase {
    var peers: [Peer] = []
    override func tearDown() { peers.forEach { $0.stop() } }

    func testMixedScanReportsEachPortInOrderAndExits9() throws {
        let open = Harness.freePort()
        peers.append(try Peer.tcp(port: open, exec: "true"))
        let closed = Harness.refusedPort()
        let hole = try BlackHole()
        let list = "\(hole.port),\(closed),\(open)"
        let result = try Harness.swnet(["connect", "-z", "--connect-timeout", "500ms", "127.0.0.1:\(list)"])
        XCTAssertEqual(result.status, 9, result.stderr)
        let expected = [(hole.port, "filtered"), (closed, "closed"), (open, "open")].sorted { $0.0 < $1.0 }
        // stdout lists the open ports; -v tells of every port on stderr, in order.
        XCTAssertEqual(result.text, "\(open)/tcp open\n")
        XCTAssertTrue(result.stderr.hasSuffix("swnet: connect: 1 of 3 ports open (-v lists the others)\n"), result.stderr)
        let verbose = try Harness.swnet(["connect", "-z", "-v", "--connect-timeout", "500ms", "127.0.0.1:\(list)"])
        XCTAssertEqual(verbose.text, "\(open)/tcp open\n")
        let told = verbose.stderr.split(separator: "\n").map { $0.split(separator: " ").prefix(5).joined(separator: " ") }
        XCTAssertEqual(told, expected.map { "swnet: 127.0.0.1 port \($0.0)/tcp \($0.1)" }, verbose.stderr)

        let json = try Harness.swnet(["connect", "-z", "--json", "--connect-timeout", "500ms", "127.0.0.1:\(list)"])
        XCTAssertEqual(json.status, 9)
        let document = try json.json()
        XCTAssertEqual(document["host"] as? String, "127.0.0.1")
        XCTAssertEqual(document["address"] as? String, "127.0.0.1")
        let ports = try XCTUnwrap(document["ports"] as? [[String: Any]])
        XCTAssertEqual(ports.map { $0["port"] as? Int }, expected.map { Int($0.0) })
        XCTAssertEqual(ports.map { $0["state"] as? String }, expected.map { $0.1 })
        XCTAssertTrue(ports.allSatisfy { $0["ms"] is Double })
    }

    func testAllOpenExits0AndNoneOpenExits4() throws {
        let first = Harness.freePort(), second = Harness.freePort()
        peers.append(try Peer.tcp(port: first, exec: "true"))
        peers.append(try Peer.tcp(port: second, exec: "true"))
        let all = try Harness.swnet(["connect", "--scan", "127.0.0.1:\(first),\(second)"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(all.text.split(separator: "\n").count, 2)

        let low = Harness.refusedPort()
        let none = try Harness.swnet(["connect", "-z", "127.0.0.1", "\(low)"])
        XCTAssertEqual(none.status, 4, none.stderr)
        XCTAssertEqual(none.text, "")
        XCTAssertEqual(none.stderr, "swnet: connect: 0 of 1 port open (-v lists the others)\n")
    }

    func testRangeIsExpanded() throws {
        let base = Harness.freePort()
        guard base < 65000 else { return }
        let result = try Harness.swnet(["--json", "connect", "-z", "--concurrency", "2", "127.0.0.1:\(base)-\(base + 4)"])
        XCTAssertEqual((try result.json()["ports"] as? [Any])?.count, 5, result.text)
    }

    func testWaitForAPortThatOpensLater() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcpLater(port: port, delay: 1, exec: "echo ready"))
        let start = Date()
        let result = try Harness.swnet(["connect", "--wait", "10s", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "ready\n")
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.9)
    }

    func testWaitWithScanOnlyChecks() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcpLater(port: port, delay: 1, exec: "true"))
        let result = try Harness.swnet(["connect", "-z", "--wait", "10s", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "\(port)/tcp open\n")
    }

    func testWaitGivesUpWithExit5() throws {
        let port = Harness.freePort()
        let result = try Harness.swnet(["connect", "--wait", "600ms", "127.0.0.1:\(port)"])
        XCTAssertEqual(result.status, 5)
        XCTAssertTrue(result.stderr.contains("not open after 600ms (--wait): connection refused"), result.stderr)
        let scan = try Harness.swnet(["connect", "-z", "--wait", "600ms", "127.0.0.1:\(port)"])
        XCTAssertEqual(scan.status, 5)
        XCTAssertEqual(scan.text, "")
        XCTAssertTrue(scan.stderr.contains("not all open after 600ms (--wait)"), scan.stderr)
    }
}
