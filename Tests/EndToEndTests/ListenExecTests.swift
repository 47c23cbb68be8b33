import Foundation
import XCTest

/// `listen --exec` and `--sh-exec`: a child per client, half-close passed
/// through, children reaped, descriptors not leaked.
final class ListenExecTests: XCTestCase {
    func testExecCatEchoesAndPassesHalfClose() throws {
        let listener = try Listener(["listen", "-k", "127.0.0.1:0", "--exec", "cat"])
        for client in ["nc", "ncat"] {
            let arguments = client == "nc" ? ["-N", "127.0.0.1", "\(listener.port)"] : ["127.0.0.1", "\(listener.port)"]
            let result = try Tool.run(client, arguments, stdin: Data("echo via \(client)\n".utf8))
            XCTAssertEqual(result.text, "echo via \(client)\n", result.stderr)
        }
        // The client half-closes; cat reads EOF, writes the rest and exits; the client reads it all.
        let tcp = try TCPClient("127.0.0.1", listener.port)
        let payload = Data((0..<300_000).map { UInt8($0 % 251) })
        DispatchQueue.global().async { try? tcp.send(payload, timeout: 10) ; tcp.shutdownWrite() }
        let received = tcp.receiveToEOF(timeout: 10)
        XCTAssertEqual(received.data, payload)
        XCTAssertTrue(received.eof)
        XCTAssertEqual(listener.stop().status, 0)
    }

    func testProgramArgumentsAfterDoubleDash() throws {
        let listener = try Listener(["listen", "-k", "127.0.0.1:0", "--exec", "tr", "--", "a-z", "A-Z"])
        let result = try Tool.run("nc", ["-N", "127.0.0.1", "\(listener.port)"], stdin: Data("shout\n".utf8))
        XCTAssertEqual(result.text, "SHOUT\n")
        listener.stop()
    }

