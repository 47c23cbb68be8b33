import Foundation
import XCTest

/// `swnet forward` over plain TCP against real peers: nc and socat
/// clients, refecho and socat backends.
final class ForwardTests: XCTestCase {
    func testNcAndSocatClientsReachRefechoAndSocatBackends() throws {
        let refecho = try RefEcho()
        let socatPort = Harness.freePort()
        let socat = try Peer.tcp(port: socatPort, exec: "cat")
        defer { socat.stop() }
        let forwarder = try startForwarder(["127.0.0.1:\(refecho.port)", "127.0.0.1:\(socatPort)"])
        defer { forwarder.stop() }
        let payload = randomBytes(1 << 20)
        for client in ["nc", "socat"] {
            for _ in 0..<2 {
                let arguments = client == "nc" ? ["-N", "127.0.0.1", String(forwarder.port)] : ["-t", "5", "-", "TCP:127.0.0.1:\(forwarder.port)"]
                let result = try Tool.run(client, arguments, stdin: payload, limit: 20)
                XCTAssertEqual(result.stdout, payload, "\(client): \(result.stderr)")
            }
        }
        let events = forwarder.waitForConnections(4)
        XCTAssertEqual(events.count, 4)
        // Round-robin: each backend served two of the four.
        XCTAssertEqual(events.filter { $0["backend"] as? String == "127.0.0.1:\(refecho.port)" }.count, 2, "\(events)")
        for event in events {
            XCTAssertEqual(event["bytes_in"] as? Int, payload.count)
            XCTAssertEqual(event["bytes_out"] as? Int, payload.count)
            XCTAssertEqual(event["spliced"] as? Bool, true)
        }
        let exit = forwarder.stop()
        XCTAssertEqual(exit.status, 0, exit.stderr)
    }

    func testEveryPolicySpreads300ConnectionsOver3Backends() throws {
        let backends = try (0..<3).map { _ in try RefEcho() }
        let names = backends.map { "127.0.0.1:\($0.port)" }
        for policy in ["round-robin", "least-conn", "source-hash", "random"] {
            let forwarder = try startForwarder(["--balance", policy] + names)
            for client in 0..<300 {
                // 300 clients from 300 addresses: source-hash spreads by address.
                let source = "127.0.\(1 + client / 200).\(1 + client % 200)"
                XCTAssertEqual(try exchange(from: source, port: forwarder.port, Data("ping \(client)".utf8)), Data("ping \(client)".utf8))
            }
            let events = forwarder.waitForConnections(300)
            XCTAssertEqual(events.count, 300, policy)
            let counts = names.map { name in events.filter { $0["backend"] as? String == name }.count }
            XCTAssertEqual(counts.reduce(0, +), 300, policy)
            switch policy {
            case "round-robin": XCTAssertEqual(counts, [100, 100, 100])
            // Sequential clients each find every backend empty: least-conn then goes in turn.
            case "least-conn": XCTAssertEqual(counts, [100, 100, 100])
            default: XCTAssertTrue(counts.allSatisfy { $0 >= 50 }, "\(policy): \(counts)")
            }
            if policy == "source-hash" {
                // Stickiness: one address comes back to its backend every time.
                var byClient: [String: Set<String>] = [:]
                for source in ["127.0.1.1", "127.0.1.2", "127.0.1.3"] {
                    for _ in 0..<10 { _ = try exchange(from: source, port: forwarder.port, Data("x".utf8)) }
                }
                for event in forwarder.waitForConnections(330) {
                    let client = String((event["client"] as? String ?? "").split(separator: ":")[0])
                    byClient[client, default: []].insert(event["backend"] as? String ?? "")
                }
                XCTAssertTrue(byClient.values.allSatisfy { $0.count == 1 }, "\(byClient)")
            }
            XCTAssertEqual(forwarder.stop().status, 0)
        }
    }

