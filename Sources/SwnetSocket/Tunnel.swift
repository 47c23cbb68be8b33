import Glibc
import SwnetCore

/// Copies two connected byte streams into each other until both have
/// ended: a client and a server, as a forwarder joins them.
///
///     client --> [to server] --> server        server --> [to client] --> client
///
/// Each direction is a `Flow`. A flow starts by copying through memory: for
/// a request, a greeting or a daytime line, a read and a write cost less
/// than a pipe's two splices. Between two plain sockets, a flow that has
/// carried `Flow.spliceAfter` bytes is a bulk transfer and moves the rest
/// with splice() through a kernel pipe (no copy into this process); over
/// TLS, or where splice is refused, it keeps copying. Either way a flow
/// holds at most one pipe or one buffer, and only while its reader is
/// slower than its writer: a full pipe stops reading (back-pressure).
///
/// End-of-file is carried through (half-close): when one side shuts down
/// its sending side, the other reads end-of-file and can still answer.
///
/// A plain socket is registered once, edge-triggered, for everything
/// (`Interest.streamEdges`), and a backend keeps its connect's
/// registration: a short connection costs one epoll_ctl per socket, where a
/// level-triggered interest had to change again whenever a direction
/// blocked or ended. A flow therefore always moves bytes until a call would
/// block, and one that stops after its rounds with bytes still to move runs
/// again at once.
public final class Tunnel {
    public enum Side: String, Sendable { case client, server }

    public enum End: Sendable, CustomStringConvertible {
        /// Both directions ended; `first` is the side that closed first.
        case closed(first: Side)
        case reset(Side)
        case idle
        case failed(Side, SwnetError)
        /// Ended from outside (`close`).
        case stopped(String)

        public var description: String {
            switch self {
            case .closed(let side): return "\(side.rawValue) closed"
            case .reset(let side): return "reset by \(side.rawValue)"
            case .idle: return "idle timeout"
            case .failed(let side, let error): return "\(side.rawValue): \(error)"
            case .stopped(let why): return why
            }
        }
    }

    public struct Summary: Sendable {
        /// Bytes from the client to the server (preface included), and back.
        public let bytesToServer: Int
        public let bytesToClient: Int
        public let duration: Duration
        public let end: End
        /// Whether bytes moved through splice() (in either direction).
        public let spliced: Bool
    }

    public struct Options {
        public var idleTimeout: Duration?
        /// Use splice() between plain sockets.
        public var splice = true
        /// Bytes the server gets before anything from the client (a PROXY header).
        public var prefaceToServer: [UInt8] = []

        public init() {}
    }

    private let loop: EventLoop
    private let client: ByteStream
    private let server: ByteStream
    private let toServer: Flow
    private let toClient: Flow
    private let onEnd: (Summary) -> Void
    private let started = MonotonicClock.now
    private var idle: QuietTimer?
    private var firstClosed: Side?
    private var ended = false

    /// Prepares copying on `loop`; `start()` begins. `scratch` is the loop's shared copy
    /// buffer and `pipes` its pipe pool; `onEnd` runs once, after both
    /// descriptors are no longer watched, and must close them: they leave
    /// epoll when they are closed (`EventLoop.forget`).
    public init(client: ByteStream, server: ByteStream, options: Options, loop: EventLoop, pipes: PipePool,
                scratch: UnsafeMutableRawBufferPointer, onEnd: @escaping (Summary) -> Void) throws {
        self.loop = loop
        self.client = client
        self.server = server
        self.onEnd = onEnd
        let splice = options.splice && client is Socket && server is Socket
        toServer = Flow(from: client, to: server, maySplice: splice, pipes: pipes, scratch: scratch, preface: options.prefaceToServer)
        toClient = Flow(from: server, to: client, maySplice: splice, pipes: pipes, scratch: scratch, preface: [])
        // Registered as readable at once: registering with nothing would add and remove the descriptor.
        try loop.watch(client.descriptor, for: Self.firstInterest(of: client)) { [unowned self] ready in self.handle(ready, on: .client) }
        try loop.watch(server.descriptor, for: Self.firstInterest(of: server)) { [unowned self] ready in self.handle(ready, on: .server) }
        if let limit = options.idleTimeout {
            idle = QuietTimer(on: loop, limit: limit) { [unowned self] in self.finish(.idle) }
        }
    }

