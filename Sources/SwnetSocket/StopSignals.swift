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

    /// Why `wait()` returned.
    public enum Cause: Equatable {
        /// SIGINT or SIGTERM came from outside.
        case signal(Int32)
        /// A thread of this process called `requestStop()`.
        case requested

        /// "SIGINT" or "SIGTERM"; nil when no signal came.
        public var signalName: String? {
            guard case .signal(let number) = self else { return nil }
            return number == SIGINT ? "SIGINT" : "SIGTERM"
        }
    }

    /// Stops asked for from inside, so `wait()` can tell them from a real SIGTERM.
    private static let requests = SharedCounter()

    /// Asks the whole process to stop: a worker that is done (`--once`) or
    /// broken wakes the thread in `wait()`, which reports `.requested`.
    public static func requestStop() {
        requests.add(1)
        kill(getpid(), SIGTERM)
    }

    /// Waits for SIGINT or SIGTERM, or `requestStop()`. The corresponding C function is `sigwait`.
    public static func wait() -> Cause {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var signal: Int32 = 0
        sigwait(&set, &signal)
        return signal == SIGTERM && requests.value > 0 ? .requested : .signal(signal)
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
