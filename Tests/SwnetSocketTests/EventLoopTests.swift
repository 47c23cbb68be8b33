import Glibc
import SwnetSocket
import SwnetCore
import XCTest

final class EventLoopTests: XCTestCase {
    func testTimersFireInDeadlineOrderAndCancelledOnesNever() throws {
        let loop = try EventLoop()
        var fired: [Int] = []
        loop.schedule(after: .milliseconds(30)) { fired.append(3); loop.stop() }
        loop.schedule(after: .milliseconds(10)) { fired.append(1) }
        let cancelled = loop.schedule(after: .milliseconds(5)) { fired.append(0) }
        loop.schedule(after: .milliseconds(20)) { fired.append(2) }
        cancelled.cancel()
        try loop.run()
        XCTAssertEqual(fired, [1, 2, 3])
    }

    /// A timer's action often captures the loop or its owner; a cancelled
    /// timer waits in the queue until its deadline, so holding the action
    /// there (or after it ran) would keep a reference cycle alive.
    func testACancelledOrSpentTimerLetsGoOfWhatItsActionCaptured() throws {
        final class Token {}
        let loop = try EventLoop()
        weak var cancelledCapture: Token?
        weak var spentCapture: Token?
        var timers: [LoopTimer] = []
        do {
            let first = Token(), second = Token()
            cancelledCapture = first
            spentCapture = second
            timers.append(loop.schedule(after: .seconds(3600)) { _ = first })
            timers.append(loop.schedule(after: .zero) { _ = second; loop.stop() })
        }
        timers[0].cancel()
        XCTAssertNil(cancelledCapture, "a cancelled timer still holds its action")
        try loop.run()
        XCTAssertNil(spentCapture, "a timer that has fired still holds its action")
        XCTAssertEqual(timers.count, 2)
    }

    /// A connect hands its socket to a tunnel with one MOD: the next watcher
    /// takes the parked registration over. One that nobody takes over is
    /// dropped when it is reported, not spun on.
    func testAParkedDescriptorIsTakenOverOrDropped() throws {
        let pair = try LoopbackPair()
        let loop = try EventLoop()
        let fd = pair.client.descriptor
        var first = 0, second = 0
        try loop.watch(fd, for: .writable) { _ in first += 1 }
        loop.park(fd)
        try loop.watch(fd, for: [.writable, .readable]) { _ in second += 1; loop.stop() }
        try loop.run()
        XCTAssertEqual([first, second], [0, 1], "the parked handler ran, or the new one did not")

        loop.park(fd)                                           // writable, and nobody takes it over
        let before = Self.threadCPU()
        try loop.pause(for: .milliseconds(200))
        XCTAssertLessThan(Self.threadCPU() - before, 0.1, "the loop spun on a parked descriptor")
        var third = 0
        try loop.watch(fd, for: .writable) { _ in third += 1; loop.stop() }
        try loop.run()
        XCTAssertEqual(third, 1, "a dropped descriptor cannot be watched again")
    }

    /// Edge-triggered, what a connect's handler was told and left (a
    /// server's first bytes) is announced by no further event: the loop
    /// hands it to the socket's next handler itself.
    func testReadinessLeftAtAParkReachesTheNextHandler() throws {
        let pair = try LoopbackPair()
        let loop = try EventLoop()
        let fd = pair.client.descriptor
        Raw.write(pair.server.descriptor, Array("x".utf8))
        XCTAssertTrue(try pair.client.wait(for: .readable, timeout: .seconds(5)))
        var second: Interest = []
        try loop.watch(fd, for: .streamEdges) { ready in
            loop.park(fd, leaving: ready.subtracting(.writable))
            try loop.watch(fd, for: .streamEdges) { ready in second = ready; loop.stop() }
        }
        let timer = loop.schedule(after: .seconds(5)) { loop.stop() }
        try loop.run()
        timer.cancel()
        XCTAssertTrue(second.contains(.readable), "the next handler was not told of the byte waiting (\(second.rawValue))")
        XCTAssertFalse(second.contains(.writable), "the next handler was told what the first one used")
    }

    /// CPU seconds this thread has used.
    private static func threadCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    func testAHandlersErrorStopsTheLoopAndIsThrown() throws {
        let loop = try EventLoop()
        struct Boom: Error {}
        loop.schedule(after: .zero) { throw Boom() }
        XCTAssertThrowsError(try loop.run()) { XCTAssertTrue($0 is Boom) }
    }

    func testPauseReturnsAfterItsDuration() throws {
        let loop = try EventLoop()
        let start = MonotonicClock.now
        try loop.pause(for: .milliseconds(50))
        XCTAssertGreaterThanOrEqual(MonotonicClock.now - start, .milliseconds(50))
    }

    func testHappyEyeballsFailsOverToTheNextAddress() throws {
        // The first address refuses; the second listens: the connect must land there.
        let listener = try Socket(family: .v4, transport: .tcp)
        try listener.bind(to: SocketAddress(numeric: "127.0.0.1", port: 0)!)
        try listener.listen()
        let good = try listener.localAddress()
        let refused = SocketAddress(numeric: "127.0.0.1", port: 1)!
        let connection = try HappyEyeballs.connect(to: [refused, good], timeout: .seconds(5), on: try EventLoop())
        XCTAssertEqual(connection.address.description, good.description)
        connection.socket.close()
        XCTAssertThrowsError(try HappyEyeballs.connect(to: [refused], timeout: .seconds(5), on: try EventLoop())) { error in
            XCTAssertEqual("\(error)", "127.0.0.1:1/tcp: connection refused")
        }
    }
}
