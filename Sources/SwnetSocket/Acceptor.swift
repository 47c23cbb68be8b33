import CSwnetLinux
import Glibc
import SwnetCore

/// Accepts connections on a listening socket and hands each to its owner.
///
/// A failed accept never stops the server. Running out of descriptors or
/// memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), or any error accept(2) may pass
/// on from the network, pauses accepting for a moment instead of spinning
/// on a listener that stays readable; waiting clients stay in the backlog.
public final class Acceptor {
    public static let pauseWhenOutOfDescriptors: Duration = .milliseconds(100)
    /// Accepts per wake-up, so one busy listener cannot starve the loop.
    static let batch = 64

    public let listener: Socket
    private let loop: EventLoop
    private let onConnection: (Socket, SocketAddress?) throws -> Void
    private let onPause: (SwnetError) -> Void
    private var paused = false
    private var closed = false

    public init(listener: Socket, loop: EventLoop, onConnection: @escaping (Socket, SocketAddress?) throws -> Void,
                onPause: @escaping (SwnetError) -> Void) throws {
        self.listener = listener
        self.loop = loop
        self.onConnection = onConnection
        self.onPause = onPause
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
        for _ in 0..<Acceptor.batch {
            do {
                guard case .done(let (socket, peer)) = try listener.accept() else { return }
                try onConnection(socket, peer)
            } catch let error as SwnetError where error.errno == Errno(ECONNABORTED) {
                continue  // the client left before we took it
            } catch let error as SwnetError {
                return pause(error)
            }
        }
    }

    private func pause(_ error: SwnetError) {
        guard !paused else { return }
        paused = true
        onPause(error)
        try? loop.update(listener.descriptor, to: [])
        loop.schedule(after: Acceptor.pauseWhenOutOfDescriptors) { [weak self] in
            guard let self, !self.closed else { return }
            self.paused = false
            try self.loop.update(self.listener.descriptor, to: .readable)
        }
    }
}
