import SwnetCore
import SwnetSocket

/// `forward --udp` on one listening socket: a session per client address,
/// each with its own connected socket to the backend chosen for it, so a
/// reply goes back to the client that asked. A session ends after
/// `--idle-timeout` without a datagram either way; at most `--max-conns`
/// are open, and a datagram from a new client above that is dropped.
///
/// Stopping drains: no datagram is taken from a client any more; a session
/// whose last datagram still waits for its backend's reply stays until that
/// reply has gone back to its client, and the others end at once.
final class DatagramRelay {
    private final class Session {
        let client: SocketAddress
        let backend: Socket
        let backendName: String
        let index: Int
        let started = MonotonicClock.now
        var idle: QuietTimer?
        var bytesIn = 0
        var bytesOut = 0
        /// The client's last datagram went to the backend after its last reply came.
        var awaitingReply = false

        init(client: SocketAddress, backend: Socket, backendName: String, index: Int) {
            self.client = client
            self.backend = backend
            self.backendName = backendName
            self.index = index
        }
    }

    private let listener: Socket
    private let settings: ForwardSettings
    private let loop: EventLoop
    private let scratch: UnsafeMutableRawBufferPointer
    private var sessions: [String: Session] = [:]
    private var closed = false
    private var drained: (() -> Void)?

    init(listener: Socket, settings: ForwardSettings, loop: EventLoop, scratch: UnsafeMutableRawBufferPointer) throws {
        self.listener = listener
        self.settings = settings
        self.loop = loop
        self.scratch = scratch
        try loop.watch(listener.descriptor, for: .readable) { [unowned self] _ in self.receiveFromClients() }
    }

    /// No session is left (after `drain`, or before any client came).
    var isDrained: Bool { sessions.isEmpty }

    /// Stops taking datagrams from clients and ends the sessions that wait
    /// for no reply; the others end once their reply has gone back.
    /// `drained` comes when the last one has ended.
    func drain(_ drained: @escaping () -> Void) {
        guard !closed, self.drained == nil else { return }
        self.drained = drained
        loop.unwatch(listener.descriptor)
        for session in Array(sessions.values) where !session.awaitingReply { end(session, "forwarder stopped") }
        finishDrain()
    }

    /// Ends every session now, with `reason`, and lets the socket go.
    func close(_ reason: String = "forwarder stopped") {
        guard !closed else { return }
        if drained == nil { loop.unwatch(listener.descriptor) }
        closed = true
        for session in Array(sessions.values) { end(session, reason) }
        listener.close()
    }

    private func finishDrain() {
        guard let drained, sessions.isEmpty, !closed else { return }
        closed = true
        listener.close()
        drained()
    }

    /// Client datagrams, a batch per wake-up.
    private func receiveFromClients() {
        for _ in 0..<64 {
            guard !closed, case .done(let (count, from))? = try? listener.receive(into: scratch), let from else { return }
            guard let session = session(for: from) else { continue }
            session.idle?.touch()
            // A backend that cannot take it now loses the datagram, as UDP may.
            if case .done? = try? session.backend.send(UnsafeRawBufferPointer(rebasing: scratch[..<count])) {
                session.bytesIn += count
                session.awaitingReply = true
            }
        }
    }

    private func session(for client: SocketAddress) -> Session? {
        if let session = sessions[client.description] { return session }
        if let refusal = settings.access.refusal(of: client) {
            settings.report(ForwardSettings.Report(proto: .udp, client: client, end: "dropped: \(refusal)"))
            return nil
        }
        if settings.open.add(1) > settings.maxConnections {
            settings.open.add(-1)
            settings.turnedAway.add(1)
            settings.report(ForwardSettings.Report(proto: .udp, client: client, end: "dropped: over --max-conns \(settings.maxConnections)"))
            return nil
        }
        guard case .candidates(let order) = settings.pool.select(clientAddress: client.host), let index = order.first(where: settings.pool.acquire) else {
            settings.open.add(-1)
            settings.report(ForwardSettings.Report(proto: .udp, client: client, end: "no backend"))
            return nil
        }
        do {
            let address = try settings.pool.addresses(index, family: settings.family, transport: .udp)[0]
            let socket = try Socket(family: address.family, transport: .udp)
            _ = try socket.startConnect(to: address)
            let session = Session(client: client, backend: socket, backendName: settings.pool.backends[index].name, index: index)
            try loop.watch(socket.descriptor, for: .readable) { [unowned self] _ in self.receiveFromBackend(session) }
            if let limit = settings.idleTimeout {
                session.idle = QuietTimer(on: loop, limit: limit) { [unowned self] in self.end(session, "idle timeout") }
            }
            sessions[client.description] = session
            return session
        } catch {
            settings.pool.release(index)
            settings.pool.connectFailed(index)
            settings.open.add(-1)
            settings.report(ForwardSettings.Report(proto: .udp, client: client, backend: settings.pool.backends[index].name, end: "\(error)"))
            return nil
        }
    }

    /// Replies, to the session's client.
    private func receiveFromBackend(_ session: Session) {
        for _ in 0..<64 {
            let result: IOResult<(count: Int, from: SocketAddress?)>
            do {
                result = try session.backend.receive(into: scratch)
            } catch let error as SwnetError {
                // ICMP port unreachable comes back as ECONNREFUSED on a connected socket.
                return end(session, error.errno?.isConnectionRefused == true ? "refused" : "\(error)")
            } catch {
                return end(session, "\(error)")
            }
            guard case .done(let (count, _)) = result else { return }
            session.idle?.touch()
            if case .done? = try? listener.send(UnsafeRawBufferPointer(rebasing: scratch[..<count]), to: session.client) { session.bytesOut += count }
            session.awaitingReply = false
            if drained != nil { return end(session, "forwarder stopped") }
        }
    }

    private func end(_ session: Session, _ reason: String) {
        guard sessions.removeValue(forKey: session.client.description) != nil else { return }
        session.idle?.cancel()
        loop.unwatch(session.backend.descriptor)
        session.backend.close()
        settings.pool.release(session.index)
        settings.open.add(-1)
        settings.served.add(1)
        settings.report(ForwardSettings.Report(proto: .udp, client: session.client, backend: session.backendName,
                                               bytesIn: session.bytesIn, bytesOut: session.bytesOut, duration: .now - session.started, end: reason))
        finishDrain()
    }
}
