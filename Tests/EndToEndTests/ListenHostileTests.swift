import Foundation
import XCTest

/// What an attacker or a broken client does to `swnet listen -k`, with a
/// child per client (`--exec cat`, `--sh-exec`) and with the plain relay
/// (in turn, `--broadcast`): slowloris, clients that never read, reset
/// storms, descriptor exhaustion, floods over --max-conns, SIGTERM in the
/// middle of transfers, thousands of held connections. Figures are bounds a
/// loaded machine cannot break; waits are deadlines, never timings.
final class ListenHostileTests: XCTestCase {
    var listeners: [Listener] = []
    override func tearDown() { listeners.forEach { $0.stop(SIGKILL, timeout: 2) } }

    /// `swnet listen -k -v ARGUMENTS 127.0.0.1:0`, killed at the end of the test.
    func listen(_ arguments: [String], verbose: Bool = true, launcher: [String] = []) throws -> Listener {
        let listener = try Listener(["listen", "-k"] + (verbose ? ["-v"] : []) + arguments + ["127.0.0.1:0"], timeout: 30, launcher: launcher)
        listeners.append(listener)
        return listener
    }

    /// How many sessions the -v lines say have ended.
    func ended(_ listener: Listener) -> Int { listener.err.text.components(separatedBy: " bytes, received ").count - 1 }

    /// Waits (bounded) until `count` sessions have ended.
    @discardableResult
    func waitForEnded(_ listener: Listener, _ count: Int, timeout: TimeInterval = 30) -> Bool {
        listener.waitForStderr(" bytes, received ", count: count, timeout: timeout)
    }

    /// Waits (bounded) until stdout holds `count` bytes in all.
    @discardableResult
    func waitForStdout(_ listener: Listener, bytes count: Int, timeout: TimeInterval = 30) -> Bool {
        listener.out.wait(timeout: timeout) { $0.count >= count }
    }

    // MARK: - Slowloris

    /// 400 clients, each with a `cat` of its own, trickle a byte now and
    /// then: a fresh client is echoed between every trickle, and every
    /// trickled byte comes back. With --broadcast the same 400 hold nothing
    /// up either: a fresh client's line reaches stdout each round, every
    /// trickled byte does too, and stdin still reaches all 400.
    func testFourHundredSlowlorisClientsDoNotKeepAFreshOneWaiting() throws {
        let exec = try listen(["--max-conns", "1000", "--exec", "cat"])
        let crowd = try ClientCrowd(400, to: exec.port)
        for round in 0..<3 {
            XCTAssertEqual(crowd.sendEach(Data([UInt8(ascii: "a") + UInt8(round)])), 400)
            try assertFreshClientEchoed(port: exec.port, "fresh client in round \(round)")
        }
        let echoed = crowd.receive(count: 3, timeout: 30).filter { $0.data == Data("abc".utf8) }.count
        XCTAssertEqual(echoed, 400, "only \(echoed) of 400 slow clients got their bytes back from their cat")
        crowd.close()
        XCTAssertTrue(eventually(within: 30) { exec.children.isEmpty }, "\(exec.children.count) children left after the slow clients closed")

        let broadcast = try listen(["--broadcast", "--max-conns", "1000"])
        let slow = try ClientCrowd(400, to: broadcast.port)
        XCTAssertTrue(broadcast.waitForStderr("connection from", count: 400, timeout: 30), "not all 400 slow clients were taken")
        for round in 0..<3 {
            XCTAssertEqual(slow.sendEach(Data([UInt8(ascii: "a") + UInt8(round)])), 400)
            let fresh = try TCPClient("127.0.0.1", broadcast.port)
            try fresh.send("fresh client in round \(round)\n")
            fresh.close()
            XCTAssertTrue(broadcast.out.wait(timeout: 20) { String(decoding: $0, as: UTF8.self).contains("fresh client in round \(round)\n") },
                          "round \(round): a fresh client's line did not reach stdout")
        }
        let trickled = "abc".map { letter in broadcast.out.text.filter { $0 == letter }.count }
        XCTAssertTrue(broadcast.out.wait(timeout: 20) { data in "abc".utf8.allSatisfy { letter in data.filter { $0 == letter }.count >= 400 } },
                      "trickled bytes on stdout: \(trickled) of 400 each")
        broadcast.write("to every slow client\n")
        let heard = slow.receive(count: 21, timeout: 30).filter { $0.data == Data("to every slow client\n".utf8) }.count
        XCTAssertEqual(heard, 400, "stdin reached only \(heard) of 400 slow clients")
    }

