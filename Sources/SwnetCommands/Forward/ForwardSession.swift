import SwnetCore
import SwnetSocket
import SwnetTLS

/// One TCP client of `forward`, from accept to close:
///
///     [PROXY header] -> [TLS handshake] -> connect a backend (failover) -> [backend TLS] -> tunnel
///
/// Each bracketed step happens only when its option asks for it. The
/// connect tries the pool's candidates in order, sharing the client's
/// `--connect-timeout` among them, so a backend that refuses or hangs costs
/// the client one attempt and never the whole budget.
final class ForwardSession {
    private let settings: ForwardSettings
    private let loop: EventLoop
    private let pipes: PipePool
    private let scratch: UnsafeMutableRawBufferPointer
    private let onEnd: (ForwardSession) -> Void
    private let client: Socket
    private let started = MonotonicClock.now
    /// The client as the backend should see it: the PROXY header's source, else the peer.
    private var clientAddress: SocketAddress?
    /// The address the client reached: the PROXY header's destination, else our socket's.
    private var destination: SocketAddress?
    private var clientTLS: TLSSession?
    private var backendTLS: TLSSession?
    private var backend: Socket?
    private var backendIndex: Int?
    private var candidates: [Int] = []
    private var addresses: [SocketAddress] = []
    private var deadline: MonotonicClock.Instant = .now
    private var attempt: ConnectAttempt?
    private var timer: LoopTimer?
    private var handshake: TLSHandshake?
    private var watching = false
    private var tunnel: Tunnel?
    private var lastFailure: String?
    private(set) var report: ForwardSettings.Report
    private var ended = false

    init(client: Socket, peer: SocketAddress?, settings: ForwardSettings, loop: EventLoop, pipes: PipePool,
         scratch: UnsafeMutableRawBufferPointer, onEnd: @escaping (ForwardSession) -> Void) {
        self.client = client
        self.clientAddress = peer
        self.settings = settings
        self.loop = loop
        self.pipes = pipes
        self.scratch = scratch
        self.onEnd = onEnd
        report = ForwardSettings.Report(proto: .tcp, client: peer)
    }

    func start() {
        if settings.acceptProxy { return readProxyHeader() }
        handshakeClient()
    }

    /// Ends the session from outside: the forwarder stops after `--grace`.
    func close(_ reason: String) {
        if let tunnel { return tunnel.close(reason) }
        end(reason)
    }

    // MARK: Steps

    private func readProxyHeader() {
        timer = loop.schedule(after: settings.handshakeTimeout) { [unowned self] in
            self.end("no PROXY header within \(TimeSpan.format(self.settings.handshakeTimeout))")
        }
        watchClient(.readable) { [unowned self] _ in self.takeProxyHeader() }
    }

    private func takeProxyHeader() {
        do {
            switch try ProxyHeaderReader.take(from: client) {
            case .incomplete:
                // The rest of the header has not come: look again shortly rather than spin on a readable socket.
                try loop.update(client.descriptor, to: [])
                loop.schedule(after: .milliseconds(10)) { [weak self] in
                    guard let self, !self.ended else { return }
                    try? self.loop.update(self.client.descriptor, to: .readable)
                }
            case .header(let header):
                timer?.cancel()
                unwatchClient()
                if let source = header.source { clientAddress = source; report.client = source }
                destination = header.destination
                handshakeClient()
            }
        } catch {
            end("bad PROXY header: \(error)")
        }
    }

    private func handshakeClient() {
        guard let context = settings.clientTLS else { return connectBackend() }
        let session: TLSSession
        do {
            session = try TLSSession(context: context, descriptor: client.descriptor)
        } catch {
            return end("\(error)")
        }
        clientTLS = session
        runHandshake(session, timeout: settings.handshakeTimeout, option: "--handshake-timeout") { [unowned self] in self.connectBackend() }
    }

    private func connectBackend() {
        switch settings.pool.select(clientAddress: clientAddress?.host ?? "") {
        case .none(let why):
            return end("no backend: \(why)")
        case .candidates(let order):
            candidates = order
        }
        deadline = .now + settings.connectTimeout
        // A client that leaves while we connect is noticed by the tunnel's first read.
        nextBackend()
    }

    /// Takes the next candidate that has room, or gives up.
    private func nextBackend() {
        while !candidates.isEmpty {
            let index = candidates.removeFirst()
            guard settings.pool.acquire(index) else { continue }
            do {
                addresses = HappyEyeballs.interleaved(try settings.pool.addresses(index, family: settings.family))
            } catch {
                settings.pool.release(index)
                lastFailure = "\(error)"
                continue
            }
            backendIndex = index
            return nextAddress()
        }
        end("refused: no backend answered" + (lastFailure.map { " (last: \($0))" } ?? ""))
    }