    /// Sends the preface and starts waiting; `onEnd` may run before this
    /// returns. A plain socket's bytes are left for epoll (or, after a
    /// connect, the loop's hand-over) to announce, with the peer's FIN if it
    /// came too (a read now would not know it was the last); a TLS session
    /// may already hold decrypted bytes epoll will not announce, so it is
    /// read at once.
    public func start() {
        if !(server is Socket) || toServer.hasPending { handle([.readable, .writable], on: .server) }
        if !(client is Socket) { handle([.readable, .writable], on: .client) }
    }

    /// Ends the tunnel from outside (a stop after the grace period).
    public func close(_ reason: String) { finish(.stopped(reason)) }

    private func handle(_ ready: Interest, on side: Side) {
        guard !ended else { return }
        let stream = side == .client ? client : server
        let outgoing = side == .client ? toServer : toClient      // reads from this side
        let incoming = side == .client ? toClient : toServer      // writes to this side
        let plain = stream is Socket
        // A plain socket's FIN: what it holds now is all it will send (not so for TLS, which may hold records).
        if plain && ready.contains(.peerClosed) { outgoing.sourceHungUp = true }
        step {
            if plain {
                // Edge-triggered: a flow that is not waiting for this socket has nothing to do with the news.
                let failed = ready.contains(.edgeTriggered)
                let writes = incoming.wantsWrite && (failed || ready.contains(.writable))
                let reads = outgoing.wantsRead && (failed || ready.contains(.readable))
                if writes { try run(incoming) }
                if reads { try run(outgoing) }
                if failed && !writes && !reads { return noticeError(on: side, stream) }
            } else {
                try run(incoming)
                try run(outgoing)
            }
            // A TLS session may hold decrypted bytes epoll will not announce: take them while there is room.
            for _ in 0..<Flow.rounds where outgoing.wantsRead && stream.hasBufferedInput && !ended {
                try run(outgoing)
            }
        }
    }

    /// Runs `moves`, then ends the tunnel when both flows are done or one
    /// failed, else waits for what the flows wait for.
    private func step(_ moves: () throws -> Void) {
        do {
            try moves()
            if ended { return }
            if toServer.done && toClient.done { return finish(.closed(first: firstClosed ?? .client)) }
            try updateInterest()
        } catch let failure as FlowFailure {
            finish(failure.end)
        } catch {
            finish(.stopped("\(error)"))
        }
    }

    /// Moves what a flow can move now and notes its end-of-file.
    private func run(_ flow: Flow) throws {
        let wasOpen = flow.sourceOpen
        flow.lastToEnd = (flow === toServer ? toClient : toServer).done
        let moved = try flow.pump(sourceSide: flow === toServer ? .client : .server)
        if moved { idle?.touch() }
        if wasOpen && !flow.sourceOpen && firstClosed == nil { firstClosed = flow === toServer ? .client : .server }
        if flow.unfinished && !flow.resumeScheduled { scheduleResume(flow) }
    }

    /// A flow that used up its rounds with bytes still to move: no new edge
    /// will announce them, so it runs again after the loop's other events.
    private func scheduleResume(_ flow: Flow) {
        flow.resumeScheduled = true
        loop.schedule(after: .zero) { [weak self] in
            guard let self, !self.ended else { return }
            flow.resumeScheduled = false
            self.step { try self.run(flow) }
        }
    }

    private func updateInterest() throws {
        try loop.update(client.descriptor, to: interest(of: client, reading: toServer, writing: toClient))
        try loop.update(server.descriptor, to: interest(of: server, reading: toClient, writing: toServer))
    }

    private func interest(of stream: ByteStream, reading: Flow, writing: Flow) -> Interest {
        if stream is Socket { return .streamEdges }
        var interest: Interest = []
        if reading.wantsRead { interest.formUnion(stream.readInterest) }
        if writing.wantsWrite || stream.hasPendingOutput { interest.formUnion(stream.writeInterest) }
        return interest
    }

    /// A socket with nothing to move was announced in error or hung up:
    /// a pending error ends the tunnel; a hang-up alone is met by the next
    /// read or write, as it would have been.
    private func noticeError(on side: Side, _ stream: ByteStream) {
        guard let socket = stream as? Socket, let errno = try? socket.pendingError() else { return }
        finish(errno.meansPeerClosed ? .reset(side) : .failed(side, SwnetError(errno)))
    }

