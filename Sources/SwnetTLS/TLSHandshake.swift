import SwnetCore
import SwnetSocket

/// A handshake with one peer, driven by a loop other connections share:
/// it never blocks the loop, and a peer that stalls is dropped after the
/// timeout. Servers run it for each client (serve, listen, forward), and
/// forward for each TLS backend.
public final class TLSHandshake {
    private let session: TLSSession
    private let loop: EventLoop
    private var timer: LoopTimer?
    private var completion: ((SwnetError?) -> Void)?

    public init(_ session: TLSSession, on loop: EventLoop) {
        self.session = session
        self.loop = loop
    }

    /// Calls `completion` once: nil when the handshake is done, else why it
    /// failed. `option` is what set the timeout, named when it fires.
    public func start(timeout: Duration, option: String, _ completion: @escaping (SwnetError?) -> Void) {
        self.completion = completion
        do {
            try loop.watch(session.descriptor, for: []) { [unowned self] _ in self.advance() }
        } catch let error as SwnetError {
            return finish(error)
        } catch {
            return finish(SwnetError(.tls, "\(error)"))
        }
        timer = loop.schedule(after: timeout) { [unowned self] in
            self.finish(SwnetError(.timeout, "TLS handshake: not finished within \(TimeSpan.format(timeout)) (\(option))"))
        }
        advance()
    }

    /// Stops a handshake still running, without calling the completion:
    /// its owner is ending the connection.
    public func cancel() {
        guard completion != nil else { return }
        completion = nil
        timer?.cancel()
        loop.unwatch(session.descriptor)
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
        cancel()
        completion(failure)
    }
}
