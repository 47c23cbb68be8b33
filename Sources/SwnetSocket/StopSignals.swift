import CSwnetLinux
import Glibc
import SwnetCore

/// SIGINT and SIGTERM as events a server waits for, instead of handlers.
public enum StopSignals {
    /// Blocks SIGINT and SIGTERM in this thread and the threads it starts
    /// from now on, so `wait()` can receive them.
    public static func block() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Asks the whole process to stop as if SIGTERM had come: a worker that
    /// is done (`--once`) or broken wakes the thread in `wait()`.
    public static func requestStop() {
        kill(getpid(), SIGTERM)
    }

    /// Waits for SIGINT or SIGTERM and returns it. The corresponding C function is `sigwait`.
    public static func wait() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var signal: Int32 = 0
        sigwait(&set, &signal)
        return signal
    }
}

/// SIGINT and SIGTERM as readiness on an event loop (a signalfd), for a
/// single-threaded server such as `serve --inetd`.
public final class StopSignalWatch {
    private let descriptor: Int32
    private let loop: EventLoop

    /// Blocks the two signals and runs `handler` on the loop when one comes.
    public init(on loop: EventLoop, handler: @escaping () throws -> Void) throws {
        StopSignals.block()
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        descriptor = try syscallValue("signalfd") { signalfd(-1, &set, Int32(SFD_NONBLOCK) | Int32(SFD_CLOEXEC)) }
        self.loop = loop
        let fd = descriptor
        try loop.watch(fd, for: .readable) { _ in
            var info = signalfd_siginfo()
            _ = try syscall("read") { Glibc.read(fd, &info, MemoryLayout<signalfd_siginfo>.size) }
            try handler()
        }
    }

    deinit {
        loop.unwatch(descriptor)
        _ = try? syscall("close", retryOnInterrupt: false) { Glibc.close(descriptor) }
    }
}
