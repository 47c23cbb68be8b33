import SwnetCLI
import SwnetCore
import SwnetSocket
import SwnetTLS

/// `swnet listen`: the server half of nc — one client or many, a program
/// per client, access control, Unix sockets.
enum ListenCommand: Command {
    static let name = "listen"
    static let spec = CommandSpec(
        name, summary: "Wait for clients, as nc -l; with --exec a program per client",
        usage: "[options] [ADDR:]PORT | unix:PATH | unix:@NAME [-- ARGS...]",
        arguments: [
            ArgumentSpec("[ADDR:]PORT", .host, optional: true,
                         help: "Where to listen: PORT (every IPv4 and IPv6 address), 127.0.0.1:PORT, [::1]:PORT, unix:/path/to.sock or unix:@name; port 0 takes a free one"),
            ArgumentSpec("ARGS", optional: true, variadic: true, help: "With --exec, the program's arguments, after --"),
        ],
        options: [
            OptionSpec("port", short: "p", .integer(0...65535), help: "Listen on port N, as nc -l -p does; 0 takes a free one"),
            OptionSpec("bind", short: "b", .host, placeholder: "ADDR", help: "Listen on this address only (default: every IPv4 and IPv6 address)"),
            OptionSpec("udp", short: "u", help: "Use UDP: the first datagram's sender becomes the peer; with -k, every sender is one"),
            OptionSpec("keep-open", short: "k", help: "Keep accepting clients until SIGINT or SIGTERM: one after another, or all at once with --broadcast or --exec"),
            OptionSpec("broadcast", help: "With -k: serve every client at once, stdin to each of them and what each sends to stdout"),
            OptionSpec("max-conns", .integer(1...100_000), default: "100", help: "With -k: close new clients at once above N open ones (waiting ones count)"),
            OptionSpec("accept-timeout", .limit, help: "Give up (exit 5) when no client comes within DUR"),
            OptionSpec("exec", short: "e", .file, placeholder: "PROGRAM", help: "Run PROGRAM for each client, the connection as its stdin and stdout; its arguments go after --"),
            OptionSpec("sh-exec", .text, placeholder: "COMMAND", help: "Run COMMAND with /bin/sh -c for each client, as --exec does"),
            OptionSpec("grace", .duration, default: "2s", help: "On SIGINT or SIGTERM with -k, give open clients DUR, then kill what --exec started"),
        ] + SessionOptions.specs + AccessOptions.specs + TLSOptions.serverSpecs,
        discussion: [
            "Once listening, swnet says so on stderr (swnet: listening on 127.0.0.1:40123/tcp), one line per socket, so a script can start it with port 0 and read the port while stdout carries the data; with --json the line is a {\"event\":\"listening\",...} object on stdout, the data is not written, and each client ends with a {\"event\":\"connection\",...} object. Without an address swnet listens on 0.0.0.0 and :: (IPv6 only, so both bind), and -4 or -6 keeps one.",
            "Without -k, swnet takes one client, stops listening, relays stdin and stdout exactly as connect does (--stdin-eof, --send, -C, --idle-timeout, --timeout, -vv, -x) and exits with connect's exit status. With -k it serves clients until SIGINT or SIGTERM and exits 0. By default they are served one after another, each getting stdin and stdout in turn while the next ones wait accepted (OpenBSD nc's -k): data from two clients never interleaves, and nothing typed is sent to a client that did not ask for it. --broadcast serves them all at once instead (ncat's -k chat): each chunk of stdin goes to every client, and what each client sends goes to stdout. When stdin ends, every client is half-closed, and in turn mode each later client reads end-of-file at once.",
            "--exec PROGRAM and --sh-exec COMMAND run a child per client, all at once with -k (a one-line inetd): its stdin and stdout are pipes to the connection, stderr is swnet's, and it inherits no other descriptor. SWNET_PEER_ADDR, SWNET_PEER_PORT, SWNET_LOCAL_ADDR and SWNET_LOCAL_PORT say who connected where. The client's end of stream closes the child's stdin, and the child's closed stdout half-closes the client; when the child exits, the client is closed once all its output is delivered. Children are reaped as they exit; on SIGINT or SIGTERM they get --grace, then are killed. A program that cannot be run exits 10 before anything listens.",
            "-u: without -k, the first datagram's sender becomes the peer and the relay runs as in connect -u (stdin's end, then --idle-timeout, default 2s, without a reply ends it). With -k, every datagram is written to stdout and each read of stdin goes as one datagram to every peer heard from within --idle-timeout (default 1m); while none is, stdin waits.",
            "--allow and --deny take CIDR blocks (10.0.0.0/8, 2001:db8::/32) or single addresses, IPv4-mapped IPv6 addresses counting as IPv4; a refused peer is closed at once, before any byte, and reported with -v. unix:PATH removes a stale socket file only when nothing listens on it, never a file that is not a socket, and removes its own file on exit; unix:@name uses the abstract namespace, which has no file. --tls serves TLS as serve --tls does: --cert and --key, or a self-signed certificate made at start, and --client-ca to require client certificates.",
        ],
        examples: [
            Example("swnet listen 9000 > received.bin", "Receive one file, as nc -l 9000 does"),
            Example("swnet listen -k --broadcast 127.0.0.1:7000", "A chat: what you type goes to every client"),
            Example("swnet listen -k 8080 --sh-exec 'printf \"HTTP/1.0 200 OK\\r\\n\\r\\nhello\\n\"'", "A one-line HTTP responder"),
            Example("swnet listen -k --allow 10.0.0.0/8 unix:/run/echo.sock -e cat", "Echo on a Unix socket with cat"),
            Example("swnet listen --tls --port 0 --accept-timeout 30s", "Wait 30 seconds for one TLS client on a free port"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let console = context.console
        let udp = invocation.isSet("udp")
        let keepOpen = invocation.isSet("keep-open")
        let target = try ListenAddress(invocation, family: context.family)
        let program = try ExecProgram(invocation, arguments: target.programArguments)
        let access = try AccessOptions.accessControl(invocation)
        if invocation.isSet("broadcast") && (!keepOpen || program != nil) {
            throw SwnetError.usage(program == nil ? "--broadcast needs -k" : "--broadcast and --exec exclude each other: each child has its own client")
        }
        if udp && (program != nil || invocation.isSet("tls") || invocation.isSet("broadcast")) {
            throw SwnetError.usage("--exec, --tls and --broadcast serve stream connections: not with --udp")
        }
        if target.isUnix && (udp || !access.admitsEveryone) {
            throw SwnetError.usage("a unix: address is a stream socket without peer addresses: not with --udp, --allow or --deny")
        }
        let tls = try tlsContext(invocation, console: console)

        let sockets: ListeningSockets
        do {
            sockets = try ListeningSockets(addresses: target.addresses, port: target.port, transports: [udp ? .udp : .tcp], copies: 1)
        } catch let error as SwnetError {
            throw PrivilegedPort.explained(error, port: target.port)
        }
        defer { sockets.removeSocketFiles() }
        let fingerprint = tls?.ownCertificate.map(Fingerprint.sha256(of:))
        for socket in sockets.reports {
            if console.json {
                let address = socket.address
                console.emit(.object([("event", .string("listening")), ("proto", .string(address.family == .unix ? "unix" : socket.transport.rawValue)),
                                      ("address", .string(address.host)), ("port", .int(Int(address.port)))]
                                     + (tls == nil ? [] : [("tls", .bool(true)), ("sha256", fingerprint.map(JSONValue.string) ?? .null)])))
            } else {
                console.note("listening on \(socket.address.named(socket.transport))\(tls == nil ? "" : " over TLS, certificate SHA-256 \(fingerprint ?? "?")")")
            }
        }

        var relay = SessionOptions.relayOptions(invocation, console: console, udp: udp)
        // With -k a client that resets has left, as one that closes has; alone, it is the run's result.
        relay.resetIsClose = keepOpen
        let loop = try EventLoop()
        if udp {
            return try serveDatagrams(on: sockets.datagram[0], keepOpen: keepOpen, access: access, relay: relay, invocation: invocation, console: console, loop: loop)
        }
        let settings = ListenSettings(
            console: console, keepOpen: keepOpen, broadcast: invocation.isSet("broadcast"), program: program,
            maxConnections: invocation.integer("max-conns")!, acceptTimeout: invocation.duration("accept-timeout"),
            grace: invocation.duration("grace")!, access: access, tls: tls, relay: relay)
        return try ListenServer(settings: settings, listeners: sockets.stream[0], loop: loop).run()
    }

    /// The TLS context of `--tls`, checked before anything is bound; nil without it.
    private static func tlsContext(_ invocation: Invocation, console: Console) throws -> TLSContext? {
        guard invocation.isSet("tls") else {
            try TLSOptions.rejectWithoutTLS(invocation, specs: TLSOptions.serverSpecs)
            return nil
        }
        let bound = invocation.text("bind").map { [$0] } ?? []
        let context = try TLSContext(TLSOptions.server(invocation, names: ["127.0.0.1", "::1"] + bound))
        context.warnings.forEach(console.note)
        return context
    }

    /// `-u`: the first sender becomes the peer; with -k every sender is one.
    private static func serveDatagrams(on sockets: [Socket], keepOpen: Bool, access: AccessControl, relay: RelayOptions,
                                       invocation: Invocation, console: Console, loop: EventLoop) throws -> ExitCode {
        let signals = try StopSignalWatch(on: loop) {
            guard keepOpen else { throw SwnetError(.interrupted, "interrupted") }
            loop.stop()
        }
        defer { withExtendedLifetime(signals) {} }
        let deadline = invocation.duration("accept-timeout").map { limit in
            loop.schedule(after: limit) { throw SwnetError(.timeout, "no datagram within \(TimeSpan.format(limit)) (--accept-timeout)") }
        }
        if keepOpen {
            let memory = invocation.duration("idle-timeout") ?? .seconds(60)
            let fanOut = try DatagramFanOut(sockets: sockets, memory: memory, access: access, output: relay.discardReceived ? nil : 1, loop: loop,
                                            trace: relay.trace, onNewPeer: { peer in
                deadline?.cancel()
                console.verbose("listen: datagrams from \(peer.named(.udp))")
            }, onRefused: { peer, reason in console.verbose("listen: \(peer.named(.udp)): refused: \(reason)") })
            try loop.run()
            fanOut.stop()
            console.verbose("listen: \(counted(fanOut.datagramsReceived, "datagram")) received")
            return .success
        }
        // Wait for the first datagram that --allow/--deny let through; it stays queued for the relay.
        var chosen: (socket: Socket, peer: SocketAddress)?
        for socket in sockets {
            try loop.watch(socket.descriptor, for: .readable) { _ in
                guard chosen == nil, case .done(let sender?) = try socket.peekSender() else { return }
                if let reason = access.refusal(of: sender) {
                    var scratch = [UInt8](repeating: 0, count: 1)
                    _ = try scratch.withUnsafeMutableBytes { try socket.receive(into: $0) }   // dropped
                    return console.verbose("listen: \(sender.named(.udp)): refused: \(reason)")
                }
                chosen = (socket, sender)
                loop.stop()
            }
        }
        try loop.run()
        sockets.forEach { loop.unwatch($0.descriptor) }
        deadline?.cancel()
        guard let (socket, sender) = chosen else { return .success }
        try SwnetError.context(sender.named(.udp)) { _ = try socket.startConnect(to: sender) }
        console.verbose("listen: peer \(sender.named(.udp))")
        let summary = try Relay(stream: socket, peer: sender.named(.udp), options: relay, loop: loop).run()
        ListenServer.reportSession(summary, peer: sender, name: sender.named(.udp), console: console)
        return .success
    }
}
