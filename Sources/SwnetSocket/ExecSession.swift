import Glibc
import SwnetCore

/// One client of `listen --exec`: a child process whose stdin and stdout
/// the relay connects to the client's stream, with half-close passed on
/// both ways. The client's end of stream closes the child's stdin; the
/// child's closed stdout half-closes the client; the child's exit ends
/// the session once its output is delivered, so a client that keeps its
/// side open is not left hanging.
///
/// The session ends when both the relay and the child are done: the child
/// is reaped by then, so no zombie outlives its client.
public final class ExecSession {
    public let child: ChildProcess
    public let peer: String
    private let relay: Relay
    private var relayResult: Result<RelaySummary, SwnetError>?
    private var childDone = false
    private var completion: ((ExecSession, Result<RelaySummary, SwnetError>) -> Void)?

    public init(stream: ByteStream, peer: String, child: ChildProcess, options: RelayOptions, loop: EventLoop) {
        self.child = child
        self.peer = peer
        var options = options
        options.stdinEOF = .shutdown
        options.inputName = "the program's stdout"
        options.outputName = "the program's stdin"
        options.onPeerEOF = { [unowned child] in child.closeInput() }
        options.preset = nil
        options.discardReceived = false
        relay = Relay(stream: stream, peer: peer, input: child.fromChild, output: child.toChild, options: options, loop: loop)
    }

    /// Starts relaying and watching the child; `completion` comes once both are done.
    public func start(on loop: EventLoop, _ completion: @escaping (ExecSession, Result<RelaySummary, SwnetError>) -> Void) throws {
        self.completion = completion
        // Each callback is one method call, which keeps the session alive
        // while the completion it may reach lets go of it.
        try child.onExit(on: loop) { [unowned self] in self.childExited() }
        try relay.start { [unowned self] result in self.relayEnded(result) }
    }

    private func childExited() {
        childDone = true
        relay.closeWhenInputEnds()
        concludeIfDone()
    }

    private func relayEnded(_ result: Result<RelaySummary, SwnetError>) {
        relayResult = result
        // The child reads EOF on stdin and meets a closed pipe on stdout.
        child.closeInput()
        child.closeOutput()
        concludeIfDone()
    }

    /// The server stops: end the relay and ask the child to end.
    public func stop() {
        relay.stop()
        child.signal(SIGTERM)
    }

    /// Past the grace period: the child is killed and reaped.
    public func kill() {
        relay.stop()
        child.signal(SIGKILL)
        child.waitForExit()
        childDone = true
        concludeIfDone()
    }

    private func concludeIfDone() {
        guard childDone, let relayResult, let completion else { return }
        self.completion = nil
        completion(self, relayResult)
    }
}
