@testable import SwnetSocket
import SwnetCore
import XCTest

final class TimerQueueTests: XCTestCase {
    /// A forwarder schedules an idle timer per connection and cancels it
    /// when the connection closes, long before its deadline: the queue must
    /// not keep them all until then.
    func testCancelledTimersAreSweptAsTheyPileUp() {
        var queue = TimerQueue()
        let far = MonotonicClock.now + .seconds(300)
        for _ in 0..<100_000 {
            let timer = LoopTimer(deadline: far, action: {})
            queue.insert(timer)
            timer.cancel()
        }
        XCTAssertLessThanOrEqual(queue.count, 1024)
    }

    /// Sweeps keep the heap's order: the live timers among thousands of
    /// cancelled ones come out earliest first, each once.
    func testLiveTimersSurviveSweepsInDeadlineOrder() {
        var queue = TimerQueue()
        let start = MonotonicClock.now
        var live: [Int] = []
        var generator = SystemRandomNumberGenerator()
        for index in 0..<5000 {
            let offset = Int.random(in: 0..<1_000_000, using: &generator)
            let timer = LoopTimer(deadline: start + .microseconds(offset), action: {})
            queue.insert(timer)
            if index % 100 == 0 { live.append(offset) } else { timer.cancel() }
        }
        var popped: [MonotonicClock.Instant] = []
        while let timer = queue.popDue(at: start + .seconds(10)) { popped.append(timer.deadline) }
        XCTAssertEqual(popped, live.sorted().map { start + .microseconds($0) })
    }
}
