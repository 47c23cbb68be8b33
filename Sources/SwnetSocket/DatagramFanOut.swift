import SwnetCore

/// `listen -u -k`: every datagram that arrives goes to stdout, and each
/// read of stdin goes as one datagram to every peer heard from within the
/// last `memory` (the idle timeout). A peer silent for longer is
/// forgotten; nothing is sent while no peer is remembered, so stdin waits.
public final class DatagramFanOut {
    private let sockets: [Socket]
    private let loop: EventLoop
    private let memory: Duration
    private let input: Int32
    private let trace: ((_ sent: Bool, UnsafeRawBufferPointer) -> Void)?
    private let access: AccessControl
    private let onNewPeer: (SocketAddress) -> Void
    private let onRefused: (SocketAddress, String) -> Void
    private var downstream: PendingOutput!
    private let upstream = ByteBuffer(capacity: 65536)
    private var peers: [String: (address: SocketAddress, socket: Socket, heard: MonotonicClock.Instant)] = [:]
    private var inputOpen = true
    public private(set) var datagramsReceived = 0

    /// `sockets` are the bound sockets (one per address family); each peer
    /// is answered from the socket it was heard on.
    /// Datagrams from peers `access` refuses are dropped unread by anyone.
    public init(sockets: [Socket], memory: Duration, access: AccessControl = AccessControl(), input: Int32 = 0, output: Int32? = 1, loop: EventLoop,
                trace: ((_ sent: Bool, UnsafeRawBufferPointer) -> Void)? = nil,
                onNewPeer: @escaping (SocketAddress) -> Void, onRefused: @escaping (SocketAddress, String) -> Void = { _, _ in }) throws {
        self.sockets = sockets
        self.loop = loop
        self.memory = memory
        self.input = input
        self.trace = trace
        self.access = access
        self.onNewPeer = onNewPeer
        self.onRefused = onRefused
        for socket in sockets {
            try loop.watch(socket.descriptor, for: .readable) { [unowned self] _ in try self.receive(on: socket) ; try self.update() }
        }
        if StdioMode.makeNonBlocking(input) {
            try loop.watch(input, for: []) { [unowned self] _ in try self.readInput() ; try self.update() }
        } else {
            inputOpen = false
        }
        downstream = try PendingOutput(descriptor: output, capacity: 65536, loop: loop) { [unowned self] in try self.update() }
    }

    /// Lets go of the socket's, stdin's and stdout's watches.
    public func stop() {
        for fd in sockets.map(\.descriptor) + [input] { loop.unwatch(fd) }
        downstream.stop()
        StdioMode.restore()
    }

    private func receive(on socket: Socket) throws {
        guard downstream.isEmpty else { return }
        let target = downstream.space()
        guard case .done(let (count, from))? = try? socket.receive(into: target), let from else { return }
        if let reason = access.refusal(of: from) { return onRefused(from, reason) }
        datagramsReceived += 1
        if peers.updateValue((from, socket, .now), forKey: from.description) == nil { onNewPeer(from) }
        trace?(false, UnsafeRawBufferPointer(rebasing: target[..<count]))
        try downstream.appended(count)                          // a datagram -> stdout
    }

    private func readInput() throws {
        let now = MonotonicClock.now
        peers = peers.filter { now - $0.value.heard < memory }  // forget the silent
        guard inputOpen, !peers.isEmpty else { return }
        guard case .done(let count) = try SwnetError.context("stdin", { try Descriptor.read(input, into: upstream.space(atMost: 65507)) }) else { return }
        if count == 0 {
            inputOpen = false
            loop.unwatch(input)
            return
        }
        upstream.appended(count)
        trace?(true, upstream.pending)
        for peer in peers.values {                             // stdin -> every peer heard from
            _ = try? peer.socket.send(upstream.pending, to: peer.address)
        }
        upstream.removeAll()
    }

    private func update() throws {
        if inputOpen { try loop.update(input, to: peers.isEmpty ? [] : .readable) }
        try downstream.update()
        for socket in sockets { try loop.update(socket.descriptor, to: downstream.isEmpty ? .readable : []) }
    }
}
