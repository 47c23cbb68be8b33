import Glibc
import SwnetCore
import SwnetSocket
import SwnetTLS

/// What one `listen` run was asked to do.
struct ListenSettings {
    let console: Console
    let keepOpen: Bool
    let broadcast: Bool
    let program: ExecProgram?
    let maxConnections: Int
    let acceptTimeout: Duration?
    let grace: Duration
    let access: AccessControl
    let tls: TLSContext?
    let relay: RelayOptions
}

/// One accepted client: its socket (the owner of the descriptor), the
/// stream it speaks (the socket, or a TLS session over it) and its names.
final class ListenClient {
    let socket: Socket
    let tls: TLSSession?
    let address: SocketAddress?
    let peer: String

    init(socket: Socket, tls: TLSSession?, address: SocketAddress?) {
        self.socket = socket
        self.tls = tls
        self.address = address
        peer = address?.named(.tcp) ?? "unix:(unnamed)"
    }

    var stream: ByteStream { tls ?? socket }

    func close() {
        tls?.close()
        socket.close()
    }
}

/// The TCP (and Unix stream) half of `listen`: accepts on every listener,
/// turns away refused and surplus clients before any byte, runs the TLS
/// handshake, and hands each client to the mode asked for:
///
/// - one client (no -k): the relay of stdin and stdout, as `connect` has it;
/// - `-k`: clients one after another, each getting the relay in turn;
/// - `-k --broadcast`: every client at once, stdin to all of them;
/// - `--exec`: a child per client, concurrently with -k.
final class ListenServer {
    private let settings: ListenSettings
    private let loop: EventLoop
    private var acceptors: [Acceptor] = []
    private var open = 0
    private var served = 0
    private var turnedAway = 0
    private var queue: [ListenClient] = []
    private var current: (client: ListenClient, relay: Relay)?
    private var broadcast: Broadcast?
    private var handshakes: [ObjectIdentifier: TLSHandshake] = [:]
    private var sessions: [ObjectIdentifier: (client: ListenClient, session: ExecSession)] = [:]
    /// Clients of --exec whose program found no descriptors (or process) to
    /// start with: they wait, first come first served, as the backlog does,
    /// and start before accepting resumes.
    private var waitingForDescriptors: [ListenClient] = []
    private let shortage: AcceptShortage
    private var stopping = false
    private var outcome: Result<RelaySummary, SwnetError>?

    init(settings: ListenSettings, listeners: [Socket], loop: EventLoop) throws {
        self.settings = settings
        self.loop = loop
        shortage = AcceptShortage("listen", console: settings.console)
        for listener in listeners {
            acceptors.append(try Acceptor(listener: listener, loop: loop, onConnection: { [unowned self] socket, peer in
                self.admit(socket, peer: peer)
            }, onPause: shortage.onPause, onResume: shortage.onResume, beforeAccepting: { [unowned self] in
                try self.startWaitingPrograms()
            }))
        }
        if settings.keepOpen && settings.broadcast && settings.program == nil {
            broadcast = try Broadcast(output: settings.relay.discardReceived ? nil : 1, bufferSize: settings.relay.bufferSize, loop: loop, trace: settings.relay.trace)
        }
    }

    /// Serves until the one client is done (without -k) or a stop signal.
    func run() throws -> ExitCode {
        let signals = try StopSignalWatch(on: loop) { [unowned self] in try self.beginStop() }
        defer { withExtendedLifetime(signals) {} }
        let deadline = settings.acceptTimeout.map { limit in
            loop.schedule(after: limit) { [unowned self] in
                guard self.served == 0 && self.open == 0 else { return }
                throw SwnetError(.timeout, "no client within \(TimeSpan.format(limit)) (--accept-timeout)")
            }
        }
        defer { deadline?.cancel() }
        try loop.run()
        deadline?.cancel()
        acceptors.forEach { $0.close() }
        if let outcome {
            _ = try outcome.get()
        }
        settings.console.verbose("listen: served \(counted(served, "client")); \(turnedAway) turned away")
        return .success
    }

