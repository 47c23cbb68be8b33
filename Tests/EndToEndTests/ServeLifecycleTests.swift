import Foundation
import XCTest

/// `--once`, stopping on SIGTERM and SIGINT, `--inetd`, and the UDP loop guard.
final class ServeLifecycleTests: XCTestCase {
    var servers: [Server] = []
    var peers: [Peer] = []
    override func tearDown() {
        servers.forEach { $0.stop(SIGKILL, timeout: 2) }
        peers.forEach { $0.stop() }
    }

    func serve(_ arguments: [String], json: Bool = true) throws -> Server {
        let server = try Server(["serve"] + arguments + ["--port", "0"] + (json ? ["--json"] : []))
        servers.append(server)
        return server
    }

    // MARK: - --once

    func testOnceServesOneTCPConnectionThenExits0() throws {
        let server = try serve(["echo", "--once", "--tcp", "-b", "127.0.0.1"])
        let nc = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"], stdin: Data("just once\n".utf8))
        XCTAssertEqual(nc.text, "just once\n", nc.stderr)
        let exit = try XCTUnwrap(server.waitForExit(timeout: 3), "still running after its one connection")
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertFalse(exit.signaled)
        XCTAssertThrowsError(try TCPClient("127.0.0.1", server.port, timeout: 1), "a second connection was accepted")
    }

    /// The claim is one connection: clients that arrive while the first is
    /// still open are not served, and the exit names no signal that never came.
    func testOnceAcceptsExactlyOneConnectionWhileItIsOpenAndClaimsNoSignal() throws {
        let server = try serve(["echo", "--once", "-b", "127.0.0.1", "-v"])
        let first = try TCPClient("127.0.0.1", server.port)
        try first.send("first\n")
        XCTAssertEqual(String(decoding: first.receive(count: 6, timeout: 3).data, as: UTF8.self), "first\n")

        for attempt in 0..<5 {
            // Refused at once (the listener is gone), or closed without a byte: never echoed.
            guard let extra = try? TCPClient("127.0.0.1", server.port, timeout: 2) else { continue }
            try? extra.send("extra \(attempt)\n")
            let received = extra.receive(timeout: 1)
            XCTAssertEqual(received.data.count, 0, "extra client \(attempt) was served: \(String(decoding: received.data, as: UTF8.self))")
        }
        let datagram = try UDPClient()
        try datagram.send("and a datagram?", to: server.port)
        XCTAssertNil(datagram.receive(timeout: 0.3), "a datagram was answered while --once served its TCP client")

        try first.send("still\n")
        XCTAssertEqual(String(decoding: first.receive(count: 6, timeout: 3).data, as: UTF8.self), "still\n")
        first.shutdownWrite()
        XCTAssertTrue(first.receiveToEOF(timeout: 3).eof)
        let exit = try XCTUnwrap(server.waitForExit(timeout: 3), "still running after its one connection")
        XCTAssertEqual(exit.status, 0, exit.stderr)
        let connections = Server.jsonEvents(exit.stdout.split(separator: "\n").map(String.init)).filter { $0["event"] as? String == "connection" }
        XCTAssertEqual(connections.count, 1, exit.stdout)
        XCTAssertFalse(exit.stderr.contains("SIGTERM"), "claims a signal that never came: \(exit.stderr)")
        XCTAssertTrue(exit.stderr.contains("serve: stopped after serving 1 client;"), exit.stderr)
    }

    func testOnceAnswersExactlyOneOfABurstOfDatagrams() throws {
        let server = try serve(["echo", "--once", "--udp", "-b", "127.0.0.1", "-v"])
        let client = try UDPClient()
        for index in 0..<5 { try client.send("burst \(index)", to: server.port) }
        XCTAssertEqual(client.receive(timeout: 3).map { String(decoding: $0, as: UTF8.self) }, "burst 0")
        XCTAssertNil(client.receive(timeout: 0.3), "a second datagram was answered")
        let exit = try XCTUnwrap(server.waitForExit(timeout: 3), "still running after its one datagram")
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertFalse(exit.stderr.contains("SIGTERM"), exit.stderr)
        XCTAssertEqual(Server.jsonEvents(exit.stdout.split(separator: "\n").map(String.init)).filter { $0["event"] as? String == "datagram" }.count, 1, exit.stdout)
    }

