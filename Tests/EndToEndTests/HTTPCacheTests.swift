import Foundation
import XCTest

/// `http-get --cache` against real servers on loopback: nginx with
/// `expires`, `etag` and `add_header Cache-Control`, and a Python origin
/// that counts requests, varies, fails and changes its entity tags.
final class HTTPCacheTests: XCTestCase {
    var folder: String!
    var cache: String { folder + "/cache" }

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "swnet-cache-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// `swnet [--json] http-get --cache=CACHE ARGUMENTS`.
    func get(_ arguments: [String], json: Bool = false, cache: String? = nil, environment: [String: String?] = [:]) throws -> Harness.Result {
        try swnetWithEnvironment((json ? ["--json"] : []) + ["http-get", "--cache=\(cache ?? self.cache)"] + arguments, environment)
    }

    /// The `"cache"` member of a single --json record.
    func cacheState(_ result: Harness.Result, file: StaticString = #filePath, line: UInt = #line) throws -> String? {
        try result.json(file: file, line: line)["cache"] as? String
    }

    func entries(in folder: String? = nil) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder ?? cache)) ?? []).sorted()
    }

    static func randomBytes(_ count: Int) -> Data {
        Data((0..<count).map { _ in UInt8.random(in: 0...255) })
    }

    // MARK: nginx

    func testAFreshAnswerIsServedWithoutTheNetworkAndWithoutLibcurl() throws {
        let nginx = try CacheNginx()
        let body = Self.randomBytes(100 << 10)
        try nginx.serve(body, as: "big.bin")
        let url = nginx.base + "/fresh/big.bin", out = folder + "/out"

        let first = try get(["-o", out, url], json: true, environment: ["LD_DEBUG": "libs"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try cacheState(first), "stored")
        XCTAssertTrue(first.stderr.contains("libcurl.so"), "a fetch loads libcurl (LD_DEBUG shows it)")
        XCTAssertEqual(entries().filter { $0.hasSuffix(".entry") }.count, 1)

        nginx.nginx.stop()
        try FileManager.default.removeItem(atPath: out)
        let second = try get(["-o", out, url], json: true, environment: ["LD_DEBUG": "libs"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try cacheState(second), "hit")
        XCTAssertEqual(FileManager.default.contents(atPath: out), body, "served whole from the cache with the server stopped")
        XCTAssertFalse(second.stderr.contains("libcurl"), "a fresh hit does not load libcurl")
        let record = try second.json()
        XCTAssertEqual(record["status"] as? Int, 200)
        XCTAssertEqual(record["size"] as? Int, body.count)
        XCTAssertEqual((record["headers"] as? [String: String])?["cache-control"], "max-age=3600")
        XCTAssertNotNil((record["headers"] as? [String: String])?["age"], "a cache hands out an Age")

        // -i writes the stored head (with Age) before the body; -v says where it came from.
        let shown = try get(["-i", "-v", url])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.text.hasPrefix("HTTP/1.1 200 OK\r\n"), shown.text.prefix(200).description)
        XCTAssertTrue(shown.text.contains("\r\nAge: "))
        XCTAssertTrue(shown.stdout.suffix(body.count) == body)
        XCTAssertTrue(shown.stderr.contains("(cache: hit"), shown.stderr)
        let dump = folder + "/headers"
        XCTAssertEqual(try get(["-D", dump, "-o", out, url]).status, 0)
        let dumped = String(decoding: FileManager.default.contents(atPath: dump) ?? Data(), as: UTF8.self)
        XCTAssertTrue(dumped.hasPrefix("HTTP/1.1 200 OK\r\n") && dumped.contains("\r\nAge: "), "-D gets a hit's stored head: \(dumped)")
        XCTAssertEqual(nginx.requests("big.bin").count, 1, "one request in all")
    }

    func testACompressedAnswerIsStoredDecodedAsAFetchWritesIt() throws {
        let nginx = try CacheNginx()
        let text = Data((0..<5000).map { "line \($0)\n" }.joined().utf8)
        try nginx.serve(text, as: "text.txt")
        let url = nginx.base + "/gzip/text.txt"
        let first = try get(["-o", folder + "/live", url], json: true)
        XCTAssertEqual(try cacheState(first), "stored")
        XCTAssertEqual((try first.json()["headers"] as? [String: String])?["content-encoding"], "gzip", "nginx did compress it")
        nginx.nginx.stop()
        let hit = try get(["-o", folder + "/hit", url], json: true)
        XCTAssertEqual(try cacheState(hit), "hit")
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/live"), text)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/hit"), text, "the same bytes as the fetch wrote")
        let stored = try XCTUnwrap(entries().first.flatMap { try? FileManager.default.attributesOfItem(atPath: cache + "/" + $0)[.size] as? Int })
        XCTAssertGreaterThan(stored, text.count, "the entry holds the decoded body")
    }

    func testAStaleAnswerIsRevalidatedByItsETag() throws {
        let nginx = try CacheNginx()
        try nginx.serve(Data("version one\n".utf8), as: "doc.txt")
        let url = nginx.base + "/etag/doc.txt"
        XCTAssertEqual(try cacheState(get([url], json: true)), "stored")
        let second = try get(["-i", "-v", url])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.text.hasPrefix("HTTP/1.1 200 OK\r\n"), "the stored status, not the 304: \(second.text)")
        XCTAssertTrue(second.text.hasSuffix("\r\n\r\nversion one\n"), second.text)
        XCTAssertTrue(second.stderr.contains("(cache: revalidated)"), second.stderr)
        // -D, like -i, gets the stored answer's head, not the 304's.
        let dump = folder + "/headers"
        let third = try get(["-D", dump, "-o", folder + "/body", url])
        XCTAssertEqual(third.status, 0, third.stderr)
        let dumped = String(decoding: FileManager.default.contents(atPath: dump) ?? Data(), as: UTF8.self)
        XCTAssertTrue(dumped.hasPrefix("HTTP/1.1 200 OK\r\n") && dumped.hasSuffix("\r\n\r\n"), dumped)
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/body"), Data("version one\n".utf8))
        let log = nginx.requests("doc.txt")
        XCTAssertEqual(log.count, 3)
        // nginx logs a quote as \x22.
        XCTAssertTrue(log[1].hasPrefix("GET /etag/doc.txt 304 inm=\\x22") && log[1].hasSuffix("ims=-"), "revalidated with If-None-Match: \(log)")
    }

    func testAStaleAnswerWithOnlyLastModifiedIsRevalidatedByDate() throws {
        let nginx = try CacheNginx()
        try nginx.serve(Data("dated\n".utf8), as: "dated.txt")
        let url = nginx.base + "/modified/dated.txt"
        XCTAssertEqual(try cacheState(get([url], json: true)), "stored")
        let second = try get([url], json: true)
        XCTAssertEqual(try cacheState(second), "revalidated")
        XCTAssertEqual(try second.json()["size"] as? Int, 6)
        let log = nginx.requests("dated.txt")
        XCTAssertEqual(log.count, 2)
        XCTAssertTrue(log[1].hasPrefix("GET /modified/dated.txt 304 inm=- ims="), "revalidated with If-Modified-Since: \(log)")
        let shown = try get([url])
        XCTAssertEqual(shown.text, "dated\n")
    }

    func testNoStoreIsNeverStoredAndNoCacheIsAlwaysRevalidated() throws {
        let nginx = try CacheNginx()
        try nginx.serve(Data("secret\n".utf8), as: "a.txt")
        for _ in 0..<2 {
            let result = try get(["-v", nginx.base + "/nostore/a.txt"], json: true)
            XCTAssertEqual(try cacheState(result), "miss")
            XCTAssertTrue(result.stderr.contains("not stored: no-store"), result.stderr)
        }
        XCTAssertEqual(entries().filter { $0.hasSuffix(".entry") }, [], "nothing of a no-store answer is kept")
        XCTAssertEqual(nginx.requests("a.txt").map { $0.split(separator: " ")[2] }, ["200", "200"])

        // no-cache with max-age=3600: stored, and asked about every time.
        let url = nginx.base + "/nocache/a.txt"
        XCTAssertEqual(try cacheState(get([url], json: true)), "stored")
        XCTAssertEqual(try cacheState(get([url], json: true)), "revalidated")
        XCTAssertEqual(nginx.requests("a.txt").last?.split(separator: " ")[2], "304")
    }

    func testNoCacheOptionRevalidatesAFreshAnswer() throws {
        let nginx = try CacheNginx()
        try nginx.serve(Data("fresh\n".utf8), as: "f.txt")
        let url = nginx.base + "/fresh/f.txt"
        XCTAssertEqual(try cacheState(get([url], json: true)), "stored")
        XCTAssertEqual(try cacheState(get([url], json: true)), "hit")
        let revalidated = try get(["--no-cache", url], json: true)
        XCTAssertEqual(try cacheState(revalidated), "revalidated")
        XCTAssertEqual(nginx.requests("f.txt").count, 2)
        // The 304 renewed the entry (a new Date and Expires), rewritten whole: a hit again.
        let renewed = try get(["-o", folder + "/f", url], json: true)
        XCTAssertEqual(try cacheState(renewed), "hit")
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/f"), Data("fresh\n".utf8))
        XCTAssertEqual(entries().count, 1)
        // A request's own Cache-Control: no-cache does the same.
        XCTAssertEqual(try cacheState(get(["-H", "Cache-Control: no-cache", url], json: true)), "revalidated")
    }

    func testEightProcessesShareOneCacheFolder() throws {
        let nginx = try CacheNginx()
        let body = Self.randomBytes(1 << 20)
        try nginx.serve(body, as: "shared.bin")
        let url = nginx.base + "/fresh/shared.bin"
        let processes = try (0..<8).map { index -> Process in
            let process = Process()
            process.executableURL = Harness.binary
            process.arguments = ["http-get", "--cache=\(cache)", "-o", folder + "/out\(index)", url]
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.lowercased().hasSuffix("_proxy") }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let killer = DispatchWorkItem { processes.filter(\.isRunning).forEach { kill($0.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: killer)
        processes.forEach { $0.waitUntilExit() }
        killer.cancel()
        for (index, process) in processes.enumerated() {
            XCTAssertEqual(process.terminationStatus, 0, "process \(index)")
            XCTAssertTrue(FileManager.default.contents(atPath: folder + "/out\(index)") == body, "output \(index) differs")
        }
        XCTAssertEqual(entries().count, 1, "one entry, no temporary file left: \(entries())")

        // What is in place is a whole entry: served with the server stopped.
        nginx.nginx.stop()
        let hit = try get(["-o", folder + "/after", url], json: true)
        XCTAssertEqual(try cacheState(hit), "hit", hit.stderr)
        XCTAssertTrue(FileManager.default.contents(atPath: folder + "/after") == body)
    }

    func testATruncatedEntryIsFetchedAgainNeverServed() throws {
        let nginx = try CacheNginx()
        let body = Self.randomBytes(64 << 10)
        try nginx.serve(body, as: "t.bin")
        let url = nginx.base + "/fresh/t.bin", out = folder + "/out"
        XCTAssertEqual(try cacheState(get(["-o", out, url], json: true)), "stored")
        let entry = try XCTUnwrap(entries().first)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: cache + "/" + entry))
        try handle.truncate(atOffset: try handle.seekToEnd() - 1000)
        try handle.close()

        let again = try get(["-v", "-o", out, url], json: true)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try cacheState(again), "stored", "fetched and stored again")
        XCTAssertTrue(again.stderr.contains("cache entry ignored"), again.stderr)
        XCTAssertTrue(FileManager.default.contents(atPath: out) == body)
        XCTAssertEqual(nginx.requests("t.bin").count, 2)
        XCTAssertEqual(try cacheState(get(["-o", out, url], json: true)), "hit", "the new entry is whole")
    }

    func testCacheMaxRemovesTheLeastRecentlyUsedEntries() throws {
        let nginx = try CacheNginx()
        for name in ["a", "b", "c", "d"] { try nginx.serve(Self.randomBytes(100 << 10), as: name + ".bin") }
        func fetch(_ name: String) throws -> String? {
            try cacheState(get(["--cache-max", "250K", "-o", folder + "/" + name, nginx.base + "/fresh/\(name).bin"], json: true))
        }
        XCTAssertEqual(try fetch("a"), "stored")
        XCTAssertEqual(try fetch("b"), "stored")
        XCTAssertEqual(try fetch("a"), "hit", "a is now used more recently than b")
        XCTAssertEqual(try fetch("c"), "stored", "three entries pass 250K: the least recently used goes")
        XCTAssertEqual(entries().count, 2)
        XCTAssertEqual(try fetch("a"), "hit")
        XCTAssertEqual(try fetch("c"), "hit")
        XCTAssertEqual(try fetch("b"), "stored", "b was evicted, so it was fetched again")
        XCTAssertEqual(nginx.requests("b.bin").count, 2)

        let tooBig = try get(["-v", "--cache-max", "50K", "-o", folder + "/d", nginx.base + "/fresh/d.bin"], json: true)
        XCTAssertEqual(tooBig.status, 0, tooBig.stderr)
        XCTAssertTrue(tooBig.stderr.contains("larger than --cache-max"), tooBig.stderr)
        XCTAssertEqual(try cacheState(tooBig), "miss")
    }

    func testReadOnlyAndFullCacheFoldersNeverFailTheDownload() throws {
        guard let readOnly = SmallFileSystem(size: "1m", readOnly: true), let full = SmallFileSystem(size: "64k", readOnly: false) else {
            throw XCTSkip("cannot mount a tmpfs here (mount -t tmpfs needs root and a system that allows it): the read-only and full cache folders are not tested")
        }
        let nginx = try CacheNginx()
        let body = Self.randomBytes(200 << 10)
        try nginx.serve(body, as: "r.bin")
        let url = nginx.base + "/fresh/r.bin"

        let refused = try get(["-v", "-o", folder + "/ro", url], json: true, cache: readOnly.path + "/cache")
        XCTAssertEqual(refused.status, 0, refused.stderr)
        XCTAssertTrue(FileManager.default.contents(atPath: folder + "/ro") == body)
        XCTAssertTrue(refused.stderr.contains("read-only file system"), refused.stderr)
        XCTAssertEqual(try cacheState(refused), "miss")

        // The folder itself on a read-only file system: the entry cannot be created.
        let readOnlyRoot = try get(["-v", "-o", folder + "/ro2", url], json: true, cache: readOnly.path)
        XCTAssertEqual(readOnlyRoot.status, 0, readOnlyRoot.stderr)
        XCTAssertTrue(readOnlyRoot.stderr.contains("not stored in the cache: cannot create"), readOnlyRoot.stderr)
        XCTAssertTrue(FileManager.default.contents(atPath: folder + "/ro2") == body)

        let filled = try get(["-v", "-o", folder + "/full", url], json: true, cache: full.path)
        XCTAssertEqual(filled.status, 0, filled.stderr)
        XCTAssertTrue(FileManager.default.contents(atPath: folder + "/full") == body, "the body still goes where -o says")
        XCTAssertTrue(filled.stderr.contains("no space left on device"), filled.stderr)
        XCTAssertEqual(try cacheState(filled), "miss")
        XCTAssertEqual(entries(in: full.path), [], "the partial entry is removed")
    }

    func testSeveralURLsWithRemoteNamesAndParallelAllHit() throws {
        let nginx = try CacheNginx()
        var bodies: [String: Data] = [:]
        for name in ["one.bin", "two.bin", "three.bin"] {
            bodies[name] = Self.randomBytes(30 << 10)
            try nginx.serve(bodies[name]!, as: name)
        }
        let urls = bodies.keys.sorted().map { nginx.base + "/fresh/" + $0 }
        let first = try swnetWithEnvironment(["--json", "http-get", "--cache=\(cache)", "-O", "--output-dir", folder + "/dl", "--parallel", "3"] + urls)
        XCTAssertEqual(first.status, 0, first.stderr)
        nginx.nginx.stop()
        try FileManager.default.removeItem(atPath: folder + "/dl")
        let second = try swnetWithEnvironment(["--json", "http-get", "--cache=\(cache)", "-O", "--output-dir", folder + "/dl", "--parallel", "3"] + urls)
        XCTAssertEqual(second.status, 0, second.stderr)
        let records = try second.text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(records.map { $0?["cache"] as? String }, ["hit", "hit", "hit"])
        XCTAssertEqual(records.map { $0?["url"] as? String }, urls, "records in the order of the URLs")
        for (name, body) in bodies { XCTAssertTrue(FileManager.default.contents(atPath: folder + "/dl/" + name) == body, name) }

        // To stdout, one after another, in order, with the server stopped.
        let stdout = try get(urls)
        XCTAssertEqual(stdout.status, 0, stdout.stderr)
        XCTAssertTrue(stdout.stdout == bodies.keys.sorted().reduce(Data()) { $0 + bodies[$1]! })
    }

    func testResumeAndHeadBypassTheCache() throws {
        let nginx = try CacheNginx()
        let body = Self.randomBytes(10_000)
        try nginx.serve(body, as: "p.bin")
        let url = nginx.base + "/fresh/p.bin", partial = folder + "/partial"
        XCTAssertEqual(try cacheState(get([url], json: true)), "stored")
        try body.prefix(4000).write(to: URL(fileURLWithPath: partial))
        let resumed = try get(["-C", "-o", partial, url], json: true)
        XCTAssertEqual(try cacheState(resumed), "bypass")
        XCTAssertEqual(try resumed.json()["status"] as? Int, 206)
        XCTAssertTrue(FileManager.default.contents(atPath: partial) == body)
        let head = try get(["-I", url], json: true)
        XCTAssertEqual(try cacheState(head), "bypass")
        XCTAssertEqual(nginx.requests("p.bin").map { String($0.prefix(4)) }, ["GET ", "GET ", "HEAD"], "both asked the server")
    }

    // MARK: The Python origin

    func testAFreshHitMakesNoRequestAndMustRevalidateNeverServesStale() throws {
        let origin = try CacheOrigin()
        try origin.serve("counted\n", as: "c")
        let url = origin.base + "/doc/c?cc=max-age%3D600"
        XCTAssertEqual(try cacheState(get([url], json: true)), "stored")
        for _ in 0..<3 { XCTAssertEqual(try get([url]).text, "counted\n") }
        XCTAssertEqual(origin.requests("c").count, 1, "fresh hits made no request")

        try origin.serve("must\n", as: "m")
        let strict = origin.base + "/doc/m?cc=max-age%3D0%2C%20must-revalidate"
        XCTAssertEqual(try cacheState(get([strict], json: true)), "stored")
        XCTAssertEqual(try cacheState(get([strict], json: true)), "revalidated")
        try origin.fail("m", true)
        let failed = try get([strict])
        XCTAssertEqual(failed.status, 8, "the server's error, not the stale answer")
        XCTAssertEqual(failed.text, "broken\n")
        origin.stop()
        let down = try get([strict])
        XCTAssertEqual(down.status, 4, "refused: the stale answer is not served instead")
        XCTAssertEqual(down.text, "")
    }

    func testVaryKeepsAnswersApart() throws {
        let origin = try CacheOrigin()
        let url = origin.base + "/lang/v"
        func fetch(_ language: String?) throws -> (String, String?) {
            let result = try get((language.map { ["-H", "Accept-Language: \($0)"] } ?? []) + ["-o", folder + "/v", url], json: true)
            XCTAssertEqual(result.status, 0, result.stderr)
            return ((try? String(contentsOfFile: folder + "/v", encoding: .utf8)) ?? "", try cacheState(result))
        }
        XCTAssertTrue(try fetch("en") == ("lang=en\n", "stored"))
        XCTAssertTrue(try fetch("en") == ("lang=en\n", "hit"))
        XCTAssertTrue(try fetch("de") == ("lang=de\n", "stored"), "another Accept-Language is another answer")
        XCTAssertTrue(try fetch(nil) == ("lang=-\n", "stored"))
        XCTAssertTrue(try fetch(nil) == ("lang=-\n", "hit"))
        XCTAssertEqual(origin.requests("v").count, 3)
    }

    func testAChangedETagBringsTheNewBody() throws {
        let origin = try CacheOrigin()
        try origin.serve("first\n", as: "e")
        let url = origin.base + "/doc/e?cc=no-cache"
        XCTAssertEqual(try cacheState(get([url], json: true)), "stored")
        try origin.serve("second\n", as: "e")
        let changed = try get(["-o", folder + "/e", url], json: true)
        XCTAssertEqual(try cacheState(changed), "stored")
        XCTAssertEqual(try String(contentsOfFile: folder + "/e", encoding: .utf8), "second\n")
        XCTAssertEqual(try cacheState(get([url], json: true)), "revalidated")
        XCTAssertEqual(try get([url]).text, "second\n")
        let log = origin.requests("e")
        XCTAssertEqual(log.count, 4)
        XCTAssertFalse(log[1].contains("inm=-"), "the old tag was sent: \(log)")
        XCTAssertNotEqual(log[1], log[2], "then the new one")
    }

    func testA304AboutAnotherAnswerIsNotTrusted() throws {
        let origin = try CacheOrigin()
        try origin.serve("original\n", as: "o")
        let url = origin.base + "/doc/o?cc=no-cache&odd=1"
        XCTAssertEqual(try cacheState(get([url], json: true)), "stored")
        try origin.serve("replaced\n", as: "o")
        let again = try get(["-v", url])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.text, "replaced\n", "fetched whole, not the stored body")
        XCTAssertTrue(again.stderr.contains("the 304 is not about the stored answer"), again.stderr)
        XCTAssertEqual(origin.requests("o").map { $0.contains("inm=-") }, [true, false, true], "the second asked conditionally, the third not")
    }

    func testRedirectedAnswersAndCredentialsAreNotStored() throws {
        let origin = try CacheOrigin()
        try origin.serve("landed\n", as: "r")
        let redirected = try get(["-v", origin.base + "/go/r"], json: true)
        XCTAssertEqual(redirected.status, 0, redirected.stderr)
        XCTAssertEqual(try cacheState(redirected), "miss")
        XCTAssertTrue(redirected.stderr.contains("reached through a redirect"), redirected.stderr)
        XCTAssertEqual(try cacheState(get([origin.base + "/go/r"], json: true)), "miss", "asked again: the redirect may lead elsewhere now")

        try origin.serve("mine\n", as: "u")
        let personal = origin.base + "/doc/u?cc=max-age%3D600"
        XCTAssertEqual(try cacheState(get(["-u", "anna:secret", personal], json: true)), "miss", "not stored: sent with credentials")
        let shared = origin.base + "/doc/u?cc=public%2C%20max-age%3D600"
        XCTAssertEqual(try cacheState(get(["-u", "anna:secret", shared], json: true)), "stored", "public allows it")
        for entry in entries() {
            let text = String(decoding: FileManager.default.contents(atPath: cache + "/" + entry) ?? Data(), as: UTF8.self)
            XCTAssertFalse(text.contains("secret") || text.contains("YW5uYTpzZWNyZXQ"), "no credentials in the cache")
        }
    }

    // MARK: The command line

    func testTheCacheOptionsAndTheEnvironment() throws {
        let origin = try CacheOrigin()
        try origin.serve("env\n", as: "n")
        let url = origin.base + "/doc/n?cc=max-age%3D600"
        let usage = try swnetWithEnvironment(["http-get", "--no-cache", url])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.contains("--no-cache applies to the cache"), usage.stderr)
        XCTAssertEqual(try swnetWithEnvironment(["http-get", "--cache-max", "1M", url]).status, 2)
        let spaced = try swnetWithEnvironment(["http-get", "--cache", folder + "/c", url])
        XCTAssertEqual(spaced.status, 2, "the folder must follow '=', or it would be fetched as a URL")
        XCTAssertTrue(spaced.stderr.contains("--cache takes its folder after '=': --cache=\(folder!)/c"), spaced.stderr)

        let env = folder + "/from-env"
        let first = try swnetWithEnvironment(["--json", "http-get", url], ["SWNET_CACHE": env])
        XCTAssertEqual(try cacheState(first), "stored")
        XCTAssertEqual(entries(in: env).count, 1, "SWNET_CACHE turns the cache on, in its folder")
        let xdg = try swnetWithEnvironment(["--json", "http-get", "--cache", url], ["XDG_CACHE_HOME": folder + "/xdg"])
        XCTAssertEqual(try cacheState(xdg), "stored")
        XCTAssertEqual(entries(in: folder + "/xdg/swnet/http").count, 1)
        let off = try swnetWithEnvironment(["--json", "http-get", url], ["SWNET_CACHE": ""])
        XCTAssertNil(try off.json()["cache"], "no cache, no cache member")
    }
}
