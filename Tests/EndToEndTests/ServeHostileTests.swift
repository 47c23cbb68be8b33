import Foundation
import XCTest

/// What an attacker or a broken client does to `swnet serve`: slowloris,
/// clients that never read, reset storms, floods over --max-conns, garbage
/// and oversized datagrams, SIGTERM in the middle of transfers, ten thousand
/// held connections. Figures are asserted only as bounds that a loaded
/// machine cannot break; waits are deadlines, never timings.
/// (Descriptor exhaustion is `ServeConcurrencyTests`' `ulimit -n 64` case;
/// the loop guard's basics are in `ServeLifecycleTests`.)
final class ServeHostileTests: XCTestCase {
    var servers: [Server] = []
    override func tearDown() { servers.forEach { $0.stop(SIGKILL, timeout: 2) } }

    func serve(_ arguments: [String]) throws -> Server {
        let server = try Server(["serve"] + arguments + ["--port", "0", "--json"], timeout: 30)
        servers.append(server)
        return server
    }

    // MARK: - Slowloris

    /// 400 connections that trickle a byte now and then and never finish
    /// hold nothing up: a fresh client is served between every trickle, and
    /// every trickled byte is echoed.
    func testFourHundredSlowlorisConnectionsDoNotKeepAFreshClientWaiting() throws {
        // One event loop, so the slow ones and the fresh one share it.
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1", "--threads", "1"])
        let crowd = try ClientCrowd(400, to: server.port)
        for round in 0..<3 {
            XCTAssertEqual(crowd.sendEach(Data([UInt8(ascii: "a") + UInt8(round)])), 400)
            try assertFreshClientEchoed(port: server.port, "fresh client in round \(round)")
        }
        let echoed = crowd.receive(count: 3, timeout: 30)
        let whole = echoed.filter { $0.data == Data("abc".utf8) }.count
        XCTAssertEqual(whole, 400, "only \(whole) of 400 slow clients got their bytes back")
        XCTAssertTrue(server.isRunning)
    }

    // MARK: - Clients that never read

