import SwnetCore
import SwnetSocket

/// The event loop of one worker thread of a server (`serve`, `forward`):
/// run on that thread until it stops, asked to stop from any thread. A
/// handler's error ends the whole server; it is kept for the command to
/// report once every thread has stopped.
final class WorkerLoop: @unchecked Sendable {
    let loop: EventLoop
    private var waker: Waker?
    private(set) var failure: SwnetError?

    init() throws { loop = try EventLoop() }

    /// What the worker does, on its own thread, when it is asked to stop.
    func onStopRequest(_ handler: @escaping () -> Void) throws {
        waker = try Waker(on: loop, handler: handler)
    }

    /// One acceptor on this loop for each listener, every client handed to
    /// `admit`; running out of descriptors is told through `shortage`.
    func acceptors(for listeners: [Socket], shortage: AcceptShortage,
                   admit: @escaping (Socket, SocketAddress?) -> Void) throws -> [Acceptor] {
        try listeners.map { listener in
            try Acceptor(listener: listener, loop: loop, onConnection: admit, onPause: shortage.onPause, onResume: shortage.onResume)
        }
    }

    /// Runs on the worker's own thread until it has stopped.
    func run() {
        do {
            try loop.run()
        } catch let error as SwnetError {
            failure = error
            StopSignals.requestStop()
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Safe from any thread.
    func requestStop() { waker?.wake() }
}
