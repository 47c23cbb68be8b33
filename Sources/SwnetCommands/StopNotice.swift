import SwnetCore
import SwnetSocket

/// What a server says on stopping, worded once for serve and forward: only
/// a real signal is named (a worker's own stop, `--once` done, is none).
enum StopNotice {
    static func text(_ command: String, cause: StopSignals.Cause, open: Int, grace: Duration) -> String? {
        guard let signal = cause.signalName else { return nil }
        return "\(command): \(signal): stopping; \(counted(open, "open connection")) \(open == 1 ? "gets" : "get") \(TimeSpan.format(grace)) to finish (--grace)"
    }
}
