import SwnetCLI
import SwnetCore
import SwnetSocket

/// The options of a session relayed between stdin and stdout and a peer,
/// declared once for connect and listen, and how they become `RelayOptions`.
enum SessionOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("stdin-eof", .choice(StdinEOFPolicy.allCases.map(\.rawValue)), placeholder: "ACTION", default: "shutdown",
                   help: "When stdin ends: shutdown our sending side and print the rest, keep the connection as it is, or close it"),
        OptionSpec("send", .text, help: "Send TEXT instead of reading stdin"),
        OptionSpec("crlf", short: "C", help: "Send line ends as CRLF"),
        OptionSpec("idle-timeout", .limit, help: "Give up after DUR without a byte either way (no limit unless given); with --udp instead, how long to wait for replies after stdin ends, 2s unless given"),
        OptionSpec("timeout", .limit, help: "Give up when the whole session takes longer than DUR"),
        OptionSpec("hexdump", short: "x", help: "Show the traffic on stderr as hexdump -C does, '>' sent and '<' received, each with its own offsets"),
    ]

    /// The relay's settings; with --json what arrives is counted, not written.
    static func relayOptions(_ invocation: Invocation, console: Console, udp: Bool) -> RelayOptions {
        var options = RelayOptions()
        options.stdinEOF = StdinEOFPolicy(rawValue: invocation.text("stdin-eof")!)!
        options.crlf = invocation.isSet("crlf")
        options.idleTimeout = invocation.duration("idle-timeout")
        options.totalTimeout = invocation.duration("timeout")
        options.preset = invocation.text("send").map { Array($0.utf8) }
        options.discardReceived = console.json
        options.trace = trace(invocation, console: console)
        if udp {
            options.datagrams = true
            options.linger = options.idleTimeout ?? .seconds(2)
            options.idleTimeout = nil
        }
        return options
    }

    /// `-x`'s hex dump, else `-vv`'s lines of data, else nil.
    static func trace(_ invocation: Invocation, console: Console) -> ((_ sent: Bool, UnsafeRawBufferPointer) -> Void)? {
        if invocation.isSet("hexdump") {
            let dump = HexDump()
            return { sent, bytes in console.err.write(dump.lines(bytes, sent: sent)) }
        }
        guard console.verbosity >= 2 && !console.quiet else { return nil }
        return { sent, bytes in console.err.write(DataTrace.lines(bytes, prefix: sent ? "> " : "< ")) }
    }
}