    func testHalfCloseIsCarriedBothWays() throws {
        let folder = NSTemporaryDirectory() + "swnet-forward-half-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Client first: a backend that reads to end-of-file, then answers.
        let countingPort = Harness.freePort()
        let counting = try Peer.tcp(port: countingPort, exec: "wc -c")
        defer { counting.stop() }
        // Backend first: it greets, closes its sending side, and still reads what the client sends after.
        let greetingPort = Harness.freePort()
        let script = """
        import socket, sys
        server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", int(sys.argv[1]))); server.listen(4)
        connection, _ = server.accept()
        connection.sendall(b"greeting\\n"); connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536): received += chunk
        open(sys.argv[2], "wb").write(received)
        """
        let greeting = try Peer("/usr/bin/python3", ["-c", script, String(greetingPort), folder + "/received"])
        try greeting.waitUntilListening(port: greetingPort, tcp: true)
        defer { greeting.stop() }

        let first = try startForwarder(["127.0.0.1:\(countingPort)"])
        let request = randomBytes(300_000)
        let answer = try exchange(port: first.port, request)
        XCTAssertEqual(String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "300000")
        XCTAssertEqual(first.waitForConnections(1).first?["end"] as? String, "client closed")

        let second = try startForwarder(["127.0.0.1:\(greetingPort)"])
        let client = try TCPClient("127.0.0.1", second.port)
        let greeted = client.receive(timeout: 5)
        XCTAssertEqual(String(decoding: greeted.data, as: UTF8.self), "greeting\n")
        XCTAssertTrue(greeted.eof, "the backend's half-close reached the client")
        try client.send("after the backend's end-of-file\n")
        client.shutdownWrite()
        XCTAssertTrue(second.waitForConnections(1).first?["end"] as? String == "backend closed", "\(second.connections)")
        greeting.process.waitUntilExit()
        XCTAssertEqual(try String(contentsOfFile: folder + "/received", encoding: .utf8), "after the backend's end-of-file\n")
        first.stop()
        second.stop()
    }

    func testABackendKilledMidTransferEndsOnlyItsClients() throws {
        let doomed = try RefEcho(), survivor = try RefEcho()
        // One thread: the clients are taken in order, so round-robin gives the first to the doomed backend.
        let forwarder = try startForwarder(["--threads", "1", "127.0.0.1:\(doomed.port)", "127.0.0.1:\(survivor.port)"])
        defer { forwarder.stop() }
        let first = try TCPClient("127.0.0.1", forwarder.port)     // round-robin: the doomed backend
        let second = try TCPClient("127.0.0.1", forwarder.port)    // the survivor
        try first.send("one")
        try second.send("two")
        XCTAssertEqual(first.receive(count: 3).data, Data("one".utf8))
        XCTAssertEqual(second.receive(count: 3).data, Data("two".utf8))
        doomed.kill()
        let cut = first.receive(timeout: 5)
        XCTAssertTrue(cut.eof || cut.error != nil, "the first client sees its connection end")
        first.close()
        let payload = randomBytes(4 << 20)
        let reader = Background { second.receive(count: payload.count, timeout: 20).data }
        try second.send(payload, timeout: 20)
        XCTAssertEqual(reader.join(), payload)
        let ended = forwarder.waitForConnections(1)
        XCTAssertTrue(["backend closed", "reset by backend"].contains(ended.first?["end"] as? String ?? ""), "\(ended)")
    }

