import CSwnetLinux
import Glibc
import SwnetCore

/// Accepts connections on a listening socket and hands each to its owner.
///
/// A failed accept never stops the server. Running out of descriptors or
/// memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), or any error accept(2) may pass
/// on from the network, pauses accepting for a moment instead of spinning
/// on a listener that stays readable; waiting clients stay in the backlog.
/// A shortage is reported twice, not on every pause: `onPause` when it
/// begins, `onResume` with the count of pauses once no client waits any more.
/// An owner that needs more descriptors for a client it took (a child's
/// pipes) and finds none calls `pause` itself and holds the client; it
/// starts such clients in `beforeAccepting`, so they go before new ones and
/// the shortage ends only once they are all under way.
public final class Acceptor {
    public static let pauseWhenOutOfDescriptors: Duration = .milliseconds(100)
    /// Accepts per wake-up, so one busy listener cannot starve the loop.
    static let batch = 64

    public let listener: Socket
    private let loop: EventLoop
    private let onConnection: (Socket, SocketAddress?) throws -> Void
    private let onPause: (SwnetError) -> Void
    private let onResume: (_ pauses: Int, _ lasted: Duration) -> Void
    private let beforeAccepting: () throws -> Void
    private var paused = false
    /// Since when accepts have failed, and how many pauses that took; nil while accepts work.
    private var shortage: (since: MonotonicClock.Instant, pauses: Int)?
    private var closed = false

    public init(listener: Socket, loop: EventLoop, onConnection: @escaping (Socket, SocketAddress?) throws -> Void,
                onPause: @escaping (SwnetError) -> Void,
                onResume: @escaping (_ pauses: Int, _ lasted: Duration) -> Void = { _, _ in },
                beforeAccepting: @escaping () throws -> Void = {}) throws {
        self.listener = listener
        self.loop = loop
        self.onConnection = onConnection
        self.onPause = onPause
        self.onResume = onResume
        self.beforeAccepting = beforeAccepting
        try loop.watch(listener.descriptor, for: .readable) { [unowned self] _ in try self.acceptWaiting() }
    }

    /// Stops accepting and closes the listener.
    public func close() {
        guard !closed else { return }
        closed = true
        loop.unwatch(listener.descriptor)
        listener.close()
    }

    private func acceptWaiting() throws {
        do {
            try beforeAccepting()
        } catch let error as SwnetError {
            return pause(error)                     // the clients held still wait for descriptors
        }
        for _ in 0..<Acceptor.batch where !closed {   // onConnection may close it (`--once`)
            do {
                guard case .done(let (socket, peer)) = try listener.accept() else {
                    // Every waiting client taken: the shortage is over.
                    if let shortage {
                        self.shortage = nil
                        onResume(shortage.pauses, .now - shortage.since)
                    }
                    return
                }
                try onConnection(socket, peer)
            } catch let error as SwnetError where error.errno == Errno(ECONNABORTED) {
                continue  // the client left before we took it
            } catch let error as SwnetError {
                return pause(error)
            }
        }
    }

    /// Stops accepting for a moment, as a failed accept does: the owner ran
    /// out of descriptors for a client it took. Part of the shortage under
    /// way, if one is; else its beginning, reported once.
    public func pause(_ error: SwnetError) {
        guard !paused, !closed else { return }
        paused = true
        if shortage == nil {
            shortage = (.now, 1)
            onPause(error)
        } else {
            shortage!.pauses += 1
        }
        try? loop.update(listener.descriptor, to: [])
        loop.schedule(after: Acceptor.pauseWhenOutOfDescriptors) { [weak self] in
            guard let self, !self.closed else { return }
            self.paused = false
            try self.loop.update(self.listener.descriptor, to: .readable)
            try self.acceptWaiting()   // at once: ends the shortage even if no one waits any more
        }
    }
}
