import Foundation
import Glibc
import SwnetCore
import SwnetSocket
import XCTest

/// The tunnel between two loopback TCP pairs: the test plays the client
/// on one and the server on the other.
final class TunnelTests: XCTestCase {
    struct Run {
        let summary: Tunnel.Summary
        let serverSaw: [UInt8]
        let clientSaw: [UInt8]
    }

    /// The client sends `request` and half-closes; the server reads to
    /// end-of-file (proof the half-close came through), answers `reply`
    /// and closes.
    func exchange(_ request: [UInt8], _ reply: [UInt8], splice: Bool, preface: [UInt8] = []) throws -> Run {
        let front = try LoopbackPair(), back = try LoopbackPair()
        let loop = try EventLoop()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        var options = Tunnel.Options()
        options.splice = splice
        options.prefaceToServer = preface
        var summary: Tunnel.Summary?
        let tunnel = try Tunnel(client: front.server, server: back.client, options: options, loop: loop, pipes: PipePool(),
                                scratch: scratch) { ended in
            // As the tunnel asks: its owner closes both sockets when it ends.
            front.server.close()
            back.client.close()
            summary = ended
            loop.stop()
        }
        let serverSaw = Box<[UInt8]>(), clientSaw = Box<[UInt8]>()
        let server = Thread {
            serverSaw.value = Raw.readAll(back.server.descriptor)
            Raw.write(back.server.descriptor, reply)
            back.server.close()
        }
        let client = Thread {
            Raw.write(front.client.descriptor, request)
            shutdown(front.client.descriptor, Int32(SHUT_WR))
            clientSaw.value = Raw.readAll(front.client.descriptor)
        }
        server.start()
        client.start()
        tunnel.start()
        if summary == nil { try loop.run() }
        while clientSaw.value == nil || serverSaw.value == nil { usleep(1000) }
        return Run(summary: try XCTUnwrap(summary), serverSaw: serverSaw.value!, clientSaw: clientSaw.value!)
    }

    func payload(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31 &+ $0 >> 9) ^ seed) }
    }

    func testSpliceCarriesBothWaysAndTheHalfClose() throws {
        let request = payload(8 << 20, seed: 1), reply = payload(3 << 20, seed: 2)
        let run = try exchange(request, reply, splice: true)
        XCTAssertTrue(run.summary.spliced)
        XCTAssertEqual(run.serverSaw, request)
        XCTAssertEqual(run.clientSaw, reply)
        XCTAssertEqual(run.summary.bytesToServer, request.count)
        XCTAssertEqual(run.summary.bytesToClient, reply.count)
        XCTAssertEqual(run.summary.end.description, "client closed")
    }

    func testAShortExchangeIsCopiedNotSpliced() throws {
        // A request and its answer (a daytime line, an HTTP request) cost fewer calls through memory than through a pipe.
        let run = try exchange(Array("GET / HTTP/1.0\r\n\r\n".utf8), Array("HTTP/1.0 200 OK\r\n\r\nhello".utf8), splice: true)
        XCTAssertFalse(run.summary.spliced)
        XCTAssertEqual(run.serverSaw, Array("GET / HTTP/1.0\r\n\r\n".utf8))
        XCTAssertEqual(run.clientSaw, Array("HTTP/1.0 200 OK\r\n\r\nhello".utf8))
        XCTAssertEqual(run.summary.end.description, "client closed")
    }

    func testBufferedCopyCarriesTheSame() throws {
        let request = payload(5 << 20, seed: 3), reply = payload(1 << 20, seed: 4)
        let run = try exchange(request, reply, splice: false)
        XCTAssertFalse(run.summary.spliced)
        XCTAssertEqual(run.serverSaw, request)
        XCTAssertEqual(run.clientSaw, reply)
    }

    func testThePrefaceReachesTheServerFirst() throws {
        let preface = Array("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n".utf8)
        let run = try exchange(Array("hello".utf8), Array("ok".utf8), splice: true, preface: preface)
        XCTAssertEqual(run.serverSaw, preface + Array("hello".utf8))
        XCTAssertEqual(run.summary.bytesToServer, preface.count + 5)
    }

    func testAnEmptyExchangeEndsCleanly() throws {
        let run = try exchange([], [], splice: true)
        XCTAssertEqual(run.serverSaw, [])
        XCTAssertEqual(run.clientSaw, [])
        XCTAssertEqual(run.summary.bytesToServer, 0)
    }

    /// A server that answers and leaves at once, as daytime does, while the
    /// client's end of its sending side is passed on: the server's reset of
    /// what reached it after it closed came in first, so that half-close
    /// finds it gone. The client still gets the answer, and the tunnel ends
    /// as closed, not failed.
    func testAHalfCloseToAServerThatLeftStillCarriesItsAnswer() throws {
        let front = try LoopbackPair(), back = try LoopbackPair()
        back.serverAnswersThenResets("answer")
        shutdown(front.client.descriptor, Int32(SHUT_WR))       // the client has nothing to send

        let loop = try EventLoop()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        var summary: Tunnel.Summary?
        let tunnel = try Tunnel(client: front.server, server: back.client, options: Tunnel.Options(), loop: loop, pipes: PipePool(),
                                scratch: scratch) { ended in
            front.server.close()
            back.client.close()
            summary = ended
            loop.stop()
        }
        tunnel.start()
        if summary == nil { try loop.run() }
        XCTAssertEqual(String(decoding: Raw.readAll(front.client.descriptor), as: UTF8.self), "answer")
        guard case .closed = try XCTUnwrap(summary).end else { return XCTFail("the tunnel ended \(summary!.end)") }
    }
}
