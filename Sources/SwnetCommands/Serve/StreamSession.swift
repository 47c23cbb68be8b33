import SwnetCore
import SwnetSocket
import SwnetTLS

/// One client of a stream service: a TCP connection, a TLS session over
/// one (the handshake first, with its own timeout), or stdin and stdout
/// with `--inetd`.
///
/// A session owns no buffer while things flow: it reads into its worker's
/// scratch buffer and writes straight back. Only when the client does not
/// read its echo does it keep the rest (at most one read, 64 KiB) and stop
/// reading until that is gone — so memory per client stays bounded and a
/// stalled client slows no one else.
final class StreamSession {
    struct Summary {
        let bytesIn: Int
        let bytesOut: Int
        let duration: Duration
        let end: String
    }

    let service: Service
    private let peerAddress: SocketAddress?
    private let socket: Socket?
    private let input: Int32
    private let output: Int32
    private let loop: EventLoop
    private let scratch: UnsafeMutableRawBufferPointer
    private let onEnd: (StreamSession, Summary) -> Void
    /// Set when the connection speaks TLS; nil for plain text.
    private let tls: TLSSession?
    private var handshake: TLSHandshake?
    /// Why the handshake failed, for the caller's count; nil when it did not.
    private(set) var handshakeFailure: String?

    private var pending: ByteBuffer?
    private var chargenOffset = 0
    private var inputOpen = true
    private var bytesIn = 0
    private var bytesOut = 0
    private let started = MonotonicClock.now
    private var idle: QuietTimer?
    private var ended = false

    /// A session on an accepted TCP connection, which it then owns.
    convenience init(service: Service, socket: Socket, tls: TLSSession? = nil, peer: SocketAddress?, loop: EventLoop,
                     scratch: UnsafeMutableRawBufferPointer, onEnd: @escaping (StreamSession, Summary) -> Void) {
        self.init(service: service, socket: socket, tls: tls, input: socket.descriptor, output: socket.descriptor, peer: peer,
                  loop: loop, scratch: scratch, onEnd: onEnd)
    }

    init(service: Service, socket: Socket?, tls: TLSSession? = nil, input: Int32, output: Int32, peer: SocketAddress?, loop: EventLoop,
         scratch: UnsafeMutableRawBufferPointer, onEnd: @escaping (StreamSession, Summary) -> Void) {
        self.tls = tls
        self.service = service
        self.socket = socket
        self.input = input
        self.output = output
        self.peerAddress = peer
        self.loop = loop
        self.scratch = scratch
        self.onEnd = onEnd
    }

    /// The client's address, or "stdin" with `--inetd`.
    var peer: String { peerAddress?.description ?? "stdin" }

    /// Starts serving: daytime answers at once and ends; the others wait
    /// for events. Over TLS, the handshake comes first.
    func start(daytime: DaytimeFormat, idleTimeout: Duration?, handshakeTimeout: Duration = .seconds(10)) throws {
        guard let tls, !tls.handshakeDone else { return try serve(daytime: daytime, idleTimeout: idleTimeout) }
        let handshake = TLSHandshake(tls, on: loop)
        self.handshake = handshake
        handshake.start(timeout: handshakeTimeout, option: "--handshake-timeout") { [unowned self] failure in
            self.handshake = nil
            if let failure { return self.failHandshake(failure.description) }
            do {
                try self.serve(daytime: daytime, idleTimeout: idleTimeout)
            } catch {
                self.end("\(error)")
            }
        }
    }

    private func failHandshake(_ reason: String) {
        handshakeFailure = reason
        end(reason)
    }

    private func serve(daytime: DaytimeFormat, idleTimeout: Duration?) throws {
        if service == .daytime {
            var line = DaytimeLine(daytime)
            if let tls {
                bytesOut = line.send(to: tls)
            } else {
                bytesOut = line.send(to: output)
            }
            return end("served")
        }
        if input == output {
            try loop.watch(input, for: []) { [unowned self] ready in self.handle(ready) }
        } else {
            try loop.watch(input, for: []) { [unowned self] _ in self.handle(.readable) }
            try loop.watch(output, for: []) { [unowned self] _ in self.handle(.writable) }
        }
        if let idleTimeout {
            idle = QuietTimer(on: loop, limit: idleTimeout) { [unowned self] in self.end("idle timeout") }
        }
        updateInterest()
        // Data that came with the client's last handshake message is already
        // decrypted and buffered: epoll will not announce it.
        if tls?.hasBufferedInput == true { handle(.readable) }
    }

