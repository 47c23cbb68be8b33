import Glibc
import SwnetCore

/// Where the bytes of one URL go, written as they arrive: nothing is held
/// in memory beyond the chunk libcurl hands over, so a download of any size
/// runs in constant memory.
///
/// A file is opened when the first byte of an accepted answer arrives (or
/// at the end, for an empty body), never before: a refused connection or an
/// answer that is retried leaves an existing file alone. It is truncated
/// then, or, when resuming, appended to.
final class BodyOutput {
    let destination: BodyDestination
    /// Append to the file instead of replacing it (`-C`).
    let resume: Bool
    private let stdoutDescriptor: Int32
    private var descriptor: Int32 = -1
    /// Bytes written during the current attempt.
    private(set) var written: Int64 = 0
    /// The first write failure; the transfer stops at it.
    private(set) var error: SwnetError?

    init(_ destination: BodyDestination, resume: Bool, stdout: Int32) {
        self.destination = destination
        self.resume = resume
        self.stdoutDescriptor = stdout
    }

    deinit { close() }

    /// The name an error message gives the destination.
    var name: String { destination.path ?? "stdout" }

    /// Whether bytes already went where they cannot be taken back (a pipe
    /// or terminal), so the attempt must not be repeated from the start.
    var cannotRewind: Bool { destination == .stdout && written > 0 }

    /// The size of the file to resume, 0 when it does not exist yet.
    func existingSize() throws -> Int64 {
        guard let path = destination.path else { return 0 }
        var info = stat()
        do {
            try syscallValue("stat") { stat(path, &info) }
            return Int64(info.st_size)
        } catch let failure as SwnetError {
            if failure.errno?.rawValue == ENOENT { return 0 }
            throw SwnetError(.local, "cannot read the size of \(path) to resume it: \(failure.cause)")
        }
    }

    /// Starts an attempt: nothing written yet.
    func beginAttempt() {
        close()
        written = 0
    }

    /// Writes one chunk; false (and `error` set) when it could not.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard error == nil else { return false }
        if destination == .nowhere {
            written += Int64(bytes.count)
            return true
        }
        guard let fd = openIfNeeded() else { return false }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        var offset = 0
        while offset < bytes.count {
            let result: IOResult<Int>
            do {
                result = try syscall("write") { Glibc.write(fd, base + offset, bytes.count - offset) }
            } catch let failure as SwnetError {
                error = SwnetError(.local, "cannot write \(name): \(failure.cause)")
                return false
            } catch {
                preconditionFailure("\(error)")
            }
            switch result {
            case .done(let count): offset += count
            case .wouldBlock:
                // stdout shared with a non-blocking terminal or pipe: wait until it drains.
                var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, -1)
            }
        }
        written += Int64(bytes.count)
        return true
    }

    /// Makes sure an accepted answer with an empty body still leaves its
    /// (empty) file behind, as a successful download must.
    func touch() -> Bool {
        error == nil && (destination == .nowhere || openIfNeeded() != nil)
    }

    /// Ends an attempt: closes the file (stdout stays open).
    func close() {
        if descriptor >= 0 && descriptor != stdoutDescriptor { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    private func openIfNeeded() -> Int32? {
        if descriptor >= 0 { return descriptor }
        switch destination {
        case .stdout:
            descriptor = stdoutDescriptor
        case .nowhere:
            return nil
        case .file(let path):
            let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (resume ? O_APPEND : O_TRUNC)
            do {
                descriptor = try syscallValue("open") { open(path, flags, 0o666) }
            } catch let failure as SwnetError {
                error = SwnetError(.local, "cannot \(resume ? "open" : "create") \(path): \(failure.cause)")
                return nil
            } catch {
                preconditionFailure("\(error)")
            }
        }
        return descriptor
    }
}