    /// 500 clients each try to push 10 MiB into echo and never read: the
    /// server stops reading from each once it holds 64 KiB for it (the
    /// documented buffer), so its resident memory grows by at most that per
    /// connection, and it still serves a fresh client.
    func testFiveHundredClientsPushingTenMebibytesAndNeverReadingKeepMemoryBounded() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1"])
        let before = try XCTUnwrap(server.residentKiB)
        let clients = 500, tenMiB = 10 << 20
        let crowd = try ClientCrowd(clients, to: server.port, receiveBuffer: 4096, sendBuffer: 65536)
        let chunk = Data((0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let pushed = crowd.pushUntilBlocked(chunk: chunk, limit: tenMiB, quiet: 1, timeout: 120)
        XCTAssertEqual(pushed.filter { $0 >= tenMiB }.count, 0, "the server kept reading from a client that never reads")
        XCTAssertEqual(pushed.filter { $0 <= 64 << 10 }.count, 0, "some clients could not even fill the server's buffer")
        let after = try XCTUnwrap(server.residentKiB)
        // 64 KiB held per connection, plus 32 KiB for the session and the allocator.
        let bound = clients * (64 + 32) * Sanitizer.memoryScale
        XCTAssertLessThan(after - before, bound,
                          "resident memory grew from \(before) KiB to \(after) KiB: \((after - before) / clients) KiB per connection")
        print("serve echo, \(clients) clients that never read: \(pushed.reduce(0, +) >> 20) MiB pushed, resident +\(after - before) KiB, \((after - before) / clients) KiB per connection")
        try assertFreshClientEchoed(port: server.port, "not stalled")
        crowd.reset()
        try assertFreshClientEchoed(port: server.port, "after the non-readers left")
    }

    // MARK: - Reset storm

    /// 1000 connections closed with SO_LINGER 0 (a reset) in the middle of
    /// a transfer, half to echo with data in flight both ways, half to
    /// chargen while it writes: the server notices every one, ends each
    /// session, and serves a fresh client and a prompt stop afterwards.
    func testAThousandResetsInTheMiddleOfTransfers() throws {
        for service in ["echo", "chargen"] {
            let server = try serve([service, "--tcp", "-b", "127.0.0.1", "-v", "--grace", "30s"])
            for wave in 0..<2 {
                let crowd = try ClientCrowd(250, to: server.port)
                if service == "echo" {
                    _ = crowd.pushUntilBlocked(chunk: randomBytes(16 << 10), limit: 256 << 10, quiet: 0.2, timeout: 20)
                }
                // Each has had something from the server: the transfer is under way.
                let started = crowd.receive(count: 1, timeout: 20).filter { $0.data.count == 1 }.count
                XCTAssertEqual(started, 250, "\(service) wave \(wave): only \(started) of 250 transfers started")
                crowd.reset()
            }
            // Every reset session ends and is reported (bounded wait).
            let ended = server.waitForEvents(500, timeout: 60) { $0["event"] as? String == "connection" }
            XCTAssertTrue(ended, "\(service): \(server.events.filter { $0["event"] as? String == "connection" }.count) of 500 reset sessions ended")
            let ends = Set(server.events.compactMap { $0["event"] as? String == "connection" ? $0["end"] as? String : nil })
            XCTAssertTrue(ends.isSubset(of: ["peer closed"]), "\(service): sessions ended as \(ends)")
            if service == "echo" { try assertFreshClientEchoed(port: server.port, "after the storm") }
            // Nothing is left open: SIGTERM exits at once instead of waiting out --grace 30s.
            let exit = server.stop(SIGTERM, timeout: 10)
            XCTAssertFalse(exit.killed, "\(service): not stopped within 10 s of SIGTERM: sessions left open")
            XCTAssertEqual(exit.status, 0, exit.stderr)
        }
    }

    // MARK: - --max-conns

    /// 500 connections over --max-conns 50 are each closed at once without
    /// a byte, the 50 held ones are still served, and once they leave, 50
    /// new ones are: the server recovers its full capacity.
    func testAFloodOverMaxConnsIsTurnedAwayAndTheServerRecovers() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1", "--max-conns", "50", "-v"])
        let held = try ClientCrowd(50, to: server.port)
        XCTAssertEqual(held.echoes("h"), 50)

        let flood = try ClientCrowd(500, to: server.port)
        flood.sendEach(Data("f".utf8))
        let turnedAway = flood.receive(count: 1, timeout: 30)
        XCTAssertEqual(turnedAway.filter { !$0.data.isEmpty }.count, 0, "a connection over --max-conns was served")
        XCTAssertEqual(turnedAway.filter { $0.eof || $0.error == ECONNRESET }.count, 500, "not every connection over --max-conns was closed")
        XCTAssertTrue(server.waitForEvents(500, timeout: 30) { $0["event"] as? String == "dropped" }, "fewer than 500 dropped events")
        flood.close()

        XCTAssertEqual(held.echoes("s"), 50, "held connections lost")
        held.close()
        // The server sees the 50 closes, then has room for 50 again.
        XCTAssertTrue(server.waitForEvents(50, timeout: 20) { $0["event"] as? String == "connection" })
        let again = try ClientCrowd(50, to: server.port)
        XCTAssertEqual(again.echoes("n"), 50, "not recovered to 50 connections")
        again.close()
        let exit = server.stop(SIGTERM, timeout: 10)
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertTrue(exit.stderr.contains("500 turned away over --max-conns"), exit.stderr)
    }

    // MARK: - Datagrams

    /// Random bytes of every size up to the largest datagram UDP carries
    /// (65507 bytes over IPv4, 65527 over IPv6) come back exactly; a flood
    /// of garbage leaves the server answering.
    func testGarbageAndMaximumSizeDatagramsAreEchoedExactly() throws {
        let server = try serve(["echo", "--udp", "-b", "127.0.0.1", "-b", "::1"])
        for (host, largest) in [("127.0.0.1", 65507), ("::1", 65527)] {
            let client = try UDPClient(host)
            for length in [0, 1, 1472, 9000, 65000, largest - 1, largest] + (0..<8).map({ _ in Int.random(in: 0...largest) }) {
                let garbage = randomBytes(length)
                try client.send(garbage, to: server.port)
                let reply = client.receive(timeout: 5)
                XCTAssertEqual(reply?.count, length, "\(host): a \(length)-byte datagram")
                XCTAssertTrue(reply == garbage, "\(host): a \(length)-byte datagram came back changed")
            }
            // One byte over the limit: the kernel refuses it, the server never sees it.
            XCTAssertThrowsError(try client.send(randomBytes(largest + 1), to: server.port))
        }
        // 2000 garbage datagrams as fast as they go (the kernel may drop some), then an ordinary one is answered.
        let flood = try UDPClient()
        let garbage = randomBytes(1400)
        for _ in 0..<2000 { try? flood.send(garbage.prefix(Int.random(in: 0...1400)), to: server.port) }
        let probe = try UDPClient()
        var answered = false
        for attempt in 0..<10 where !answered {
            try probe.send("probe \(attempt)", to: server.port)
            answered = probe.receive(timeout: 1).map { String(decoding: $0, as: UTF8.self).hasPrefix("probe") } ?? false
        }
        XCTAssertTrue(answered, "no answer after a flood of garbage")
        XCTAssertTrue(server.isRunning)
    }

