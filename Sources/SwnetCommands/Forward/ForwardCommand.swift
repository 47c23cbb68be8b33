import SwnetCLI
import SwnetCore
import SwnetSocket
import SwnetTLS

/// `swnet forward`: a TCP or UDP forwarder and load balancer in one line.
enum ForwardCommand: Command {
    static let name = "forward"
    static let spec = CommandSpec(
        name, summary: "Forward TCP or UDP to balanced, health-checked backends",
        arguments: [
            ArgumentSpec("LISTEN", .text, help: "Where to listen: [ADDR:]PORT (every address without ADDR) or unix:PATH; port 0 takes a free one"),
            ArgumentSpec("BACKEND", .host, variadic: true,
                         help: "HOST:PORT or unix:PATH, optionally with ,weight=N (1-1000, default 1) and ,max-conns=N"),
        ],
        options: [
            OptionSpec("balance", .choice(BalancePolicy.allCases.map(\.rawValue)), placeholder: "POLICY", default: "round-robin",
                       help: "How new clients are spread: round-robin, least-conn, source-hash (by client IP, sticky) or random; all honour weights"),
            OptionSpec("health-check", .limit, placeholder: "DUR",
                       help: "Connect to every backend each DUR; \(BackendPool.failuresToDown) failures in a row take it out until a check passes"),
            OptionSpec("udp", short: "u", help: "Forward UDP: a session per client address, ended after --idle-timeout"),
            OptionSpec("max-conns", .integer(1...Int.max), default: "10000", help: "Close new clients at once above N open connections (UDP: sessions)"),
            OptionSpec("backend-max-conns", .integer(1...Int.max), help: "At most N connections per backend (a backend's ,max-conns=N wins)"),
            OptionSpec("connect-timeout", .limit, default: "5s", help: "A client's time to reach a backend, shared by the backends it tries; a backend's TLS handshake (--backend-tls) has as long again"),
            OptionSpec("idle-timeout", .limit, default: "5m", help: "Close a connection after DUR without a byte either way"),
            OptionSpec("grace", .duration, default: "10s", help: "On SIGINT or SIGTERM, stop accepting and give open connections DUR to finish"),
            OptionSpec("threads", .integer(1...256), help: "Event loops to run, one thread each (default: the number of cores)"),
            OptionSpec("send-proxy", .choice(ProxyHeader.Version.allCases.map(\.rawValue)), placeholder: "VERSION",
                       help: "Send each backend a PROXY protocol header (v1 text, v2 binary) naming the client"),
            OptionSpec("accept-proxy", help: "Read a PROXY protocol header (v1 or v2) from each client; needs --allow, the proxies trusted to send one"),
            OptionSpec("no-splice", help: "Copy through memory instead of splice(), for comparison"),
        ] + AccessOptions.specs + TLSOptions.serverSpecs + TLSOptions.backendSpecs,
        discussion: [
            "Each client is joined to one backend and bytes are copied both ways until both sides have closed; a client that shuts down its sending side makes the backend read end-of-file while the answer still flows back, and the same the other way. A short exchange (a request, a greeting) is copied through memory, which costs fewer calls; between plain sockets, a direction that has carried 64 KiB moves the rest with splice() through a kernel pipe, never through swnet's memory; over TLS everything is copied through a buffer. Either way a connection holds at most 64 KiB per direction, and only while one side is slower than the other.",
            "A client tries the backend its policy chooses first; one that refuses or does not answer is skipped and the next one is tried, all within the client's --connect-timeout. A name is resolved again after a connect to it fails, so a backend that moves is found. With every backend down or full, a client is closed at once.",
            "Once every socket listens, swnet reports each on stderr (with --json, a {\"event\":\"listening\",...} line per socket on stdout). -v adds a line per connection: client, backend, bytes each way, duration and how it ended (client closed, backend closed, idle timeout, reset, refused, no backend); with --json, a {\"event\":\"connection\",...} object. A backend going down or coming back is always reported.",
            "--send-proxy lets backends such as nginx (listen ... proxy_protocol) or HAProxy see the client's address. --accept-proxy takes that header from a proxy in front, and only from peers inside --allow. --tls terminates TLS for the clients (with --cert and --key, or a self-signed certificate made at start); --backend-tls speaks TLS to the backends, verifying them unless -k.",
            "SIGINT or SIGTERM stops accepting, lets open connections finish within --grace, then exits 0. With -u, a session whose last datagram still waits for the backend's reply stays until that reply has gone back; the others end at once.",
        ],
        examples: [
            Example("swnet forward 8080 127.0.0.1:80", "What socat TCP-LISTEN,fork does, without a process per client"),
            Example("swnet forward 127.0.0.1:8080 10.0.0.1:80 10.0.0.2:80,weight=2 --health-check 2s", "Balance over two backends, the second taking twice the clients"),
            Example("swnet forward --balance source-hash 8080 app1:80 app2:80", "Each client keeps its backend"),
            Example("swnet forward --tls --cert cert.pem --key key.pem 443 127.0.0.1:8080", "Terminate TLS in front of a plain-text service"),
            Example("swnet forward --send-proxy v2 8080 127.0.0.1:8081", "Tell the backend who the client is"),
            Example("swnet forward -u 5353 127.0.0.1:53", "Forward DNS over UDP"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let console = context.console
        let udp = invocation.isSet("udp")
        let transport: Transport = udp ? .udp : .tcp
        let listen = try listenAddresses(invocation.arguments[0], family: context.family, transport: transport)
        var backends = try invocation.arguments.dropFirst().map { try BackendSpec.parse($0, transport: transport) }
        if let limit = invocation.integer("backend-max-conns") {
            for index in backends.indices where backends[index].maxConnections == nil { backends[index].maxConnections = limit }
        }
        try checkCombinations(invocation, udp: udp)
        let access = try AccessOptions.accessControl(invocation)
        let clientTLS = try clientTLSContext(invocation, console: console)
        let backendTLS = try TLSOptions.backend(invocation).map { try TLSClient.context($0, console: console) }

        let pool = BackendPool(backends, policy: BalancePolicy(rawValue: invocation.text("balance")!)!)
        // Names are resolved now, so a typo stops the start (exit 3) instead of every client.
        for index in backends.indices { _ = try pool.addresses(index, family: context.family, transport: transport) }

        let settings = ForwardSettings(
            pool: pool, console: console, family: context.family, access: access, maxConnections: invocation.integer("max-conns")!,
            idleTimeout: invocation.duration("idle-timeout"), connectTimeout: invocation.duration("connect-timeout")!, grace: invocation.duration("grace")!,
            splice: !invocation.isSet("no-splice"), sendProxy: invocation.text("send-proxy").flatMap(ProxyHeader.Version.init(rawValue:)),
            acceptProxy: invocation.isSet("accept-proxy"), clientTLS: clientTLS, backendTLS: backendTLS,
            handshakeTimeout: invocation.duration("handshake-timeout") ?? .seconds(10))

        OpenFileLimit.raiseToHardLimit()
        // Threads inherit this mask, so only `StopSignals.wait()` below sees SIGINT and SIGTERM.
        StopSignals.block()
        let threads = invocation.integer("threads") ?? SystemThread.processorCount
        let sockets = try ListeningSockets(addresses: listen.addresses, port: listen.port, transports: [transport], copies: threads)
        defer { sockets.removeSocketFiles() }
        reportReady(sockets, settings: settings)

        let workers = try (0..<threads).map { index in
            try ForwardWorker(settings: settings, streamListeners: sockets.stream[index], datagramSockets: sockets.datagram[index])
        }
        let checker = try invocation.duration("health-check").map { try HealthChecker(settings: settings, interval: $0) }
        let running = try workers.map { worker in try SystemThread { worker.thread.run() } }
        let checking = try checker.map { checker in try SystemThread { checker.run() } }
        if let notice = StopNotice.text("forward", cause: StopSignals.wait(), open: settings.open.value, grace: settings.grace) { console.verbose(notice) }
        workers.forEach { $0.thread.requestStop() }
        running.forEach { $0.join() }
        checker?.requestStop()
        checking?.join()
        console.verbose("forward: stopped after \(counted(settings.served.value, "connection")); \(settings.turnedAway.value) turned away")
        if let failure = workers.compactMap(\.thread.failure).first { throw failure }
        return .success
    }

    /// `[ADDR:]PORT` or `unix:PATH`: the addresses to bind and the port.
    static func listenAddresses(_ text: String, family: AddressFamily?, transport: Transport) throws -> (addresses: [(address: SocketAddress, optional: Bool)], port: UInt16) {
        if let unix = try Endpoint.unixAddress(text) { return ([(unix, false)], 0) }
        if Int(text) != nil {
            let port = try Endpoint.port(text, for: transport, use: .local)
            let wildcards = [("0.0.0.0", AddressFamily.v4), ("::", .v6)].filter { family == nil || $0.1 == family }
            return (wildcards.map { (SocketAddress(numeric: $0.0, port: 0)!, family == nil && $0.1 == .v6) }, port)
        }
        guard let (host, portText) = Endpoint.split(text), let portText else {
            throw SwnetError.usage("LISTEN '\(text)' is not [ADDR:]PORT or unix:PATH")
        }
        let port = try Endpoint.port(portText, for: transport, use: .local)
        return ([(try Resolver.resolve(host, port: 0, family: family, transport: transport)[0], false)], port)
    }

    /// Options that cannot go together, refused before anything is bound.
    private static func checkCombinations(_ invocation: Invocation, udp: Bool) throws {
        if udp {
            for option in ["tls", "backend-tls", "send-proxy", "accept-proxy", "health-check"] where invocation.isSet(option) {
                throw SwnetError.usage("--\(option) works over TCP only: not with --udp")
            }
        }
        if invocation.isSet("accept-proxy") && invocation.texts("allow").isEmpty {
            throw SwnetError.usage("--accept-proxy needs --allow: name the proxies trusted to send the header")
        }
    }

    private static func clientTLSContext(_ invocation: Invocation, console: Console) throws -> TLSContext? {
        guard invocation.isSet("tls") else {
            try TLSOptions.rejectWithoutTLS(invocation, specs: TLSOptions.serverSpecs)
            return nil
        }
        let context = try TLSContext(TLSOptions.server(invocation, names: ["127.0.0.1", "::1"]))
        context.warnings.forEach(console.note)
        return context
    }

    /// The ready report: one line (or JSON event) per listening socket, before any client is taken.
    private static func reportReady(_ sockets: ListeningSockets, settings: ForwardSettings) {
        let console = settings.console
        let backends = settings.pool.backends.map(\.name)
        let fingerprint = settings.clientTLS?.ownCertificate.map(Fingerprint.sha256(of:))
        for socket in sockets.reports {
            if console.json {
                let tls: [(String, JSONValue)] = settings.clientTLS == nil ? [] : [("tls", .bool(true)), ("sha256", fingerprint.map(JSONValue.string) ?? .null)]
                console.emit(.object([("event", .string("listening")), ("service", .string("forward")), ("proto", .string(socket.transport.rawValue)),
                                      ("address", .string(socket.address.host)), ("port", .int(Int(socket.address.port))),
                                      ("backends", .array(backends.map(JSONValue.string))), ("balance", .string(settings.pool.policy.rawValue))] + tls))
            } else {
                let over = settings.clientTLS == nil ? "" : " over TLS, certificate SHA-256 \(fingerprint ?? "?")"
                console.note("forwarding \(socket.address.named(socket.transport))\(over) to \(backends.joined(separator: ", ")) (\(settings.pool.policy.rawValue))")
            }
        }
    }
}
