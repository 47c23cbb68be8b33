import SwnetCore

/// A connected, non-blocking byte stream: a plain socket, or a TLS session
/// over one. The relay and the servers copy through this, so every feature
/// of theirs (back-pressure, half-close, timeouts, traces) works the same
/// over TLS.
public protocol ByteStream: AnyObject {
    /// The descriptor the event loop watches.
    var descriptor: Int32 { get }
    /// Reads what has arrived; `.done(0)` is the peer's end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int>
    /// Writes what it can of `buffer`.
    func write(from buffer: UnsafeRawBufferPointer) throws -> IOResult<Int>
    /// Ends our sending side; the peer reads end-of-file and can still answer.
    func shutdownWrite() throws
    /// The readiness a read that would block waits for. A TLS read can need
    /// to write first (a key update), so it is not always `.readable`.
    var readInterest: Interest { get }
    /// The readiness a write that would block waits for.
    var writeInterest: Interest { get }
    /// Bytes already read from the descriptor but not yet returned: epoll
    /// will not report them, so a reader with room must read again.
    var hasBufferedInput: Bool { get }
    /// Protocol bytes (a TLS close_notify) still to send when writable.
    var hasPendingOutput: Bool { get }
    /// Sends pending protocol bytes; called when writable.
    func flush() throws
}

extension ByteStream {
    /// Ends our sending side, as `shutdownWrite`, where the peer may have
    /// left already: a server that answers and closes (daytime) resets
    /// what reaches it after that, and the reset can come in before our
    /// end goes out (EPIPE, ECONNRESET, ENOTCONN). That is no failure of
    /// the half-close: nothing more could reach that peer, what it sent is
    /// still to be read, and reading says how it ended.
    public func halfClose() throws {
        do {
            try shutdownWrite()
        } catch let error as SwnetError where error.errno.map({ $0.meansPeerClosed || $0.meansNotConnected }) == true {
            return
        }
    }
}

extension Socket: ByteStream {
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        try Descriptor.read(descriptor, into: buffer)
    }

    public func write(from buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        try Descriptor.write(descriptor, from: buffer)
    }

    public var readInterest: Interest { .readable }
    public var writeInterest: Interest { .writable }
    public var hasBufferedInput: Bool { false }
    public var hasPendingOutput: Bool { false }
    public func flush() throws {}
}