    func testOnceServesOneDatagramThenExits0() throws {
        let server = try serve(["daytime", "--once", "--udp", "-b", "127.0.0.1"])
        let result = try Harness.swnet(["udp-send", "--reply", "127.0.0.1:\(server.port)", "time?"], limit: 5)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.hasSuffix("-UTC\r\n"), result.text.debugDescription)
        let exit = try XCTUnwrap(server.waitForExit(timeout: 3), "still running after its one datagram")
        XCTAssertEqual(exit.status, 0, exit.stderr)
    }

    func testOnceWithDaytimeOverTCPBothTransports() throws {
        // Without --tcp or --udp both are served; the first TCP client ends it.
        let server = try serve(["daytime", "--once", "-b", "127.0.0.1"])
        XCTAssertEqual(server.listening.count, 2)
        let result = try Harness.swnet(["connect", "127.0.0.1:\(server.port)"], limit: 5)
        XCTAssertTrue(result.text.hasSuffix("-UTC\r\n"), result.text.debugDescription)
        let exit = try XCTUnwrap(server.waitForExit(timeout: 3))
        XCTAssertEqual(exit.status, 0, exit.stderr)
    }

    // MARK: - Signals

    func testSIGTERMStopsAcceptingLetsTheOpenConnectionFinishAndExits0() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1", "--grace", "5s", "-v"])
        let open = try TCPClient("127.0.0.1", server.port)
        try open.send("before\n")
        XCTAssertEqual(String(decoding: open.receive(count: 7, timeout: 2).data, as: UTF8.self), "before\n")

        kill(server.pid, SIGTERM)
        // New connections are refused once the server has seen the signal;
        // a probe caught in the backlog when the listener closes is reset.
        var refused = false
        let deadline = Date().addingTimeInterval(3)
        while !refused && Date() < deadline {
            do {
                let probe = try TCPClient("127.0.0.1", server.port, timeout: 1)
                probe.close()
                Thread.sleep(forTimeInterval: 0.01)
            } catch ServeHarnessError.client(_, let code) where code == ECONNREFUSED || code == ECONNRESET {
                refused = true
            }
        }
        XCTAssertTrue(refused, "still accepting 3 s after SIGTERM")
        XCTAssertTrue(server.isRunning, "exited without waiting for the open connection")

        // The open connection is still served, and closing it lets the server exit well before --grace ends.
        try open.send("during grace\n")
        XCTAssertEqual(String(decoding: open.receive(count: 13, timeout: 2).data, as: UTF8.self), "during grace\n")
        open.shutdownWrite()
        let rest = open.receiveToEOF(timeout: 3)
        XCTAssertTrue(rest.eof)
        let closed = Date()
        let exit = try XCTUnwrap(server.waitForExit(timeout: 4, since: closed), "not stopped after its last connection finished")
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertFalse(exit.signaled)
        XCTAssertLessThan(exit.seconds, 2, "waited out --grace although no connection was left")
        // A probe that connected before the signal was seen may still be counted as open.
        XCTAssertNotNil(exit.stderr.range(of: #"stopping; (1 open connection gets|[2-9] open connections get) 5s to finish \(--grace\)"#, options: .regularExpression), exit.stderr)
        let event = Server.jsonEvents(exit.stdout.split(separator: "\n").map(String.init)).first { $0["event"] as? String == "connection" && $0["bytes_in"] as? Int == 20 }
        XCTAssertEqual(event?["end"] as? String, "peer closed", exit.stdout)
    }

    func testSIGTERMClosesConnectionsStillOpenWhenGraceEnds() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1", "--grace", "300ms"])
        let open = try TCPClient("127.0.0.1", server.port)
        try open.send("x")
        XCTAssertEqual(open.receive(count: 1, timeout: 2).data.count, 1)
        let exit = server.stop(SIGTERM, timeout: 4)
        XCTAssertFalse(exit.killed, "did not stop within 4 s of SIGTERM with --grace 300ms")
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertGreaterThanOrEqual(exit.seconds, 0.25, "did not give the open connection its --grace")
        XCTAssertLessThan(exit.seconds, 1.5, "took much longer than --grace 300ms")
        let received = open.receiveToEOF(timeout: 1)
        XCTAssertTrue(received.eof || received.error == ECONNRESET, "the connection is still open after the server exited")
    }

    func testSIGINTExits0() throws {
        let server = try serve(["chargen"])
        let exit = server.stop(SIGINT, timeout: 4)
        XCTAssertFalse(exit.killed)
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertFalse(exit.signaled)
        XCTAssertThrowsError(try TCPClient("127.0.0.1", server.port, timeout: 1))
    }

    func testSIGTERMWithoutConnectionsExits0AtOnceAndSaysSoWithVerbose() throws {
        let server = try serve(["echo", "-b", "127.0.0.1", "-v"], json: false)
        let exit = server.stop(SIGTERM, timeout: 4)
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertLessThan(exit.seconds, 1, "waited for --grace with nothing open")
        XCTAssertTrue(exit.stderr.contains("SIGTERM"), exit.stderr)
        XCTAssertEqual(exit.stdout, "")
    }

    // MARK: - --inetd

    /// Runs `swnet serve SERVICE --inetd` with stdin and stdout on one end of a
    /// socketpair; `body` gets the other end.
    func inetd(_ service: String, _ options: [String] = [], _ body: (Int32) throws -> Void) throws -> Server.Exit {
        var pair: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair), 0)
        let process = Process()
        process.executableURL = Harness.binary
        process.arguments = ["serve", service, "--inetd"] + options
        let theirs = FileHandle(fileDescriptor: pair[1], closeOnDealloc: false)
        process.standardInput = theirs
        process.standardOutput = theirs
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        close(pair[1])
        let err = StreamCollector(errors)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            close(pair[0])
        }
        try body(pair[0])
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        XCTAssertFalse(process.isRunning, "--inetd still running 3 s after its client was done")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        err.waitForEOF(timeout: 2)
        return Server.Exit(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal, killed: false,
                           stdout: "", stderr: err.text, seconds: 0)
    }

    /// Reads `fd` to end-of-file, at most `timeout`.
    func readAll(_ fd: Int32, timeout: TimeInterval = 3) -> (data: Data, eof: Bool) {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard pollFor(fd, POLLIN, milliseconds: Int(max(0, deadline.timeIntervalSinceNow) * 1000)) != 0 else { break }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count == 0 { return (data, true) }
            if count > 0 { data.append(contentsOf: chunk[..<count]) } else if errno != EAGAIN && errno != EINTR { break }
        }
        return (data, false)
    }

    func testInetdEchoOnASocketpair() throws {
        let payload = randomBytes(300_000)
        let echoed = Box((data: Data(), eof: false))
        let exit = try inetd("echo") { fd in
            // Write and read at the same time: the payload is larger than the socket buffers.
            let reader = DispatchQueue(label: "inetd-reader")
            let group = DispatchGroup()
            reader.async(group: group) { echoed.value = self.readAll(fd, timeout: 10) }
            payload.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let count = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                    if count <= 0 { break }
                    offset += count
                }
            }
            shutdown(fd, Int32(SHUT_WR))
            XCTAssertEqual(group.wait(timeout: .now() + 12), .success)
        }
        XCTAssertTrue(echoed.value.eof, "no end-of-file from --inetd echo after our half-close")
        XCTAssertEqual(echoed.value.data.count, payload.count)
        XCTAssertTrue(echoed.value.data == payload, "--inetd echoed different bytes")
        XCTAssertEqual(exit.status, 0, exit.stderr)
    }

    /// With --inetd, stdout is the client's connection: -v --json events
    /// must not be written into it.
    func testInetdVerboseJSONKeepsEventsOutOfTheConnection() throws {
        var received = (data: Data(), eof: false)
        let exit = try inetd("echo", ["-v", "--json"]) { fd in
            XCTAssertEqual(send(fd, "only this\n", 10, Int32(MSG_NOSIGNAL)), 10)
            shutdown(fd, Int32(SHUT_WR))
            received = readAll(fd)
        }
        XCTAssertTrue(received.eof)
        XCTAssertEqual(String(decoding: received.data, as: UTF8.self), "only this\n", "the client got more than its echo")
        XCTAssertEqual(exit.status, 0, exit.stderr)
    }

    func testInetdDaytimeWritesOneLine() throws {
        var line = ""
        var sawEOF = false
        let exit = try inetd("daytime") { fd in
            let (data, eof) = readAll(fd)
            line = String(decoding: data, as: UTF8.self)
            sawEOF = eof
        }
        XCTAssertTrue(fullMatch(line, ServeServicesTests.rfc867 + #"-UTC\r\n"#), line.debugDescription)
        XCTAssertTrue(sawEOF, "--inetd daytime did not close after the line")
        XCTAssertEqual(exit.status, 0, exit.stderr)
    }

    func testInetdUnderSocat() throws {
        let port = Harness.freePort()
        // socat plays inetd: one `swnet serve echo --inetd` per connection.
        let peer = try Peer("socat", ["TCP4-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork", "EXEC:\(Harness.binary.path) serve echo --inetd"])
        peers.append(peer)
        try peer.waitUntilListening(port: port, tcp: true)
        for round in 0..<2 {
            let result = try Tool.run("nc", ["-N", "127.0.0.1", "\(port)"], stdin: Data("inetd round \(round)\n".utf8), limit: 5)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.text, "inetd round \(round)\n")
        }
        let daytimePort = Harness.freePort()
        let daytime = try Peer("socat", ["TCP4-LISTEN:\(daytimePort),bind=127.0.0.1,reuseaddr,fork", "EXEC:\(Harness.binary.path) serve daytime --inetd --format unix"])
        peers.append(daytime)
        try daytime.waitUntilListening(port: daytimePort, tcp: true)
        let result = try Tool.run("nc", ["-N", "127.0.0.1", "\(daytimePort)"], limit: 5)
        XCTAssertTrue(fullMatch(result.text, #"\d+\r\n"#), result.text.debugDescription)
    }

    // MARK: - The UDP loop guard

    /// A client bound to a guarded source port on 127.0.0.1: whichever of
    /// them is free (another process may hold one), skipping the test with
    /// the reason when none can be had (they are below 1024: root only).
    private func guardedClient(excluding taken: Set<UInt16> = []) throws -> (client: UDPClient, port: UInt16) {
        for port: UInt16 in [7, 9, 13, 19, 37] where !taken.contains(port) {
            if let client = try? UDPClient("127.0.0.1", sourcePort: port) { return (client, port) }
        }
        throw XCTSkip("no guarded UDP port (7, 9, 13, 19, 37) on 127.0.0.1 could be bound: in use, or not root")
    }

    func testDatagramsFromSmallServicePortsGetNoReplyAndVerboseSaysWhy() throws {
        let (client, guardPort) = try guardedClient()
        // Another one for swnet udp-send -s, found free and let go just before swnet binds it.
        let second = try guardedClient(excluding: [guardPort])
        let swnetPort = second.port
        second.client.close()

        // Plain text mode: the reasons go to stderr.
        let server = try serve(["echo", "--udp", "-b", "127.0.0.1", "-v"], json: false)
        XCTAssertGreaterThan(server.port, 0)

        try client.send("loop?", to: server.port)
        XCTAssertNil(client.receive(timeout: 0.3), "answered a datagram from port \(guardPort)")
        XCTAssertTrue(server.waitForStderr("127.0.0.1:\(guardPort)"), server.err.text)
        XCTAssertTrue(server.err.text.contains("source port \(guardPort)"), server.err.text)
        XCTAssertTrue(server.err.text.contains("loop guard"), server.err.text)

        // From another guarded port with swnet udp-send -s: no reply, so udp-send times out.
        let sent = try Harness.swnet(["udp-send", "-s", "127.0.0.1:\(swnetPort)", "--reply=300ms", "127.0.0.1:\(server.port)", "chargen?"], limit: 5)
        XCTAssertEqual(sent.status, 5, sent.stderr)
        XCTAssertEqual(sent.text, "")
        XCTAssertTrue(server.waitForStderr("source port \(swnetPort)"), server.err.text)

        // An ordinary port is still answered.
        let ordinary = try Harness.swnet(["udp-send", "--reply", "127.0.0.1:\(server.port)", "normal"], limit: 5)
        XCTAssertEqual(ordinary.text, "normal\n", ordinary.stderr)
    }

    func testLoopGuardOnChargenAndDaytimeToo() throws {
        for service in ["chargen", "daytime"] {
            let server = try serve([service, "--udp", "-b", "127.0.0.1", "-v"])
            let (fromGuarded, guardPort) = try guardedClient()
            try fromGuarded.send("x", to: server.port)
            XCTAssertNil(fromGuarded.receive(timeout: 0.2), "\(service) answered port \(guardPort)")
            let dropped = server.waitForEvent { $0["event"] as? String == "dropped" }
            XCTAssertEqual(dropped?["proto"] as? String, "udp")
            XCTAssertTrue((dropped?["reason"] as? String ?? "").contains("loop guard"), "\(String(describing: dropped))")
            fromGuarded.close()
            let ordinary = try UDPClient()
            try ordinary.send("x", to: server.port)
            XCTAssertNotNil(ordinary.receive(timeout: 2), "\(service) did not answer an ordinary port")
        }
    }
}