    // MARK: - Clients that never read

    /// 100 clients each try to push 10 MiB through their `cat` and never
    /// read: once a connection's two 64 KiB relay buffers (and the pipes
    /// and cat between them) are full, swnet stops reading from it, so its
    /// resident memory grows by at most that per connection; a fresh
    /// client is still echoed.
    func testClientsThatPushAndNeverReadHoldBoundedMemory() throws {
        let listener = try listen(["--max-conns", "1000", "--exec", "cat"], verbose: false)
        let before = try XCTUnwrap(listener.residentKiB)
        let clients = 100, tenMiB = 10 << 20
        let crowd = try ClientCrowd(clients, to: listener.port, receiveBuffer: 4096, sendBuffer: 65536)
        let pushed = crowd.pushUntilBlocked(chunk: randomBytes(65536), limit: tenMiB, quiet: 1, timeout: 60)
        XCTAssertEqual(pushed.filter { $0 >= tenMiB }.count, 0, "swnet kept reading from a client that never reads")
        XCTAssertEqual(pushed.filter { $0 <= 128 << 10 }.count, 0, "some clients could not even fill the relay's buffers")
        let after = try XCTUnwrap(listener.residentKiB)
        // Two 64 KiB buffers per connection, plus 32 KiB for the session, the child's bookkeeping and the allocator.
        XCTAssertLessThan(after - before, clients * (2 * 64 + 32) * Sanitizer.memoryScale,
                          "resident memory grew from \(before) KiB to \(after) KiB: \((after - before) / clients) KiB per connection")
        print("listen --exec cat, \(clients) clients that never read: \(pushed.reduce(0, +) >> 20) MiB pushed, resident +\(after - before) KiB")
        try assertFreshClientEchoed(port: listener.port, "not stalled")
        crowd.reset()
        try assertFreshClientEchoed(port: listener.port, "after the non-readers left")
    }

    /// --broadcast: 50 clients that never read hold stdin back (32 MiB
    /// offered) instead of swnet buffering it for them: its memory grows by
    /// a few MiB at most, and what a client sends still reaches stdout.
    func testBroadcastClientsThatNeverReadHoldStdinBack() throws {
        let listener = try listen(["--broadcast"], verbose: false)
        let crowd = try ClientCrowd(50, to: listener.port, receiveBuffer: 4096)
        let talker = try TCPClient("127.0.0.1", listener.port)
        // Every client is taken before stdin flows.
        try talker.send("ready\n")
        XCTAssertTrue(listener.out.wait(timeout: 20) { String(decoding: $0, as: UTF8.self).contains("ready\n") })
        let before = try XCTUnwrap(listener.residentKiB)
        listener.write(Data(repeating: UInt8(ascii: "s"), count: 32 << 20))
        // What each client's kernel buffers take, then nothing more: stdin is held back.
        let taken = crowd.receive(count: 32 << 20, timeout: 3).map(\.data.count)
        XCTAssertEqual(taken.filter { $0 >= 32 << 20 }.count, 0, "a client that never reads was sent all of stdin")
        let after = try XCTUnwrap(listener.residentKiB)
        XCTAssertLessThan(after - before, 4096 * Sanitizer.memoryScale, "resident memory grew from \(before) KiB to \(after) KiB")
        print("listen --broadcast, 50 clients that never read, 32 MiB on stdin: resident +\(after - before) KiB")
        try talker.send("still heard\n")
        XCTAssertTrue(listener.out.wait(timeout: 20) { String(decoding: $0, as: UTF8.self).contains("still heard\n") },
                      "a client's line did not reach stdout while stdin was held back")
    }

    // MARK: - Reset storm

