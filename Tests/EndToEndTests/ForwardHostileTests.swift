import Foundation
import XCTest

/// What broken backends and hostile clients do to `swnet forward`: a
/// backend that resets each connection at once, one that accepts and never
/// answers, one that sends random bytes; clients that flood a backend that
/// does not read, reset storms, slowloris. Figures are bounds a loaded
/// machine cannot break; waits are deadlines, never timings. (A client that
/// never reads, descriptor exhaustion, --max-conns, SIGTERM with transfers
/// in flight, a backend killed mid-transfer and refusing or silent
/// connects are in `ForwardTests`.)
final class ForwardHostileTests: XCTestCase {
    var servers: [Server] = []
    override func tearDown() { servers.forEach { $0.stop(SIGKILL, timeout: 2) } }

    /// A forwarder on 127.0.0.1:0 (JSON events, -v), killed at the end of the test.
    func forward(_ arguments: [String]) throws -> Server {
        let server = try startForwarder(arguments)
        servers.append(server)
        return server
    }

    // MARK: - Misbehaving backends

    /// A backend that accepts and resets at once (SO_LINGER 0): each client
    /// sent to it sees its connection end, each end is reported, and the
    /// clients the other backend gets are echoed all along.
    func testABackendThatResetsAtOnceEndsOnlyItsClients() throws {
        let resetting = try MisbehavingBackend(.reset)
        let refecho = try RefEcho()
        // One thread: clients are taken in order, so round-robin alternates exactly.
        let forwarder = try forward(["--threads", "1", "127.0.0.1:\(resetting.port)", "127.0.0.1:\(refecho.port)"])
        var echoed = 0, cut = 0
        for index in 0..<20 {
            let client = try TCPClient("127.0.0.1", forwarder.port)
            try? client.send("client \(index)")
            let received = client.receive(count: "client \(index)".utf8.count, timeout: 20)
            if received.data == Data("client \(index)".utf8) { echoed += 1 }
            if received.data.isEmpty && (received.eof || received.error != nil) { cut += 1 }
            client.close()
        }
        let events = forwarder.waitForConnections(20, timeout: 20)
        XCTAssertEqual(events.count, 20, "\(events)")
        let ends = events.map { $0["end"] as? String ?? "" }
        // The reset comes before or after the forwarder's connect completes: either the tunnel sees it,
        // or the connect fails and the client goes to the next backend.
        let resetEnds = ends.filter { ["reset by backend", "backend closed"].contains($0) }.count
        XCTAssertEqual(cut, resetEnds, "clients cut off \(cut), reset ends reported \(resetEnds): \(ends)")
        XCTAssertEqual(echoed + cut, 20, "every client is either echoed or sees its end: \(ends)")
        XCTAssertGreaterThanOrEqual(echoed, 10, "the echo backend's clients were not all served: \(ends)")
        print("forward, a backend that resets at once: \(cut) of 20 clients cut off, \(echoed) echoed; ends \(Set(ends))")
        XCTAssertTrue(try oneOfTwoFreshClientsEchoed(forwarder), "no fresh client echoed after the resets")
    }

    /// A TLS backend that accepts and never answers the handshake: its
    /// client is closed once --connect-timeout has passed, and the event names
    /// the backend and the option.
    func testABackendThatStallsInTheTLSHandshakeIsEndedByTheConnectTimeout() throws {
        let silent = try MisbehavingBackend(.silent)
        let forwarder = try forward(["--threads", "1", "--backend-tls", "-k", "--connect-timeout", "1s", "127.0.0.1:\(silent.port)"])
        let client = try TCPClient("127.0.0.1", forwarder.port)
        try client.send("request")
        let received = client.receive(timeout: 20)
        XCTAssertTrue(received.data.isEmpty && (received.eof || received.error != nil), "the client was not ended: \(received)")
        let end = forwarder.waitForConnections(1, timeout: 20).first?["end"] as? String ?? ""
        XCTAssertEqual(end, "backend 127.0.0.1:\(silent.port): TLS handshake: not finished within 1s (--connect-timeout)")
    }

