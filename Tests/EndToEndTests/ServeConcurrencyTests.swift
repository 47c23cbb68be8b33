import Foundation
import XCTest

/// Many clients at once, `--max-conns`, clients that never read, `--idle-timeout`.
final class ServeConcurrencyTests: XCTestCase {
    var servers: [Server] = []
    override func tearDown() { servers.forEach { $0.stop(SIGKILL, timeout: 2) } }

    func serve(_ arguments: [String]) throws -> Server {
        let server = try Server(["serve"] + arguments + ["--port", "0", "--json"])
        servers.append(server)
        return server
    }

    func testTwoHundredConcurrentEchoClientsAreAllAnswered() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1"])
        let clients = 200
        let lock = NSCondition()
        let connected = Box(0)
        let outcomes = Box([String?](repeating: "not finished", count: clients))
        let group = DispatchGroup()
        for index in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let line = "client \(index) says \(UInt64.random(in: 0 ... .max))\n"
                var client: TCPClient?
                var outcome: String?
                do { client = try TCPClient("127.0.0.1", server.port, timeout: 10) } catch { outcome = "connect: \(error)" }
                // All connect first, then all talk: 200 connections open at the same time.
                lock.lock()
                connected.value += 1
                lock.broadcast()
                let deadline = Date().addingTimeInterval(15)
                while connected.value < clients && lock.wait(until: deadline) {}
                lock.unlock()
                if let client {
                    do {
                        try client.send(line, timeout: 10)
                        let received = client.receive(count: line.utf8.count, timeout: 10)
                        let echoed = String(decoding: received.data, as: UTF8.self)
                        outcome = echoed == line ? nil : "got \(echoed.debugDescription) for \(line.debugDescription)"
                    } catch {
                        outcome = "send: \(error)"
                    }
                    client.close()
                }
                lock.lock()
                outcomes.value[index] = outcome
                lock.unlock()
            }
            thread.stackSize = 256 << 10
            thread.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success, "clients still running after 30 s")
        lock.lock()
        let failures = outcomes.value.enumerated().compactMap { index, outcome in outcome.map { "client \(index): \($0)" } }
        lock.unlock()
        XCTAssertEqual(failures.count, 0, failures.prefix(5).joined(separator: "; "))
        // The server is still fine afterwards.
        let after = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"], stdin: Data("after\n".utf8))
        XCTAssertEqual(after.text, "after\n")
    }

    func testMaxConnsOverflowIsClosedAtOnceAndTheServerKeepsServing() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1", "--max-conns", "2", "-v"])
        let held = try (0..<2).map { index -> TCPClient in
            let client = try TCPClient("127.0.0.1", server.port)
            try client.send("held \(index)\n")
            XCTAssertEqual(String(decoding: client.receive(count: 7, timeout: 3).data, as: UTF8.self), "held \(index)\n")
            return client
        }
        // A third and a fourth are closed at once: end-of-file (or a reset), no echo.
        for attempt in 0..<2 {
            let started = Date()
            let extra = try TCPClient("127.0.0.1", server.port)
            try? extra.send("over\n")
            let received = extra.receiveToEOF(timeout: 3)
            XCTAssertTrue(received.eof || received.error == ECONNRESET, "overflow connection \(attempt) was not closed")
            XCTAssertEqual(received.data.count, 0, "overflow connection \(attempt) was served")
            XCTAssertLessThan(Date().timeIntervalSince(started), 1, "overflow connection \(attempt) was not closed at once")
        }
        let dropped = server.waitForEvent { $0["event"] as? String == "dropped" }
        XCTAssertTrue((dropped?["reason"] as? String ?? "").contains("--max-conns 2"), "\(String(describing: dropped))")
        XCTAssertTrue(server.waitForEvents(2) { $0["event"] as? String == "dropped" }, server.out.text)
        // The held ones are still served.
        for (index, client) in held.enumerated() {
            try client.send("still \(index)\n")
            XCTAssertEqual(String(decoding: client.receive(count: 8, timeout: 3).data, as: UTF8.self), "still \(index)\n")
        }
        // Once they close, a new client is echoed (the server may need a moment to see the closes).
        held.forEach { $0.close() }
        var echoed = ""
        let deadline = Date().addingTimeInterval(3)
        while echoed != "new\n" && Date() < deadline {
            let client = try TCPClient("127.0.0.1", server.port)
            try? client.send("new\n")
            echoed = String(decoding: client.receive(count: 4, timeout: 1).data, as: UTF8.self)
            if echoed != "new\n" { Thread.sleep(forTimeInterval: 0.02) }
        }
        XCTAssertEqual(echoed, "new\n", "no client served after the held ones closed")
        let exit = server.stop()
        XCTAssertEqual(exit.status, 0, exit.stderr)
    }

    func testAnEchoClientThatNeverReadsDoesNotStallAnother() throws {
        // One event loop, so both clients share it.
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1", "--threads", "1"])
        let before = server.residentKiB ?? 0
        let stalled = try TCPClient("127.0.0.1", server.port, receiveBuffer: 4096)
        let chunk = Data((0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) })
        let pushed = stalled.sendUntilBlocked(chunk: chunk, quiet: 0.3, limit: 64 << 20)
        XCTAssertLessThan(pushed, 64 << 20, "the server kept reading from a client that never reads its echo")
        XCTAssertGreaterThan(pushed, 64 << 10)

        // Another client is answered promptly, by a raw socket and by nc.
        let started = Date()
        let other = try TCPClient("127.0.0.1", server.port)
        try other.send("not stalled\n")
        XCTAssertEqual(String(decoding: other.receive(count: 12, timeout: 2).data, as: UTF8.self), "not stalled\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        let nc = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"], stdin: Data("nc too\n".utf8), limit: 5)
        XCTAssertEqual(nc.text, "nc too\n")

        // The server keeps what it could not send bounded: kernel buffers hold the rest.
        if let after = server.residentKiB {
            XCTAssertLessThan(after - before, 8 << 10, "resident memory grew from \(before) KiB to \(after) KiB")
        }

        // When the client finally reads, every byte comes back, in order.
        stalled.shutdownWrite()
        let received = stalled.receiveToEOF(timeout: 20)
        XCTAssertTrue(received.eof, "no end-of-file after the echo was drained")
        XCTAssertEqual(received.data.count, pushed)
        var expected = Data(capacity: pushed)
        while expected.count < pushed { expected.append(chunk.prefix(pushed - expected.count)) }
        XCTAssertTrue(received.data == expected, "the echo of the stalled client is not what it sent")
    }

    func testAChargenClientThatNeverReadsDoesNotStallAnother() throws {
        let server = try serve(["chargen", "--tcp", "-b", "127.0.0.1", "--threads", "1"])
        let stalled = try TCPClient("127.0.0.1", server.port, receiveBuffer: 4096)
        try withExtendedLifetime(stalled) {
            // Let the server fill the stalled client's buffers.
            Thread.sleep(forTimeInterval: 0.1)
            let started = Date()
            let reader = try TCPClient("127.0.0.1", server.port)
            let received = reader.receive(count: 74 * 1000, timeout: 3)
            XCTAssertEqual(received.data.count, 74 * 1000, "the reading client got only \(received.data.count) bytes")
            XCTAssertTrue(received.data == ChargenPattern.stream(lines: 1000))
            XCTAssertLessThan(Date().timeIntervalSince(started), 2)
            // The stalled one is still connected, and gets the pattern from the start when it does read.
            XCTAssertTrue(stalled.receive(count: 740, timeout: 2).data == ChargenPattern.stream(lines: 10))
        }
    }

    /// Out of descriptors (EMFILE) under `ulimit -n 64`: the server pauses
    /// accepting instead of spinning, says so once (not on every pause, even
    /// with two event loops), keeps serving the clients it has, takes the
    /// waiting ones once descriptors are free again, and then says so once.
    func testRunningOutOfDescriptorsNeitherSpinsNorFloodsNorLosesClients() throws {
        // Soft and hard limit both 64, so the server cannot raise it.
        let server = try Server(["serve", "echo", "--tcp", "-b", "127.0.0.1", "--threads", "2", "--port", "0", "--json"],
                                launcher: ["prlimit", "--nofile=64:64"])
        servers.append(server)
        let total = 120
        let clients = try (0..<total).map { _ in try TCPClient("127.0.0.1", server.port) }
        for client in clients { try client.send("a") }
        // Collect the echoes that come within half a second (at least a few must come).
        let answered = echoedEarly(clients, Data("a".utf8), patience: 3)
        XCTAssertGreaterThan(answered.count, 4, "the first clients were not served")
        XCTAssertLessThan(answered.count, total, "a 64-descriptor server served \(total) clients at once?")
        XCTAssertTrue(server.waitForStderr("pausing accepts"), server.err.text)
        XCTAssertTrue(server.err.text.contains("too many open files"), server.err.text)

        // Paused, not spinning: under 0.3 s of CPU in 1 s, and in that second
        // (about ten pauses per loop) not one more line on stderr.
        let before = server.cpuTicks ?? 0
        let linesBefore = server.err.lines.count
        Thread.sleep(forTimeInterval: 1)
        let used = (server.cpuTicks ?? 0) - before
        XCTAssertLessThan(used, 30, "the server used \(used) ticks of CPU in 1 s while out of descriptors")
        XCTAssertEqual(server.err.lines.count, linesBefore, "stderr kept growing while paused: \(server.err.text)")

        // The served ones still are; then they leave and every waiting one gets its echo.
        for index in answered.sorted().prefix(3) {
            try clients[index].send("b")
            XCTAssertEqual(clients[index].receive(count: 1, timeout: 2).data, Data("b".utf8))
        }
        answered.forEach { clients[$0].close() }
        let waiting = (0..<total).filter { !answered.contains($0) }
        var late: [Int] = []
        for index in waiting {
            if clients[index].receive(count: 1, timeout: 5).data != Data("a".utf8) { late.append(index) }
            clients[index].close()   // and leave, so the next waiting one gets a descriptor
        }
        XCTAssertEqual(late.count, 0, "\(late.count) of \(waiting.count) waiting clients were never served")
        XCTAssertTrue(server.isRunning)

        // One line when it began, one summary when accepting resumed; nothing else.
        XCTAssertTrue(server.waitForStderr("accepting again after"), server.err.text)
        let said = server.err.lines.filter { !$0.isEmpty }
        XCTAssertEqual(said.filter { $0.contains("pausing accepts") }.count, 1, server.err.text)
        XCTAssertEqual(said.filter { $0.contains("accepting again after") }.count, 1, server.err.text)
        XCTAssertLessThanOrEqual(said.count, 2, server.err.text)
    }

    func testIdleTimeoutClosesAnIdleConnectionOnly() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1", "--idle-timeout", "300ms", "-v"])
        let idle = try TCPClient("127.0.0.1", server.port)
        try idle.send("once\n")
        XCTAssertEqual(idle.receive(count: 5, timeout: 2).data.count, 5)
        let lastActivity = Date()

        // A client that talks every 100 ms for 700 ms is not closed.
        let busy = try TCPClient("127.0.0.1", server.port)
        for index in 0..<7 {
            try busy.send("\(index)")
            XCTAssertEqual(String(decoding: busy.receive(count: 1, timeout: 1).data, as: UTF8.self), "\(index)",
                           "a busy connection was closed after \(index * 100) ms")
            Thread.sleep(forTimeInterval: 0.1)
        }

        let received = idle.receiveToEOF(timeout: 3)
        let quiet = Date().timeIntervalSince(lastActivity)
        XCTAssertTrue(received.eof, "the idle connection is still open after \(quiet) s")
        XCTAssertGreaterThanOrEqual(quiet, 0.25)
        XCTAssertLessThan(quiet, 2)
        let event = server.waitForEvent { $0["event"] as? String == "connection" }
        XCTAssertTrue((event?["end"] as? String ?? "").contains("idle"), "\(String(describing: event))")
    }
}
