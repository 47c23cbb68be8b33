import Glibc
import SwnetCore

/// The cache folder: one file per URL, named after the XXH64 of the URL
/// (`5c1e22a09b3f7d41.entry`), shared safely by any number of swnet
/// processes at once.
///
/// - An entry is written to a temporary file in the folder (`.NAME.PID.RANDOM.tmp`)
///   and renamed over the old one when complete, so a reader sees the old
///   entry or the new one, never half of one. Files are never changed in
///   place: a reader's open file stays what it checked.
/// - A reader checks the whole entry before using any of it: the file's
///   size against the preamble, and the hashes of the metadata and the
///   body. A damaged entry is no entry.
/// - Use refreshes an entry's modification time; when the folder grows past
///   `maxSize`, the entries used longest ago are removed first. Only files
///   named like entries (and temporary files an hour old, left by a
///   process that died) are ever removed, whatever else is in the folder.
/// - Nothing is synced to disk: after a crash, an entry the system did not
///   write out fails its check and is fetched again.
final class CacheStore {
    let directory: String
    let maxSize: Int64

    /// A body up to this size is kept in memory from its check to its use;
    /// a larger one is read twice (check, then copy), in chunks of this size.
    static let chunkSize = 1 << 20

    /// Creates the folder (and those above it, `mkdir -p`, private to the user) if needed.
    init(directory: String, maxSize: Int64) throws {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.maxSize = maxSize
        var info = stat()
        if stat(directory, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { return }  // there already: the usual case
        try Folders.create(directory, mode: 0o700, kind: "cache folder")
    }

    static func fileName(for url: String) -> String { XXHash64.hex(XXHash64.hash(url.utf8)) + ".entry" }

    func path(for url: String) -> String { directory + "/" + Self.fileName(for: url) }

    // MARK: Reading

    enum Lookup {
        case absent
        /// There is a file, but not a whole entry for this URL: why.
        case damaged(String)
        case found(StoredEntry)
    }

    /// The entry for `url`, checked whole.
    func lookup(_ url: String) -> Lookup {
        let path = path(for: url)
        let fd: Int32
        do {
            fd = try syscallValue("open") { open(path, O_RDONLY | O_CLOEXEC) }
        } catch let failure as SwnetError {
            return failure.errno?.rawValue == ENOENT ? .absent : .damaged("cannot open \(path): \(failure.cause)")
        } catch {
            preconditionFailure("\(error)")
        }
        do {
            return .found(try StoredEntry(fd: fd, url: url))
        } catch let failure as SwnetError {
            _ = close(fd)
            return .damaged("\(path): \(failure.reason)")
        } catch {
            preconditionFailure("\(error)")
        }
    }

    // MARK: Writing

    /// A temporary file for a new entry of `url`, renamed into place by `commit`.
    func writer(for url: String, entry: CacheEntry) throws -> EntryWriter {
        try EntryWriter(directory: directory, path: path(for: url), meta: entry.meta)
    }

    // MARK: Eviction

    /// Removes entries, least recently used first, until the folder holds at
    /// most `maxSize` bytes of them; and temporary files abandoned an hour ago.
    func evict(now: Int64 = Int64(time(nil))) {
        guard let folder = opendir(directory) else { return }
        defer { closedir(folder) }
        var entries: [(used: Int64, size: Int64, name: String)] = []
        var total: Int64 = 0
        while let item = readdir(folder) {
            let name = withUnsafePointer(to: &item.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            let isEntry = Self.isEntryName(name), isTemporary = name.hasPrefix(".") && name.hasSuffix(".tmp")
            guard isEntry || isTemporary else { continue }
            var info = stat()
            guard (try? syscallValue("stat", { stat(directory + "/" + name, &info) })) != nil else { continue }
            if isTemporary {
                if now - Int64(info.st_mtim.tv_sec) > 3600 { _ = unlink(directory + "/" + name) }
                continue
            }
            entries.append((Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec), Int64(info.st_size), name))
            total += Int64(info.st_size)
        }
        guard total > maxSize else { return }
        entries.sort { $0.used != $1.used ? $0.used < $1.used : $0.name < $1.name }
        for entry in entries where total > maxSize {
            // Another process may have removed or replaced it already: either way it is gone.
            _ = unlink(directory + "/" + entry.name)
            total -= entry.size
        }
    }

    /// `5c1e22a09b3f7d41.entry`: 16 lower-case hex digits and `.entry`.
    static func isEntryName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return bytes.count == 22 && name.hasSuffix(".entry")
            && bytes[..<16].allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

/// An entry opened and checked whole; its file stays open, so what is
/// served is what was checked, whatever another process renames into place
/// meanwhile.
final class StoredEntry {
    let entry: CacheEntry
    let bodyLength: Int64
    private let fd: Int32
    private let bodyOffset: Int64
    /// The body, when it fits one chunk: read once, for the check and the use.
    private var body: [UInt8]?

    /// Reads and checks the entry in `fd`; throws (with the reason) when it
    /// is not a whole entry for `url`.
    init(fd: Int32, url: String) throws {
        self.fd = fd
        var info = stat()
        try syscallValue("fstat") { fstat(fd, &info) }
        guard let preamble = EntryPreamble(parsing: try Self.read(fd, count: EntryPreamble.size, at: 0)) else {
            throw SwnetError(.failure, "not a cache entry")
        }
        guard preamble.fileSize == Int64(info.st_size) else {
            throw SwnetError(.failure, "\(info.st_size) bytes where the entry says \(preamble.fileSize): truncated or torn")
        }
        let meta = try Self.read(fd, count: preamble.metaLength, at: Int64(EntryPreamble.size))
        guard XXHash64.hash(meta) == preamble.metaHash, let entry = CacheEntry(meta: meta) else {
            throw SwnetError(.failure, "its metadata fails its check")
        }
        guard entry.key == CacheEntry.key(for: url) else { throw SwnetError(.failure, "it is another URL's") }
        self.entry = entry
        bodyLength = preamble.bodyLength
        bodyOffset = Int64(EntryPreamble.size + preamble.metaLength)

        var hasher = XXHash64()
        if bodyLength <= Int64(CacheStore.chunkSize) {
            let bytes = try Self.read(fd, count: Int(bodyLength), at: bodyOffset)
            bytes.withUnsafeBytes { hasher.update($0) }
            body = bytes
        } else {
            try chunks { hasher.update($0); return true }
        }
        guard hasher.digest() == preamble.bodyHash else { throw SwnetError(.failure, "its body fails its check") }
    }

    deinit { _ = close(fd) }

    /// Hands the body to `sink` in order, in chunks; stops when `sink`
    /// returns false. Throws when the file cannot be read.
    func forEachChunk(_ sink: (UnsafeRawBufferPointer) -> Bool) throws {
        if let body {
            _ = body.withUnsafeBytes { sink($0) }
            return
        }
        try chunks(sink)
    }

    private func chunks(_ sink: (UnsafeRawBufferPointer) -> Bool) throws {
        var buffer = [UInt8](repeating: 0, count: CacheStore.chunkSize)
        var offset: Int64 = 0
        while offset < bodyLength {
            let count = Int(min(Int64(buffer.count), bodyLength - offset))
            try buffer.withUnsafeMutableBytes { raw in
                try Self.readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[..<count]), at: bodyOffset + offset)
            }
            offset += Int64(count)
            guard buffer.withUnsafeBytes({ sink(UnsafeRawBufferPointer(rebasing: $0[..<count])) }) else { return }
        }
    }