    /// Every guarded source port, over IPv4 and IPv6, against every service
    /// that answers: not one reply, each drop reported; an ordinary port is
    /// still answered.
    func testDatagramsFromEveryGuardedPortGetNoReply() throws {
        for service in ["echo", "chargen", "daytime"] {
            let server = try serve([service, "--udp", "-b", "127.0.0.1", "-b", "::1", "-v"])
            // A port that another program here holds is skipped; 0 cannot be a source at all.
            let guarded = ["127.0.0.1", "::1"].flatMap { host in
                [UInt16(7), 9, 13, 19, 37].compactMap { port in (try? UDPClient(host, sourcePort: port)).map { (client: $0, port: port) } }
            }
            XCTAssertGreaterThanOrEqual(guarded.count, 6, "could not bind the small-service ports (not root?)")
            for (client, port) in guarded { try client.send("garbage from \(port)", to: server.port) }
            // Each one dropped and reported; a reply would have gone out before its report.
            XCTAssertTrue(server.waitForEvents(guarded.count, timeout: 5) { $0["event"] as? String == "dropped" },
                          "\(service): fewer than \(guarded.count) drops reported: \(server.out.text)")
            for (client, port) in guarded {
                XCTAssertNil(client.receive(timeout: 0.05), "\(service) answered \(client.host) port \(port)")
            }
            let ordinary = try UDPClient()
            try ordinary.send("x", to: server.port)
            XCTAssertNotNil(ordinary.receive(timeout: 3), "\(service) did not answer an ordinary port")
        }
    }

    // MARK: - Stopping

