import Foundation
import XCTest

/// Strings gathered from several threads.
private final class GatheredStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ item: String) { lock.lock(); items.append(item); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return items }
}

/// `swnet listen` with one client and with -k, against nc, ncat, socat and Python clients.
final class ListenTests: XCTestCase {
    private let python = "/usr/bin/python3"

    func testReceivesOneGibibyteFromNcIntactAndExits() throws {
        // A deterministic pseudo-random stream: AES-CTR of zeros.
        let stream = "openssl enc -aes-128-ctr -nosalt -pass pass:swnet -in /dev/zero 2>/dev/null | head -c 1073741824"
        let script = """
            set -e
            dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
            ( \(Harness.binary.path) listen -b 127.0.0.1 -p 0 2>"$dir/err" </dev/null | sha256sum > "$dir/got"; echo $? > "$dir/rc" ) &
            for i in $(seq 100); do grep -q 'listening on' "$dir/err" 2>/dev/null && break; sleep 0.05; done
            port=$(sed -n 's/.*:\\([0-9]*\\)\\/tcp/\\1/p' "$dir/err")
            \(stream) | timeout 120 nc -N 127.0.0.1 "$port"
            wait
            expected=$(\(stream) | sha256sum)
            echo "got $(cat "$dir/got")"; echo "expected $expected"; echo "rc $(cat "$dir/rc")"
            """
        let result = try shell(script, limit: 300)
        let lines = result.text.split(separator: "\n")
        let got = lines.first { $0.hasPrefix("got ") }?.dropFirst(4)
        let expected = lines.first { $0.hasPrefix("expected ") }?.dropFirst(9)
        XCTAssertNotNil(got, result.text + result.stderr)
        XCTAssertEqual(got, expected, result.stderr)
        XCTAssertTrue(result.text.contains("rc 0"), result.text)
    }

    func testStdinGoesToTheClientAndTheClientToStdout() throws {
        let listener = try Listener(["listen", "-v", "127.0.0.1:0"], stdin: Data("from swnet\n".utf8), closeStdin: true)
        let client = try Tool.run("ncat", ["127.0.0.1", "\(listener.port)"], stdin: Data("from ncat\n".utf8))
        XCTAssertEqual(client.text, "from swnet\n")
        let exit = try XCTUnwrap(listener.waitForExit())
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertEqual(exit.stdout, "from ncat\n")
        XCTAssertTrue(exit.stderr.contains("connection from 127.0.0.1:"), exit.stderr)
    }

    func testHalfCloseBothWays() throws {
        // The client shuts down its sending side and still reads the answer.
        let listener = try Listener(["listen", "127.0.0.1:0"], stdin: Data("the answer\n".utf8), closeStdin: false)
        let script = """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", \(listener.port)), timeout=10)
            s.sendall(b"the question\\n")
            s.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            sys.stdout.write(data.decode())
            """
        Thread.sleep(forTimeInterval: 0.2)
        let client = try Tool.run(python, ["-c", script], limit: 10)
        XCTAssertEqual(client.text, "the answer\n", client.stderr)
        let exit = try XCTUnwrap(listener.waitForExit())
        XCTAssertEqual(exit.stdout, "the question\n")
        XCTAssertEqual(exit.status, 0)

        // swnet's stdin ends: the client reads everything, then end-of-file, and can still send.
        let second = try Listener(["listen", "127.0.0.1:0"], stdin: Data(repeating: UInt8(ascii: "z"), count: 1 << 20), closeStdin: true)
        let tcp = try TCPClient("127.0.0.1", second.port)
        let received = tcp.receiveToEOF(timeout: 10)
        XCTAssertEqual(received.data.count, 1 << 20)
        XCTAssertTrue(received.eof)
        try tcp.send("after your end\n")
        tcp.close()
        let secondExit = try XCTUnwrap(second.waitForExit())
        XCTAssertEqual(secondExit.stdout, "after your end\n")
        XCTAssertEqual(secondExit.status, 0)
    }

    func testAcceptTimeoutExitsFive() throws {
        let result = try Harness.swnet(["listen", "--accept-timeout", "300ms", "127.0.0.1:0"], limit: 10)
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertTrue(result.stderr.contains("no client within 300ms (--accept-timeout)"), result.stderr)
    }