    func testRefusingAndSilentBackendsAreSkippedWithinTheConnectTimeout() throws {
        let refecho = try RefEcho()
        let silent = try BlackHole()
        let refused = Harness.refusedPort()
        let forwarder = try startForwarder(["--connect-timeout", "3s", "127.0.0.1:\(refused)", "127.0.0.1:\(silent.port)", "127.0.0.1:\(refecho.port)"])
        defer { forwarder.stop() }
        for client in 0..<3 {
            XCTAssertEqual(try exchange(port: forwarder.port, Data("try \(client)".utf8)), Data("try \(client)".utf8))
        }
        XCTAssertTrue(forwarder.waitForConnections(3).allSatisfy { $0["backend"] as? String == "127.0.0.1:\(refecho.port)" }, "\(forwarder.connections)")
        // Nothing answers at all: the client is closed and the event says why.
        let none = try startForwarder(["--connect-timeout", "1s", "127.0.0.1:\(refused)", "127.0.0.1:\(silent.port)"])
        defer { none.stop() }
        XCTAssertEqual(try exchange(port: none.port, Data("x".utf8)), Data())
        let end = none.waitForConnections(1).first?["end"] as? String ?? ""
        XCTAssertTrue(end.hasPrefix("refused: no backend answered"), end)
    }

