import Foundation
import Glibc
import SwnetCore
import SwnetSocket
import XCTest

/// The relay started on a loop it shares (listen -k), its pass-through of
/// the peer's end of stream (--exec), and the broadcast of stdin.
final class SharedLoopRelayTests: XCTestCase {
    func testTwoRelaysShareOneLoopAndEachReportsOnce() throws {
        let loop = try EventLoop()
        let pairs = try [LoopbackPair(), LoopbackPair()]
        let inputs = [StdioPair(), StdioPair()], outputs = [StdioPair(), StdioPair()]
        var results: [Int: RelaySummary] = [:]
        var relays: [Relay] = []
        for index in 0..<2 {
            let relay = Relay(stream: pairs[index].client, peer: "test \(index)", input: inputs[index].relaySide,
                              output: outputs[index].relaySide, options: RelayOptions(), loop: loop)
            try relay.start { result in
                XCTAssertNil(results[index], "one completion per relay")
                results[index] = try? result.get()
                if results.count == 2 { loop.stop() }
            }
            relays.append(relay)
        }
        for index in 0..<2 {
            Raw.write(pairs[index].server.descriptor, Array("to \(index)".utf8))
            pairs[index].server.close()
            inputs[index].endInput()
        }
        let guardTimer = loop.schedule(after: .seconds(10)) { loop.stop() }
        try loop.run()
        guardTimer.cancel()
        withExtendedLifetime(relays) {}
        XCTAssertEqual(results[0]?.bytesReceived, 4)
        XCTAssertEqual(results[1]?.bytesReceived, 4)
        for index in 0..<2 {
            shutdown(outputs[index].relaySide, Int32(SHUT_WR))
            XCTAssertEqual(String(decoding: Raw.readAll(outputs[index].testSide), as: UTF8.self), "to \(index)")
        }
    }

    func testPeerEOFIsPassedOnAndTheInputStillFlows() throws {
        let pair = try LoopbackPair()
        let input = StdioPair(), output = StdioPair()
        var passed = false
        var options = RelayOptions()
        options.onPeerEOF = {
            passed = true
            shutdown(output.relaySide, Int32(SHUT_WR))   // what --exec does: the child's stdin ends
        }
        let relay = Relay(stream: pair.client, peer: "test", input: input.relaySide, output: output.relaySide, options: options, loop: try EventLoop())
        let peerSaw = Box<[UInt8]>()
        let peer = Thread {
            Raw.write(pair.server.descriptor, Array("question".utf8))
            shutdown(pair.server.descriptor, Int32(SHUT_WR))   // the peer half-closes, and still reads
            peerSaw.value = Raw.readAll(pair.server.descriptor)
        }
        peer.start()
        let answerer = Thread {
            // The "program" reads the question to its end, then answers and ends its output.
            let question = Raw.readAll(output.testSide)
            Raw.write(input.testSide, Array("answer to ".utf8) + question)
            input.endInput()
        }
        answerer.start()
        let summary = try relay.run()
        XCTAssertTrue(passed)
        XCTAssertEqual(summary.end, .peerClosed)
        let deadline = Date().addingTimeInterval(10)
        while peerSaw.value == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(peerSaw.value.map { String(decoding: $0, as: UTF8.self) }, "answer to question")
    }

    func testBroadcastSendsStdinToEveryClientAndGathersWhatTheySend() throws {
        let loop = try EventLoop()
        let input = StdioPair(), output = StdioPair()
        let broadcast = try Broadcast(input: input.relaySide, output: output.relaySide, loop: loop)
        let pairs = try [LoopbackPair(), LoopbackPair(), LoopbackPair()]
        var ended = 0
        for (index, pair) in pairs.enumerated() {
            try broadcast.add(pair.client, peer: "client \(index)") { result in
                XCTAssertNotNil(try? result.get())
                ended += 1
                if ended == pairs.count { loop.stop() }
            }
        }
        XCTAssertEqual(broadcast.count, 3)
        Raw.write(input.testSide, Array("to all\n".utf8))
        input.endInput()
        let received = (0..<3).map { _ in Box<[UInt8]>() }
        let readers = pairs.enumerated().map { index, pair in
            Thread {
                received[index].value = Raw.readAll(pair.server.descriptor)   // to the half-close
                Raw.write(pair.server.descriptor, Array("from \(index)\n".utf8))
                pair.server.close()
            }
        }
        readers.forEach { $0.start() }
        let guardTimer = loop.schedule(after: .seconds(10)) { loop.stop() }
        try loop.run()
        guardTimer.cancel()
        broadcast.stop()
        XCTAssertEqual(ended, 3)
        for box in received { XCTAssertEqual(box.value.map { String(decoding: $0, as: UTF8.self) }, "to all\n") }
        shutdown(output.relaySide, Int32(SHUT_WR))
        let gathered = String(decoding: Raw.readAll(output.testSide), as: UTF8.self)
        XCTAssertEqual(Set(gathered.split(separator: "\n")), ["from 0", "from 1", "from 2"])
    }
}
