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
    /// When set, the peer's end of stream is passed on instead of ending
    /// the session: once all it sent is written out, the output is let go
    /// and this is called (to close a child's stdin), and the input is still
    /// relayed until it ends. `listen --exec` passes half-close both ways.
    public var onPeerEOF: (() -> Void)?
    /// A reset (or a broken pipe) from the peer ends the session as its
    /// close does instead of failing it: to a server with -k, a client that
    /// leaves that way is gone, not an error. `connect` keeps it an error.
    public var resetIsClose = false
    /// The input's and output's names in errors.
    public var inputName = "stdin"
    public var outputName = "stdout"

    public init() {}
}

/// How a relay session ended, and what it moved.
public struct RelaySummary: Sendable {
    public enum End: String, Sendable {
        case peerClosed = "peer closed"
        /// stdin ended (UDP: and no reply came for the linger after it).
        case inputClosed = "input ended"
        case stopped = "stopped"
    }

    public let bytesSent: Int
    public let bytesReceived: Int
    public let duration: Duration
    public let end: End

    /// A session stopped before it began (the server was stopping).
    public static let neverStarted = RelaySummary(bytesSent: 0, bytesReceived: 0, duration: .zero, end: .stopped)
}

/// Copies the input (stdin) to a byte stream (a socket or a TLS session)
/// and the stream to the output (stdout), like OpenBSD netcat's `readwrite()`: four named slots, two
/// bounded buffers, and explicit half-close.
///
///     input --> [upstream] --> net-out     net-in --> [downstream] --> output
///
/// A full buffer stops its reader (back-pressure); an empty one stops its
/// writer. Each change of state below is one line with its own comment.
public final class Relay {
    private let loop: EventLoop
    private let connection: ByteStream
    private let socket: Int32
    private let peer: String
    private let options: RelayOptions
    private var input: Int32?
    private var output: Int32?

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
    private var closeAtInputEnd = false
    private var started = MonotonicClock.now
    private var totalTimer: LoopTimer?
    private var completion: ((Result<RelaySummary, SwnetError>) -> Void)?