    /// 1000 connections closed with SO_LINGER 0 (a reset) in the middle of
    /// a transfer, each to a child of its own that was echoing: every
    /// session ends, every child is reaped, swnet holds exactly the
    /// descriptors it held before, and it serves a fresh client and stops
    /// at once afterwards. The same with --broadcast, data in flight both ways.
    func testAThousandResetsInTheMiddleOfTransfers() throws {
        let exec = try listen(["--max-conns", "1000", "--grace", "30s", "--sh-exec", "cat"])
        // A first client, so the event loop and its descriptors exist before they are counted.
        try assertFreshClientEchoed(port: exec.port, "warm")
        XCTAssertTrue(eventually(within: 10) { exec.children.isEmpty && self.ended(exec) == 1 })
        let before = exec.descriptorKinds
        // Each client's child runs when its echo comes back.
        try resetEchoClientsMidTransfer(port: exec.port)
        XCTAssertTrue(waitForEnded(exec, 1001, timeout: 60), "\(ended(exec) - 1) of 1000 reset sessions ended")
        XCTAssertTrue(eventually(within: 20) { exec.children.isEmpty }, "children left: \(exec.children.count), zombies: \(exec.zombies.count)")
        XCTAssertTrue(eventually(within: 20) { exec.descriptorKinds == before }, "descriptors before \(before), after \(exec.descriptorKinds)")
        let notes = exec.err.lines.filter { !$0.contains("connection from") && !$0.contains(" bytes, received ") && !$0.contains("listening on") }
        XCTAssertEqual(notes, [], "a client's reset is its going away, not an error to report")
        try assertFreshClientEchoed(port: exec.port, "after the storm")
        // Nothing is left open: SIGTERM exits at once instead of waiting out --grace 30s.
        let exit = exec.stop(SIGTERM, timeout: 10)
        XCTAssertFalse(exit.killed, "not stopped within 10 s of SIGTERM: sessions left open")
        XCTAssertEqual(exit.status, 0, exit.stderr)

        let broadcast = try listen(["--broadcast", "--max-conns", "1000"])
        let warm = try TCPClient("127.0.0.1", broadcast.port)
        try warm.send("warm\n")
        warm.close()
        XCTAssertTrue(waitForEnded(broadcast, 1))
        let idle = broadcast.descriptorKinds
        let block = randomBytes(16 << 10)
        for wave in 0..<4 {
            let crowd = try ClientCrowd(250, to: broadcast.port)
            XCTAssertTrue(broadcast.waitForStderr("connection from", count: 1 + 250 * (wave + 1), timeout: 30))
            _ = crowd.pushUntilBlocked(chunk: block, limit: 16 << 10, quiet: 0.2, timeout: 20)
            broadcast.write("wave \(wave)\n")
            let started = crowd.receive(count: 1, timeout: 30).filter { $0.data.count == 1 }.count
            XCTAssertEqual(started, 250, "broadcast wave \(wave): only \(started) of 250 clients were sent stdin")
            crowd.reset()
        }
        XCTAssertTrue(waitForEnded(broadcast, 1001, timeout: 60), "--broadcast: \(ended(broadcast) - 1) of 1000 reset sessions ended")
        XCTAssertTrue(eventually(within: 20) { broadcast.descriptorKinds == idle }, "descriptors before \(idle), after \(broadcast.descriptorKinds)")
        let talker = try TCPClient("127.0.0.1", broadcast.port)
        try talker.send("after the storm\n")
        XCTAssertTrue(broadcast.out.wait(timeout: 20) { String(decoding: $0, as: UTF8.self).contains("after the storm\n") })
        talker.close()
        XCTAssertEqual(broadcast.stop(SIGTERM, timeout: 10).status, 0)
    }

    // MARK: - Out of descriptors

