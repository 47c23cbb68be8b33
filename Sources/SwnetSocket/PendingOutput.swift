import SwnetCore

/// What has arrived for stdout and is not written yet, for a server that
/// gathers from many peers (`--broadcast`, `-u -k`): one bounded buffer,
/// written at once when possible and otherwise when stdout is writable.
/// Peers are read only while it is empty, so a slow stdout holds them back
/// instead of filling memory. Without a descriptor (`--json`), what
/// arrives is counted by the caller and dropped.
final class PendingOutput {
    private let descriptor: Int32?
    private let buffer: ByteBuffer
    private let loop: EventLoop

    /// `afterWrite` runs after each write on readiness, to let readers resume.
    init(descriptor: Int32?, capacity: Int, loop: EventLoop, afterWrite: @escaping () throws -> Void) throws {
        self.descriptor = descriptor
        self.loop = loop
        buffer = ByteBuffer(capacity: capacity)
        if let descriptor {
            _ = StdioMode.makeNonBlocking(descriptor)
            try loop.watch(descriptor, for: []) { [unowned self] _ in try self.write() ; try afterWrite() }
        }
    }

    /// True when a peer may be read: nothing is waiting to be written.
    var isEmpty: Bool { buffer.isEmpty }

    /// Whether what is read is kept: false with no descriptor.
    var keeps: Bool { descriptor != nil }

    /// Room to read one peer's bytes into.
    func space() -> UnsafeMutableRawBufferPointer { buffer.space() }

    /// Takes the `count` bytes just read into `space()` and writes what it can now.
    func appended(_ count: Int) throws {
        guard keeps else { return }
        buffer.appended(count)
        try write()
    }

    /// Waits for writable readiness only while something is pending.
    func update() throws {
        if let descriptor { try loop.update(descriptor, to: buffer.isEmpty ? [] : .writable) }
    }

    func stop() {
        if let descriptor { loop.unwatch(descriptor) }
    }

    private func write() throws {
        guard let descriptor, !buffer.isEmpty else { return }
        guard case .done(let count) = try SwnetError.context("stdout", { try Descriptor.write(descriptor, from: buffer.pending) }) else { return }
        buffer.consumed(count)
    }
}
