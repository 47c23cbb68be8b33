import Glibc

/// Deadlines, timeouts and elapsed times, on a clock that only moves forward.
///
/// The standard library's `ContinuousClock` lives in the Swift concurrency
/// runtime, and using it links that runtime and libdispatch into swnet:
/// half of the relocated data every run copies on start, and libdispatch's
/// initialiser, for one call to clock_gettime. This is that call.
public enum MonotonicClock {
    public static var now: Instant { .now }

    /// A point on CLOCK_BOOTTIME, the clock ContinuousClock reads on Linux:
    /// time asleep (a suspended laptop) counts, so a timeout still means
    /// that long on the wall.
    public struct Instant: Comparable, Hashable, Sendable {
        /// Since the clock's (arbitrary) origin.
        let sinceOrigin: Duration

        public static var now: Instant {
            var spec = timespec()
            clock_gettime(CLOCK_BOOTTIME, &spec)
            return Instant(sinceOrigin: .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec))
        }

        public static func < (a: Instant, b: Instant) -> Bool { a.sinceOrigin < b.sinceOrigin }
        public static func - (a: Instant, b: Instant) -> Duration { a.sinceOrigin - b.sinceOrigin }
        public static func + (a: Instant, b: Duration) -> Instant { Instant(sinceOrigin: a.sinceOrigin + b) }
        public static func - (a: Instant, b: Duration) -> Instant { Instant(sinceOrigin: a.sinceOrigin - b) }
    }
}