    /// A plain socket's registration for life: with the peer's FIN, so the
    /// last read before it is known to be the last (no read of end-of-file),
    /// and edge-triggered, so a reset is announced even while nothing is to
    /// move on it. A TLS session waits for what its first read waits for.
    private static func firstInterest(of stream: ByteStream) -> Interest {
        stream is Socket ? .streamEdges : stream.readInterest
    }

    private func finish(_ end: End) {
        guard !ended else { return }
        ended = true
        idle?.cancel()
        loop.forget(client.descriptor)
        loop.forget(server.descriptor)
        toServer.release()
        toClient.release()
        onEnd(Summary(bytesToServer: toServer.moved, bytesToClient: toClient.moved, duration: .now - started, end: end,
                      spliced: toServer.spliced || toClient.spliced))
    }
}

/// How a flow failed, already in the tunnel's terms.
private struct FlowFailure: Error {
    let end: Tunnel.End
}

/// One direction of a tunnel: source --> (pipe | buffer) --> destination.
private final class Flow {
    let source: ByteStream
    let destination: ByteStream
    /// Both ends are plain sockets and splice is wanted (and not refused yet).
    private var maySplice: Bool
    /// Whether reads go to the pipe now, not to memory.
    private var splicing = false
    /// Whether any byte went through the pipe.
    private(set) var spliced = false
    private let pipes: PipePool
    private let scratch: UnsafeMutableRawBufferPointer
    /// Bytes that must reach the destination before the next read: the
    /// preface, or what a slow destination has not taken yet.
    private var pending: ByteBuffer?
    private var pipe: KernelPipe?
    private(set) var sourceOpen = true
    /// The source (a plain socket) has sent its FIN: a read that leaves room in the buffer was its last.
    var sourceHungUp = false
    /// The other direction has ended: passing on this end-of-file ends the
    /// tunnel, whose owner closes both sockets next.
    var lastToEnd = false
    /// End-of-file passed on: the destination's sending side is shut down.
    private(set) var done = false
    private(set) var moved = 0
    /// What the flow waits for, after the last pump.
    private(set) var wantsRead = true
    private(set) var wantsWrite = false
    /// The last pump used up its rounds with both sides still ready.
    private(set) var unfinished = false
    var resumeScheduled = false

    /// Bytes (the preface) wait for the destination.
    var hasPending: Bool { pending != nil }

    /// Rounds per wake-up, so one fast pair cannot starve the loop.
    static let rounds = 16
    /// Bytes a flow copies before it splices: past this it is a bulk transfer.
    static let spliceAfter = 64 * 1024

    init(from source: ByteStream, to destination: ByteStream, maySplice: Bool, pipes: PipePool,
         scratch: UnsafeMutableRawBufferPointer, preface: [UInt8]) {
        self.source = source
        self.destination = destination
        self.maySplice = maySplice
        self.pipes = pipes
        self.scratch = scratch
        if !preface.isEmpty {
            let buffer = ByteBuffer(capacity: max(preface.count, 1))
            preface.withUnsafeBytes { buffer.space().copyMemory(from: $0) }
            buffer.appended(preface.count)
            pending = buffer
            wantsWrite = true
        }
    }

    /// Moves bytes until the source or the destination would block;
    /// returns whether any byte moved.
    func pump(sourceSide: Tunnel.Side) throws -> Bool {
        let destinationSide: Tunnel.Side = sourceSide == .client ? .server : .client
        guard !done else { return false }
        unfinished = false
        var progress = false
        for _ in 0..<Flow.rounds {
            // 1. What is held goes first.
            if let buffer = pending {
                guard case .done(let count) = try attempt(destinationSide, { try destination.write(from: buffer.pending) }) else { return blocked(onWrite: progress) }
                buffer.consumed(count)
                moved += count
                progress = true
                if !buffer.isEmpty { continue }
                pending = nil
            }
            if let pipe, pipe.count > 0 {
                guard case .done(let count) = try attempt(destinationSide, { try Splice.move(from: pipe.readEnd, to: destination.descriptor, count: pipe.count) }) else {
                    return blocked(onWrite: progress)
                }
                pipe.count -= count
                moved += count
                progress = true
                if pipe.count > 0 { continue }
            }
            // 2. Nothing held: pass on end-of-file, or read more.
            guard sourceOpen else {
                // A plain socket about to be closed sends its FIN then: a shutdown first would be a call for nothing.
                if !(lastToEnd && destination is Socket) {
                    try attempt(destinationSide) { try destination.halfClose() }
                }
                done = true
                wantsRead = false
                wantsWrite = false
                returnPipe()
                return progress
            }
            if splicing {
                if try !spliceIn(sourceSide: sourceSide) { return blockedOnRead(progress) }
            } else {
                if try !copyIn(sourceSide: sourceSide, destinationSide: destinationSide) { return blockedOnRead(progress) }
            }
            progress = true
        }
        // Rounds used up with both sides ready: the tunnel runs it again.
        wantsRead = pending == nil && (pipe?.count ?? 0) == 0
        wantsWrite = !wantsRead
        unfinished = true
        return progress
    }

