import SwnetCore

/// Fires once nothing has happened for a while: an idle timeout that costs
/// one clock read per event instead of a timer reset.
///
/// `touch()` records activity; the timer wakes at the earliest moment the
/// quiet could be long enough, and re-arms itself if there was activity since.
public final class QuietTimer {
    public private(set) var lastActivity = MonotonicClock.now
    private let loop: EventLoop
    private let limit: Duration
    private let action: () throws -> Void
    private var timer: LoopTimer?

    public init(on loop: EventLoop, limit: Duration, action: @escaping () throws -> Void) {
        self.loop = loop
        self.limit = limit
        self.action = action
        arm()
    }

    public func touch() { lastActivity = .now }

    public func cancel() {
        timer?.cancel()
        timer = nil
    }

    private func arm() {
        let quiet = MonotonicClock.now - lastActivity
        timer = loop.schedule(after: limit - min(quiet, limit)) { [weak self] in
            guard let self, self.timer != nil else { return }
            if MonotonicClock.now - self.lastActivity < self.limit { return self.arm() }
            self.timer = nil
            try self.action()
        }
    }
}
