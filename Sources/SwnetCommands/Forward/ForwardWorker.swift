import SwnetCore
import SwnetSocket

/// One thread's share of a forwarder: its own event loop, its own
/// listeners (SO_REUSEPORT spreads clients over the threads), its pipe
/// pool and copy buffer, and the sessions it accepted. Nothing here is
/// touched by another thread except through `thread.requestStop()`.
final class ForwardWorker: @unchecked Sendable {
    private let settings: ForwardSettings
    let thread: WorkerLoop
    private var loop: EventLoop { thread.loop }
    private var acceptors: [Acceptor] = []
    private var datagramRelays: [DatagramRelay] = []
    private var sessions: [ObjectIdentifier: ForwardSession] = [:]
    private let pipes = PipePool()
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    private var stopping = false

    init(settings: ForwardSettings, streamListeners: [Socket], datagramSockets: [Socket]) throws {
        self.settings = settings
        thread = try WorkerLoop()
        try thread.onStopRequest { [unowned self] in self.beginStop() }
        acceptors = try thread.acceptors(for: streamListeners, shortage: settings.shortage) { [unowned self] in self.admit($0, peer: $1) }
        for socket in datagramSockets {
            datagramRelays.append(try DatagramRelay(listener: socket, settings: settings, loop: loop, scratch: scratch))
        }
    }

    deinit { scratch.deallocate() }

    private func admit(_ socket: Socket, peer: SocketAddress?) {
        if let refusal = settings.access.refusal(of: peer) {
            socket.close()
            settings.turnedAway.add(1)
            return settings.report(ForwardSettings.Report(proto: .tcp, client: peer, end: "refused: \(refusal)"))
        }
        if settings.open.add(1) > settings.maxConnections {
            settings.open.add(-1)
            socket.close()
            settings.turnedAway.add(1)
            return settings.report(ForwardSettings.Report(proto: .tcp, client: peer, end: "refused: over --max-conns \(settings.maxConnections)"))
        }
        let session = ForwardSession(client: socket, peer: peer, settings: settings, loop: loop, pipes: pipes, scratch: scratch) { [unowned self] session in
            self.sessions[ObjectIdentifier(session)] = nil
            self.settings.open.add(-1)
            self.settings.served.add(1)
            self.settings.report(session.report)
            self.stopIfDrained()
        }
        sessions[ObjectIdentifier(session)] = session
        session.start()
    }

    private func beginStop() {
        guard !stopping else { return }
        stopping = true
        acceptors.forEach { $0.close() }
        datagramRelays.forEach { $0.drain { [unowned self] in self.stopIfDrained() } }
        if stopIfDrained() { return }
        loop.schedule(after: settings.grace) { [unowned self] in
            for session in Array(self.sessions.values) { session.close("forwarder stopped after --grace") }
            self.datagramRelays.forEach { $0.close("forwarder stopped after --grace") }
            self.loop.stop()
        }
    }

    /// Once stopping, the loop ends when the last session has.
    @discardableResult
    private func stopIfDrained() -> Bool {
        guard stopping, sessions.isEmpty, datagramRelays.allSatisfy(\.isDrained) else { return false }
        loop.stop()
        return true
    }
}
