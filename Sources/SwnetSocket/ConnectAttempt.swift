import SwnetCore

/// One non-blocking TCP connect, watched on an event loop. Happy Eyeballs
/// races several of these; a port scan runs many side by side.
public final class ConnectAttempt {
    public let address: SocketAddress
    public let started = MonotonicClock.now
    private let loop: EventLoop
    private let handsOverRegistration: Bool
    private var socket: Socket?
    private var completion: ((Result<Socket, SwnetError>) -> Void)?

    /// Starts connecting to `address` (from `source` when given) and calls
    /// `completion` once: with the connected socket, which the receiver
    /// then owns, or with the failure. `cancel()` prevents the call.
    ///
    /// `handsOverRegistration`: the socket is registered as a stream
    /// (`Interest.streamEdges`) and, connected, stays so in the loop
    /// (`EventLoop.park`) for the receiver's first `watch` of it, which must
    /// come, or a `forget`, before the loop waits again. A receiver that
    /// watches it for the same interest then costs no system call at all.
    public init(to address: SocketAddress, from source: SocketAddress?, on loop: EventLoop, handsOverRegistration: Bool = false,
                completion: @escaping (Result<Socket, SwnetError>) -> Void) {
        self.address = address
        self.loop = loop
        self.handsOverRegistration = handsOverRegistration
        self.completion = completion
        do {
            let socket = try Socket(family: address.family, transport: .tcp)
            self.socket = socket
            if let source {
                try socket.allowAddressReuse()
                try socket.bind(source: source)
            }
            if try socket.startConnect(to: address) {
                loop.schedule(after: .zero) { [weak self] in self?.finish(nil) }
            } else {
                // Edge-triggered: the one event that ends a connect. One in error or
                // hung up is asked why; any other means connected (no SO_ERROR call).
                try loop.watch(socket.descriptor, for: handsOverRegistration ? .streamEdges : [.writable, .edgeTriggered]) { [weak self] ready in
                    guard let self, let socket = self.socket else { return }
                    self.finish(ready.contains(.edgeTriggered) ? try socket.pendingError() : nil, leaving: ready.subtracting(.writable))
                }
            }
        } catch let error as SwnetError {
            // A synchronous failure is reported like an asynchronous one.
            let failure = error.errno.map { SwnetError($0).adding(address.named(.tcp)) } ?? error
            loop.schedule(after: .zero) { [weak self] in self?.fail(failure) }
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// Abandons the attempt and closes its socket.
    public func cancel() {
        completion = nil
        release()?.close()
    }

    /// `leaving`: what else the socket was reported ready for (a server's
    /// first bytes), for the receiver.
    private func finish(_ failure: Errno?, leaving: Interest = []) {
        if let failure {
            fail(SwnetError(failure).adding(address.named(.tcp)))
        } else if let socket = release(parking: handsOverRegistration, leaving: leaving), let completion {
            self.completion = nil
            completion(.success(socket))
        }
    }

    private func fail(_ error: SwnetError) {
        release()?.close()
        let completion = self.completion
        self.completion = nil
        completion?(.failure(error))
    }

    /// Takes the socket out of the loop (or parks it there) and out of this attempt's hands.
    private func release(parking: Bool = false, leaving: Interest = []) -> Socket? {
        guard let socket else { return nil }
        if parking { loop.park(socket.descriptor, leaving: leaving) } else { loop.unwatch(socket.descriptor) }
        self.socket = nil
        return socket
    }
}