    /// The backend's name moves from 127.0.0.1 to 127.0.0.2: an /etc/hosts of the test's own,
    /// bind-mounted in a private mount namespace, is rewritten while the forwarder runs.
    func testABackendWhoseNameMovesIsFoundAgain() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to give the forwarder its own /etc/hosts (unshare -m)") }
        let port = Harness.freePort()
        let first = try Peer.tcp(port: port, exec: "echo first")
        defer { first.stop() }
        let hosts = NSTemporaryDirectory() + "swnet-hosts-\(UUID().uuidString)"
        try "127.0.0.1 backend.swnet.test\n".write(toFile: hosts, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: hosts) }
        let ownHosts = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                        "mount --bind \(hosts) /etc/hosts && exec \"$@\"", "hosts"]
        let forwarder = try startForwarder(["--threads", "1", "backend.swnet.test:\(port)"], launcher: ownHosts)
        defer { forwarder.stop() }
        XCTAssertEqual(try exchange(port: forwarder.port, Data()), Data("first\n".utf8))

        first.stop()
        // Rewritten in place: the bind mount keeps the file's inode.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: hosts))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("127.0.0.2 backend.swnet.test\n".utf8))
        try handle.close()
        let moved = try Peer.tcp(port: port, exec: "echo moved", host: "127.0.0.2")
        defer { moved.stop() }
        // The first client after the move meets the old address refusing; its failure
        // has the name resolved again, so a client shortly after reaches the new one.
        var answers: [Data] = []
        for _ in 0..<50 where answers.last != Data("moved\n".utf8) {
            answers.append(try exchange(port: forwarder.port, Data()))
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(answers.first, Data(), "the old address refuses")
        XCTAssertEqual(answers.last, Data("moved\n".utf8), "\(answers.count) clients")
        XCTAssertTrue(forwarder.connections.contains { ($0["end"] as? String ?? "").hasPrefix("refused") }, "\(forwarder.connections)")
    }

    func testHealthChecksTakeABackendOutAndBackIn() throws {
        var flaky = try RefEcho()
        let steady = try RefEcho()
        let port = flaky.port
        let forwarder = try startForwarder(["--threads", "1", "--health-check", "100ms", "127.0.0.1:\(port)", "127.0.0.1:\(steady.port)"])
        defer { forwarder.stop() }
        flaky.kill()
        let down = forwarder.waitForEvent(timeout: 10) { $0["event"] as? String == "backend" && $0["state"] as? String == "down" }
        XCTAssertEqual(down?["backend"] as? String, "127.0.0.1:\(port)")
        XCTAssertTrue((down?["reason"] as? String ?? "").contains("3 health checks failed in a row"), "\(String(describing: down))")
        for client in 0..<4 { XCTAssertEqual(try exchange(port: forwarder.port, Data("\(client)".utf8)), Data("\(client)".utf8)) }
        XCTAssertTrue(forwarder.waitForConnections(4).allSatisfy { $0["backend"] as? String == "127.0.0.1:\(steady.port)" })
        flaky = try RefEcho(port: port)
        let up = forwarder.waitForEvent(timeout: 10) { $0["event"] as? String == "backend" && $0["state"] as? String == "up" }
        XCTAssertEqual(up?["backend"] as? String, "127.0.0.1:\(port)")
        for client in 0..<4 { XCTAssertEqual(try exchange(port: forwarder.port, Data("\(client)".utf8)), Data("\(client)".utf8)) }
        XCTAssertEqual(forwarder.waitForConnections(8).suffix(4).filter { $0["backend"] as? String == "127.0.0.1:\(port)" }.count, 2)
        // Every backend down: clients are closed at once, with the reason.
        flaky.kill()
        steady.kill()
        // Three "down" events in all: the first one above and one for each backend now.
        XCTAssertTrue(forwarder.waitForEvents(3, timeout: 10) { $0["event"] as? String == "backend" && $0["state"] as? String == "down" })
        XCTAssertEqual(try exchange(port: forwarder.port, Data("x".utf8)), Data())
        XCTAssertEqual(forwarder.waitForConnections(9).last?["end"] as? String, "no backend: no backend is up")
    }

    func testLimitsTurnAwayWhatIsOverAndKeepServing() throws {
        let refecho = try RefEcho()
        let forwarder = try startForwarder(["--max-conns", "2", "127.0.0.1:\(refecho.port),max-conns=1", "127.0.0.1:\(refecho.port),weight=1"])
        defer { forwarder.stop() }
        let held = try (0..<2).map { _ in try TCPClient("127.0.0.1", forwarder.port) }
        for client in held {
            try client.send("held")
            XCTAssertEqual(client.receive(count: 4).data, Data("held".utf8))
        }
        XCTAssertEqual(try exchange(port: forwarder.port, Data("third".utf8)), Data())
        let refusal = forwarder.waitForConnections(1).first?["end"] as? String
        XCTAssertEqual(refusal, "refused: over --max-conns 2")
        held.forEach { $0.close() }
        XCTAssertEqual(forwarder.waitForConnections(3).count, 3)
        XCTAssertEqual(try exchange(port: forwarder.port, Data("again".utf8)), Data("again".utf8))
    }

    func testAClientThatNeverReadsHoldsBoundedMemory() throws {
        let chargenPort = Harness.freePort()
        let chargen = try Server(["serve", "chargen", "-b", "127.0.0.1", "-p", String(chargenPort), "--tcp"], sockets: 1)
        defer { chargen.stop() }
        let forwarder = try startForwarder(["--threads", "1", "127.0.0.1:\(chargenPort)"])
        defer { forwarder.stop() }
        let before = forwarder.residentKiB ?? 0
        let stalled = try (0..<20).map { _ in try TCPClient("127.0.0.1", forwarder.port, receiveBuffer: 4096) }
        Thread.sleep(forTimeInterval: 1.5)
        let after = forwarder.residentKiB ?? 0
        // 20 stalled clients of an endless source: the pipes fill and reading stops; memory does not grow with what chargen offers.
        XCTAssertLessThan(after - before, 8 * 1024 * Sanitizer.memoryScale, "grew from \(before) KiB to \(after) KiB")
        print("forward, 20 clients that never read from chargen: resident +\(after - before) KiB")
        let another = try TCPClient("127.0.0.1", forwarder.port)
        XCTAssertEqual(another.receive(count: 100, timeout: 5).data.count, 100, "another client is still served")
        stalled.forEach { $0.close() }
    }

    func testOutOfDescriptorsPausesAcceptsAndRecovers() throws {
        let refecho = try RefEcho()
        let forwarder = try startForwarder(["--threads", "1", "127.0.0.1:\(refecho.port)"], launcher: ["prlimit", "--nofile=64:64"])
        defer { forwarder.stop() }
        // Each client costs the forwarder two descriptors (and a pipe pair while bytes move).
        var clients: [TCPClient] = []
        for _ in 0..<60 { if let client = try? TCPClient("127.0.0.1", forwarder.port) { clients.append(client) } }
        XCTAssertTrue(forwarder.waitForStderr("accept failed, pausing accepts", timeout: 10) || forwarder.connections.count > 0, forwarder.err.text)
        clients.forEach { $0.close() }
        XCTAssertFalse(forwarder.waitForConnections(1).isEmpty, "the clients accepted before the descriptors ran out are reported")
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try exchange(port: forwarder.port, Data("after".utf8)), Data("after".utf8))
        XCTAssertLessThan(forwarder.err.text.count, 20_000, "the pauses are reported, not one line per failed accept")
    }

    func testABulkTransferWithNoDescriptorLeftForAPipeGoesThroughMemory() throws {
        let refecho = try RefEcho()
        let forwarder = try startForwarder(["--threads", "1", "127.0.0.1:\(refecho.port)"], launcher: ["prlimit", "--nofile=64:64"])
        defer { forwarder.stop() }
        let bulk = try TCPClient("127.0.0.1", forwarder.port)
        try bulk.send("x")
        XCTAssertEqual(bulk.receive(count: 1).data, Data("x".utf8))
        // More clients until one is not echoed: the forwarder has no descriptor left, not even for a pipe.
        var held: [TCPClient] = []
        defer { held.forEach { $0.close() } }
        for _ in 0..<60 {
            guard let client = try? TCPClient("127.0.0.1", forwarder.port, timeout: 2) else { break }
            held.append(client)
            guard (try? client.send("y")) != nil, client.receive(count: 1, timeout: 2).data == Data("y".utf8) else { break }
        }
        XCTAssertLessThan(held.count, 60, "the descriptors ran out")
        // 1 MiB is past the 64 KiB after which a flow splices: with no pipe to be had, it is copied.
        let payload = randomBytes(1 << 20)
        let reader = Background { bulk.receive(count: payload.count, timeout: 30).data }
        try bulk.send(payload, timeout: 30)
        XCTAssertTrue(reader.join() == payload, "every byte came back")
        bulk.close()
        let ended = forwarder.waitForEvent(timeout: 10) { $0["event"] as? String == "connection" && $0["bytes_in"] as? Int == payload.count + 1 }
        XCTAssertEqual(ended?["spliced"] as? Bool, false, "\(forwarder.connections)")
    }

    func testSIGTERMDrainsAHundredTransfersInFlight() throws {
        let refecho = try RefEcho()
        let forwarder = try startForwarder(["--grace", "60s", "127.0.0.1:\(refecho.port)"])
        let count = 100, size = 2 << 20
        let started = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
        let results = Box([Int: Bool]())
        let lock = NSLock()
        // One random block, made distinct per client by its first 8 bytes:
        // a hundred threads making 2 MiB each, byte by byte, take minutes under TSan.
        let block = randomBytes(size)
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread {
                defer { group.leave() }
                let payload = payload(from: block, for: index)
                guard let client = try? TCPClient("127.0.0.1", forwarder.port) else { started.signal(); return }
                try? client.send(payload.prefix(65536))
                started.signal()
                go.wait()
                let reader = Background { client.receive(count: size, timeout: 60).data }
                try? client.send(payload.dropFirst(65536), timeout: 60)
                let received = reader.join()
                lock.lock()
                results.value[index] = received == payload
                lock.unlock()
            }.start()
        }
        for _ in 0..<count { started.wait() }
        kill(forwarder.pid, SIGTERM)
        XCTAssertTrue(forwarder.waitForStderr("", timeout: 0.2) || true)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertThrowsError(try TCPClient("127.0.0.1", forwarder.port, timeout: 1), "no new client once stopping")
        for _ in 0..<count { go.signal() }
        XCTAssertEqual(group.wait(timeout: .now() + 90), .success)
        XCTAssertEqual(results.value.count, count)
        XCTAssertEqual(results.value.values.filter { $0 }.count, count, "every byte of every transfer came back")
        let exit = forwarder.stop(SIGTERM, timeout: 30)
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertFalse(exit.killed)
    }

    func testSIGTERMLetsAUDPReplyInFlightReachItsClient() throws {
        let folder = NSTemporaryDirectory() + "swnet-slow-udp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The backend notes each datagram, then answers a second later (socat waits 5 s, not its 0.5 s, for the answer).
        let port = Harness.freePort(udp: true)
        let slow = try Peer("socat", ["-t", "5", "UDP4-RECVFROM:\(port),bind=127.0.0.1,fork", "SYSTEM:echo got >>\(folder)/log; sleep 1; echo late"])
        defer { slow.stop() }
        try slow.waitUntilListening(port: port, tcp: false)
        let forwarder = try startForwarder(["-u", "--grace", "30s", "127.0.0.1:\(port)"])
        let answered = try UDPClient(), waiting = try UDPClient()
        try answered.send("first\n", to: forwarder.port)
        XCTAssertEqual(answered.receive(timeout: 10), Data("late\n".utf8))
        try waiting.send("second\n", to: forwarder.port)
        let received = { (try? String(contentsOfFile: folder + "/log", encoding: .utf8))?.split(separator: "\n").count ?? 0 }
        for _ in 0..<200 where received() < 2 { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(received(), 2, "the second datagram reached the backend")

        kill(forwarder.pid, SIGTERM)
        // The session that has its answer ends at once; the one waiting for its reply
        // ends once the reply has gone back, and then the forwarder exits by itself.
        XCTAssertEqual(waiting.receive(timeout: 10), Data("late\n".utf8), "the reply in flight reaches its client")
        let exit = forwarder.waitForExit(timeout: 10) ?? forwarder.stop(SIGKILL)
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertFalse(exit.signaled)
        let ends = forwarder.connections.map { $0["end"] as? String ?? "" }
        XCTAssertEqual(ends, ["forwarder stopped", "forwarder stopped"], "\(forwarder.connections)")
        XCTAssertEqual(forwarder.connections.last?["bytes_out"] as? Int, 5)
    }

    func testUnixSocketsOnEitherSide() throws {
        let refecho = try RefEcho()
        let path = NSTemporaryDirectory() + "swnet-forward-\(getpid()).sock"
        // TCP client -> forward -> unix:PATH -> forward -> refecho.
        let inner = try startForwarder(["127.0.0.1:\(refecho.port)"], listen: "unix:" + path)
        defer { inner.stop() }
        XCTAssertEqual(inner.listening.first?["address"] as? String, path)
        let outer = try startForwarder(["unix:" + path])
        defer { outer.stop() }
        let payload = randomBytes(1 << 20)
        XCTAssertEqual(try exchange(port: outer.port, payload), payload)
        XCTAssertEqual(outer.waitForConnections(1).first?["backend"] as? String, "unix:" + path)
        XCTAssertEqual(outer.connections.first?["spliced"] as? Bool, true)
        inner.stop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the socket file is removed at stop")
    }

    func testBadArgumentsAreUsageErrors() throws {
        for (arguments, message) in [
            (["forward", "8080"], "missing BACKEND"),
            (["forward", "8080", "localhost"], "has no port"),
            (["forward", "70000", "127.0.0.1:1"], "out of range"),
            (["forward", "8080", "127.0.0.1:1", "--accept-proxy"], "--accept-proxy needs --allow"),
            (["forward", "-u", "8080", "127.0.0.1:1", "--tls"], "TCP only"),
            (["forward", "8080", "127.0.0.1:1", "--backend-cacert", "x.pem"], "needs --backend-tls"),
            (["forward", "8080", "127.0.0.1:1", "--balance", "fastest"], "fastest"),
        ] {
            let result = try Harness.swnet(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let unresolvable = try Harness.swnet(["forward", "0", "name.invalid:80"])
        XCTAssertEqual(unresolvable.status, 3, unresolvable.stderr)
    }
}