    func testTwentyClientsInTurnEachWhole() throws {
        let listener = try Listener(["listen", "-k", "-v", "127.0.0.1:0"], stdin: Data("first come\n".utf8), closeStdin: true)
        let group = DispatchGroup()
        let replies = GatheredStrings()
        for index in 0..<20 {
            DispatchQueue.global().async(group: group) {
                guard let tcp = try? TCPClient("127.0.0.1", listener.port) else { return }
                try? tcp.send("client \(index) " + String(repeating: "x", count: 3000) + "\n", timeout: 30)
                tcp.shutdownWrite()
                let reply = tcp.receiveToEOF(timeout: 30)
                replies.append(String(decoding: reply.data, as: UTF8.self))
                tcp.close()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertTrue(listener.waitForStderr("received", count: 20, timeout: 20), listener.err.text)
        let exit = listener.stop()
        XCTAssertEqual(exit.status, 0, exit.stderr)
        let lines = exit.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 20)
        let expected = Set((0..<20).map { "client \($0) " + String(repeating: "x", count: 3000) })
        XCTAssertTrue(Set(lines) == expected, "each client's data whole, none mixed: \(lines.map { $0.prefix(12) })")
        // stdin went to the first client served; the others read end-of-file.
        XCTAssertEqual(replies.values.sorted(), [String](repeating: "", count: 19) + ["first come\n"])
    }

    func testBroadcastDeliversStdinToTwentyClients() throws {
        let listener = try Listener(["listen", "-k", "--broadcast", "-v", "127.0.0.1:0"])
        let clients = try (0..<20).map { _ in try TCPClient("127.0.0.1", listener.port) }
        XCTAssertTrue(listener.waitForStderr("connection from", count: 20), listener.err.text)
        for (index, client) in clients.enumerated() { try client.send("hello from \(index)\n") }
        XCTAssertTrue(listener.out.wait(timeout: 10) { String(decoding: $0, as: UTF8.self).split(separator: "\n").count == 20 })
        listener.write("to everyone\n")
        listener.closeInput()
        for client in clients {
            let received = client.receiveToEOF(timeout: 10)
            XCTAssertEqual(String(decoding: received.data, as: UTF8.self), "to everyone\n")
            XCTAssertTrue(received.eof, "stdin's end half-closes every client")
        }
        clients.forEach { $0.close() }
        let exit = listener.stop()
        XCTAssertEqual(exit.status, 0)
        XCTAssertEqual(Set(exit.stdout.split(separator: "\n").map(String.init)), Set((0..<20).map { "hello from \($0)" }))
    }

    func testMaxConnsClosesTheSurplusAtOnceAndKeepsServing() throws {
        let listener = try Listener(["listen", "-k", "--broadcast", "--max-conns", "2", "-v", "127.0.0.1:0"])
        let first = try TCPClient("127.0.0.1", listener.port), second = try TCPClient("127.0.0.1", listener.port)
        XCTAssertTrue(listener.waitForStderr("connection from", count: 2))
        let third = try TCPClient("127.0.0.1", listener.port)
        let closed = third.receiveToEOF(timeout: 5)
        XCTAssertTrue(closed.eof || closed.error != nil, "the third client is closed at once")
        XCTAssertTrue(listener.waitForStderr("over --max-conns 2"), listener.err.text)
        try first.send("still served\n")
        XCTAssertTrue(listener.out.wait(timeout: 5) { String(decoding: $0, as: UTF8.self) == "still served\n" })
        [first, second, third].forEach { $0.close() }
        XCTAssertEqual(listener.stop().status, 0)
    }

    func testJSONEventsAndNoData() throws {
        let listener = try Listener(["--json", "listen", "127.0.0.1:0"], closeStdin: true)
        _ = try Tool.run("socat", ["-", "TCP:127.0.0.1:\(listener.port)"], stdin: Data("data\n".utf8))
        let exit = try XCTUnwrap(listener.waitForExit())
        XCTAssertEqual(exit.status, 0, exit.stderr)
        let events = exit.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(events.count, 2, exit.stdout)
        XCTAssertEqual(events.first?["event"] as? String, "listening")
        XCTAssertEqual(events.first?["port"] as? Int, Int(listener.port))
        XCTAssertEqual(events.last?["event"] as? String, "connection")
        XCTAssertEqual(events.last?["bytes_received"] as? Int, 5)
        XCTAssertFalse(exit.stdout.contains("data\n"), "with --json the data is not written")
    }

    func testPortInUseExitsTenNamingThePort() throws {
        let listener = try Listener(["listen", "-k", "127.0.0.1:0"])
        let result = try Harness.swnet(["listen", "127.0.0.1:\(listener.port)"], limit: 10)
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertTrue(result.stderr.contains("127.0.0.1:\(listener.port)/tcp"), result.stderr)
        XCTAssertTrue(result.stderr.contains("in use"), result.stderr)
        listener.stop()
    }

    func testPrivilegedPortSuggestsPort() throws {
        guard getuid() == 0 else {
            let result = try Harness.swnet(["listen", "127.0.0.1:81"], limit: 10)
            XCTAssertEqual(result.status, 10)
            return XCTAssertTrue(result.stderr.contains("--port 1081"), result.stderr)
        }
        // As root, run unprivileged through setpriv.
        let result = try Tool.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Harness.binary.path, "listen", "127.0.0.1:81"])
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertTrue(result.stderr.contains("ports below 1024 need root; use --port 1081"), result.stderr)
    }

    func testBadInputIsAUsageError() throws {
        let cases: [([String], String)] = [
            (["listen"], "listen needs a port"),
            (["listen", "127.0.0.1"], "has no port"),
            (["listen", "70000"], "out of range"),
            (["listen", "--broadcast", "9"], "--broadcast needs -k"),
            (["listen", "-u", "--exec", "cat", "0"], "not with --udp"),
            (["listen", "--allow", "10.0.0.0/33", "0"], "'10.0.0.0/33'"),
            (["listen", "--deny", "example.com", "0"], "'example.com' is not an address block"),
            (["listen", "0", "extra"], "program arguments need --exec"),
            (["listen", "--cert", "x.pem", "0"], "--cert needs --tls"),
        ]
        for (arguments, message) in cases {
            let result = try Harness.swnet(arguments, limit: 10)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        }
    }
}