    /// `input` and `output` are descriptors the caller keeps owning
    /// (normally 0 and 1); `peer` names the stream in errors: `127.0.0.1:7/tcp`.
    public init(stream: ByteStream, peer: String, input: Int32 = 0, output: Int32 = 1, options: RelayOptions, loop: EventLoop) {
        self.loop = loop
        self.connection = stream
        self.socket = stream.descriptor
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

    /// Runs the session on the loop until it ends; throws on a failure or
    /// timeout. A stop of the loop from outside (a signal) ends it too.
    public func run() throws -> RelaySummary {
        var outcome: Result<RelaySummary, SwnetError>?
        try start { [loop] result in
            outcome = result
            loop.stop()
        }
        do {
            if outcome == nil { try loop.run() }
        } catch {
            stop()
            throw error
        }
        if outcome == nil { stop() }
        return try outcome!.get()
    }

    /// Starts the session on a loop that others share and returns at once;
    /// `completion` is called once, when it ends, with its summary or
    /// failure. Nothing the session meets is thrown from the loop.
    public func start(_ completion: @escaping (Result<RelaySummary, SwnetError>) -> Void) throws {
        self.completion = completion
        started = .now
        try prepare()
        if let idle = options.idleTimeout {
            whenQuiet(for: idle) { [unowned self] in
                throw SwnetError(.timeout, "no data for \(TimeSpan.format(idle)) (--idle-timeout)").adding(self.peer)
            }
        }
        totalTimer = options.totalTimeout.map { limit in
            loop.schedule(after: limit) { [unowned self] in
                self.step { throw SwnetError(.timeout, "gave up after \(TimeSpan.format(limit)) (--timeout)").adding(self.peer) }
            }
        }
        step { try advance() }
    }

    /// Ends the session now (the server is stopping).
    public func stop() {
        conclude(.success(summary(.stopped)))
    }

    /// From now on the input's end closes the connection (at once if it
    /// has ended): the child of `--exec` exited, and a client that keeps
    /// its side open must not keep the session alive.
    public func closeWhenInputEnds() {
        guard end == nil, completion != nil else { return }
        if upstreamFinished { return finish(.inputClosed) }
        closeAtInputEnd = true
        step { try advance() }
    }

    private func prepare() throws {
        if let fd = input {
            // A closed stdin (`<&-`) reads as empty.
            if !StdioMode.makeNonBlocking(fd) {
                input = nil
                inputOpen = false
            } else {
                try loop.watch(fd, for: []) { [unowned self] _ in self.step { try self.readInput() ; try self.advance() } }
            }
        }
        try loop.watch(socket, for: []) { [unowned self] ready in
            self.step {
                if !ready.isDisjoint(with: self.connection.writeInterest) { try self.writeNetwork() }
                if !ready.isDisjoint(with: self.connection.readInterest) { try self.readNetwork() }
                try self.advance()
            }
        }
        if let fd = output {
            _ = StdioMode.makeNonBlocking(fd)
            try loop.watch(fd, for: []) { [unowned self] _ in self.step { try self.writeOutput() ; try self.advance() } }
        }
    }

    /// Runs one reaction to an event; a failure ends the session.
    private func step(_ body: () throws -> Void) {
        guard completion != nil, end == nil else { return }
        do {
            try body()
        } catch is PeerReset {
            finish(.peerClosed)                                 // the peer left with a reset (`resetIsClose`)
        } catch let error as SwnetError {
            conclude(.failure(error))
        } catch {
            conclude(.failure(SwnetError(.failure, "\(error)").adding(peer)))
        }
    }

    /// What has moved so far: for the report of a session that failed.
    public var progress: RelaySummary { summary(.stopped) }

    private func summary(_ how: RelaySummary.End) -> RelaySummary {
        RelaySummary(bytesSent: sent, bytesReceived: received, duration: .now - started, end: how)
    }

    /// Lets go of every descriptor and timer, then reports, once.
    private func conclude(_ result: Result<RelaySummary, SwnetError>) {
        guard let completion else { return }
        self.completion = nil
        if end == nil { end = .stopped }
        for fd in [input, socket, output].compactMap({ $0 }) { loop.unwatch(fd) }
        if input == 0 || output == 1 { StdioMode.restore() }
        quietTimers.forEach { $0.cancel() }
        totalTimer?.cancel()
        completion(result)
    }

    // MARK: The four slots

    private func readInput() throws {
        guard let fd = input else { return }
        let limit = options.datagrams ? 65507 : (scratch == nil ? Int.max : upstream.freeSpace / 2)
        let target = scratch.map { $0.space(atMost: limit) } ?? upstream.space(atMost: limit)
        guard target.count > 0 else { return }
        guard case .done(let count) = try SwnetError.context(options.inputName, { try Descriptor.read(fd, into: target) }) else { return }
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
        if connection.hasPendingOutput { try onConnection { try connection.flush() } }
        guard !upstream.isEmpty else { return }
        guard case .done(let count) = try onConnection({ try connection.write(from: upstream.pending) }) else { return }
        options.trace?(true, UnsafeRawBufferPointer(rebasing: upstream.pending[..<count]))
        upstream.consumed(count)                                // upstream -> net-out
        sent += count
        touch()
    }

    private func readNetwork() throws {
        let target = downstream.space()
        guard target.count > 0 else { return }
        guard case .done(let count) = try onConnection({ try connection.read(into: target) }) else { return }
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

    /// Runs a call on the connection, its errors naming the peer; with
    /// `resetIsClose`, a reset or broken pipe is the peer gone.
    private func onConnection<T>(_ body: () throws -> T) throws -> T {
        do {
            return try SwnetError.context(peer, body)
        } catch let error as SwnetError where options.resetIsClose && error.errno?.meansPeerClosed == true {
            throw PeerReset()
        }
    }

    private func writeOutput() throws {
        guard let fd = output, !downstream.isEmpty else { return }
        let result: IOResult<Int>
        do {
            result = try Descriptor.write(fd, from: downstream.pending)
        } catch let error as SwnetError where error.errno?.meansPeerClosed == true && options.onPeerEOF != nil {
            downstream.removeAll()                              // a child that stopped reading: the rest is counted, not kept
            loop.unwatch(fd)
            output = nil
            return
        } catch let failure as SwnetError {
            // The one phrasing and exit code for an output that cannot take the data (10).
            throw SwnetError(.local, "cannot write \(options.outputName): \(failure.errno?.description ?? failure.reason)", errno: failure.errno)
        }
        guard case .done(let count) = result else { return }
        downstream.consumed(count)                              // downstream -> stdout
        touch()
    }

    // MARK: State changes

    /// Applies the consequences of what the slots did, then sets what each
    /// descriptor waits for.
    private func advance() throws {
        // A TLS session may hold decrypted bytes epoll cannot see: take them while there is room.
        while peerOpen && end == nil && connection.hasBufferedInput && downstream.freeSpace > 0 {
            let before = received
            try readNetwork()
            if received == before { break }
        }
        if input == nil && inputOpen {
            takePreset()
        }
        if !peerOpen && !upstreamFinished && options.onPeerEOF == nil {
            inputOpen = false                                   // the peer is gone: stop reading stdin
            upstream.removeAll()
            upstreamFinished = true
        }
        if !inputOpen && upstream.isEmpty && !upstreamFinished {
            upstreamFinished = true
            switch closeAtInputEnd ? .close : options.stdinEOF {
            case .shutdown where !options.datagrams:
                try SwnetError.context(peer) { try connection.halfClose() }  // the peer reads EOF
            case .close:
                return finish(.inputClosed)                     // close at once
            case _ where options.datagrams:
                if let linger = options.linger {                // UDP: wait for the last replies
                    whenQuiet(for: linger) { [unowned self] in self.finish(.inputClosed) }
                }
            default:
                break                                           // keep: wait for the peer
            }
        }
        if !peerOpen && downstream.isEmpty {
            guard let passOn = options.onPeerEOF else {
                return finish(.peerClosed)                      // everything received is written
            }
            if let fd = output {
                loop.unwatch(fd)
                output = nil
                passOn()                                        // the peer's EOF passed on to the output
            }
            if upstreamFinished { return finish(.peerClosed) }  // both directions ended
        }

        let datagrams = options.datagrams
        if let fd = input {
            let room = datagrams ? upstream.isEmpty : upstream.freeSpace > (scratch == nil ? 0 : 1)
            try loop.update(fd, to: inputOpen && room ? .readable : [])
        }
        var network: Interest = []
        if peerOpen && (datagrams ? downstream.isEmpty : downstream.freeSpace > 0) { network.formUnion(connection.readInterest) }
        if !upstream.isEmpty || connection.hasPendingOutput { network.formUnion(connection.writeInterest) }
        try loop.update(socket, to: network)
        if let fd = output { try loop.update(fd, to: downstream.isEmpty ? [] : .writable) }
    }

    private func finish(_ how: RelaySummary.End) {
        end = how
        conclude(.success(summary(how)))
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
            self.step { try action() }
        })
    }

    private func touch() {
        for timer in quietTimers { timer.touch() }
    }
}

/// The peer reset the connection, under `RelayOptions.resetIsClose`.
private struct PeerReset: Error {}