    // MARK: Admission

    private func admit(_ socket: Socket, peer address: SocketAddress?) {
        let name = address?.named(.tcp) ?? "unix:(unnamed)"
        if let reason = settings.access.refusal(of: address) {
            socket.close()
            return reportDropped(name, reason)
        }
        if stopping || open >= settings.maxConnections || (!settings.keepOpen && open > 0) {
            socket.close()
            turnedAway += 1
            return reportDropped(name, stopping ? "stopping" : "over --max-conns \(settings.maxConnections)")
        }
        open += 1
        if !settings.keepOpen { acceptors.forEach { $0.close() } }   // one client: stop listening now
        settings.console.verbose("listen: connection from \(name)")
        guard let context = settings.tls else { return begin(ListenClient(socket: socket, tls: nil, address: address)) }
        let session: TLSSession
        do {
            session = try TLSSession(context: context, descriptor: socket.descriptor)
        } catch {
            return refuseAfterHandshake(socket, name, "\(error)")
        }
        let handshake = TLSHandshake(session, on: loop)
        let key = ObjectIdentifier(handshake)
        handshakes[key] = handshake
        handshake.start(timeout: context.configuration.handshakeTimeout, option: "--handshake-timeout") { [unowned self] failure in
            self.handshakes[key] = nil
            if let failure { return self.refuseAfterHandshake(socket, name, failure.adding(name).description, error: failure.adding(name)) }
            let info = session.info
            self.settings.console.verbose("listen: \(name): TLS \(info.version), \(info.cipher)")
            self.begin(ListenClient(socket: socket, tls: session, address: address))
        }
    }

    private func refuseAfterHandshake(_ socket: Socket, _ name: String, _ reason: String, error: SwnetError? = nil) {
        socket.close()
        open -= 1
        reportDropped(name, reason)
        if !settings.keepOpen {
            // The one client failed its handshake: that is the result.
            outcome = .failure(error ?? SwnetError(.tls, reason))
            loop.stop()
        }
    }

    private func begin(_ client: ListenClient) {
        guard !stopping else { return end(client, .success(RelaySummary.neverStarted)) }
        if settings.program != nil {
            waitingForDescriptors.append(client)
            do {
                try startWaitingPrograms()
            } catch let error as SwnetError {
                acceptors.forEach { $0.pause(error) }       // out of descriptors: the client waits
            } catch {}
            return
        }
        if let broadcast {
            do {
                try broadcast.add(client.stream, peer: client.peer) { [unowned self] result in self.end(client, result) }
            } catch let error as SwnetError {
                end(client, .failure(error))
            } catch {}
            return
        }
        queue.append(client)
        startNextInTurn()
    }

    // MARK: Modes

    /// One after another: the next waiting client gets stdin and stdout.
    private func startNextInTurn() {
        guard current == nil, !queue.isEmpty else { return }
        let client = queue.removeFirst()
        let relay = Relay(stream: client.stream, peer: client.peer, options: settings.relay, loop: loop)
        current = (client, relay)
        do {
            try relay.start { [unowned self] result in
                self.current = nil
                self.end(client, result)
                self.startNextInTurn()
            }
        } catch let error as SwnetError {
            current = nil
            end(client, .failure(error))
        } catch {}
    }

    /// Starts the program of each client waiting for one, in order. When
    /// descriptors (or processes) run out, the rest keep waiting and the
    /// shortage is thrown, for the acceptors to pause on; with one client
    /// (no -k) it is that client's failure.
    private func startWaitingPrograms() throws {
        guard let program = settings.program else { return }
        while !stopping && !waitingForDescriptors.isEmpty {
            let client = waitingForDescriptors.removeFirst()
            do {
                try startExec(client, program)
            } catch let error as SwnetError where settings.keepOpen && error.errno?.meansShortage == true {
                waitingForDescriptors.insert(client, at: 0)
                throw error
            } catch let error as SwnetError {
                end(client, .failure(error))
            }
        }
    }

