#if canImport(Glibc)
import Glibc
#endif

/// A C `errno` value with a Swift name.
///
/// Only the socket layer's syscall wrapper reads the global `errno`; it
/// hands the value on as an `Errno`, which knows what it means for the user:
/// its message and its exit code.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The C library's message, lower-cased to read well after a colon:
    /// "connection refused". The corresponding C function is `strerror`.
    public var description: String {
        guard let text = strerror(rawValue) else { return "error \(rawValue)" }
        return String(cString: text).asReason
    }

    /// ECONNREFUSED: a host answered that nothing listens there.
    public var isConnectionRefused: Bool { rawValue == ECONNREFUSED }

    /// EACCES: for a bind, a port below 1024 without privileges.
    public var isPermissionDenied: Bool { rawValue == EACCES }

    /// EAFNOSUPPORT or EADDRNOTAVAIL: the system lacks this address family
    /// or address (IPv6 turned off).
    public var isAddressUnavailable: Bool { rawValue == EAFNOSUPPORT || rawValue == EADDRNOTAVAIL }

    /// EPIPE or ECONNRESET: the peer has closed the connection.
    public var meansPeerClosed: Bool { rawValue == EPIPE || rawValue == ECONNRESET }

    /// ENOTCONN: the connection is no more (a reset ended it).
    public var meansNotConnected: Bool { rawValue == ENOTCONN }

    /// EMFILE, ENFILE, ENOBUFS, ENOMEM or EAGAIN (from a spawn: no process
    /// left): the system is short of something that comes free again, so
    /// a server waits and retries instead of giving up on the client.
    public var meansShortage: Bool { [EMFILE, ENFILE, ENOBUFS, ENOMEM, EAGAIN].contains(rawValue) }

    /// How the exit-code table classifies this failure.
    public var exitCode: ExitCode {
        switch rawValue {
        case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN:
            return .unreachable
        case ETIMEDOUT:
            return .timeout
        case EADDRINUSE, EADDRNOTAVAIL, EACCES, EMFILE, ENFILE, ENOBUFS, ENOMEM, ENOSPC, EROFS, ENOENT, EISDIR:
            return .local
        default:
            // ECONNRESET, EPIPE and the rest: the connection failed mid-way.
            return .failure
        }
    }
}
