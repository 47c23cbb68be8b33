import CSwnetLinux
import Glibc
import SwnetCore

/// A kernel pipe, the buffer splice() moves bytes through. Its owner is
/// whoever holds it; it is closed when let go.
public final class KernelPipe {
    let readEnd: Int32
    let writeEnd: Int32
    /// Bytes in the pipe, not yet moved on.
    var count = 0
    /// What the pipe holds at most.
    let capacity: Int

    /// The corresponding C function is `pipe2`.
    init(size: Int) throws {
        var ends: [Int32] = [-1, -1]
        try syscallValue("pipe2") { swnet_pipe(&ends) }
        readEnd = ends[0]
        writeEnd = ends[1]
        // A larger pipe moves more per splice; where the system refuses, the default (64 KiB) stays.
        let granted = swnet_set_pipe_size(writeEnd, Int32(size))
        capacity = granted > 0 ? Int(granted) : 64 * 1024
    }

    deinit {
        _ = try? syscall("close", retryOnInterrupt: false) { Glibc.close(readEnd) }
        _ = try? syscall("close", retryOnInterrupt: false) { Glibc.close(writeEnd) }
    }
}

/// Empty pipes kept for reuse by one event loop's tunnels: a connection
/// holds a pipe only while bytes are in flight, so thousands of idle
/// connections hold none, and a busy one does not pay pipe2() per burst.
public final class PipePool {
    private var idle: [KernelPipe] = []
    private let keep: Int
    private let size: Int

    /// Keeps at most `keep` empty pipes of `size` bytes each.
    public init(keep: Int = 64, size: Int = 64 * 1024) {
        self.keep = keep
        self.size = size
    }

    func take() throws -> KernelPipe {
        if let pipe = idle.popLast() { return pipe }
        return try KernelPipe(size: size)
    }

    /// Takes back a pipe; one that still holds bytes is closed instead.
    func give(_ pipe: KernelPipe) {
        if pipe.count == 0 && idle.count < keep { idle.append(pipe) }
    }
}

/// Moves bytes between descriptors inside the kernel.
enum Splice {
    /// The corresponding C function is `splice`.
    static func move(from: Int32, to: Int32, count: Int) throws -> IOResult<Int> {
        try syscall("splice") { swnet_splice(from, to, count) }
    }
}
