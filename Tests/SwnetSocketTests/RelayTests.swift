import Foundation
import Glibc
import SwnetCore
import SwnetSocket
import XCTest

/// The relay state machine: stdin and stdout are socketpairs, the network a
/// loopback TCP pair; the test plays both the user and the peer.
final class RelayTests: XCTestCase {
    func relay(_ pair: LoopbackPair, stdin: StdioPair, stdout: StdioPair, _ configure: (inout RelayOptions) -> Void = { _ in }) throws -> Relay {
        var options = RelayOptions()
        configure(&options)
        return Relay(stream: pair.client, peer: "test", input: stdin.relaySide, output: stdout.relaySide, options: options, loop: try EventLoop())
    }

    func testCopiesBothWaysHalfClosesAndEndsWhenThePeerCloses() throws {
        let pair = try LoopbackPair()
        let stdin = StdioPair(), stdout = StdioPair()
        let relay = try relay(pair, stdin: stdin, stdout: stdout)
        let peerSaw = Box<[UInt8]>()
        let peer = Thread {
            // The peer reads to EOF (proof of the half-close), answers, closes.
            peerSaw.value = Raw.readAll(pair.server.descriptor)
            Raw.write(pair.server.descriptor, Array("reply after eof".utf8))
            pair.server.close()
        }
        peer.start()
        Raw.write(stdin.testSide, Array("request".utf8))
        stdin.endInput()

        let summary = try relay.run()
        XCTAssertEqual(peerSaw.value.map { String(decoding: $0, as: UTF8.self) }, "request")
        XCTAssertEqual(summary.end, .peerClosed)
        XCTAssertEqual(summary.bytesSent, 7)
        XCTAssertEqual(summary.bytesReceived, 15)
        shutdown(stdout.relaySide, Int32(SHUT_WR))
        XCTAssertEqual(String(decoding: Raw.readAll(stdout.testSide), as: UTF8.self), "reply after eof")
    }

    func testBackPressureLosesNothingWhenStdoutIsSlow() throws {
        let pair = try LoopbackPair()
        let stdin = StdioPair(), stdout = StdioPair()
        let relay = try relay(pair, stdin: stdin, stdout: stdout)
        let payload = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let peer = Thread {
            Raw.write(pair.server.descriptor, payload)
            pair.server.close()
        }
        let received = Box<[UInt8]>()
        let reader = Thread {
            Thread.sleep(forTimeInterval: 0.3)   // stdout does not read at first: the relay must wait, not drop
            received.value = Raw.readAll(stdout.testSide)
        }
        peer.start()
        reader.start()
        stdin.endInput()
        let summary = try relay.run()
        shutdown(stdout.relaySide, Int32(SHUT_WR))
        while reader.isExecuting || received.value == nil { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(summary.bytesReceived, payload.count)
        XCTAssertTrue(received.value == payload, "stdout got \(received.value?.count ?? 0) bytes, not the \(payload.count) sent")
    }

    func testPeerClosingFirstStopsReadingStdin() throws {
        let pair = try LoopbackPair()
        let stdin = StdioPair(), stdout = StdioPair()
        let relay = try relay(pair, stdin: stdin, stdout: stdout)
        Raw.write(pair.server.descriptor, Array("bye".utf8))
        pair.server.close()
        // stdin is never closed: the relay must end on the peer's close alone.
        let summary = try relay.run()
        XCTAssertEqual(summary.end, .peerClosed)
        shutdown(stdout.relaySide, Int32(SHUT_WR))
        XCTAssertEqual(String(decoding: Raw.readAll(stdout.testSide), as: UTF8.self), "bye")
    }

    func testCloseAndKeepPolicies() throws {
        let pair = try LoopbackPair()
        let stdin = StdioPair(), stdout = StdioPair()
        let closing = try relay(pair, stdin: stdin, stdout: stdout) { $0.stdinEOF = .close }
        stdin.endInput()
        XCTAssertEqual(try closing.run().end, .inputClosed)

        let second = try LoopbackPair()
        let stdin2 = StdioPair(), stdout2 = StdioPair()
        let keeping = try relay(second, stdin: stdin2, stdout: stdout2) {
            $0.stdinEOF = .keep
            $0.idleTimeout = .milliseconds(200)
        }
        stdin2.endInput()
        XCTAssertThrowsError(try keeping.run()) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .timeout)
        }
        // keep sent no FIN: the peer still has nothing to read, not end-of-file.
        var byte: UInt8 = 0
        XCTAssertEqual(recv(second.server.descriptor, &byte, 1, Int32(MSG_DONTWAIT)), -1)
    }

    func testPresetTextWithCRLFAndTotalTimeout() throws {
        let pair = try LoopbackPair()
        let stdin = StdioPair(), stdout = StdioPair()
        let relay = try relay(pair, stdin: stdin, stdout: stdout) {
            $0.preset = Array("a\nb\r\nc\n".utf8)
            $0.crlf = true
            $0.totalTimeout = .milliseconds(300)
        }
        XCTAssertThrowsError(try relay.run()) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .timeout)
            XCTAssertTrue("\(error)".contains("--timeout"), "\(error)")
        }
        // The half-close came after the preset text, so the peer reads it all and then EOF.
        XCTAssertEqual(String(decoding: Raw.readAll(pair.server.descriptor), as: UTF8.self), "a\r\nb\r\nc\r\n")
    }

    func testResetByPeerIsAnError() throws {
        let pair = try LoopbackPair()
        let stdin = StdioPair(), stdout = StdioPair()
        let relay = try relay(pair, stdin: stdin, stdout: stdout)
        Raw.write(stdin.testSide, Array("data the peer never reads".utf8))
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(pair.server.descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        pair.server.close()   // closing with SO_LINGER 0 sends a reset
        XCTAssertThrowsError(try relay.run()) { error in
            let error = error as? SwnetError
            XCTAssertEqual(error?.errno, Errno(ECONNRESET), "\(String(describing: error))")
            XCTAssertEqual(error?.code, .failure)
        }
    }

    /// A server that answers and leaves at once, as daytime does: our data
    /// reached it after it closed, and its reset came in before our
    /// half-close, which fails (ENOTCONN). The answer is still read, and the
    /// end is the peer's clean close, not a failed shutdown.
    func testAHalfCloseAfterThePeersResetStillReadsItsAnswer() throws {
        let pair = try LoopbackPair()
        pair.serverAnswersThenResets("answer")

        let stdout = StdioPair()
        let relay = try relay(pair, stdin: StdioPair(), stdout: stdout) { $0.preset = [] }   // nothing to send: the half-close comes first
        let summary = try relay.run()
        XCTAssertEqual(summary.end, .peerClosed)
        shutdown(stdout.relaySide, Int32(SHUT_WR))
        XCTAssertEqual(String(decoding: Raw.readAll(stdout.testSide), as: UTF8.self), "answer")
    }
}

/// A value one thread sets and another reads, behind a lock.
final class Box<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?

    var value: Value? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
