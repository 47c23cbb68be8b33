import SwnetCLI
import SwnetCore
import SwnetSocket
import SwnetTLS

/// `swnet serve`: the small standard services, ready to leave running.
enum ServeCommand: Command {
    static let name = "serve"
    static let spec = CommandSpec(
        name, summary: "Serve daytime, echo, discard or chargen over TCP and UDP",
        arguments: [ArgumentSpec("SERVICE", .choice(Service.allCases.map(\.rawValue)), help: "daytime (RFC 867), echo (862), discard (863) or chargen (864)")],
        options: [
            OptionSpec("port", short: "p", .integer(0...65535), help: "Listen on port N; 0 takes a free one (default: the service's own: 13, 7, 9, 19)"),
            OptionSpec("bind", short: "b", .host, placeholder: "ADDR", repeatable: true, help: "Listen on this address; repeatable (default: every IPv4 and IPv6 address)"),
            OptionSpec("tcp", excludes: ["udp"], help: "Serve TCP only"),
            OptionSpec("udp", help: "Serve UDP only"),
            OptionSpec("threads", .integer(1...256), help: "Event loops to run, one thread each (default: the number of cores)"),
            OptionSpec("max-conns", .integer(1...Int.max), default: "10000", help: "Close new connections at once above N open ones"),
            OptionSpec("idle-timeout", .limit, default: "5m", help: "Close a connection after DUR without a byte either way"),
            OptionSpec("grace", .duration, default: "2s", help: "On SIGINT or SIGTERM, give open connections DUR to finish"),
            OptionSpec("once", help: "Serve one TCP connection or one datagram, then exit"),
            OptionSpec("inetd", excludes: ["once", "port", "bind", "tcp", "udp", "threads", "max-conns"],
                       help: "Serve the one connection on stdin and stdout (inetd, systemd Accept=yes)"),
            OptionSpec("format", .text, placeholder: "FORMAT", default: "rfc867", onlyWith: .withArgument("daytime"),
                       suggestions: ["rfc867", "rfc3339", "ctime", "unix"],
                       help: "The date as rfc867, rfc3339, ctime, unix or +STRFTIME"),
            OptionSpec("local", onlyWith: .withArgument("daytime"), help: "Local time instead of UTC"),
        ] + TLSOptions.serverSpecs,
        discussion: [
            "Once every socket listens, swnet reports each on stderr (with --json, a {\"event\":\"listening\",...} line per socket on stdout) before it accepts anything, so a script can start it with --port 0 and read the port.",
            "With --tls every service is served over TLS on TCP alone. Without --cert and --key, swnet makes a self-signed ECDSA P-256 certificate at start, valid for 30 days, for localhost, 127.0.0.1, ::1 and the -b addresses; its SHA-256 fingerprint is in the ready line and the listening event, and swnet connect --tls --pin accepts the key pin printed with -v. A client that fails the handshake (plain text, a bad certificate, a stall past --handshake-timeout) is counted and reported with -v; the others are not disturbed.",
            "A client that does not read makes the server stop reading from it, so each connection holds at most 64 KiB and others are not slowed. Datagrams from port 0 or from the small-service ports (7, 9, 13, 19, 37) are never answered, so two services cannot ping-pong. SIGINT or SIGTERM stops accepting, gives open connections --grace, and exits 0.",
        ],
        examples: [
            Example("swnet serve daytime --port 1313", "Tell the time on port 1313, TCP and UDP, IPv4 and IPv6"),
            Example("swnet serve echo --port 0 --json", "Echo on a free port and say which, as JSON"),
            Example("swnet serve chargen -b 127.0.0.1 -p 1919 --tcp", "A character generator on loopback"),
            Example("swnet serve echo --tls --cert cert.pem --key key.pem --port 7443", "An echo server over TLS"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        // With --inetd, stdout is the client's connection: events go to stderr.
        let console = invocation.isSet("inetd") ? context.console.sendingOutputToErrorStream() : context.console
        let service = Service(rawValue: invocation.arguments[0])!
        let daytime = try DaytimeFormat(invocation.text("format")!, local: invocation.isSet("local"))
        let tls = try tlsContext(invocation, console: console)

        let settings = ServeSettings(
            service: service, console: console, daytime: daytime, idleTimeout: invocation.duration("idle-timeout"),
            grace: invocation.duration("grace")!, maxConnections: invocation.integer("max-conns")!, once: invocation.isSet("once"), tls: tls)

        if invocation.isSet("inetd") { return try serveInetd(settings) }

        OpenFileLimit.raiseToHardLimit()
        // Workers inherit this mask, so only `StopSignals.wait()` below sees SIGINT and SIGTERM.
        StopSignals.block()

        let threads = invocation.isSet("once") ? 1 : invocation.integer("threads") ?? SystemThread.processorCount
        let transports: [Transport] = invocation.isSet("tcp") || tls != nil ? [.tcp] : invocation.isSet("udp") ? [.udp] : [.tcp, .udp]
        let port = invocation.integer("port").map(UInt16.init) ?? service.standardPort
        let sockets: ListeningSockets
        do {
            sockets = try ListeningSockets(addresses: try bindAddresses(invocation, family: context.family), port: port, transports: transports, copies: threads)
        } catch let error as SwnetError {
            throw PrivilegedPort.explained(error, port: port)
        }
        let fingerprint = tls?.ownCertificate.map(Fingerprint.sha256(of:))
        for socket in sockets.reports {
            if console.json {
                let tlsFields: [(String, JSONValue)] = tls == nil ? [] : [("tls", .bool(true)), ("sha256", fingerprint.map(JSONValue.string) ?? .null)]
                console.emit(.object([("event", .string("listening")), ("service", .string(service.rawValue)), ("proto", .string(socket.transport.rawValue)),
                                      ("address", .string(socket.address.host)), ("port", .int(Int(socket.address.port)))] + tlsFields))
            } else {
                let over = tls == nil ? "" : " over TLS, certificate SHA-256 \(fingerprint ?? "?")"
                console.note("serving \(service.rawValue) on \(socket.address)/\(socket.transport)\(over)")
            }
        }
        if let pin = tls?.ownCertificate.map(Fingerprint.keyPin(of:)) { console.verbose("serve: key pin \(pin)") }

        let workers = try (0..<threads).map { index in
            try ServeWorker(settings: settings, streamListeners: sockets.stream[index], datagramSockets: sockets.datagram[index])
        }
        let running = try workers.map { worker in try SystemThread { worker.thread.run() } }
        if let notice = StopNotice.text("serve", cause: StopSignals.wait(), open: settings.open.value, grace: settings.grace) { console.verbose(notice) }
        workers.forEach { $0.thread.requestStop() }
        running.forEach { $0.join() }
        let failedHandshakes = tls == nil ? "" : "; \(settings.handshakesFailed.value) failed the TLS handshake"
        console.verbose("serve: stopped after serving \(counted(settings.served.value, "client")); \(settings.refused.value) turned away over --max-conns\(failedHandshakes)")
        if let failure = workers.compactMap(\.thread.failure).first { throw failure }
        return .success
    }

    /// The TLS context of `--tls`, checked before anything is bound; nil without it.
    private static func tlsContext(_ invocation: Invocation, console: Console) throws -> TLSContext? {
        guard invocation.isSet("tls") else {
            try TLSOptions.rejectWithoutTLS(invocation, specs: TLSOptions.serverSpecs)
            return nil
        }
        if invocation.isSet("udp") { throw SwnetError.usage("--tls is served over TCP only: not with --udp") }
        if invocation.isSet("inetd") { throw SwnetError.usage("--tls is not served with --inetd: let the listener run TLS, or drop --inetd") }
        let bound = invocation.texts("bind").map { $0.hasPrefix("[") && $0.hasSuffix("]") ? String($0.dropFirst().dropLast()) : $0 }
        let names = ["127.0.0.1", "::1"] + bound.filter { $0 != "0.0.0.0" && $0 != "::" }
        let context = try TLSContext(TLSOptions.server(invocation, names: names))
        context.warnings.forEach(console.note)
        return context
    }

    /// `-b` addresses, else the wildcard of each family `-4`/`-6` allow.
    private static func bindAddresses(_ invocation: Invocation, family: AddressFamily?) throws -> [(address: SocketAddress, optional: Bool)] {
        let given = invocation.texts("bind")
        if given.isEmpty {
            return [("0.0.0.0", AddressFamily.v4), ("::", .v6)]
                .filter { family == nil || $0.1 == family }
                .map { (SocketAddress(numeric: $0.0, port: 0)!, family == nil && $0.1 == .v6) }
        }
        return try given.map { text in
            let host = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
            return (try Resolver.resolve(host, port: 0, family: family, transport: .tcp)[0], false)
        }
    }

    /// `--inetd`: the client is already connected, on stdin and stdout.
    private static func serveInetd(_ settings: ServeSettings) throws -> ExitCode {
        let loop = try EventLoop()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { scratch.deallocate() }
        _ = StdioMode.makeNonBlocking(0)
        _ = StdioMode.makeNonBlocking(1)
        defer { StdioMode.restore() }
        var done = false
        let session = StreamSession(service: settings.service, socket: nil, input: 0, output: 1, peer: nil, loop: loop, scratch: scratch) { _, summary in
            settings.report(peer: "stdin", proto: .tcp, summary)
            done = true
            loop.stop()
        }
        // SIGINT or SIGTERM ends the session and exits 0, as a graceful stop should.
        let signals = try StopSignalWatch(on: loop) { session.close("stopped by a signal") }
        defer { withExtendedLifetime(signals) {} }
        try session.start(daytime: settings.daytime, idleTimeout: settings.idleTimeout)
        if !done { try loop.run() }
        return .success
    }
}
