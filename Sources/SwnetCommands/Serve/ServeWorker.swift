import SwnetCore
import SwnetSocket
import SwnetTLS

/// What every worker of one `serve` shares: the configuration, the console
/// and the counters (which are thread-safe).
final class ServeSettings: @unchecked Sendable {
    let service: Service
    let console: Console
    let daytime: DaytimeFormat
    let idleTimeout: Duration?
    let grace: Duration
    let maxConnections: Int
    let once: Bool
    /// Set with `--tls`: every TCP client handshakes first.
    let tls: TLSContext?
    let open = SharedCounter()
    let handshakesFailed = SharedCounter()
    let served = SharedCounter()
    let refused = SharedCounter()
    /// Out of descriptors: told once, however many acceptors meet it.
    let shortage: AcceptShortage

    init(service: Service, console: Console, daytime: DaytimeFormat, idleTimeout: Duration?, grace: Duration, maxConnections: Int, once: Bool,
         tls: TLSContext? = nil) {
        self.tls = tls
        self.service = service
        self.console = console
        self.daytime = daytime
        self.idleTimeout = idleTimeout
        self.grace = grace
        self.maxConnections = maxConnections
        self.once = once
        shortage = AcceptShortage("serve", console: console)
    }

    /// One client served: a `-v` line, or a JSON event.
    func report(peer: @autoclosure () -> String, proto: Transport, _ summary: StreamSession.Summary) {
        guard console.verbosity > 0 && !console.quiet else { return }
        let peer = peer()
        if console.json {
            console.emit(.object([
                ("event", .string(proto == .tcp ? "connection" : "datagram")), ("service", .string(service.rawValue)),
                ("proto", .string(proto.rawValue)), ("peer", .string(peer)), ("bytes_in", .int(summary.bytesIn)),
                ("bytes_out", .int(summary.bytesOut)), ("duration_ms", .milliseconds(summary.duration.milliseconds)),
                ("end", .string(summary.end)),
            ]))
        } else {
            console.verbose("\(service.rawValue)/\(proto) \(peer): \(summary.bytesIn) bytes in, \(summary.bytesOut) out, \(milliseconds(summary.duration)) ms, \(summary.end)")
        }
    }

    /// A client turned away or a datagram dropped, and why.
    func reportDropped(peer: @autoclosure () -> String, proto: Transport, reason: @autoclosure () -> String) {
        guard console.verbosity > 0 && !console.quiet else { return }
        let peer = peer(), reason = reason()
        if console.json {
            console.emit(.object([("event", .string("dropped")), ("service", .string(service.rawValue)), ("proto", .string(proto.rawValue)),
                                  ("peer", .string(peer)), ("reason", .string(reason))]))
        } else {
            console.verbose("\(service.rawValue)/\(proto) \(peer): dropped: \(reason)")
        }
    }
}

/// One thread's share of a server: its own event loop, its own listeners
/// (SO_REUSEPORT lets the kernel spread clients over the threads), and the
/// sessions it accepted. Nothing in here is touched by another thread
/// except through `thread.requestStop()`.
final class ServeWorker: @unchecked Sendable {
    private let settings: ServeSettings
    let thread: WorkerLoop
    private var loop: EventLoop { thread.loop }
    private var acceptors: [Acceptor] = []
    private var datagramSockets: [Socket] = []
    private var sessions: [ObjectIdentifier: StreamSession] = [:]
    private var stopping = false
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    private var daytime: DaytimeLine

    init(settings: ServeSettings, streamListeners: [Socket], datagramSockets: [Socket]) throws {
        self.settings = settings
        daytime = DaytimeLine(settings.daytime)
        thread = try WorkerLoop()
        try thread.onStopRequest { [unowned self] in self.beginStop() }
        acceptors = try thread.acceptors(for: streamListeners, shortage: settings.shortage) { [unowned self] in self.admit($0, peer: $1) }
        for socket in datagramSockets {
            self.datagramSockets.append(socket)
            try loop.watch(socket.descriptor, for: .readable) { [unowned self] _ in self.answerDatagrams(on: socket) }
        }
    }

    deinit { scratch.deallocate() }