    /// Ends the session from outside: the server is stopping.
    func close(_ reason: String) { end(reason) }

    private func handle(_ ready: Interest) {
        guard !ended else { return }
        do {
            if let tls {
                if !ready.isDisjoint(with: tls.writeInterest) { try write() }
                if !ready.isDisjoint(with: tls.readInterest) { try read() }
                // Decrypted bytes epoll cannot see: take them while there is room.
                while !ended && inputOpen && (pending?.isEmpty ?? true) && tls.hasBufferedInput {
                    let before = bytesIn
                    try read()
                    if bytesIn == before { break }
                }
            } else {
                if ready.contains(.writable) { try write() }
                if ready.contains(.readable) { try read() }
            }
            if ended { return }
            // chargen goes on after a half-close, until the client is gone (RFC 864).
            if !inputOpen && service != .chargen && (pending?.isEmpty ?? true) { return end("peer closed") }
            updateInterest()
        } catch let error as SwnetError where error.errno?.meansPeerClosed == true {
            end("peer closed")
        } catch let error as SwnetError {
            end(error.description)
        } catch {
            end("\(error)")
        }
    }

    private func read() throws {
        guard case .done(let count) = try readInput(into: scratch) else { return }
        if count == 0 {
            inputOpen = false                                   // the client closed its side
            return
        }
        bytesIn += count
        idle?.touch()
        guard service == .echo else { return }                  // discard and chargen drop what they read
        let data = UnsafeRawBufferPointer(rebasing: scratch[..<count])
        var written = 0
        if case .done(let count) = try writeOutput(from: data) { written = count }
        bytesOut += written
        if written < count {                                    // the client is slow: keep the rest, stop reading
            let rest = pending ?? ByteBuffer(capacity: scratch.count)
            let space = rest.space()
            space.copyMemory(from: UnsafeRawBufferPointer(rebasing: data[written...]))
            rest.appended(count - written)
            pending = rest
        }
    }

    private func write() throws {
        switch service {
        case .echo:
            guard let rest = pending, case .done(let count) = try writeOutput(from: rest.pending) else { return }
            rest.consumed(count)
            bytesOut += count
            if rest.isEmpty { pending = nil }                   // drained: give the memory back
        case .chargen:
            let window = Chargen.stream[chargenOffset..<chargenOffset + Chargen.cycleLength]
            guard case .done(let count) = try window.withUnsafeBytes({ try writeOutput(from: $0) }) else { return }
            chargenOffset = (chargenOffset + count) % Chargen.cycleLength
            bytesOut += count
        default:
            return
        }
        idle?.touch()
    }

    private func readInput(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        if let tls { return try tls.read(into: buffer) }
        return try Descriptor.read(input, into: buffer)
    }

    private func writeOutput(from buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        if let tls { return try tls.write(from: buffer) }
        return try Descriptor.write(output, from: buffer)
    }

    private func updateInterest() {
        let backlog = !(pending?.isEmpty ?? true)
        let wantsRead = inputOpen && !backlog
        let wantsWrite = backlog || service == .chargen
        var both: Interest = []
        if wantsRead { both.formUnion(tls?.readInterest ?? .readable) }
        if wantsWrite { both.formUnion(tls?.writeInterest ?? .writable) }
        do {
            if input == output {
                try loop.update(input, to: both)
            } else {
                try loop.update(input, to: wantsRead ? .readable : [])
                try loop.update(output, to: wantsWrite ? .writable : [])
            }
        } catch {
            end("\(error)")
        }
    }

    private func end(_ reason: String) {
        guard !ended else { return }
        ended = true
        idle?.cancel()
        handshake?.cancel()
        if handshakeFailure == nil { tls?.close() }               // close_notify, without waiting
        if let socket {
            loop.forget(socket.descriptor)                      // closed next: close(2) takes it out of epoll
            socket.close()
        } else {
            loop.unwatch(input)
            loop.unwatch(output)
        }
        pending = nil
        onEnd(self, Summary(bytesIn: bytesIn, bytesOut: bytesOut, duration: .now - started, end: reason))
    }
}