    /// Source to pipe; false when the source would block.
    private func spliceIn(sourceSide: Tunnel.Side) throws -> Bool {
        // Out of descriptors for a pipe: this read goes through memory, and a later one tries again.
        guard let pipe = try? self.pipe ?? pipes.take() else {
            splicing = false
            return try copyIn(sourceSide: sourceSide, destinationSide: sourceSide == .client ? .server : .client)
        }
        self.pipe = pipe
        let result: IOResult<Int>
        do {
            result = try Splice.move(from: source.descriptor, to: pipe.writeEnd, count: pipe.capacity)
        } catch let error as SwnetError where error.errno == Errno(EINVAL) || error.errno == Errno(ENOSYS) {
            maySplice = false                           // this descriptor cannot splice: copy through memory
            splicing = false
            returnPipe()
            return true
        } catch let error as SwnetError {
            throw failure(sourceSide, error)
        }
        guard case .done(let count) = result else { return false }
        if count == 0 {
            sourceOpen = false
        } else {
            pipe.count += count
            spliced = true
        }
        return true
    }

    /// Source to memory to destination; false when the source would block.
    private func copyIn(sourceSide: Tunnel.Side, destinationSide: Tunnel.Side) throws -> Bool {
        guard case .done(let count) = try attempt(sourceSide, { try source.read(into: scratch) }) else { return false }
        if count == 0 {
            sourceOpen = false
            return true
        }
        if maySplice && moved + count >= Flow.spliceAfter { splicing = true }  // from the next read on
        let data = UnsafeRawBufferPointer(rebasing: scratch[..<count])
        // After the FIN, a read that did not fill the buffer took the rest: the end-of-file
        // follows without another read, and goes out in the same segment as these bytes.
        let last = sourceHungUp && count < scratch.count
        if last { sourceOpen = false }
        var written = 0
        let result = try attempt(destinationSide) {
            if last, let socket = destination as? Socket { return try socket.writeBeforeShutdown(from: data) }
            return try destination.write(from: data)
        }
        if case .done(let taken) = result { written = taken }
        moved += written
        if written < count {                            // a slow destination: keep the rest, stop reading
            let buffer = ByteBuffer(capacity: scratch.count)
            buffer.space().copyMemory(from: UnsafeRawBufferPointer(rebasing: data[written...]))
            buffer.appended(count - written)
            pending = buffer
        }
        return true
    }

    private func blocked(onWrite progress: Bool) -> Bool {
        wantsRead = false
        wantsWrite = true
        return progress
    }

    private func blockedOnRead(_ progress: Bool) -> Bool {
        wantsRead = true
        wantsWrite = false
        returnPipe()                                    // idle between bursts: hold no pipe
        return progress
    }

    private func returnPipe() {
        if let pipe, pipe.count == 0 {
            pipes.give(pipe)
            self.pipe = nil
        }
    }

    /// Gives back the pipe or buffer when the tunnel ends.
    func release() {
        if let pipe { pipes.give(pipe) }
        pipe = nil
        pending = nil
    }

    /// Runs one call on `side`, turning its error into the tunnel's end.
    @discardableResult
    private func attempt<T>(_ side: Tunnel.Side, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SwnetError {
            throw failure(side, error)
        }
    }

    private func failure(_ side: Tunnel.Side, _ error: SwnetError) -> FlowFailure {
        if let errno = error.errno, errno.meansPeerClosed { return FlowFailure(end: .reset(side)) }
        return FlowFailure(end: .failed(side, error))
    }
}