    /// A backend that accepts and never answers: the client's --idle-timeout
    /// ends it (reported as such), while the other backend's clients are
    /// echoed in the meantime.
    func testABackendThatNeverAnswersIsEndedByTheIdleTimeout() throws {
        let silent = try MisbehavingBackend(.silent)
        let refecho = try RefEcho()
        let forwarder = try forward(["--threads", "1", "--idle-timeout", "1s", "127.0.0.1:\(silent.port)", "127.0.0.1:\(refecho.port)"])
        let waiting = try (0..<5).map { index -> TCPClient in
            let client = try TCPClient("127.0.0.1", forwarder.port)       // even: the silent backend
            try client.send("request \(index)")
            let other = try TCPClient("127.0.0.1", forwarder.port)        // odd: refecho
            try other.send("other \(index)")
            XCTAssertEqual(other.receive(count: "other \(index)".utf8.count, timeout: 20).data, Data("other \(index)".utf8))
            other.close()
            return client
        }
        for (index, client) in waiting.enumerated() {
            let received = client.receive(timeout: 30)
            XCTAssertTrue(received.data.isEmpty && (received.eof || received.error != nil), "client \(index) of the silent backend not ended: \(received)")
        }
        let events = forwarder.waitForConnections(10, timeout: 30)
        let idle = events.filter { $0["end"] as? String == "idle timeout" }
        XCTAssertEqual(idle.count, 5, "\(events)")
        XCTAssertTrue(idle.allSatisfy { $0["backend"] as? String == "127.0.0.1:\(silent.port)" }, "\(idle)")
        XCTAssertEqual(silent.accepted, 5, "the silent backend accepted every one of its clients")
        XCTAssertTrue(try oneOfTwoFreshClientsEchoed(forwarder), "no fresh client echoed after the idle timeouts")
    }

    /// A backend that sends 1 MiB of random bytes and closes: each of 10
    /// clients gets exactly those bytes (compared by fingerprint), the
    /// counts are reported, and the forwarder keeps serving.
    func testGarbageFromABackendIsForwardedAsIs() throws {
        let garbage = randomBytes(1 << 20)
        let file = NSTemporaryDirectory() + "swnet-forward-garbage-\(UUID().uuidString)"
        try garbage.write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let port = Harness.freePort()
        let socat = try Peer("socat", ["TCP4-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork", "OPEN:\(file),rdonly"])
        defer { socat.stop() }
        try socat.waitUntilListening(port: port, tcp: true)
        let forwarder = try forward(["127.0.0.1:\(port)"])
        for index in 0..<10 {
            let client = try TCPClient("127.0.0.1", forwarder.port)
            let received = client.receiveToEOF(timeout: 20)
            XCTAssertTrue(received.eof, "client \(index): no end-of-file after the backend closed: \(received.data.count) bytes")
            XCTAssertEqual(received.data.count, garbage.count, "client \(index)")
            XCTAssertTrue(Fingerprint.of(received.data) == Fingerprint.of(garbage), "client \(index): the bytes came changed")
        }
        let events = forwarder.waitForConnections(10, timeout: 20)
        XCTAssertEqual(events.count, 10)
        XCTAssertTrue(events.allSatisfy { $0["bytes_out"] as? Int == garbage.count && $0["end"] as? String == "backend closed" }, "\(events)")
        XCTAssertTrue(forwarder.isRunning)
    }

    // MARK: - Floods

    /// 200 clients each try to push 64 MiB to a backend that accepts and
    /// never reads: the forwarder stops reading from each once its buffer
    /// (or kernel pipe) is full, so its resident memory grows by at most
    /// 64 KiB and a session's share per connection, and a fresh client of
    /// another backend is still served. When the clients reset, each
    /// session ends at once, although its bytes still wait for the backend
    /// (long before the --idle-timeout).
    func testClientsFloodingABackendThatDoesNotReadHoldBoundedMemory() throws {
        let sink = try MisbehavingBackend(.silent)
        let refecho = try RefEcho()
        let forwarder = try forward(["127.0.0.1:\(sink.port)"])
        let other = try forward(["127.0.0.1:\(refecho.port)"])
        let before = try XCTUnwrap(forwarder.residentKiB)
        let clients = 200, limit = 64 << 20
        let crowd = try ClientCrowd(clients, to: forwarder.port, receiveBuffer: 4096, sendBuffer: 65536)
        let pushed = crowd.pushUntilBlocked(chunk: randomBytes(65536), limit: limit, quiet: 1, timeout: 120)
        XCTAssertEqual(pushed.filter { $0 >= limit }.count, 0, "the forwarder kept reading from a client whose backend does not read")
        XCTAssertEqual(pushed.filter { $0 <= 64 << 10 }.count, 0, "some clients could not even fill the forwarder's buffer")
        let after = try XCTUnwrap(forwarder.residentKiB)
        // At most 64 KiB held per direction in memory (the rest waits in a kernel pipe), plus 32 KiB for the session and the allocator.
        let bound = clients * (64 + 32) * Sanitizer.memoryScale
        XCTAssertLessThan(after - before, bound,
                          "resident memory grew from \(before) KiB to \(after) KiB: \((after - before) / clients) KiB per connection")
        print("forward to a backend that never reads, \(clients) flooding clients: \(pushed.reduce(0, +) >> 20) MiB pushed "
              + "(\((pushed.min() ?? 0) >> 10)-\((pushed.max() ?? 0) >> 10) KiB each), resident +\(after - before) KiB, \((after - before) / clients) KiB per connection")
        try assertFreshClientForwarded(other, "beside the flood")
        crowd.reset()
        let events = forwarder.waitForConnections(clients, timeout: 30)
        XCTAssertEqual(events.count, clients, "not every flooding session ended")
        let ends = Set(events.map { $0["end"] as? String ?? "" })
        XCTAssertEqual(ends, ["reset by client"], "sessions ended as \(ends)")
        XCTAssertTrue(forwarder.isRunning)
    }

