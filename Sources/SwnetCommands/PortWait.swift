import SwnetCore
import SwnetSocket

/// `--wait`: the wait-for-port job of shell scripts.
enum PortWait {
    static let firstDelay: Duration = .milliseconds(100)
    static let longestDelay: Duration = .seconds(1)

    /// Calls `attempt` with the time left until it succeeds or `wait` has
    /// passed, pausing between tries (doubling from 100 ms, at most 1 s).
    /// Failures that waiting can cure (no such name yet, refused, timed out)
    /// are retried; the final one is thrown as a timeout (exit 5).
    static func retry<Value>(for wait: Duration, target: String, loop: EventLoop, _ attempt: (Duration) throws -> Value) throws -> Value {
        let deadline = ContinuousClock.now + wait
        var delay = firstDelay
        while true {
            do {
                return try attempt(deadline - .now)
            } catch let error as SwnetError where [.resolve, .unreachable, .timeout].contains(error.code) {
                let gaveUp = SwnetError(.timeout, "not open after \(TimeSpan.format(wait)) (--wait): \(error.reason)").adding(target)
                guard deadline > .now else { throw gaveUp }
                try loop.pause(for: min(delay, deadline - .now))
                guard deadline > .now else { throw gaveUp }
                delay = min(delay * 2, longestDelay)
            }
        }
    }
}
