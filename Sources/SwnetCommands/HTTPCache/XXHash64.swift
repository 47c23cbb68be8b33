/// XXH64 (Yann Collet's xxHash, 64-bit), fed piece by piece: the check of
/// a cache entry's bytes, and the name of its file.
///
/// Not a cryptographic hash: it catches a truncated, torn or bit-rotten
/// entry, not a forged one (whoever can write the cache folder can write
/// any answer there anyway). It is chosen because it runs at memory speed
/// in plain Swift, so a cache hit costs no more than reading its file, and
/// needs no OpenSSL on the hit path. The values are those of the reference
/// implementation (libxxhash's `XXH64`).
struct XXHash64 {
    private static let prime1: UInt64 = 11_400_714_785_074_694_791
    private static let prime2: UInt64 = 14_029_467_366_897_019_727
    private static let prime3: UInt64 = 1_609_587_929_392_839_161
    private static let prime4: UInt64 = 9_650_029_242_287_828_579
    private static let prime5: UInt64 = 2_870_177_450_012_600_261

    private let seed: UInt64
    private var v1, v2, v3, v4: UInt64
    private var total: UInt64 = 0
    /// Bytes not yet consumed by a 32-byte stripe.
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0

    init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.prime1 &+ Self.prime2
        v2 = seed &+ Self.prime2
        v3 = seed
        v4 = seed &- Self.prime1
    }

    /// The hash of `bytes` in one go.
    static func hash<Bytes: Sequence>(_ bytes: Bytes, seed: UInt64 = 0) -> UInt64 where Bytes.Element == UInt8 {
        var hasher = XXHash64(seed: seed)
        var array = Array(bytes)
        array.withUnsafeMutableBytes { hasher.update(UnsafeRawBufferPointer($0)) }
        return hasher.digest()
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, !bytes.isEmpty else { return }
        var count = bytes.count
        total &+= UInt64(count)
        if pendingCount > 0 {
            let taken = min(32 - pendingCount, count)
            withUnsafeMutableBytes(of: &pending) { buffer in
                buffer.baseAddress!.advanced(by: pendingCount).copyMemory(from: base, byteCount: taken)
            }
            pendingCount += taken
            base += taken
            count -= taken
            guard pendingCount == 32 else { return }
            withUnsafeBytes(of: pending) { stripe($0.baseAddress!) }
            pendingCount = 0
        }
        while count >= 32 {
            stripe(base)
            base += 32
            count -= 32
        }
        if count > 0 {
            withUnsafeMutableBytes(of: &pending) { $0.baseAddress!.copyMemory(from: base, byteCount: count) }
            pendingCount = count
        }
    }

    func digest() -> UInt64 {
        var hash: UInt64
        if total >= 32 {
            hash = Self.rotate(v1, 1) &+ Self.rotate(v2, 7) &+ Self.rotate(v3, 12) &+ Self.rotate(v4, 18)
            for lane in [v1, v2, v3, v4] {
                hash ^= Self.round(0, lane)
                hash = hash &* Self.prime1 &+ Self.prime4
            }
        } else {
            hash = seed &+ Self.prime5
        }
        hash &+= total
        withUnsafeBytes(of: pending) { rest in
            var offset = 0
            while offset + 8 <= pendingCount {
                hash ^= Self.round(0, Self.load64(rest.baseAddress!, offset))
                hash = Self.rotate(hash, 27) &* Self.prime1 &+ Self.prime4
                offset += 8
            }
            if offset + 4 <= pendingCount {
                let word = UInt32(littleEndian: rest.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                hash ^= UInt64(word) &* Self.prime1
                hash = Self.rotate(hash, 23) &* Self.prime2 &+ Self.prime3
                offset += 4
            }
            while offset < pendingCount {
                hash ^= UInt64(rest[offset]) &* Self.prime5
                hash = Self.rotate(hash, 11) &* Self.prime1
                offset += 1
            }
        }
        hash ^= hash >> 33
        hash = hash &* Self.prime2
        hash ^= hash >> 29
        hash = hash &* Self.prime3
        hash ^= hash >> 32
        return hash
    }

    /// `digest()` as 16 lower-case hex digits.
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    @inline(__always)
    private mutating func stripe(_ base: UnsafeRawPointer) {
        v1 = Self.round(v1, Self.load64(base, 0))
        v2 = Self.round(v2, Self.load64(base, 8))
        v3 = Self.round(v3, Self.load64(base, 16))
        v4 = Self.round(v4, Self.load64(base, 24))
    }

    @inline(__always)
    private static func load64(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
