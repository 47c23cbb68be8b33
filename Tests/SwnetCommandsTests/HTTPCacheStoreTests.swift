import Foundation
@testable import SwnetCommands
import XCTest

/// The cache folder on a real file system: entries written by rename and
/// read back checked whole, damage found, least recently used evicted.
final class HTTPCacheStoreTests: XCTestCase {
    var folder: String!
    let url = "http://127.0.0.1/x"

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "swnet-cache-store-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func entry(for url: String) -> CacheEntry {
        let head = ResponseHead(parsing: Array("HTTP/1.1 200 OK\r\nETag: \"1\"\r\n\r\n".utf8))!
        return CacheEntry(key: CacheEntry.key(for: url), url: url, requestTime: 1, responseTime: 2, vary: [], head: head)
    }

    @discardableResult
    func store(_ body: [UInt8], for url: String, in store: CacheStore, pieces: Int = 3) throws -> String {
        let writer = try store.writer(for: url, entry: entry(for: url))
        let size = max(1, body.count / pieces)
        for start in stride(from: 0, to: body.count, by: size) {
            try body[start..<min(body.count, start + size)].withUnsafeBytes { try writer.append($0) }
        }
        try writer.commit()
        return store.path(for: url)
    }

    func body(of lookup: CacheStore.Lookup, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        guard case .found(let stored) = lookup else {
            XCTFail("no entry: \(lookup)", file: file, line: line)
            return []
        }
        var bytes: [UInt8] = []
        try stored.forEachChunk { bytes += $0; return true }
        XCTAssertEqual(Int64(bytes.count), stored.bodyLength, file: file, line: line)
        return bytes
    }

    func damage(_ lookup: CacheStore.Lookup) -> String? {
        if case .damaged(let why) = lookup { return why }
        return nil
    }

    func testAnEntryIsWrittenByRenameAndReadBackWhole() throws {
        let cache = try CacheStore(directory: folder + "/a/b", maxSize: 1 << 30)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/a/b"), "the folder is created, parents too")
        guard case .absent = cache.lookup(url) else { return XCTFail("an entry before any was written") }
        let small = (0..<5000).map { UInt8($0 % 253) }
        let path = try store(small, for: url, in: cache)
        XCTAssertEqual(try body(of: cache.lookup(url)), small)
        XCTAssertTrue(CacheStore.isEntryName((path as NSString).lastPathComponent))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/a/b"), [(path as NSString).lastPathComponent],
                       "no temporary file is left")

        // Larger than a chunk: checked in one pass, served in another.
        let large = (0..<(CacheStore.chunkSize * 2 + 12345)).map { UInt8(($0 * 31) % 256) }
        try store(large, for: url, in: cache, pieces: 7)
        XCTAssertEqual(try body(of: cache.lookup(url)), large, "the new entry replaced the old one")
        try store([], for: url, in: cache)
        XCTAssertEqual(try body(of: cache.lookup(url)), [], "an empty body is an entry too")
    }

    func testADiscardedWriterLeavesNothing() throws {
        let cache = try CacheStore(directory: folder, maxSize: 1 << 30)
        let writer = try cache.writer(for: url, entry: entry(for: url))
        try [1, 2, 3].withUnsafeBytes { try writer.append($0) }
        writer.discard()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    func testTruncatedDamagedAndForeignEntriesAreNotServed() throws {
        let cache = try CacheStore(directory: folder, maxSize: 1 << 30)
        let body = (0..<4096).map { UInt8($0 % 256) }
        let path = try store(body, for: url, in: cache)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        try good.prefix(good.count - 1).write(to: URL(fileURLWithPath: path))
        XCTAssertTrue(damage(cache.lookup(url))?.contains("truncated") == true, "truncated: \(cache.lookup(url))")

        var flipped = good
        flipped[flipped.count - 100] ^= 0x01
        try flipped.write(to: URL(fileURLWithPath: path))
        XCTAssertTrue(damage(cache.lookup(url))?.contains("body fails its check") == true, "\(cache.lookup(url))")

        var meta = good
        meta[EntryPreamble.size + 5] ^= 0x20
        try meta.write(to: URL(fileURLWithPath: path))
        XCTAssertTrue(damage(cache.lookup(url))?.contains("metadata fails its check") == true, "\(cache.lookup(url))")

        try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertNotNil(damage(cache.lookup(url)))

        // Another URL's entry under this URL's name (a collision of names).
        let other = "http://127.0.0.1/other"
        let otherPath = try store(body, for: other, in: cache)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: otherPath, toPath: path)
        XCTAssertTrue(damage(cache.lookup(url))?.contains("another URL") == true, "\(cache.lookup(url))")
    }

    func testEvictionRemovesTheLeastRecentlyUsedEntriesAndNothingElse() throws {
        let cache = try CacheStore(directory: folder, maxSize: 25_000)
        let body = [UInt8](repeating: 7, count: 10_000)
        var paths: [String] = []
        for index in 0..<3 { paths.append(try store(body, for: "http://h/\(index)", in: cache)) }
        // Used in the order 1, 0, 2 (1 longest ago), by the time a hit sets.
        for (age, index) in [(300, 1), (200, 0), (100, 2)] {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -Double(age))], ofItemAtPath: paths[index])
        }
        // Not entries: a file of the user's, and temporary files, one abandoned long ago.
        let mine = folder + "/notes.txt", oldTemporary = folder + "/.x.1.2.tmp", newTemporary = folder + "/.y.1.2.tmp"
        for file in [mine, oldTemporary, newTemporary] { try Data(count: 50_000).write(to: URL(fileURLWithPath: file)) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: oldTemporary)

        cache.evict()
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        XCTAssertFalse(left.contains((paths[1] as NSString).lastPathComponent), "the least recently used went first")
        XCTAssertTrue(left.contains((paths[0] as NSString).lastPathComponent))
        XCTAssertTrue(left.contains((paths[2] as NSString).lastPathComponent))
        XCTAssertTrue(left.contains("notes.txt"), "a file that is not an entry is never removed")
        XCTAssertTrue(left.contains(".y.1.2.tmp"), "a temporary file being written is kept")
        XCTAssertFalse(left.contains(".x.1.2.tmp"), "an abandoned temporary file is removed")

        // A hit refreshes the time: entry 0 is now the most recent, so 2 goes next.
        guard case .found(let used) = cache.lookup("http://h/0") else { return XCTFail("entry 0 is gone") }
        used.touch()
        let smaller = try CacheStore(directory: folder, maxSize: 15_000)
        smaller.evict()
        XCTAssertTrue(FileManager.default.fileExists(atPath: paths[0]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: paths[2]))
    }

    func testAFolderThatCannotBeCreatedIsALocalError() throws {
        try Data("a file".utf8).write(to: URL(fileURLWithPath: folder))
        XCTAssertThrowsError(try CacheStore(directory: folder + "/sub", maxSize: 1)) { error in
            XCTAssertTrue("\(error)".contains("cannot create the cache folder"), "\(error)")
        }
        try FileManager.default.removeItem(atPath: folder)
    }
}