    /// SIGTERM while 100 clients are in the middle of echo transfers: the
    /// server stops accepting but lets each finish, every byte comes back
    /// (compared by hash), and it exits 0 as soon as the last one is done.
    func testSIGTERMWithAHundredTransfersInFlightDeliversEveryByte() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1", "--grace", "120s"])
        let clients = 100, size = 512 << 10, signalAt = 128 << 10
        let condition = NSCondition()
        let reachedSignalPoint = Box(0), signalled = Box(false)
        let results = Box([String?](repeating: "not finished", count: clients))
        // One random block, made distinct per client by its first 8 bytes (getrandom per word is slow under TSan).
        let block = randomBytes(size)
        let payloads = (0..<clients).map { payload(from: block, for: $0) }
        let group = DispatchGroup()
        for index in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let outcome: String?
                do {
                    let client = try TCPClient("127.0.0.1", server.port, timeout: 20)
                    let payload = payloads[index]
                    let received = try echoTransfer(client, payload, pauseAfter: signalAt) {
                        // Half-way through: wait (bounded) until the server has been sent SIGTERM.
                        condition.lock()
                        reachedSignalPoint.value += 1
                        condition.broadcast()
                        let deadline = Date().addingTimeInterval(60)
                        while !signalled.value && condition.wait(until: deadline) {}
                        condition.unlock()
                    }
                    outcome = received.count != payload.count ? "got \(received.count) of \(payload.count) bytes"
                        : Fingerprint.of(received) != Fingerprint.of(payload) ? "the echo differs from what was sent" : nil
                } catch {
                    outcome = "\(error)"
                }
                condition.lock()
                results.value[index] = outcome
                condition.unlock()
            }
            thread.stackSize = 256 << 10
            thread.start()
        }
        condition.lock()
        let deadline = Date().addingTimeInterval(60)
        while reachedSignalPoint.value < clients && condition.wait(until: deadline) {}
        let inFlight = reachedSignalPoint.value
        kill(server.pid, SIGTERM)
        signalled.value = true
        condition.broadcast()
        condition.unlock()
        XCTAssertEqual(inFlight, clients, "only \(inFlight) transfers were under way at SIGTERM")

        XCTAssertEqual(group.wait(timeout: .now() + 120), .success, "transfers still running 120 s after SIGTERM")
        condition.lock()
        let failures = results.value.enumerated().compactMap { index, outcome in outcome.map { "client \(index): \($0)" } }
        condition.unlock()
        XCTAssertEqual(failures.count, 0, failures.prefix(5).joined(separator: "; "))
        let exit = try XCTUnwrap(server.waitForExit(timeout: 20), "still running after its last transfer finished")
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertFalse(exit.signaled)
    }

    // MARK: - Many connections

    /// 10000 connections held at once (the default --max-conns): each is
    /// served, the server's memory per idle connection stays small, the
    /// 10001st is turned away at once, and when they all go a fresh client
    /// is served.
    func testTenThousandHeldConnections() throws {
        OpenFiles.raiseToHardLimit()
        guard OpenFiles.softLimit > 10_100 else { throw XCTSkip("the test process may open only \(OpenFiles.softLimit) files") }
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1"])
        let before = try XCTUnwrap(server.residentKiB)
        let held = try ClientCrowd(10_000, to: server.port, batch: 500, timeout: 30)
        held.sendEach(Data("x".utf8))
        let echoed = held.receive(count: 1, timeout: 60).filter { $0.data == Data("x".utf8) }.count
        XCTAssertEqual(echoed, 10_000, "only \(echoed) of 10000 held connections were served")
        let after = try XCTUnwrap(server.residentKiB)
        XCTAssertLessThan(after - before, 10_000 * 16 * Sanitizer.memoryScale,
                          "resident memory grew from \(before) KiB to \(after) KiB for 10000 idle connections")
        print("serve echo, 10000 held connections: resident +\(after - before) KiB, \(Double(after - before) / 10_000) KiB per connection")

        let extra = try TCPClient("127.0.0.1", server.port, timeout: 10)
        try? extra.send("over\n")
        let refused = extra.receiveToEOF(timeout: 10)
        XCTAssertTrue(refused.data.isEmpty && (refused.eof || refused.error == ECONNRESET), "the 10001st connection was not turned away")
        extra.close()

        // Once the server has seen the resets there is room again (bounded wait).
        held.reset()
        var echo = ""
        let deadline = Date().addingTimeInterval(60)
        while echo != "after\n" && Date() < deadline {
            guard let client = try? TCPClient("127.0.0.1", server.port, timeout: 5) else { continue }
            try? client.send("after\n")
            echo = String(decoding: client.receive(count: 6, timeout: 2).data, as: UTF8.self)
            if echo != "after\n" { Thread.sleep(forTimeInterval: 0.05) }
        }
        XCTAssertEqual(echo, "after\n", "no client served after the ten thousand left")
        try assertFreshClientEchoed(port: server.port, "after ten thousand")
    }
}

/// Sends `payload` on `client` while reading its echo, calling `pause` once
/// after `pauseAfter` bytes were sent; half-closes after the last byte and
/// reads to end-of-file. Returns what came back. Every wait is bounded.
private func echoTransfer(_ client: TCPClient, _ payload: Data, pauseAfter: Int, pause: () -> Void) throws -> Data {
    var received = Data(capacity: payload.count)
    var sent = 0, paused = false, halfClosed = false
    var chunk = [UInt8](repeating: 0, count: 65536)
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline {
        if !paused && sent >= pauseAfter {
            paused = true
            pause()
        }
        if sent == payload.count && !halfClosed {
            client.shutdownWrite()
            halfClosed = true
        }
        var entry = pollfd(fd: client.fd, events: Int16(POLLIN) | (halfClosed ? 0 : Int16(POLLOUT)), revents: 0)
        _ = poll(&entry, 1, 100)
        if entry.revents & Int16(POLLOUT) != 0 && !halfClosed {
            let end = paused ? payload.count : min(payload.count, pauseAfter)
            let count = payload.withUnsafeBytes { Glibc.send(client.fd, $0.baseAddress! + sent, end - sent, Int32(MSG_NOSIGNAL)) }
            if count > 0 { sent += count } else if count < 0 && errno != EAGAIN && errno != EINTR {
                throw ServeHarnessError.client("send after \(sent) bytes", errno)
            }
        }
        if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
            let count = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                return received
            } else if errno != EAGAIN && errno != EINTR {
                throw ServeHarnessError.client("receive after \(received.count) bytes", errno)
            }
        }
    }
    throw ServeHarnessError.client("transfer not done after 120 s (\(sent) sent, \(received.count) received)", ETIMEDOUT)
}
