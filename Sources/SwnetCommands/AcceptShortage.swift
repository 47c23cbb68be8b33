import SwnetCore
import SwnetSocket

/// Running out of descriptors, told the same way by every server command
/// however many acceptors (threads, listeners) meet it: one line when the
/// first pauses, one summary when the last accepts again, nothing on each
/// pause between. Safe from any thread.
final class AcceptShortage: @unchecked Sendable {
    private let command: String
    private let console: Console
    /// Acceptors out of descriptors now, and the pauses they made.
    private let shortAcceptors = SharedCounter()
    private let pauses = SharedCounter()

    init(_ command: String, console: Console) {
        self.command = command
        self.console = console
    }

    /// An acceptor began pausing: said once, however many pauses follow.
    func paused(_ error: SwnetError) {
        guard shortAcceptors.add(1) == 1 else { return }
        console.note("\(command): accept failed, pausing accepts for \(TimeSpan.format(Acceptor.pauseWhenOutOfDescriptors)) at a time until it works again: \(error)")
    }

    /// An acceptor accepts again after `pauses` pauses.
    func resumed(pauses count: Int, lasted: Duration) {
        pauses.add(count)
        guard shortAcceptors.add(-1) == 0 else { return }
        let total = pauses.value
        pauses.add(-total)
        console.note("\(command): accepting again after \(counted(total, "pause")) (\(TimeSpan.format(.milliseconds(Int64(lasted.milliseconds.rounded())))))")
    }

    /// Acceptor callbacks that report here.
    var onPause: (SwnetError) -> Void { { [self] in paused($0) } }
    var onResume: (Int, Duration) -> Void { { [self] in resumed(pauses: $0, lasted: $1) } }
}
