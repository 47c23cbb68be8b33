import SwnetCore
import SwnetSocket

/// A server's handshake with one client, driven by a loop other clients
/// share: it never blocks the loop, and a client that stalls is dropped
/// after the handshake timeout.
public final class TLSServerHandshake {
    private let session: TLSSession
    private let loop: EventLoop
    private var timer: LoopTimer?
    private var completion: ((SwnetError?) -> Void)?

    public init(_ session: TLSSession, on loop: EventLoop) {
        self.session = session
        self.loop = loop
    }

    /// Calls `completion` once: nil when the handshake is done, else why it failed.
    public func start(timeout: Duration, _ completion: @escaping (SwnetError?) -> Void) {
        self.completion = completion
        do {
            try loop.watch(session.descriptor, for: []) { [unowned self] _ in self.advance() }
        } catch let error as SwnetError {
            return finish(error)
        } catch {
            return finish(SwnetError(.tls, "\(error)"))
        }
        timer = loop.schedule(after: timeout) { [unowned self] in
            self.finish(SwnetError(.timeout, "TLS handshake: not finished within \(TimeSpan.format(timeout)) (--handshake-timeout)"))
        }
        advance()
    }

    private func advance() {
        do {
            guard let interest = try session.handshakeStep() else { return finish(nil) }
            try loop.update(session.descriptor, to: interest)
        } catch let error as SwnetError {
            finish(error)
        } catch {
            finish(SwnetError(.tls, "\(error)"))
        }
    }

    private func finish(_ failure: SwnetError?) {
        guard let completion else { return }
        self.completion = nil
        timer?.cancel()
        loop.unwatch(session.descriptor)
        completion(failure)
    }
}
