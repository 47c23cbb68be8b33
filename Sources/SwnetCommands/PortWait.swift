import SwnetCore
import SwnetSocket

/// `--wait`: the wait-for-port job of shell scripts.
enum PortWait {
    /// The pauses between tries: doubling from 100 ms, at most 1 s, never
    /// past the deadline.
    struct Backoff {
        let deadline: MonotonicClock.Instant
        private var delay: Duration = .milliseconds(100)

        init(for wait: Duration) { deadline = .now + wait }

        var timeLeft: Duration { deadline - .now }

        /// Pauses `loop` until the next try; false when no time is left.
        mutating func pause(_ loop: EventLoop) throws -> Bool {
            guard timeLeft > .zero else { return false }
            try loop.pause(for: min(delay, timeLeft))
            delay = min(delay * 2, .seconds(1))
            return timeLeft > .zero
        }
    }

    /// Calls `attempt` with the time left until it succeeds or `wait` has
    /// passed, pausing between tries (doubling from 100 ms, at most 1 s).
    /// Failures that waiting can cure (no such name yet, refused, timed out)
    /// are retried; the final one is thrown as a timeout (exit 5).
    static func retry<Value>(for wait: Duration, target: String, loop: EventLoop, _ attempt: (Duration) throws -> Value) throws -> Value {
        var backoff = Backoff(for: wait)
        while true {
            do {
                return try attempt(backoff.timeLeft)
            } catch let error as SwnetError where [.resolve, .unreachable, .timeout].contains(error.code) {
                guard try backoff.pause(loop) else {
                    throw SwnetError(.timeout, "not open after \(TimeSpan.format(wait)) (--wait): \(error.reason)").adding(target)
                }
            }
        }
    }
}