    /// Out of descriptors under `prlimit --nofile=64:64` with a child per
    /// client (four descriptors each): swnet pauses accepting instead of
    /// spinning, says so once, and the clients it could not start a child
    /// for wait, as those in the backlog do, instead of being closed. Once
    /// the first clients leave, every waiting one is echoed, and it says so once.
    func testOutOfDescriptorsWithAChildPerClientNeitherSpinsNorFloodsNorLosesClients() throws {
        let listener = try listen(["--max-conns", "1000", "--exec", "cat"], verbose: false, launcher: ["prlimit", "--nofile=64:64"])
        let total = 100
        let clients = try (0..<total).map { _ in try TCPClient("127.0.0.1", listener.port) }
        for client in clients { try client.send("a") }
        let answered = echoedEarly(clients, Data("a".utf8), patience: 5)
        XCTAssertGreaterThan(answered.count, 4, "the first clients were not served")
        XCTAssertLessThan(answered.count, total, "a 64-descriptor swnet ran \(total) children at once?")
        XCTAssertTrue(listener.waitForStderr("pausing accepts", timeout: 5), listener.err.text)

        // Paused, not spinning: under 0.3 s of CPU in 1 s, and not one more line.
        let cpu = listener.cpuTicks ?? 0, lines = listener.err.lines.count
        Thread.sleep(forTimeInterval: 1)
        let used = (listener.cpuTicks ?? 0) - cpu
        XCTAssertLessThan(used, 30, "swnet used \(used) ticks of CPU in 1 s while out of descriptors")
        XCTAssertEqual(listener.err.lines.count, lines, "stderr kept growing while paused: \(listener.err.text)")

        answered.forEach { clients[$0].close() }
        var lost: [Int] = []
        for index in (0..<total) where !answered.contains(index) {
            if clients[index].receive(count: 1, timeout: 10).data != Data("a".utf8) { lost.append(index) }
            clients[index].close()   // and leave, so the next waiting one gets descriptors
        }
        XCTAssertEqual(lost.count, 0, "\(lost.count) of \(total - answered.count) waiting clients were never echoed")
        XCTAssertTrue(listener.waitForStderr("accepting again after", timeout: 10), listener.err.text)
        let said = listener.err.lines.filter { !$0.contains("listening on") }
        XCTAssertEqual(said.filter { $0.contains("pausing accepts") }.count, 1, listener.err.text)
        XCTAssertLessThanOrEqual(said.count, 2, "more than a line when the shortage began and one when it ended: \(listener.err.text)")
        try assertFreshClientEchoed(port: listener.port, "after the shortage")
    }

    /// The plain relay, in turn, under the same limit: the clients waiting
    /// for their turn hold a descriptor each, the rest wait in the backlog,
    /// and every one of 100 is served in the end.
    func testOutOfDescriptorsInTurnServesEveryClient() throws {
        let listener = try listen(["--max-conns", "1000"], verbose: false, launcher: ["prlimit", "--nofile=64:64"])
        let clients = try (0..<100).map { _ in try TCPClient("127.0.0.1", listener.port) }
        for (index, client) in clients.enumerated() {
            try client.send("client \(index)\n")
            client.shutdownWrite()
        }
        XCTAssertTrue(listener.out.wait(timeout: 60) { StreamCollector.lines(of: $0).count >= 100 },
                      "\(listener.out.lines.count) of 100 clients reached stdout")
        XCTAssertEqual(Set(listener.out.lines), Set((0..<100).map { "client \($0)" }))
        clients.forEach { $0.close() }
        XCTAssertLessThanOrEqual(listener.err.lines.filter { !$0.contains("listening on") }.count, 2, listener.err.text)
    }

    // MARK: - --max-conns

    /// 500 connections over --max-conns 50 are each closed at once without
    /// a byte, the 50 held ones (each with its cat) are still echoed, and
    /// once they leave, 50 new ones are: full capacity again.
    func testAFloodOverMaxConnsIsTurnedAwayAndTheListenerRecovers() throws {
        let listener = try listen(["--max-conns", "50", "--exec", "cat"])
        let held = try ClientCrowd(50, to: listener.port)
        XCTAssertEqual(held.echoes("h"), 50)

        let flood = try ClientCrowd(500, to: listener.port)
        flood.sendEach(Data("f".utf8))
        let turnedAway = flood.receive(count: 1, timeout: 30)
        XCTAssertEqual(turnedAway.filter { !$0.data.isEmpty }.count, 0, "a connection over --max-conns was served")
        XCTAssertEqual(turnedAway.filter { $0.eof || $0.error == ECONNRESET }.count, 500, "not every connection over --max-conns was closed")
        XCTAssertTrue(listener.waitForStderr("refused: over --max-conns 50", count: 500, timeout: 30))
        flood.close()

        XCTAssertEqual(held.echoes("s"), 50, "held connections lost")
        held.close()
        XCTAssertTrue(waitForEnded(listener, 50))
        XCTAssertTrue(eventually(within: 20) { listener.children.isEmpty })
        let again = try ClientCrowd(50, to: listener.port)
        XCTAssertEqual(again.echoes("n"), 50, "not recovered to 50 connections")
        again.close()
        let exit = listener.stop(SIGTERM, timeout: 10)
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertTrue(exit.stderr.contains("500 turned away"), exit.stderr)
    }