    private func admit(_ socket: Socket, peer: SocketAddress?) {
        // --once: this is the one; nothing after it is accepted, not even a datagram.
        if settings.once { stopListening() }
        if settings.open.add(1) > settings.maxConnections {
            settings.open.add(-1)
            settings.refused.add(1)
            socket.close()
            settings.reportDropped(peer: peer?.description ?? "?", proto: .tcp, reason: "over --max-conns \(settings.maxConnections)")
            return
        }
        if settings.service == .daytime && settings.tls == nil {
            // Answer and close at once: no session, no registration, no timer.
            let started = MonotonicClock.now
            let sent = daytime.send(to: socket.descriptor)
            socket.close()
            settings.open.add(-1)
            settings.served.add(1)
            settings.report(peer: peer?.description ?? "?", proto: .tcp,
                            StreamSession.Summary(bytesIn: 0, bytesOut: sent, duration: .now - started, end: "served"))
            if settings.once { StopSignals.requestStop() }
            return
        }
        let tls: TLSSession?
        do {
            tls = try settings.tls.map { try TLSSession(context: $0, descriptor: socket.descriptor) }
        } catch {
            settings.open.add(-1)
            socket.close()
            settings.reportDropped(peer: peer?.description ?? "?", proto: .tcp, reason: "\(error)")
            return
        }
        let session = StreamSession(service: settings.service, socket: socket, tls: tls, peer: peer, loop: loop, scratch: scratch) { [unowned self] session, summary in
            self.sessions[ObjectIdentifier(session)] = nil
            self.settings.open.add(-1)
            if session.handshakeFailure != nil {
                // Counted apart: a failed handshake served no one.
                self.settings.handshakesFailed.add(1)
                self.settings.reportDropped(peer: session.peer, proto: .tcp, reason: summary.end)
                if self.stopping && self.sessions.isEmpty { self.loop.stop() }
                return
            }
            self.settings.served.add(1)
            self.settings.report(peer: session.peer, proto: .tcp, summary)
            if self.settings.once { StopSignals.requestStop() }
            if self.stopping && self.sessions.isEmpty { self.loop.stop() }
        }
        sessions[ObjectIdentifier(session)] = session
        do {
            try session.start(daytime: settings.daytime, idleTimeout: settings.idleTimeout,
                              handshakeTimeout: settings.tls?.configuration.handshakeTimeout ?? .seconds(10))
        } catch {
            session.close("\(error)")
        }
    }

    /// Answers the datagrams waiting on `socket`, a batch per wake-up.
    private func answerDatagrams(on socket: Socket) {
        for _ in 0..<64 {
            let started = MonotonicClock.now
            guard case .done(let (count, from))? = try? socket.receive(into: scratch), let from else { return }
            if Service.loopGuardPorts.contains(from.port) {
                settings.reportDropped(peer: from.description, proto: .udp, reason: "source port \(from.port) is a small service or zero (loop guard)")
                continue
            }
            let reply: [UInt8]
            switch settings.service {
            case .daytime: reply = daytime.current()
            case .echo: reply = Array(scratch[..<count])
            case .discard: reply = []
            case .chargen: reply = Chargen.line(Int(settings.served.value) % Chargen.printable.count)
            }
            var sent = 0
            // An empty datagram gets an empty echo (RFC 862); discard sends nothing.
            if settings.service != .discard, case .done(let count)? = try? reply.withUnsafeBytes({ try socket.send($0, to: from) }) { sent = count }
            settings.served.add(1)
            settings.report(peer: from.description, proto: .udp, StreamSession.Summary(bytesIn: count, bytesOut: sent, duration: .now - started, end: settings.service == .discard ? "discarded" : "answered"))
            if settings.once {
                stopListening()     // the one datagram: no other is answered
                return StopSignals.requestStop()
            }
        }
    }

    /// Closes the listeners and datagram sockets (again is harmless): no new client from now on.
    private func stopListening() {
        acceptors.forEach { $0.close() }
        for socket in datagramSockets {
            loop.unwatch(socket.descriptor)
            socket.close()
        }
    }

    private func beginStop() {
        guard !stopping else { return }
        stopping = true
        stopListening()
        if sessions.isEmpty { return loop.stop() }
        loop.schedule(after: settings.grace) { [unowned self] in
            for session in self.sessions.values { session.close("server stopped after --grace") }
            self.loop.stop()
        }
    }
}
