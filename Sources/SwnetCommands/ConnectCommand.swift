import SwnetCLI
import SwnetCore
import SwnetSocket

/// `swnet connect`: the netcat that behaves the same everywhere.
enum ConnectCommand: Command {
    static let spec = CommandSpec(
        "connect", summary: "Talk to a port: stdin to the peer, the peer to stdout",
        usage: "[options] HOST:PORT | HOST PORT",
        arguments: [
            ArgumentSpec("HOST:PORT", .host, help: "Where to connect: name:port, 1.2.3.4:port, [::1]:port; with --scan PORT may be a list such as 20-25,80"),
            ArgumentSpec("PORT", optional: true, help: "The port, when the host is given alone as nc takes it"),
        ],
        options: [
            OptionSpec("udp", short: "u", help: "Use UDP: each read from stdin is one datagram"),
            OptionSpec("stdin-eof", .choice(StdinEOFPolicy.allCases.map(\.rawValue)), placeholder: "ACTION", default: "shutdown",
                       help: "When stdin ends: shutdown our sending side and print the rest, keep the connection as it is, or close it"),
            OptionSpec("send", .text, help: "Send TEXT instead of reading stdin"),
            OptionSpec("crlf", short: "C", help: "Send line ends as CRLF"),
            OptionSpec("connect-timeout", .duration, default: "10s", help: "Give up connecting after DUR"),
            OptionSpec("idle-timeout", .duration, help: "Give up after DUR without a byte either way; with --udp, how long to wait for replies after stdin ends (default: 2s)"),
            OptionSpec("timeout", .duration, help: "Give up when the whole session takes longer than DUR"),
            OptionSpec("source", short: "s", .host, placeholder: "ADDR[:PORT]", help: "Send from this local address and port"),
            OptionSpec("scan", short: "z", help: "Only check which ports are open; PORT may be a list and ranges (20-25,80)"),
            OptionSpec("concurrency", .integer(1...1000), default: "100", help: "Probe at most N ports at once with --scan"),
            OptionSpec("wait", .duration, help: "Retry the connect until the port opens or DUR passes; with --scan only check"),
        ],
        discussion: [
            "When stdin ends, swnet shuts down its sending side and keeps printing what the peer sends until the peer closes; when the peer closes first, it stops reading stdin, writes what is pending and exits 0.",
            "A scan reports each port open, closed (refused) or filtered (no answer within --connect-timeout), in port order, and exits 0 if all are open, 9 if some are, 4 if none is.",
        ],
        examples: [
            Example("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | swnet connect example.com:80", "Send a request and print the reply"),
            Example("swnet connect --wait 30s -z localhost:5432", "Wait until a database accepts connections"),
            Example("swnet connect -z 127.0.0.1:20-25,80,443", "Scan a few ports"),
            Example("echo hi | swnet connect -u 127.0.0.1:7", "Send a UDP datagram and print the echo"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let transport: Transport = invocation.isSet("udp") ? .udp : .tcp
        let endpoint = try Endpoint.parse(invocation.arguments)
        let source = try invocation.text("source").map { try Resolver.source($0, family: context.family, transport: transport) }
        let family = context.family ?? source?.family

        if invocation.isSet("scan") {
            guard transport == .tcp else { throw SwnetError.usage("--scan checks TCP ports only; UDP has no open or closed to see") }
            return try PortScan(endpoint: endpoint, source: source, family: family, invocation: invocation, console: context.console).run()
        }
        let port = try endpoint.portNumber(for: transport)
        let loop = try EventLoop()
        let connection = try transport == .tcp
            ? connectTCP(endpoint, port: port, source: source, family: family, invocation: invocation, loop: loop)
            : connectUDP(endpoint, port: port, source: source, family: family)
        defer { connection.socket.close() }

        let peer = "\(connection.address)/\(transport)"
        let console = context.console
        console.verbose("connected to \(peer) in \(milliseconds(connection.elapsed)) ms")

        var options = RelayOptions()
        options.stdinEOF = StdinEOFPolicy(rawValue: invocation.text("stdin-eof")!)!
        options.crlf = invocation.isSet("crlf")
        options.idleTimeout = invocation.duration("idle-timeout")
        options.totalTimeout = invocation.duration("timeout")
        options.preset = invocation.text("send").map { Array($0.utf8) }
        options.discardReceived = console.json
        if console.verbosity >= 2 && !console.quiet {
            options.trace = { sent, bytes in console.err.write(DataTrace.lines(bytes, prefix: sent ? "> " : "< ")) }
        }
        if transport == .udp {
            options.datagrams = true
            options.linger = options.idleTimeout ?? .seconds(2)
            options.idleTimeout = nil
        }
        let summary = try Relay(socket: connection.socket, peer: peer, options: options, loop: loop).run()

        console.verbose("sent \(summary.bytesSent) bytes, received \(summary.bytesReceived) bytes in \(milliseconds(summary.duration)) ms (\(summary.end.rawValue))")
        if console.json {
            console.emit(.object([
                ("address", .string(connection.address.host)),
                ("port", .int(Int(connection.address.port))),
                ("proto", .string(transport.rawValue)),
                ("connect_ms", .milliseconds(connection.elapsed.milliseconds)),
                ("bytes_sent", .int(summary.bytesSent)),
                ("bytes_received", .int(summary.bytesReceived)),
                ("duration_ms", .milliseconds(summary.duration.milliseconds)),
                ("end", .string(summary.end.rawValue)),
            ]))
        }
        return .success
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
        let start = ContinuousClock.now
        let address = try Resolver.resolve(endpoint.host, port: port, family: family, transport: .udp)[0]
        let socket = try Socket(family: address.family, transport: .udp)
        if let source { try socket.bind(to: source) }
        try SwnetError.context("\(address)/udp") { _ = try socket.startConnect(to: address) }
        return Connection(socket: socket, address: address, elapsed: .now - start)
    }
}

/// Milliseconds with one decimal, for diagnostics.
func milliseconds(_ duration: Duration) -> String {
    let tenths = (duration.milliseconds * 10).rounded()
    return "\(Int(tenths) / 10).\(Int(tenths) % 10)"
}