    private func nextAddress() {
        guard let index = backendIndex else { return }
        guard !addresses.isEmpty else {
            settings.pool.release(index)
            settings.pool.connectFailed(index)
            backendIndex = nil
            return nextBackend()
        }
        let address = addresses.removeFirst()
        let remaining = deadline - .now
        guard remaining > .zero else {
            settings.pool.release(index)
            backendIndex = nil
            return end("refused: no backend answered within --connect-timeout \(TimeSpan.format(settings.connectTimeout))"
                       + (lastFailure.map { " (last: \($0))" } ?? ""))
        }
        // The budget left is shared by the attempts left, so one that hangs cannot take it all.
        let share = remaining / max(1, candidates.count + 1 + addresses.count)
        // The tunnel or the TLS handshake watches the connected socket next: it keeps its registration.
        attempt = ConnectAttempt(to: address, from: nil, on: loop, handsOverRegistration: true) { [unowned self] result in
            self.timer?.cancel()
            self.attempt = nil
            switch result {
            case .success(let socket):
                self.backend = socket
                self.report.backend = self.settings.pool.backends[index].name
                self.handshakeBackend(index)
            case .failure(let error):
                self.lastFailure = "\(error)"
                self.nextAddress()
            }
        }
        timer = loop.schedule(after: share) { [unowned self] in
            self.attempt?.cancel()
            self.attempt = nil
            self.lastFailure = "\(address.named(.tcp)): connect timed out after \(TimeSpan.format(share))"
            self.nextAddress()
        }
    }

    private func handshakeBackend(_ index: Int) {
        guard let context = settings.backendTLS, let backend else { return startTunnel() }
        let spec = settings.pool.backends[index]
        let session: TLSSession
        do {
            session = try TLSSession(context: context, descriptor: backend.descriptor, host: spec.unixAddress == nil ? spec.host : "localhost")
        } catch {
            return end("\(error)")
        }
        backendTLS = session
        runHandshake(session, timeout: settings.connectTimeout, option: "--connect-timeout", failure: "backend \(report.backend ?? "?"): ") { [unowned self] in
            self.startTunnel()
        }
    }

    /// Runs one TLS handshake, the client's or the backend's, then `next`;
    /// a failure ends the session with `failure` before the reason.
    private func runHandshake(_ session: TLSSession, timeout: Duration, option: String, failure: String = "", then next: @escaping () -> Void) {
        let handshake = TLSHandshake(session, on: loop)
        self.handshake = handshake
        handshake.start(timeout: timeout, option: option) { [unowned self] error in
            self.handshake = nil
            if let error { return self.end(failure + error.description) }
            next()
        }
    }

    private func startTunnel() {
        guard let backend else { return }
        var options = Tunnel.Options()
        options.idleTimeout = settings.idleTimeout
        options.splice = settings.splice
        if let version = settings.sendProxy, let source = clientAddress,
           let target = destination ?? (try? client.localAddress()) {
            options.prefaceToServer = ProxyHeader.encode(version, source: source, destination: target)
        }
        let clientStream: ByteStream = clientTLS ?? client
        let backendStream: ByteStream = backendTLS ?? backend
        do {
            let tunnel = try Tunnel(client: clientStream, server: backendStream, options: options, loop: loop, pipes: pipes, scratch: scratch) { [unowned self] summary in
                self.report.bytesIn = summary.bytesToServer
                self.report.bytesOut = summary.bytesToClient
                self.report.spliced = summary.spliced
                self.tunnel = nil
                self.end(Self.describe(summary.end))
            }
            self.tunnel = tunnel
            tunnel.start()
        } catch {
            end("\(error)")
        }
    }

    /// How a tunnel's end reads in the forwarder's words.
    private static func describe(_ end: Tunnel.End) -> String {
        switch end {
        case .closed(.client): return "client closed"
        case .closed(.server): return "backend closed"
        case .reset(.client): return "reset by client"
        case .reset(.server): return "reset by backend"
        case .idle: return "idle timeout"
        case .failed(.client, let error): return "client: \(error)"
        case .failed(.server, let error): return "backend: \(error)"
        case .stopped(let why): return why
        }
    }

    // MARK: Watching and the end

    private func watchClient(_ interest: Interest, _ handler: @escaping EventLoop.Handler) {
        do {
            try loop.watch(client.descriptor, for: interest, handler: handler)
            watching = true
        } catch {
            end("\(error)")
        }
    }

    private func unwatchClient() {
        if watching { loop.unwatch(client.descriptor) }
        watching = false
    }

    private func end(_ reason: String) {
        guard !ended else { return }
        ended = true
        timer?.cancel()
        attempt?.cancel()
        handshake?.cancel()
        tunnel?.close(reason)
        unwatchClient()
        clientTLS?.close()
        backendTLS?.close()
        client.close()
        if let backend { loop.forget(backend.descriptor) }   // it may still be parked after its connect
        backend?.close()
        if let backendIndex { settings.pool.release(backendIndex) }
        report.duration = .now - started
        report.end = reason
        onEnd(self)
    }
}
