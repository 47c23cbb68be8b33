import Foundation
import XCTest

/// `swnet http-get` against a real HTTP server (Python's http.server) on
/// loopback: statuses, redirects, decoding, headers both ways, files.
final class HTTPGetTests: HTTPTestCase {
    func testBodyToStdoutAndNothingElse() throws {
        let result = try get([server.url("/hello")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "hello\n")
        XCTAssertEqual(result.stderr, "")
    }

    func testStatusCodes() throws {
        let empty = try get([server.url("/status/204")])
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertEqual(empty.text, "")
        for status in [400, 403, 410, 500, 501] {
            let result = try get([server.url("/status/\(status)")])
            XCTAssertEqual(result.status, 8, "\(status): \(result.stderr)")
            XCTAssertEqual(result.text, "status \(status)\n", "the body of an error is still written")
        }
    }

    func testNotFoundExits8WithTheBodyWrittenAndAClearMessage() throws {
        let url = server.url("/status/404")
        let result = try get(["-o", path("page"), url])
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertEqual(contents("page"), Data("status 404\n".utf8))
        XCTAssertEqual(result.stderr, "swnet: http-get: \(url): server answered 404 Not Found\n")
    }

    func testNoFailAcceptsAnyStatus() throws {
        let result = try get(["--no-fail", server.url("/status/404")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "status 404\n")
        XCTAssertEqual(result.stderr, "")
    }

    func testRedirectsAreFollowedAndTheirBodiesDropped() throws {
        let result = try get([server.url("/redirect/3")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "landed\n")

        let json = try get(["--json", server.url("/redirect/3")]).json()
        XCTAssertEqual(json["status"] as? Int, 200)
        XCTAssertEqual(json["effective_url"] as? String, server.url("/redirect/0"))
        XCTAssertEqual(json["url"] as? String, server.url("/redirect/3"))
    }

    func testNoFollowAndMaxRedirs() throws {
        let stay = try get(["--no-follow", server.url("/redirect/1")])
        XCTAssertEqual(stay.status, 0, stay.stderr)
        XCTAssertEqual(stay.text, "moving\n")

        let short = try get(["--max-redirs", "2", server.url("/redirect/3")])
        XCTAssertNotEqual(short.status, 0)
        XCTAssertTrue(short.stderr.contains("more than 2 redirects"), short.stderr)
        XCTAssertEqual(short.text, "")
    }

    func testRedirectLoopFailsWithAClearMessage() throws {
        let url = server.url("/loop")
        let result = try get([url], limit: 20)
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertEqual(result.text, "")
        XCTAssertEqual(result.stderr,
                       "swnet: http-get: \(url): more than 10 redirects, the last to \(url): a redirect loop? (--max-redirs N allows more)\n")
    }

    func testGzipIsAskedForAndDecoded() throws {
        let result = try get([server.url("/gzip")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, String(repeating: "decoded line\n", count: 100))
        let asked = try get([server.url("/echo-headers")])
        XCTAssertTrue(asked.text.contains("Accept-Encoding: ") && asked.text.contains("gzip"), asked.text)
    }

    func testHeadWritesTheHeadersOnly() throws {
        let result = try get(["-I", server.url("/hello")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.hasPrefix("HTTP/1.1 200 OK\r\n"), result.text)
        XCTAssertTrue(result.text.contains("Content-Length: 6\r\n"), result.text)
        XCTAssertTrue(result.text.hasSuffix("\r\n\r\n"), result.text)
        XCTAssertFalse(result.text.contains("hello"))

        let json = try get(["--json", "-I", server.url("/hello")]).json()
        XCTAssertEqual(json["status"] as? Int, 200)
        XCTAssertEqual(json["size"] as? Int, 0)
        XCTAssertEqual((json["headers"] as? [String: String])?["content-length"], "6")
    }

    func testIncludeWritesEveryResponsesHeadersBeforeTheBody() throws {
        let result = try get(["-i", server.url("/redirect/1")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = result.text
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 302 Found\r\n"), text)
        XCTAssertTrue(text.contains("Location: /redirect/0\r\n"), text)
        XCTAssertTrue(text.contains("\r\n\r\nHTTP/1.1 200 OK\r\n"), text)
        XCTAssertTrue(text.hasSuffix("\r\n\r\nlanded\n"), text)
        XCTAssertFalse(text.contains("moving"))
    }

    func testRequestHeadersAndUserAgentReachTheServer() throws {
        let result = try get(["-H", "X-Test: yes", "-H", "X-Other: two words", "-A", "agent/1.0", "-H", "Accept:", server.url("/echo-headers")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("X-Test: yes"), result.text)
        XCTAssertTrue(lines.contains("X-Other: two words"), result.text)
        XCTAssertTrue(lines.contains("User-Agent: agent/1.0"), result.text)
        XCTAssertFalse(lines.contains { $0.hasPrefix("Accept: ") }, "'Accept:' removes the header: \(result.text)")

        let plain = try get([server.url("/echo-headers")])
        XCTAssertTrue(plain.text.contains("User-Agent: swnet/0.1.0\n"), plain.text)
        XCTAssertTrue(plain.text.contains("Accept: */*\n"), plain.text)
    }

    func testBadHeaderAndSchemeAreUsageErrors() throws {
        let header = try get(["-H", "no colon here", server.url("/hello")])
        XCTAssertEqual(header.status, 2)
        XCTAssertTrue(header.stderr.contains("invalid header 'no colon here'"), header.stderr)
        let ftp = try get(["ftp://127.0.0.1/"])
        XCTAssertEqual(ftp.status, 2)
        XCTAssertTrue(ftp.stderr.contains("http:// and https:// URLs only"), ftp.stderr)
        let noURL = try get([])
        XCTAssertEqual(noURL.status, 2)
        XCTAssertTrue(noURL.stderr.contains("missing URL"), noURL.stderr)
    }

    func testTwentyMebibytesArriveIntactByHash() throws {
        let bytes = Self.randomBytes(20 << 20)
        try server.serve(bytes, as: "big.bin")
        let original = server.root.appendingPathComponent("big.bin").path

        let toFile = try get(["-o", path("copy.bin"), server.url("/file/big.bin")], limit: 60)
        XCTAssertEqual(toFile.status, 0, toFile.stderr)
        XCTAssertEqual(toFile.stderr, "", "no progress bar when stderr is not a terminal")
        XCTAssertEqual(try sha256(ofFile: path("copy.bin")), try sha256(ofFile: original))

        let toStdout = try get([server.url("/file/big.bin")], limit: 60)
        XCTAssertEqual(toStdout.status, 0, toStdout.stderr)
        XCTAssertEqual(toStdout.stdout.count, bytes.count)
        XCTAssertTrue(toStdout.stdout == bytes, "the body on stdout differs")
    }

    func testOutputRemoteNameAndOutputDir() throws {
        try server.serve(Data("first\n".utf8), as: "one.txt")
        try server.serve(Data("second\n".utf8), as: "two.txt")
        // -o pairs with the first URL; -O names the second; both land in --output-dir (created).
        let result = try get(["-O", "--output-dir", path("out/sub"), "-o", "renamed.txt",
                              server.url("/file/one.txt"), server.url("/file/two.txt")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "")
        XCTAssertEqual(contents("out/sub/renamed.txt"), Data("first\n".utf8))
        XCTAssertEqual(contents("out/sub/two.txt"), Data("second\n".utf8))

        // Two -o for two URLs, in order; the third goes to stdout.
        let paired = try get(["-o", path("a"), "-o", path("b"), server.url("/file/one.txt"), server.url("/file/two.txt"), server.url("/hello")])
        XCTAssertEqual(paired.status, 0, paired.stderr)
        XCTAssertEqual(contents("a"), Data("first\n".utf8))
        XCTAssertEqual(contents("b"), Data("second\n".utf8))
        XCTAssertEqual(paired.text, "hello\n")
    }

    func testRemoteNameRefusesEmptyAndUnsafeNames() throws {
        for (url, fragment) in [(server.url("/"), "no file name"), (server.url("/..%2F..%2Fetc%2Fpasswd"), "unsafe file name"),
                                (server.url("/.profile"), "unsafe file name")] {
            let result = try get(["-O", "--output-dir", folder.path, url])
            XCTAssertEqual(result.status, 2, url)
            XCTAssertTrue(result.stderr.contains(fragment), result.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [], "nothing written")
    }

    func testAnEmptyBodyStillMakesItsFileAndAFailedConnectLeavesAFileAlone() throws {
        let empty = try get(["-o", path("empty"), server.url("/status/204")])
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertEqual(contents("empty"), Data())

        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: path("existing")))
        let refused = try get(["-o", path("existing"), "http://127.0.0.1:\(Harness.refusedPort())/x"])
        XCTAssertEqual(refused.status, 4, refused.stderr)
        XCTAssertEqual(contents("existing"), Data("keep me\n".utf8))
    }

    func testSeveralURLsWithJSONAreNDJSONInOrder() throws {
        let urls = [server.url("/hello"), server.url("/status/404"), server.url("/redirect/2")]
        let result = try get(["--json"] + urls)
        XCTAssertEqual(result.status, 9, "some failed: \(result.stderr)")
        XCTAssertEqual(result.stderr, "swnet: http-get: 1 of 3 URLs failed\n")
        let objects = try ndjson(result)
        XCTAssertEqual(objects.count, 3, result.text)
        XCTAssertEqual(objects.map { $0["url"] as? String }, urls)
        XCTAssertEqual(objects.map { $0["status"] as? Int }, [200, 404, 200])
        let first = objects[0]
        for key in ["url", "effective_url", "status", "http_version", "headers", "size", "content_type", "time", "speed"] {
            XCTAssertNotNil(first[key], "missing \(key): \(first)")
        }
        XCTAssertEqual(first["http_version"] as? String, "1.1")
        XCTAssertEqual(first["size"] as? Int, 6)
        XCTAssertEqual(first["content_type"] as? String, "text/plain")
        XCTAssertEqual((first["headers"] as? [String: String])?["content-type"], "text/plain")
        let time = try XCTUnwrap(first["time"] as? [String: Any])
        for key in ["dns", "connect", "first_byte", "total"] { XCTAssertNotNil(time[key] as? Double, "time.\(key): \(time)") }
        XCTAssertTrue(time["tls"] is NSNull, "no TLS over http://")
        XCTAssertNil(first["error"])
        let error = try XCTUnwrap(objects[1]["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 8)
        XCTAssertEqual(error["kind"] as? String, "server")
        XCTAssertEqual(objects[2]["effective_url"] as? String, server.url("/redirect/0"))
    }

    func testJSONForOneURLIsOneDocumentAndTheBodyGoesOnlyToO() throws {
        let result = try get(["--json", "-o", path("body"), server.url("/hello")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try result.json()
        XCTAssertEqual(json["status"] as? Int, 200)
        XCTAssertEqual(json["file"] as? String, path("body"))
        XCTAssertEqual(contents("body"), Data("hello\n".utf8))
        XCTAssertEqual(result.text.filter { $0 == "\n" }.count, 1, "one line of JSON and nothing else")

        let failed = try get(["--json", "http://127.0.0.1:\(Harness.refusedPort())/"])
        XCTAssertEqual(failed.status, 4)
        let error = try XCTUnwrap(try failed.json()["error"] as? [String: Any])
        XCTAssertEqual(error["kind"] as? String, "connect")
        XCTAssertTrue((error["message"] as? String ?? "").contains("connection refused"), "\(error)")
    }

    func testSeveralURLsShareOneConnection() throws {
        let before = Int(try server.fetch("/connections").trimmingCharacters(in: .whitespacesAndNewlines))!
        let result = try get([server.url("/hello"), server.url("/status/204"), server.url("/redirect/2"), server.url("/hello")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "hello\nlanded\nhello\n")
        let after = Int(try server.fetch("/connections").trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertEqual(after - before, 2, "one connection for swnet's four URLs and redirects, one for this count")
    }

    func testParallelRunsAtOnceAndKeepsStdoutInOrder() throws {
        let urls = (0..<3).map { server.url("/sleep/\(1000 - $0 * 300)") }  // 1000, 700, 400 ms: the last ends first
        let start = Date()
        let files = try get(["--parallel", "3", "-O", "--output-dir", folder.path] + urls)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(files.status, 0, files.stderr)
        XCTAssertEqual(contents("1000"), Data("slept 1000\n".utf8))
        XCTAssertEqual(contents("400"), Data("slept 400\n".utf8))
        XCTAssertLessThan(elapsed, 1.8, "sleeps of 2.1 s in all ran side by side")

        let json = try get(["--json", "--parallel", "3"] + urls)
        XCTAssertEqual(try ndjson(json).map { $0["url"] as? String }, urls, "records in the order of the URLs")

        // Bodies bound for stdout never mix: they come one after another, in order.
        let stdout = try get(["--parallel", "3"] + urls + [server.url("/hello")])
        XCTAssertEqual(stdout.status, 0, stdout.stderr)
        XCTAssertEqual(stdout.text, "slept 1000\nslept 700\nslept 400\nhello\n")
    }

    func testBasicAuthenticationReachesTheServerAndTheTranscriptHidesIt() throws {
        let result = try get(["-u", "anna:secret", server.url("/auth")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "welcome anna\n")

        let wrong = try get(["-u", "anna:guess", server.url("/auth")])
        XCTAssertEqual(wrong.status, 7, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("401 Unauthorized"), wrong.stderr)

        setenv("SWNET_PASSWORD", "secret", 1)
        defer { unsetenv("SWNET_PASSWORD") }
        let fromEnvironment = try get(["-u", "anna", server.url("/auth")])
        XCTAssertEqual(fromEnvironment.text, "welcome anna\n", fromEnvironment.stderr)

        let traced = try get(["-vv", "-u", "anna:secret", server.url("/auth")])
        XCTAssertEqual(traced.status, 0, traced.stderr)
        XCTAssertEqual(traced.text, "welcome anna\n", "the transcript stays off stdout")
        let lines = traced.stderr.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("> GET /auth HTTP/1.1"), traced.stderr)
        XCTAssertTrue(lines.contains("> Authorization: [redacted]"), traced.stderr)
        XCTAssertTrue(lines.contains("< HTTP/1.1 200 OK"), traced.stderr)
        XCTAssertFalse(traced.stderr.contains("YW5uYTpzZWNyZXQ="), "base64 of anna:secret")
        XCTAssertFalse(traced.stderr.contains("secret"), traced.stderr)
    }

    func testPasswordInTheURLIsNotShown() throws {
        let url = "http://anna:secret@127.0.0.1:\(server.port)/status/404"
        let result = try get([url])
        XCTAssertEqual(result.status, 8)
        XCTAssertFalse(result.stderr.contains("secret"), result.stderr)
        XCTAssertTrue(result.stderr.contains("anna:[redacted]@"), result.stderr)
    }

    func testContinueResumesAPartialFile() throws {
        let bytes = Self.randomBytes(3 << 20)
        try server.serve(bytes, as: "data.bin")
        try bytes.prefix(1_000_000).write(to: URL(fileURLWithPath: path("data.bin")))

        let result = try get(["-v", "-C", "-o", path("data.bin"), server.url("/file/data.bin")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("206 Partial Content"), result.stderr)
        XCTAssertEqual(try sha256(ofFile: path("data.bin")), try sha256(ofFile: server.root.appendingPathComponent("data.bin").path))

        let again = try get(["-v", "-C", "-o", path("data.bin"), server.url("/file/data.bin")])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("complete already"), again.stderr)
        XCTAssertEqual(contents("data.bin"), bytes)
    }

    func testContinueNeverAppendsWhatIsNotTheRest() throws {
        let bytes = Self.randomBytes(1 << 20)
        try server.serve(bytes, as: "data.bin")
        let partial = bytes.prefix(4096)
        try partial.write(to: URL(fileURLWithPath: path("data.bin")))

        let ignored = try get(["-C", "-o", path("data.bin"), server.url("/file/data.bin?norange=1")])
        XCTAssertEqual(ignored.status, 8, ignored.stderr)
        XCTAssertTrue(ignored.stderr.contains("cannot resume"), ignored.stderr)
        XCTAssertEqual(contents("data.bin"), partial)

        let missing = try get(["-C", "-o", path("data.bin"), server.url("/status/404")])
        XCTAssertEqual(missing.status, 8, missing.stderr)
        XCTAssertEqual(contents("data.bin"), partial, "an error page is not appended to the partial file")

        let fresh = try get(["-C", "-o", path("new.bin"), server.url("/file/data.bin")])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertEqual(contents("new.bin"), bytes, "no file yet: -C fetches all of it")

        let noFile = try get(["-C", server.url("/file/data.bin")])
        XCTAssertEqual(noFile.status, 2)
        XCTAssertTrue(noFile.stderr.contains("-C/--continue resumes files"), noFile.stderr)
    }

    func testLocalWriteFailuresExit10() throws {
        let full = try get(["-o", "/dev/full", server.url("/hello")])
        XCTAssertEqual(full.status, 10, full.stderr)
        XCTAssertTrue(full.stderr.contains("cannot write /dev/full: no space left on device"), full.stderr)

        let noFolder = try get(["-o", path("missing/dir/file"), server.url("/hello")])
        XCTAssertEqual(noFolder.status, 10, noFolder.stderr)
        XCTAssertTrue(noFolder.stderr.contains("cannot create \(path("missing/dir/file")): no such file or directory"), noFolder.stderr)
    }

    func testProgressBarOnlyOnATerminal() throws {
        try server.serve(Self.randomBytes(4 << 20), as: "big.bin")
        // script(1) gives swnet a pseudo-terminal for stdout and stderr.
        func underTerminal(_ extra: [String]) throws -> String {
            let command = ([Harness.binary.path, "http-get"] + extra + ["-o", path("big.bin"), server.url("/file/big.bin")])
                .map { "'\($0)'" }.joined(separator: " ")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", command, "/dev/null"]
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            return String(decoding: data, as: UTF8.self)
        }
        let shown = try underTerminal([])
        XCTAssertTrue(shown.contains("\r"), shown)
        XCTAssertTrue(shown.contains("big.bin"), shown)
        XCTAssertTrue(shown.contains("100% ["), shown)
        XCTAssertTrue(shown.contains("4.0 MiB / 4.0 MiB"), shown)
        XCTAssertFalse(try underTerminal(["--no-progress"]).contains("100%"))
    }
}
