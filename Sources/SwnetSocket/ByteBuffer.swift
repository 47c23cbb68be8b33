/// A fixed-capacity byte buffer between a reader and a writer: bytes are
/// appended at the end and consumed from the start. Its capacity is the
/// back-pressure bound: a full buffer stops its reader.
public final class ByteBuffer {
    public let capacity: Int
    private let base: UnsafeMutableRawPointer
    private var start = 0
    private var end = 0

    public init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    public var count: Int { end - start }
    public var isEmpty: Bool { start == end }

    /// Bytes that can be appended now, after moving pending bytes to the front.
    public var freeSpace: Int { capacity - count }

    /// The pending bytes, oldest first.
    public var pending: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + start, count: end - start) }

    /// Room to append into; call `appended` with what was written there.
    public func space(atMost limit: Int = .max) -> UnsafeMutableRawBufferPointer {
        if capacity - end < min(limit, freeSpace) {
            base.copyMemory(from: base + start, byteCount: end - start)
            end -= start
            start = 0
        }
        return UnsafeMutableRawBufferPointer(start: base + end, count: min(capacity - end, limit))
    }

    public func appended(_ count: Int) { end += count }

    public func consumed(_ count: Int) {
        start += count
        if start == end { start = 0; end = 0 }
    }

    public func removeAll() { start = 0; end = 0 }
}
