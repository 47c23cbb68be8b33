#if canImport(Glibc)
import Glibc
#endif

/// What a call on a non-blocking descriptor did.
public enum IOResult<Value> {
    case done(Value)
    /// EAGAIN, EWOULDBLOCK or EINPROGRESS: try again when the descriptor is ready.
    case wouldBlock
}

/// Calls `body`, a libc function that returns -1 and sets `errno` on
/// failure. This is the one place in swnet that reads `errno`.
///
/// EINTR is retried (unless `retryOnInterrupt` is false: `close` must never
/// be retried on Linux), would-block becomes `.wouldBlock`, errnos that can
/// only mean a bug in swnet (EBADF, EFAULT) stop the program, and every other
/// errno is thrown as a `SwnetError` naming `call`.
///
/// Inlinable, so that each caller gets a copy specialised for its integer
/// type: unspecialised, every read and write paid for a generic call and the
/// metadata of `IOResult<Result>`.
@inlinable
public func syscall<Result: FixedWidthInteger>(
    _ call: StaticString, retryOnInterrupt: Bool = true, _ body: () -> Result
) throws -> IOResult<Result> {
    while true {
        let result = body()
        if result != -1 { return .done(result) }
        let code = errno
        switch code {
        case EINTR where retryOnInterrupt:
            continue
        case EAGAIN, EWOULDBLOCK, EINPROGRESS:
            return .wouldBlock
        case EBADF, EFAULT:
            preconditionFailure("\(call): \(Errno(code)): a descriptor or pointer misused")
        default:
            throw SwnetError(Errno(code)).adding("\(call)")
        }
    }
}

/// `syscall` for calls that cannot block: a would-block result is a bug.
@inlinable
@discardableResult
public func syscallValue<Result: FixedWidthInteger>(_ call: StaticString, _ body: () -> Result) throws -> Result {
    switch try syscall(call, body) {
    case .done(let value): return value
    case .wouldBlock: throw SwnetError(Errno(EAGAIN)).adding("\(call)")
    }
}

/// The errno a library call left behind (OpenSSL's SSL_ERROR_SYSCALL),
/// read here so that errno is still read in one file.
public func lastSystemError() -> Errno? {
    errno == 0 ? nil : Errno(errno)
}
