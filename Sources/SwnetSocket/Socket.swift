import CSwnetLinux
import Glibc
import SwnetCore

/// The sole owner of one socket descriptor. It is closed exactly once: by
/// `close()`, or when the owner lets go of it.
public final class Socket {
    /// -1 once closed.
    public private(set) var descriptor: Int32
    public let family: AddressFamily
    public let transport: Transport

    /// A new non-blocking, close-on-exec socket. The corresponding C function is `socket`.
    public init(family: AddressFamily, transport: Transport) throws {
        let type = transport.socketType | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        descriptor = try syscallValue("socket") { Glibc.socket(family.constant, type, 0) }
        self.family = family
        self.transport = transport
    }

    /// Takes ownership of a descriptor that `accept` returned.
    init(adopting descriptor: Int32, family: AddressFamily, transport: Transport) {
        self.descriptor = descriptor
        self.family = family
        self.transport = transport
    }

    deinit { close() }

    public func close() {
        guard descriptor >= 0 else { return }
        _ = try? syscall("close", retryOnInterrupt: false) { Glibc.close(descriptor) }
        descriptor = -1
    }

    public func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        try syscallValue("setsockopt") { setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// Lets a bind reuse a local address still in TIME_WAIT (SO_REUSEADDR).
    public func allowAddressReuse() throws {
        try setOption(SOL_SOCKET, SO_REUSEADDR, 1)
    }

    /// Allows sending to a broadcast address (SO_BROADCAST).
    public func allowBroadcast() throws {
        try setOption(SOL_SOCKET, SO_BROADCAST, 1)
    }

    /// Blocks until the socket is ready for `interest` or `timeout` passes
    /// (false). For simple one-socket commands that need no event loop.
    /// The corresponding C function is `poll`.
    public func wait(for interest: Interest, timeout: Duration?) throws -> Bool {
        var events: Int16 = 0
        if interest.contains(.readable) { events |= Int16(POLLIN) }
        if interest.contains(.writable) { events |= Int16(POLLOUT) }
        let deadline = timeout.map { MonotonicClock.now + $0 }
        while true {
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let wait = deadline.map { Int32(max(0, ($0 - .now).milliseconds.rounded(.up))) } ?? -1
            let ready = try syscallValue("poll") { poll(&entry, 1, wait) }
            if ready > 0 { return true }
            if let deadline, MonotonicClock.now >= deadline { return false }
        }
    }

    /// The corresponding C function is `bind`.
    public func bind(to address: SocketAddress) throws {
        try SwnetError.context(address.named(transport)) {
            try address.withSockaddr { pointer, length in
                try syscallValue("bind") { Glibc.bind(descriptor, pointer, length) }
            }
        }
    }

    /// Binds to the local address to send from (`-s/--source`); a failure
    /// names it as the source: `source 10.9.9.9:0/tcp: cannot assign requested address`.
    public func bind(source address: SocketAddress) throws {
        do {
            try bind(to: address)
        } catch let error as SwnetError {
            // Without its errno, so a caller that words errnos after the destination leaves this one alone.
            throw SwnetError(error.code, error.errno?.description ?? error.reason).adding("source \(address)/\(transport)")
        }
    }

    /// The corresponding C function is `listen`.
    public func listen(backlog: Int32 = 4096) throws {
        try syscallValue("listen") { Glibc.listen(descriptor, backlog) }
    }

    /// The next waiting connection, non-blocking and close-on-exec, with
    /// its peer's address, or `.wouldBlock` when none is waiting.
    /// The corresponding C function is `accept4`.
    public func accept() throws -> IOResult<(socket: Socket, peer: SocketAddress?)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                switch try syscall("accept4", { swnet_accept(descriptor, address, &length) }) {
                case .wouldBlock: return .wouldBlock
                case .done(let fd):
                    return .done((Socket(adopting: fd, family: family, transport: transport), SocketAddress(address, length: length)))
                }
            }
        }
    }

    /// Lets several sockets bind the same address and port, so each thread
    /// has its own listener and the kernel spreads the load (SO_REUSEPORT).
    public func allowPortSharing() throws {
        try setOption(SOL_SOCKET, SO_REUSEPORT, 1)
    }

    /// Keeps an IPv6 socket to IPv6 alone, so `::` and `0.0.0.0` can both be bound.
    public func restrictToIPv6() throws {
        try setOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1)
    }

    /// Starts a connect: true when it completed at once, false while it is
    /// in progress (wait until writable, then read `pendingError`).
    /// The corresponding C function is `connect`.
    public func startConnect(to address: SocketAddress) throws -> Bool {
        try address.withSockaddr { pointer, length in
            switch try syscall("connect", { Glibc.connect(descriptor, pointer, length) }) {
            case .done: return true
            case .wouldBlock: return false
            }
        }
    }

    /// The error of a finished non-blocking connect, nil on success.
    /// The corresponding C call is `getsockopt(SO_ERROR)`.
    public func pendingError() throws -> Errno? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try syscallValue("getsockopt") { getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &value, &length) }
        return value == 0 ? nil : Errno(value)
    }

    /// Writes what it can of `buffer` and says more follows at once
    /// (MSG_MORE): a `shutdownWrite()` right after sends these bytes and
    /// the end-of-file in one segment, so the peer wakes once.
    /// The corresponding C function is `send`.
    public func writeBeforeShutdown(from buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        try syscall("send") { Glibc.send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_MORE) | Int32(MSG_NOSIGNAL)) }
    }

    /// Ends our sending side; the peer reads end-of-file.
    /// The corresponding C function is `shutdown`.
    public func shutdownWrite() throws {
        try syscallValue("shutdown") { Glibc.shutdown(descriptor, Int32(SHUT_WR)) }
    }

    /// The address the socket is bound to. The corresponding C function is `getsockname`.
    public func localAddress() throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                _ = try syscallValue("getsockname") { getsockname(descriptor, address, &length) }
            }
        }
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, length: length)! }
        }
    }

    /// Receives one datagram and its sender. The corresponding C function is `recvfrom`.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<(count: Int, from: SocketAddress?)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                switch try syscall("recvfrom", { recvfrom(descriptor, buffer.baseAddress, buffer.count, 0, address, &length) }) {
                case .wouldBlock: return .wouldBlock
                case .done(let count): return .done((count, SocketAddress(address, length: length)))
                }
            }
        }
    }

    /// The sender of the next datagram, which stays queued for the next
    /// read (MSG_PEEK); `.wouldBlock` when none is waiting.
    public func peekSender() throws -> IOResult<SocketAddress?> {
        var byte: UInt8 = 0
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                switch try syscall("recvfrom", { recvfrom(descriptor, &byte, 1, Int32(MSG_PEEK), address, &length) }) {
                case .wouldBlock: return .wouldBlock
                case .done: return .done(SocketAddress(address, length: length))
                }
            }
        }
    }

    /// Sends one datagram, to `address` or to the connected peer.
    /// The corresponding C functions are `sendto` and `send`.
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress? = nil) throws -> IOResult<Int> {
        guard let address else {
            return try syscall("send") { Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
        }
        return try address.withSockaddr { pointer, length in
            try syscall("sendto") { sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), pointer, length) }
        }
    }
}

/// Reads and writes on any descriptor: sockets, pipes, terminals, files.
public enum Descriptor {
    /// The corresponding C function is `read`.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// The corresponding C function is `write`.
    public static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        try syscall("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// Sends what Nagle's algorithm still holds back, and later writes at
    /// once (TCP_NODELAY). A descriptor that is not a TCP socket refuses,
    /// and that is fine: it holds nothing back.
    /// The corresponding C function is `setsockopt`.
    public static func sendWithoutDelay(_ fd: Int32) {
        var on: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }
}
