import CSwnetLinux
import SwnetCore

/// What the relay does when its input (stdin) ends.
public enum StdinEOFPolicy: String, CaseIterable, Sendable {
    /// Half-close: shut down our sending side and print the rest of the reply.
    case shutdown
    /// Send nothing more, say nothing, and wait for the peer to close.
    case keep
    /// Close the connection at once.
    case close
}

public struct RelayOptions {
    public var stdinEOF: StdinEOFPolicy = .shutdown
    /// Turn LF into CRLF on the way out (an LF already after a CR is left).
    public var crlf = false
    /// No byte either way for this long ends the session (exit 5).
    public var idleTimeout: Duration?
    /// UDP: once the input has ended, this long without a reply is the
    /// normal end of the session.
    public var linger: Duration?
    /// The whole session may take this long (exit 5).
    public var totalTimeout: Duration?
    /// Bytes to send instead of reading the input (`--send`).
    public var preset: [UInt8]?
    /// Count what arrives without writing it (`--json` keeps stdout for JSON).
    public var discardReceived = false
    /// UDP: each read from the input is one datagram, each datagram one write.
    public var datagrams = false
    /// Each direction's buffer; also the largest datagram.
    public var bufferSize = 64 * 1024
    /// Sees every chunk sent (true) or received (false), for `-vv`.
    public var trace: ((_ sent: Bool, UnsafeRawBufferPointer) -> Void)?

    public init() {}
}

/// How a relay session ended, and what it moved.
public struct RelaySummary: Sendable {
    public enum End: String, Sendable {
        case peerClosed = "peer closed"
        case inputClosed = "input ended"
        case quiet = "no reply within the idle timeout"
    }

    public let bytesSent: Int
    public let bytesReceived: Int
    public let duration: Duration
    public let end: End
}

/// Copies the input (stdin) to a socket and the socket to the output
/// (stdout), like OpenBSD netcat's `readwrite()`: four named slots, two
/// bounded buffers, and explicit half-close.
///
///     input --> [upstream] --> net-out     net-in --> [downstream] --> output
///
/// A full buffer stops its reader (back-pressure); an empty one stops its
/// writer. Each change of state below is one line with its own comment.
public final class Relay {
    private let loop: EventLoop
    private let connection: Socket
    private let socket: Int32
    private let peer: String
    private let options: RelayOptions
    private var input: Int32?
    private let output: Int32?

    private let upstream: ByteBuffer
    private let downstream: ByteBuffer
    private let scratch: ByteBuffer?

    private var preset: ArraySlice<UInt8>
    private var inputOpen: Bool
    private var peerOpen = true
    private var upstreamFinished = false
    private var lastByteWasCR = false
    private var sent = 0
    private var received = 0
    private var quietTimers: [QuietTimer] = []
    private var end: RelaySummary.End?

    /// `input` and `output` are descriptors the caller keeps owning
    /// (normally 0 and 1); `peer` names the socket in errors: `127.0.0.1:7/tcp`.
    public init(socket: Socket, peer: String, input: Int32 = 0, output: Int32 = 1, options: RelayOptions, loop: EventLoop) {
        self.loop = loop
        self.connection = socket
        self.socket = socket.descriptor
        self.peer = peer
        self.options = options
        self.output = options.discardReceived ? nil : output
        upstream = ByteBuffer(capacity: options.bufferSize)
        downstream = ByteBuffer(capacity: options.bufferSize)
        scratch = options.crlf ? ByteBuffer(capacity: options.bufferSize / 2) : nil
        preset = options.preset?[...] ?? []
        self.input = options.preset == nil ? input : nil
        inputOpen = true
    }

    /// Runs the session on the loop until it ends; throws on a failure or timeout.
    public func run() throws -> RelaySummary {
        let start = ContinuousClock.now
        try prepare()
        defer {
            for fd in [input, socket, output].compactMap({ $0 }) { loop.unwatch(fd) }
            StdioMode.restore()
        }
        if let idle = options.idleTimeout {
            whenQuiet(for: idle) { [unowned self] in
                throw SwnetError(.timeout, "idle for \(TimeSpan.format(idle)): no data either way (--idle-timeout)").adding(self.peer)
            }
        }
        defer { quietTimers.forEach { $0.cancel() } }
        let total = options.totalTimeout.map { limit in
            loop.schedule(after: limit) {
                throw SwnetError(.timeout, "session reached \(TimeSpan.format(limit)) (--timeout)").adding(self.peer)
            }
        }
        defer { total?.cancel() }
        try advance()
        if end == nil { try loop.run() }
        return RelaySummary(bytesSent: sent, bytesReceived: received, duration: .now - start, end: end ?? .peerClosed)
    }

    private func prepare() throws {
        if let fd = input {
            // A closed stdin (`<&-`) reads as empty.
            if !StdioMode.makeNonBlocking(fd) {
                input = nil
                inputOpen = false
            } else {
                try loop.watch(fd, for: []) { [unowned self] _ in try self.readInput() ; try self.advance() }
            }
        }
        try loop.watch(socket, for: []) { [unowned self] ready in
            if ready.contains(.writable) { try self.writeNetwork() }
            if ready.contains(.readable) { try self.readNetwork() }
            try self.advance()
        }
        if let fd = output {
            _ = StdioMode.makeNonBlocking(fd)
            try loop.watch(fd, for: []) { [unowned self] _ in try self.writeOutput() ; try self.advance() }
        }
    }

    // MARK: The four slots

