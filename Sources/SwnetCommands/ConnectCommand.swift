import SwnetCLI
import SwnetCore
import SwnetSocket
import SwnetTLS

/// `swnet connect`: the netcat that behaves the same everywhere.
enum ConnectCommand: Command {
    static let name = "connect"
    static let spec = CommandSpec(
        name, summary: "Talk to a port: stdin to the peer, the peer to stdout",
        usage: "[options] HOST:PORT | HOST PORT",
        arguments: [
            ArgumentSpec("HOST:PORT", .host, help: "Where to connect: name:port, 1.2.3.4:port, [::1]:port, or a Unix socket unix:/path or unix:@name; with --scan PORT may be a list such as 20-25,80"),
            ArgumentSpec("PORT", optional: true, help: "The port, when the host is given alone as nc takes it"),
        ],
        options: [
            OptionSpec("udp", short: "u", excludes: ["scan", "wait"], help: "Use UDP: each read from stdin is one datagram"),
            OptionSpec("connect-timeout", .limit, default: "10s", help: "Give up connecting after DUR"),
            OptionSpec("source", short: "s", .host, placeholder: "ADDR[:PORT]", help: "Send from this local address and port"),
            OptionSpec("scan", short: "z", excludes: ["stdin-eof", "send", "crlf", "idle-timeout", "timeout", "hexdump"], help: "Only check which ports are open; PORT may be a list and ranges (20-25,80)"),
            OptionSpec("concurrency", .integer(1...1000), default: "100", onlyWith: .withOption("scan"), help: "Probe at most N ports at once with --scan"),
            OptionSpec("wait", .limit, help: "Retry the connect until the port opens or DUR passes; with --scan only check"),
        ] + SessionOptions.specs + TLSOptions.switchSpecs + TLSOptions.clientSpecs + [TLSOptions.startTLSSpec],
        discussion: [
            "When stdin ends, swnet shuts down its sending side and keeps printing what the peer sends until the peer closes; when the peer closes first, it stops reading stdin, writes what is pending and exits 0.",
            "With --tls the server's certificate is verified against the system's CAs (and --cacert) and the host name, or the IP address for an IP literal; a failure exits 6 naming the reason and the certificate's SHA-256 fingerprint. -k skips verification and says so; --pin is checked even then. The TLS handshake and a --starttls dialogue (which implies --tls) have --connect-timeout each. When stdin ends, close_notify is sent and the reply is still read; a server that closes without close_notify is reported with -v.",
            "A scan writes the open ports on stdout, one a line, in port order; -v tells of every port on stderr, open, closed (refused) or filtered (no answer within --connect-timeout), and --json lists every port. It exits 0 if all are open, 9 if some are, 4 if none is.",
        ],
        examples: [
            Example("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | swnet connect example.com:80", "Send a request and print the reply"),
            Example("swnet connect --wait 30s -z localhost:5432", "Wait until a database accepts connections"),
            Example("swnet connect -z 127.0.0.1:20-25,80,443", "Scan a few ports"),
            Example("echo hi | swnet connect -u 127.0.0.1:7", "Send a UDP datagram and print the echo"),
            Example("printf 'HEAD / HTTP/1.0\\r\\n\\r\\n' | swnet connect --tls example.com:443", "Talk HTTPS by hand"),
        ],
        foreignFlags: [
            ForeignFlag("-l", "connect is the client side (nc -l listens); swnet listen PORT is the server side"),
            ForeignFlag("-e", "connect runs no program (nc -e); swnet listen --exec PROGRAM runs one per client"),
            ForeignFlag("-N", "connect already shuts down its sending side when stdin ends (nc -N); --stdin-eof keep or close changes that"),
            ForeignFlag("-w", "the timeouts are named (nc -w): --connect-timeout, --idle-timeout and --timeout"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let transport: Transport = invocation.isSet("udp") ? .udp : .tcp
        let endpoint = try Endpoint.parse(invocation.arguments)
        let unix = invocation.arguments.count == 1 ? try Endpoint.unixAddress(invocation.arguments[0]) : nil
        if unix != nil && (transport == .udp || invocation.isSet("scan") || invocation.isSet("source")) {
            throw SwnetError.usage("a unix: address is a stream socket: not with --udp, --scan or --source")
        }
        let source = try invocation.text("source").map { try Resolver.source($0, family: context.family, transport: transport) }
        let family = context.family ?? source?.family
        let startTLS = TLSOptions.startTLS(invocation)
        let tls = TLSOptions.isRequested(invocation) || startTLS != nil ? try TLSOptions.client(invocation) : nil
        if tls == nil && invocation.isSet("insecure") {
            // -k is curl's --insecure here; nc users mean keep-open, which is the server's side.
            throw SwnetError.usage("--insecure (-k) needs --tls; nc's -k, keep listening for more clients, is swnet listen -k")
        }
        if tls == nil { try TLSOptions.rejectWithoutTLS(invocation, specs: TLSOptions.clientSpecs) }
        if tls != nil && (transport == .udp || invocation.isSet("scan")) {
            throw SwnetError.usage("--tls works over a TCP connection: not with \(transport == .udp ? "--udp" : "--scan")")
        }
        // Bad files and options are found before anything is sent.
        let tlsContext = try tls.map { try TLSClient.context($0, console: context.console) }

        if invocation.isSet("scan") {
            return try PortScan(endpoint: endpoint, source: source, family: family, invocation: invocation, console: context.console).run()
        }
        let loop = try EventLoop()
        let connection: Connection
        if let unix {
            connection = try HappyEyeballs.connect(to: [unix], timeout: invocation.duration("connect-timeout"), on: loop)
        } else {
            let port = try endpoint.portNumber(for: transport)
            connection = try transport == .tcp
                ? connectTCP(endpoint, port: port, source: source, family: family, invocation: invocation, loop: loop)
                : connectUDP(endpoint, port: port, source: source, family: family)
        }
        defer { connection.socket.close() }

        let peer = connection.address.named(transport)
        let console = context.console
        console.verbose("connected to \(peer) in \(milliseconds(connection.elapsed)) ms")

        let options = SessionOptions.relayOptions(invocation, console: console, udp: transport == .udp)
        if let startTLS {
            let trace = options.trace.map { trace in { (sent: Bool, bytes: [UInt8]) in bytes.withUnsafeBytes { trace(sent, $0) } } }
            let limit = invocation.duration("connect-timeout")!
            try SwnetError.context(peer) {
                try TLSClient.startTLS(startTLS, on: connection.socket, until: .now + limit, limit: limit, trace: trace)
            }
            console.verbose("\(startTLS.rawValue): the server agreed to STARTTLS")
        }
        let session = try tlsContext.map { context in
            try TLSClient.handshake(context, socket: connection.socket, host: endpoint.host, peer: peer,
                                    timeout: invocation.duration("connect-timeout"), loop: loop, console: console)
        }
        defer { session?.close() }
        let relay = Relay(stream: session ?? connection.socket, peer: peer, options: options, loop: loop)
        let summary: RelaySummary
        do {
            summary = try relay.run()
        } catch var failure as SwnetError {
            // A session cut short (a timeout, a reset) still reports what moved, with the error inside.
            failure.report = report(connection, transport: transport, relay.progress, end: nil, session: session)
            throw failure
        }

        if session?.closedWithoutNotify == true {
            console.verbose("\(peer) closed the connection without TLS close_notify: what was received may be cut short")
        }
        console.verbose("sent \(summary.bytesSent) bytes, received \(summary.bytesReceived) bytes in \(milliseconds(summary.duration)) ms (\(summary.end.rawValue))")
        if console.json { console.emit(report(connection, transport: transport, summary, end: summary.end.rawValue, session: session)) }
        return .success
    }

    /// The `--json` summary of a session; `end` is nil when it failed (the error says how).
    private static func report(_ connection: Connection, transport: Transport, _ summary: RelaySummary, end: String?, session: TLSSession?) -> JSONValue {
        .object([
            ("address", .string(connection.address.host)),
            ("port", .int(Int(connection.address.port))),
            ("proto", .string(transport.rawValue)),
            ("connect_ms", .milliseconds(connection.elapsed.milliseconds)),
            ("bytes_sent", .int(summary.bytesSent)),
            ("bytes_received", .int(summary.bytesReceived)),
            ("duration_ms", .milliseconds(summary.duration.milliseconds)),
        ] + (end.map { [("end", .string($0))] } ?? []) + (session.map { [("tls", TLSClient.json($0))] } ?? []))
    }

    /// Happy Eyeballs to every address of the host; with `--wait`, again
    /// and again (backing off, at most 1 s apart) until it works or time is up.
    private static func connectTCP(_ endpoint: Endpoint, port: UInt16, source: SocketAddress?, family: AddressFamily?,
                                   invocation: Invocation, loop: EventLoop) throws -> Connection {
        let connectTimeout = invocation.duration("connect-timeout")!
        let attempt = { (limit: Duration) throws -> Connection in
            let addresses = try Resolver.resolve(endpoint.host, port: port, family: family, transport: .tcp)
            return try HappyEyeballs.connect(to: addresses, from: source, timeout: min(connectTimeout, limit), on: loop)
        }
        guard let wait = invocation.duration("wait") else { return try attempt(connectTimeout) }
        return try PortWait.retry(for: wait, target: "\(endpoint)/tcp", loop: loop, attempt)
    }

    /// UDP has no handshake: "connecting" fixes the peer, so replies from
    /// others are ignored and an ICMP refusal is reported.
    private static func connectUDP(_ endpoint: Endpoint, port: UInt16, source: SocketAddress?, family: AddressFamily?) throws -> Connection {
        let start = MonotonicClock.now
        let address = try Resolver.resolve(endpoint.host, port: port, family: family, transport: .udp)[0]
        let socket = try Socket(family: address.family, transport: .udp)
        if let source { try socket.bind(source: source) }
        try SwnetError.context("\(address)/udp") { _ = try socket.startConnect(to: address) }
        return Connection(socket: socket, address: address, elapsed: .now - start)
    }
}

/// Milliseconds with one decimal, for diagnostics.
func milliseconds(_ duration: Duration) -> String {
    let tenths = (duration.milliseconds * 10).rounded()
    return "\(Int(tenths) / 10).\(Int(tenths) % 10)"
}
