import CSwnetLinux
import Glibc
import SwnetCore

/// Wakes an event loop from another thread: an eventfd the loop watches.
/// The loop's thread runs the handler; other threads only call `wake()`.
public final class Waker: @unchecked Sendable {
    private let descriptor: Int32

    /// Watches a new eventfd on `loop`; `handler` runs on the loop's thread
    /// after any number of `wake()` calls.
    public init(on loop: EventLoop, handler: @escaping () throws -> Void) throws {
        descriptor = try syscallValue("eventfd") { eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC)) }
        let fd = descriptor
        try loop.watch(fd, for: .readable) { _ in
            var count: UInt64 = 0
            _ = try syscall("read") { Glibc.read(fd, &count, 8) }
            try handler()
        }
    }

    deinit { _ = try? syscall("close", retryOnInterrupt: false) { Glibc.close(descriptor) } }

    /// Safe from any thread.
    public func wake() {
        var one: UInt64 = 1
        _ = try? syscall("write") { Glibc.write(descriptor, &one, 8) }
    }
}
