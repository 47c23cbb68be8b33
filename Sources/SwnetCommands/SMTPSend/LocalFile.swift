import Glibc
import SwnetCore
import SwnetSocket

/// Whole files and stdin as bytes, for bodies, attachments and ready
/// messages. A file that cannot be read is a local error (exit 10) that
/// names the file.
enum LocalFile {
    /// The file at `path`, or stdin when `path` is `-`.
    /// The corresponding C functions are `open` and `read`.
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" { return try SwnetError.context("stdin") { try readAll(0) } }
        return try SwnetError.context(path) {
            let fd = try syscallValue("open") { open(path, O_RDONLY | O_CLOEXEC) }
            defer { close(fd) }
            return try readAll(fd)
        }
    }

    /// Everything `fd` holds, to its end. A descriptor left non-blocking
    /// (a terminal shared with another program) is waited on, not spun on.
    static func readAll(_ fd: Int32) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            switch try Descriptor.read(fd, into: chunk) {
            case .done(0): return bytes
            case .done(let count): bytes += chunk[..<count]
            case .wouldBlock:
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&ready, 1, -1)
            }
        }
    }
}