    /// In turn, the clients waiting for stdin count against --max-conns: 50
    /// held (one in turn, 49 waiting), 500 more closed at once, and then
    /// the 50, and 50 new ones after them, each get their turn.
    func testAFloodOverMaxConnsInTurnIsTurnedAwayAndEveryHeldClientGetsItsTurn() throws {
        let listener = try listen(["--max-conns", "50"])
        let held = try ClientCrowd(50, to: listener.port)
        XCTAssertTrue(listener.waitForStderr("connection from", count: 50, timeout: 20))
        let flood = try ClientCrowd(500, to: listener.port)
        let turnedAway = flood.receive(count: 1, timeout: 30)
        XCTAssertEqual(turnedAway.filter { $0.eof || $0.error == ECONNRESET }.count, 500, "not every connection over --max-conns was closed")
        XCTAssertTrue(listener.waitForStderr("refused: over --max-conns 50", count: 500, timeout: 30))
        flood.close()
        for round in ["held", "new"] {
            let crowd = round == "held" ? held : try ClientCrowd(50, to: listener.port)
            for (index, fd) in crowd.fds.enumerated() {
                let line = Data("\(round) \(index)\n".utf8)
                XCTAssertEqual(line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }, line.count)
                shutdown(fd, Int32(SHUT_WR))
            }
            XCTAssertTrue(listener.out.wait(timeout: 30) { data in StreamCollector.lines(of: data).filter { $0.hasPrefix(round) }.count >= 50 },
                          "\(round): \(listener.out.lines.filter { $0.hasPrefix(round) }.count) of 50 clients had their turn")
            crowd.close()
        }
        XCTAssertEqual(listener.stop(SIGTERM, timeout: 10).status, 0)
    }

    // MARK: - Stopping

    /// SIGTERM while 50 clients are in the middle of transfers through
    /// their cat: with --grace long enough, each finishes, every byte comes
    /// back (compared by fingerprint), and swnet exits 0 by itself once the
    /// last child is reaped.
    func testSIGTERMWithTransfersInFlightLetsEachFinish() throws {
        let listener = try listen(["--max-conns", "1000", "--grace", "120s", "--exec", "cat"], verbose: false)
        let clients = 50, size = 256 << 10, signalAt = 64 << 10
        let block = randomBytes(size)
        let started = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
        let lock = NSLock()
        let failures = Box([String]())
        let group = DispatchGroup()
        for index in 0..<clients {
            group.enter()
            Thread {
                defer { group.leave() }
                let payload = payload(from: block, for: index)
                var outcome: String?
                do {
                    let client = try TCPClient("127.0.0.1", listener.port, timeout: 20)
                    try client.send(payload.prefix(signalAt), timeout: 30)
                    let first = client.receive(count: 1, timeout: 30).data
                    started.signal()
                    go.wait()
                    let reader = Background { first + client.receive(count: size - first.count, timeout: 60).data }
                    try client.send(payload.dropFirst(signalAt), timeout: 60)
                    client.shutdownWrite()
                    let received = reader.join()
                    if received.count != size {
                        outcome = "client \(index): got \(received.count) of \(size) bytes"
                    } else if Fingerprint.of(received) != Fingerprint.of(payload) {
                        outcome = "client \(index): the echo differs from what was sent"
                    } else if !client.receiveToEOF(timeout: 30).eof {
                        outcome = "client \(index): not closed once its cat ended"
                    }
                } catch {
                    started.signal()
                    outcome = "client \(index): \(error)"
                }
                if let outcome {
                    lock.lock()
                    failures.value.append(outcome)
                    lock.unlock()
                }
            }.start()
        }
        for _ in 0..<clients { started.wait() }
        XCTAssertTrue(eventually(within: 20) { listener.children.count == clients }, "\(listener.children.count) of \(clients) children running")
        kill(listener.pid, SIGTERM)
        XCTAssertTrue(eventually(within: 5) { (try? TCPClient("127.0.0.1", listener.port, timeout: 1)) == nil }, "still accepting 5 s after SIGTERM")
        for _ in 0..<clients { go.signal() }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success, "transfers still running 120 s after SIGTERM")
        lock.lock()
        XCTAssertEqual(failures.value, [])
        lock.unlock()
        let exit = try XCTUnwrap(listener.waitForExit(timeout: 20), "still running after its last child ended")
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertFalse(exit.signaled)
    }

    /// SIGTERM with 20 children mid-transfer: the 10 whose clients
    /// half-close end during --grace, the 10 that never would are killed
    /// after it; each is reaped, every client is closed, and swnet exits 0
    /// by itself.
    func testSIGTERMKillsChildrenStillRunningAfterGrace() throws {
        let listener = try listen(["--grace", "300ms", "--sh-exec", "exec cat"])
        let crowd = try ClientCrowd(20, to: listener.port)
        XCTAssertEqual(crowd.echoes("x"), 20)
        let children = listener.children
        XCTAssertEqual(children.count, 20)
        // Half of them end during the grace (their client half-closes), half never do.
        crowd.fds.prefix(10).forEach { shutdown($0, Int32(SHUT_WR)) }
        let exit = listener.stop(SIGTERM, timeout: 20)
        XCTAssertFalse(exit.killed, "swnet did not stop by itself after --grace")
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertEqual(exit.stderr.components(separatedBy: " bytes, received ").count - 1, 20, "every session ends before the exit: \(exit.stderr)")
        let alive = children.filter { FileManager.default.fileExists(atPath: "/proc/\($0)") }
        XCTAssertEqual(alive, [], "children left behind")
        let closed = crowd.receive(count: 2, timeout: 10).filter { $0.eof || $0.error != nil }.count
        XCTAssertEqual(closed, 20, "only \(closed) of 20 clients were closed")
    }

    // MARK: - Many connections

    /// 2000 clients held at once by --broadcast: what each sends reaches
    /// stdout, stdin reaches every one, memory per held connection stays
    /// small, and once they all reset a fresh client is heard.
    func testTwoThousandHeldBroadcastClients() throws {
        let count = 2000
        let listener = try listen(["--broadcast", "--max-conns", "\(count)"])
        let before = try XCTUnwrap(listener.residentKiB)
        let held = try ClientCrowd(count, to: listener.port, batch: 500, timeout: 30)
        XCTAssertTrue(listener.waitForStderr("connection from", count: count, timeout: 60), "not all \(count) were taken")
        held.sendEach(Data("x".utf8))
        XCTAssertTrue(waitForStdout(listener, bytes: count, timeout: 60), "\(listener.out.data.count) of \(count) bytes reached stdout")
        listener.write("to all\n")
        let heard = held.receive(count: 7, timeout: 60).filter { $0.data == Data("to all\n".utf8) }.count
        XCTAssertEqual(heard, count, "stdin reached only \(heard) of \(count) held clients")
        let after = try XCTUnwrap(listener.residentKiB)
        XCTAssertLessThan(after - before, count * 16 * Sanitizer.memoryScale, "resident memory grew from \(before) KiB to \(after) KiB for \(count) clients")
        print("listen --broadcast, \(count) held clients: resident +\(after - before) KiB")
        let extra = try TCPClient("127.0.0.1", listener.port)
        XCTAssertTrue(extra.receiveToEOF(timeout: 10).data.isEmpty, "client \(count + 1) over --max-conns was not closed")
        held.reset()
        XCTAssertTrue(waitForEnded(listener, count, timeout: 60), "\(ended(listener)) of \(count) sessions ended")
        let fresh = try TCPClient("127.0.0.1", listener.port)
        try fresh.send("fresh\n")
        XCTAssertTrue(listener.out.wait(timeout: 20) { String(decoding: $0, as: UTF8.self).contains("fresh\n") })
    }
}