    func testShExecSeesThePeerAndNoDescriptorOfSwnet() throws {
        let listener = try Listener(["listen", "-k", "127.0.0.1:0", "--sh-exec",
                                     "echo \"$SWNET_PEER_ADDR $SWNET_PEER_PORT $SWNET_LOCAL_ADDR $SWNET_LOCAL_PORT $$\"; read line"])
        let tcp = try TCPClient("127.0.0.1", listener.port)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(tcp.fd, $0, &length) } }
        let clientPort = UInt16(bigEndian: address.sin_port)
        let line = String(decoding: tcp.receive(count: 1, timeout: 10).data + tcp.receive(timeout: 0.5).data, as: UTF8.self)
        let fields = line.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(fields.prefix(4), ["127.0.0.1", "\(clientPort)", "127.0.0.1", "\(listener.port)"])
        // The child, still waiting for a line, holds stdin, stdout and stderr, nothing else of swnet's.
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(fields.last ?? "")/fd").sorted()
        XCTAssertEqual(descriptors, ["0", "1", "2"])
        try tcp.send("done\n")
        tcp.close()
        listener.stop()
    }

    func testCurlTalksHTTPToAShExecResponder() throws {
        let listener = try Listener(["listen", "-k", "127.0.0.1:0", "--sh-exec",
                                     "read request; printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nhello %s\\n' \"$SWNET_PEER_ADDR\""])
        for _ in 0..<3 {
            let result = try Tool.run("curl", ["-sS", "--max-time", "10", "http://127.0.0.1:\(listener.port)/"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.text, "hello 127.0.0.1\n")
        }
        // A responder that never reads the request: the answer still arrives whole.
        let blind = try Listener(["listen", "-k", "127.0.0.1:0", "--sh-exec", "printf 'HTTP/1.0 200 OK\\r\\n\\r\\nblind\\n'"])
        let result = try Tool.run("curl", ["-sS", "--max-time", "10", "http://127.0.0.1:\(blind.port)/"])
        XCTAssertEqual(result.text, "blind\n", result.stderr)
        listener.stop()
        blind.stop()
    }

    func testAThousandSequentialClientsLeaveNoZombieAndNoDescriptor() throws {
        let listener = try Listener(["listen", "-k", "127.0.0.1:0", "--exec", "cat"])
        func settle() -> Bool {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if listener.children.isEmpty { return true }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return false
        }
        let warm = try TCPClient("127.0.0.1", listener.port)
        try warm.send("warm\n")
        warm.shutdownWrite()
        XCTAssertEqual(warm.receiveToEOF().data, Data("warm\n".utf8))
        warm.close()
        XCTAssertTrue(settle())
        let before = listener.descriptorCount
        var failures = 0
        for index in 0..<1000 {
            let tcp = try TCPClient("127.0.0.1", listener.port)
            let message = Data("client \(index)\n".utf8)
            try tcp.send(message)
            tcp.shutdownWrite()
            if tcp.receiveToEOF(timeout: 10).data != message { failures += 1 }
            tcp.close()
        }
        XCTAssertEqual(failures, 0)
        XCTAssertTrue(settle(), "children left: \(listener.children)")
        // The last client's socket is closed just after its child is reaped: wait for it, within a bound.
        let deadline = Date().addingTimeInterval(10)
        while listener.descriptorCount != before && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(listener.descriptorCount, before, "descriptors before and after 1000 clients")
        let zombies = try shell("ps -o stat= --ppid \(listener.pid) | grep -c Z || true")
        XCTAssertEqual(zombies.text.trimmingCharacters(in: .whitespacesAndNewlines), "0")
        XCTAssertEqual(listener.stop().status, 0)
    }

    func testAChildThatExitsEarlyClosesItsClientAndTheListenerGoesOn() throws {
        let listener = try Listener(["listen", "-k", "127.0.0.1:0", "--sh-exec", "echo bye"])
        let tcp = try TCPClient("127.0.0.1", listener.port)
        // The client never closes its side; the child's exit still ends the connection.
        let received = tcp.receiveToEOF(timeout: 10)
        XCTAssertEqual(String(decoding: received.data, as: UTF8.self), "bye\n")
        XCTAssertTrue(received.eof)
        tcp.close()
        let next = try Tool.run("nc", ["-N", "127.0.0.1", "\(listener.port)"], stdin: Data())
        XCTAssertEqual(next.text, "bye\n")
        listener.stop()
    }

    func testAProgramThatCannotRunExitsTenBeforeListening() throws {
        let notExecutable = NSTemporaryDirectory() + "swnet-not-executable-\(getpid())"
        XCTAssertTrue(FileManager.default.createFile(atPath: notExecutable, contents: Data("echo\n".utf8), attributes: [.posixPermissions: 0o644]))
        defer { try? FileManager.default.removeItem(atPath: notExecutable) }
        for program in ["no-such-program-swnet", notExecutable] {
            let result = try Harness.swnet(["listen", "127.0.0.1:0", "--exec", program], limit: 10)
            XCTAssertEqual(result.status, 10, result.stderr)
            XCTAssertTrue(result.stderr.contains("cannot run \(program)"), result.stderr)
            XCTAssertFalse(result.stderr.contains("listening"), result.stderr)
        }
    }

    func testStopGivesChildrenGraceThenKillsThem() throws {
        let listener = try Listener(["listen", "-k", "--grace", "300ms", "127.0.0.1:0", "--sh-exec", "trap '' TERM; exec sleep 30"])
        let tcp = try TCPClient("127.0.0.1", listener.port)
        let deadline = Date().addingTimeInterval(5)
        while listener.children.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let child = try XCTUnwrap(listener.children.first)
        let exit = listener.stop(SIGTERM, timeout: 10)
        XCTAssertFalse(exit.killed, "swnet stops by itself after --grace")
        XCTAssertEqual(exit.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(child)"), "the child is killed and reaped")
        tcp.close()
    }
}