    private func readInput() throws {
        guard let fd = input else { return }
        let limit = options.datagrams ? 65507 : (scratch == nil ? Int.max : upstream.freeSpace / 2)
        let target = scratch.map { $0.space(atMost: limit) } ?? upstream.space(atMost: limit)
        guard target.count > 0 else { return }
        guard case .done(let count) = try SwnetError.context("stdin", { try Descriptor.read(fd, into: target) }) else { return }
        if count == 0 {
            inputOpen = false                                   // stdin ended
            touch()
            return
        }
        if let scratch {
            scratch.appended(count)
            appendConvertingLineEnds(scratch.pending)           // stdin -> upstream, LF as CRLF
            scratch.consumed(count)
        } else {
            upstream.appended(count)                            // stdin -> upstream
        }
        touch()
        try writeNetwork()                                      // most writes succeed at once: no wait for EPOLLOUT
    }

    private func writeNetwork() throws {
        guard !upstream.isEmpty else { return }
        guard case .done(let count) = try SwnetError.context(peer, { try Descriptor.write(socket, from: upstream.pending) }) else { return }
        options.trace?(true, UnsafeRawBufferPointer(rebasing: upstream.pending[..<count]))
        upstream.consumed(count)                                // upstream -> net-out
        sent += count
        touch()
    }

    private func readNetwork() throws {
        let target = downstream.space()
        guard target.count > 0 else { return }
        guard case .done(let count) = try SwnetError.context(peer, { try Descriptor.read(socket, into: target) }) else { return }
        if count == 0 && !options.datagrams {
            peerOpen = false                                    // the peer closed its side
            return
        }
        received += count
        touch()
        options.trace?(false, UnsafeRawBufferPointer(rebasing: target[..<count]))
        if output == nil { return }                             // counted, not kept
        downstream.appended(count)                              // net-in -> downstream
        try writeOutput()                                       // most writes succeed at once: no wait for EPOLLOUT
    }

    private func writeOutput() throws {
        guard let fd = output, !downstream.isEmpty else { return }
        guard case .done(let count) = try SwnetError.context("stdout", { try Descriptor.write(fd, from: downstream.pending) }) else { return }
        downstream.consumed(count)                              // downstream -> stdout
        touch()
    }

    // MARK: State changes

    /// Applies the consequences of what the slots did, then sets what each
    /// descriptor waits for.
    private func advance() throws {
        if input == nil && inputOpen {
            takePreset()
        }
        if !peerOpen && !upstreamFinished {
            inputOpen = false                                   // the peer is gone: stop reading stdin
            upstream.removeAll()
            upstreamFinished = true
        }
        if !inputOpen && upstream.isEmpty && !upstreamFinished {
            upstreamFinished = true
            switch options.stdinEOF {
            case .shutdown where !options.datagrams:
                try SwnetError.context(peer) { try connection.shutdownWrite() }  // half-close: the peer reads EOF
            case .close:
                return finish(.inputClosed)                     // close at once
            case _ where options.datagrams:
                if let linger = options.linger {                // UDP: wait for the last replies
                    whenQuiet(for: linger) { [unowned self] in self.finish(.quiet) }
                }
            default:
                break                                           // keep: wait for the peer
            }
        }
        if !peerOpen && downstream.isEmpty {
            return finish(.peerClosed)                          // everything received is written
        }

        let datagrams = options.datagrams
        if let fd = input {
            let room = datagrams ? upstream.isEmpty : upstream.freeSpace > (scratch == nil ? 0 : 1)
            try loop.update(fd, to: inputOpen && room ? .readable : [])
        }
        var network: Interest = []
        if peerOpen && (datagrams ? downstream.isEmpty : downstream.freeSpace > 0) { network.insert(.readable) }
        if !upstream.isEmpty { network.insert(.writable) }
        try loop.update(socket, to: network)
        if let fd = output { try loop.update(fd, to: downstream.isEmpty ? [] : .writable) }
    }

    private func finish(_ how: RelaySummary.End) {
        end = how
        loop.stop()
    }

    /// Moves as much of `--send`'s text into the upstream buffer as fits.
    private func takePreset() {
        let limit = scratch == nil ? upstream.freeSpace : upstream.freeSpace / 2
        let chunk = preset.prefix(limit)
        preset = preset.dropFirst(chunk.count)
        chunk.withUnsafeBytes { bytes in
            if scratch == nil {
                let target = upstream.space()
                target.copyMemory(from: bytes)
                upstream.appended(bytes.count)                  // --send text -> upstream
            } else {
                appendConvertingLineEnds(bytes)
            }
        }
        if preset.isEmpty { inputOpen = false }                 // --send text all taken
    }

    /// Appends `bytes` with every LF not already after a CR turned into
    /// CRLF; the caller leaves room for twice as many bytes.
    private func appendConvertingLineEnds(_ bytes: UnsafeRawBufferPointer) {
        let target = upstream.space()
        var written = 0
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && !lastByteWasCR {
                target[written] = UInt8(ascii: "\r")
                written += 1
            }
            target[written] = byte
            written += 1
            lastByteWasCR = byte == UInt8(ascii: "\r")
        }
        upstream.appended(written)
    }

    /// Runs `action` once no byte has moved either way for `limit`.
    private func whenQuiet(for limit: Duration, _ action: @escaping () throws -> Void) {
        quietTimers.append(QuietTimer(on: loop, limit: limit) { [unowned self] in
            if end == nil { try action() }
        })
    }

    private func touch() {
        for timer in quietTimers { timer.touch() }
    }
}