    // MARK: - Reset storm

    /// 1000 clients reset (SO_LINGER 0) in the middle of echo transfers
    /// through refecho: every session ends and is reported, the forwarder
    /// holds exactly the descriptors it held before, a fresh client is
    /// served, and SIGTERM exits at once instead of waiting out --grace 30s.
    func testAThousandResetsInTheMiddleOfTransfers() throws {
        let refecho = try RefEcho()
        let forwarder = try forward(["--grace", "30s", "127.0.0.1:\(refecho.port)"])
        try assertFreshClientForwarded(forwarder, "warm")
        let before = forwarder.descriptorKinds
        try resetEchoClientsMidTransfer(port: forwarder.port)
        let events = forwarder.waitForConnections(1001, timeout: 60)
        XCTAssertEqual(events.count, 1001, "\(events.count - 1) of 1000 reset sessions ended")
        let ends = Set(events.dropFirst().map { $0["end"] as? String ?? "" })
        XCTAssertTrue(ends.isSubset(of: ["reset by client", "client closed"]), "sessions ended as \(ends)")
        XCTAssertTrue(eventually(within: 20) { forwarder.descriptorKinds == before }, "descriptors before \(before), after \(forwarder.descriptorKinds)")
        print("forward, 1000 resets mid-transfer: ends \(ends), descriptors \(forwarder.descriptorKinds)")
        try assertFreshClientForwarded(forwarder, "after the storm")
        let exit = forwarder.stop(SIGTERM, timeout: 10)
        XCTAssertFalse(exit.killed, "not stopped within 10 s of SIGTERM: sessions left open")
        XCTAssertEqual(exit.status, 0, exit.stderr)
    }

    // MARK: - Slowloris

    /// 400 clients that trickle a byte now and then hold nothing up on one
    /// event loop: a fresh client is forwarded between every trickle, and
    /// every trickled byte comes back from refecho.
    func testFourHundredSlowlorisClientsDoNotKeepAFreshOneWaiting() throws {
        let refecho = try RefEcho()
        let forwarder = try forward(["--threads", "1", "127.0.0.1:\(refecho.port)"])
        let crowd = try ClientCrowd(400, to: forwarder.port)
        for round in 0..<3 {
            XCTAssertEqual(crowd.sendEach(Data([UInt8(ascii: "a") + UInt8(round)])), 400)
            try assertFreshClientForwarded(forwarder, "fresh client in round \(round)")
        }
        let whole = crowd.receive(count: 3, timeout: 30).filter { $0.data == Data("abc".utf8) }.count
        XCTAssertEqual(whole, 400, "only \(whole) of 400 slow clients got their bytes back")
        crowd.close()
        XCTAssertEqual(forwarder.waitForConnections(403, timeout: 30).count, 403)
        XCTAssertTrue(forwarder.isRunning)
    }

    /// A fresh `nc` client gets `line` echoed through `forwarder` (to refecho).
    private func assertFreshClientForwarded(_ forwarder: Server, _ line: String, file: StaticString = #filePath, line number: UInt = #line) throws {
        try assertFreshClientEchoed(port: forwarder.port, line, file: file, line: number)
    }

    /// Two fresh clients in a row, round-robin over a misbehaving backend
    /// and refecho: one of them is echoed.
    private func oneOfTwoFreshClientsEchoed(_ forwarder: Server) throws -> Bool {
        try (0..<2).map { index in try exchange(port: forwarder.port, Data("fresh \(index)".utf8), timeout: 20) == Data("fresh \(index)".utf8) }
            .contains(true)
    }
}

/// A backend that misbehaves on purpose, where no Debian tool does it: a
/// Python listener on a free loopback port that resets every connection at
/// once (SO_LINGER 0), or accepts and holds each one without reading a
/// byte (its receive buffer shrunk to 4 KiB). Stopped by its PID.
final class MisbehavingBackend {
    enum Behaviour: String { case reset, silent }

    let port: UInt16
    private let peer: Peer
    private let output = Pipe()
    private let collected: StreamCollector

    init(_ behaviour: Behaviour) throws {
        port = Harness.freePort()
        let script = """
        import socket, struct, sys
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        server.bind(("127.0.0.1", int(sys.argv[1]))); server.listen(1024)
        held = []
        while True:
            connection, _ = server.accept()
            print("accepted", flush=True)
            if sys.argv[2] == "reset":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                connection.close()
            else:
                held.append(connection)
        """
        peer = try Peer("/usr/bin/python3", ["-c", script, String(port), behaviour.rawValue], stdout: output)
        collected = StreamCollector(output)
        try peer.waitUntilListening(port: port, tcp: true)
    }

    /// How many connections it has accepted so far.
    var accepted: Int { collected.lines.filter { $0 == "accepted" }.count }

    deinit { peer.stop() }
}