    /// Marks the entry used now, for the least-recently-used order. A
    /// folder that cannot be written keeps the old time: harmless.
    func touch() {
        _ = futimens(fd, nil)
    }

    /// `count` bytes at `offset`, read straight into the array (not zeroed first).
    private static func read(_ fd: Int32, count: Int, at offset: Int64) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }

    private static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < buffer.count {
            let count = try syscallValue("pread") { pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done)) }
            guard count > 0 else { throw SwnetError(.failure, "shorter than it says") }
            done += count
        }
    }
}

/// A new entry being written: the preamble's place, the metadata, then the
/// body as it arrives, hashed on the way; `commit` fills in the preamble
/// and renames the file into place.
final class EntryWriter {
    let path: String
    private let temporary: String
    private var fd: Int32 = -1
    private let meta: [UInt8]
    private var hasher = XXHash64()
    private(set) var bodyLength: Int64 = 0
    /// Renamed into place, or removed: nothing left to clean up.
    private var finished = false

    init(directory: String, path: String, meta: [UInt8]) throws {
        self.path = path
        self.meta = meta
        let name = path.split(separator: "/").last.map(String.init) ?? path
        temporary = "\(directory)/.\(name).\(getpid()).\(XXHash64.hex(UInt64.random(in: .min ... .max))).tmp"
        do {
            fd = try syscallValue("open") { open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        } catch let failure as SwnetError {
            throw SwnetError(.local, "cannot create \(temporary): \(failure.cause)")
        }
        try write([UInt8](repeating: 0, count: EntryPreamble.size) + meta)
    }

    deinit { discard() }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        try write(base, count: bytes.count)
        hasher.update(bytes)
        bodyLength += Int64(bytes.count)
    }

    /// Completes the entry and puts it in place of the old one.
    func commit() throws {
        let preamble = EntryPreamble(metaLength: meta.count, bodyLength: bodyLength, metaHash: XXHash64.hash(meta),
                                     bodyHash: hasher.digest()).bytes
        do {
            let written = try preamble.withUnsafeBytes { raw in
                try syscallValue("pwrite") { pwrite(fd, raw.baseAddress!, raw.count, 0) }
            }
            guard written == preamble.count else { throw SwnetError(.local, "cannot write \(temporary): short write") }
            let descriptor = fd
            fd = -1
            try syscallValue("close", { close(descriptor) })
            try syscallValue("rename") { rename(temporary, path) }
            finished = true
        } catch let failure as SwnetError {
            discard()
            throw SwnetError(.local, "cannot write \(path): \(failure.cause)")
        }
    }

    /// Drops the unfinished entry.
    func discard() {
        if fd >= 0 { _ = close(fd) }
        fd = -1
        if !finished { _ = unlink(temporary) }
        finished = true
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0.baseAddress!, count: $0.count) }
    }

    private func write(_ base: UnsafeRawPointer, count: Int) throws {
        var offset = 0
        while offset < count {
            do {
                offset += try syscallValue("write") { Glibc.write(fd, base + offset, count - offset) }
            } catch let failure as SwnetError {
                throw SwnetError(.local, "cannot write \(temporary): \(failure.cause)")
            }
        }
    }
}