    private func startExec(_ client: ListenClient, _ program: ExecProgram) throws {
        let local = try? client.socket.localAddress()
        let child = try ChildProcess(path: program.path, arguments: program.arguments,
                                     environment: program.environment(peer: client.address, local: local))
        let session = ExecSession(stream: client.stream, peer: client.peer, child: child, options: settings.relay, loop: loop)
        sessions[ObjectIdentifier(session)] = (client, session)
        do {
            try session.start(on: loop) { [unowned self] session, result in
                self.sessions[ObjectIdentifier(session)] = nil
                self.end(client, result)
                if self.stopping && self.sessions.isEmpty { self.loop.stop() }
            }
        } catch let error as SwnetError {
            sessions[ObjectIdentifier(session)] = nil
            session.kill()
            end(client, .failure(error))
        }
    }

    /// A client's session is over: close it, count it, say so; without -k, that was the run.
    private func end(_ client: ListenClient, _ result: Result<RelaySummary, SwnetError>) {
        client.close()
        open -= 1
        served += 1
        report(client, result)
        if !settings.keepOpen {
            outcome = result
            loop.stop()
        }
    }

    // MARK: Stopping

    /// SIGINT or SIGTERM: without -k the run is interrupted (exit 130);
    /// with -k, listening stops, clients on stdin and stdout are closed,
    /// and children of --exec get --grace to finish before they are killed.
    private func beginStop() throws {
        guard settings.keepOpen else { throw SwnetError(.interrupted, "interrupted") }
        guard !stopping else { return }
        stopping = true
        acceptors.forEach { $0.close() }
        settings.console.verbose("listen: stopping")
        current?.relay.stop()
        for client in queue + waitingForDescriptors { end(client, .success(RelaySummary.neverStarted)) }
        queue = []
        waitingForDescriptors = []
        broadcast?.stop()
        if sessions.isEmpty { return loop.stop() }
        loop.schedule(after: settings.grace) { [unowned self] in
            for (_, session) in self.sessions.values { session.kill() }
            self.loop.stop()
        }
    }

    // MARK: Reports

    private func report(_ client: ListenClient, _ result: Result<RelaySummary, SwnetError>) {
        let console = settings.console
        switch result {
        case .success(let summary):
            Self.reportSession(summary, peer: client.address, name: client.peer, console: console)
        case .failure(let error):
            // With -k one client's failure is reported and the others go on.
            if settings.keepOpen { console.note("listen: \(error)") }
        }
    }

    /// A client's session is over: a `-v` line, and with --json a `connection` event.
    static func reportSession(_ summary: RelaySummary, peer: SocketAddress?, name: String, console: Console) {
        if console.json {
            console.emit(.object([
                ("event", .string("connection")), ("peer", .string(peer?.host ?? "")), ("port", .int(Int(peer?.port ?? 0))),
                ("bytes_sent", .int(summary.bytesSent)), ("bytes_received", .int(summary.bytesReceived)),
                ("duration_ms", .milliseconds(summary.duration.milliseconds)), ("end", .string(summary.end.rawValue)),
            ]))
        }
        console.verbose("listen: \(name): sent \(summary.bytesSent) bytes, received \(summary.bytesReceived) bytes in \(milliseconds(summary.duration)) ms (\(summary.end.rawValue))")
    }

    private func reportDropped(_ peer: String, _ reason: String) {
        let console = settings.console
        guard console.verbosity > 0 && !console.quiet else { return }
        if console.json {
            console.emit(.object([("event", .string("refused")), ("peer", .string(peer)), ("reason", .string(reason))]))
        } else {
            console.verbose("listen: \(peer): refused: \(reason)")
        }
    }
}
