import SwnetCLI
import SwnetCore
import SwnetSocket

/// `swnet udp-send`: send datagrams, and wait for replies if asked.
enum UDPSendCommand: Command {
    static let name = "udp-send"
    static let spec = CommandSpec(
        name, summary: "Send UDP datagrams from arguments or stdin; print replies",
        arguments: [
            ArgumentSpec("HOST:PORT", .host, help: "Where to send: name:port, 1.2.3.4:port, [::1]:port"),
            ArgumentSpec("MESSAGE", optional: true, variadic: true, help: "The datagram, the arguments joined by spaces; without it, stdin"),
        ],
        options: [
            OptionSpec("lines", help: "Send each line of stdin (or of MESSAGE) as its own datagram, without its line end"),
            OptionSpec("reply", .limit, default: "2s", optionalValue: true,
                       help: "Wait up to DUR for a reply to each datagram and print it, one a line; exit 5 if none came"),
            OptionSpec("count", short: "c", .integer(1...Int.max), default: "1", help: "Send the datagrams N times"),
            OptionSpec("interval", short: "i", .duration, default: "1s", onlyWith: .withOption("count"), help: "Pause DUR between rounds with --count"),
            OptionSpec("broadcast", short: "b", help: "Allow a broadcast address; with --reply, print every reply that comes within DUR"),
            OptionSpec("source", short: "s", .host, placeholder: "ADDR[:PORT]", help: "Send from this local address and port"),
        ],
        discussion: [
            "Without --reply, swnet exits 0 once the datagrams are sent. With it, each datagram waits for a reply: all answered exits 0, none 5, some 9. A reply that the host refuses (ICMP port unreachable) exits 4.",
        ],
        examples: [
            Example("swnet udp-send 127.0.0.1:514 '<13>hello from swnet'", "Send a syslog message"),
            Example("swnet udp-send --reply 127.0.0.1:7 ping", "Send a datagram to an echo service and print the answer"),
            Example("printf 'a\\nb\\n' | swnet udp-send --lines 127.0.0.1:9999", "Send two datagrams"),
        ])

    /// The largest UDP payload: 65535 less the IP and UDP headers.
    static func payloadLimit(_ family: AddressFamily) -> Int { family == .v4 ? 65507 : 65527 }

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let console = context.console
        let endpoint = try Endpoint.parse([invocation.arguments[0]])
        let source = try invocation.text("source").map { try Resolver.source($0, family: context.family, transport: .udp) }
        let port = try endpoint.portNumber(for: .udp)
        let address = try Resolver.resolve(endpoint.host, port: port, family: context.family ?? source?.family, transport: .udp)[0]
        let peer = "\(address)/udp"

        let message = invocation.arguments.count > 1
            ? Array(invocation.arguments.dropFirst().joined(separator: " ").utf8)
            : try readStandardInput(limit: invocation.isSet("lines") ? nil : payloadLimit(address.family))
        let datagrams = invocation.isSet("lines") ? lines(of: message) : [message]
        let limit = payloadLimit(address.family)
        if let large = datagrams.first(where: { $0.count > limit }) {
            let size = invocation.arguments.count > 1 || invocation.isSet("lines") ? "\(large.count) bytes" : "more than \(limit) bytes"
            throw SwnetError.usage("the datagram has \(size); UDP carries at most \(limit) over \(address.family == .v4 ? "IPv4" : "IPv6")")
        }

        let broadcast = invocation.isSet("broadcast")
        let socket = try Socket(family: address.family, transport: .udp)
        defer { socket.close() }
        if broadcast { try socket.allowBroadcast() }
        if let source { try socket.bind(source: source) }
        // A connected socket hears only its peer and learns of ICMP refusals;
        // broadcast replies come from anyone, so that socket stays unconnected.
        if !broadcast { try SwnetError.context(peer) { _ = try socket.startConnect(to: address) } }

        let replyWait = invocation.isSet("reply") ? invocation.duration("reply")! : nil
        let rounds = invocation.integer("count")!
        var sent = 0
        var answered = 0
        var replies: [JSONValue] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }

        for round in 0..<rounds {
            if round > 0 { _ = try socket.wait(for: [], timeout: invocation.duration("interval")!) }  // waiting for nothing: a pause
            for datagram in datagrams {
                try SwnetError.context(peer) {
                    _ = try socket.wait(for: .writable, timeout: nil)
                    _ = try datagram.withUnsafeBytes { try socket.send($0, to: broadcast ? address : nil) }
                }
                sent += 1
                console.verbose("sent \(datagram.count) bytes to \(peer)")
                guard let replyWait else { continue }

                var heard = false
                let deadline = MonotonicClock.now + replyWait
                while MonotonicClock.now < deadline, !heard || broadcast {
                    guard try socket.wait(for: .readable, timeout: deadline - .now) else { break }
                    guard case .done(let (count, from)) = try SwnetError.context(peer, { try socket.receive(into: buffer) }) else { continue }
                    heard = true
                    let data = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                    let sender = from?.description ?? address.description
                    console.verbose("reply of \(count) bytes from \(sender)")
                    if console.json {
                        replies.append(.object([("from", .string(sender)), ("bytes", .int(count)),
                                                ("data", .string(String(decoding: data, as: UTF8.self)))]))
                    } else {
                        // One reply a line: a newline follows each that does not end with one.
                        let text = String(decoding: data, as: UTF8.self)
                        console.out.write(data.last == UInt8(ascii: "\n") ? text : text + "\n")
                    }
                }
                if heard { answered += 1 } else { console.verbose("no reply from \(peer) within \(TimeSpan.format(replyWait))") }
            }
        }

        let report = JSONValue.object([("sent", .int(sent)), ("replies", .array(replies))])
        if let replyWait, answered == 0 {
            throw SwnetError(.timeout, "no reply within \(TimeSpan.format(replyWait)) (--reply)").adding(peer).with(report: report)
        }
        if console.json { console.emit(report) }
        guard let replyWait else { return .success }
        if answered == sent { return .success }
        console.note("udp-send: \(sent - answered) of \(sent) datagrams got no reply within \(TimeSpan.format(replyWait))")
        return .partial
    }

    /// stdin to its end; more than `limit` bytes is an error worth a clear
    /// message, so one byte beyond it is read to tell.
    private static func readStandardInput(limit: Int?) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            guard case .done(let count) = try SwnetError.context("stdin", { try Descriptor.read(0, into: chunk) }) else { continue }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            if let limit, bytes.count > limit { return bytes }
        }
    }

    /// The lines of `bytes` without their LF or CRLF; no empty last line.
    private static func lines(of bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { $0.last == UInt8(ascii: "\r") ? Array($0.dropLast()) : Array($0) }
            .dropLast(bytes.last == UInt8(ascii: "\n") ? 1 : 0)
    }
}
