import Foundation
import XCTest

/// -D (the headers to a file or stdout), --limit-rate and --netrc for
/// http-get, against the Python test server.
final class HTTPGetOptionsTests: HTTPTestCase {
    func text(_ name: String) -> String { contents(name).map { String(decoding: $0, as: UTF8.self) } ?? "<none>" }

    /// The status lines in `headers`, in order.
    func statusLines(_ headers: String) -> [String] {
        headers.components(separatedBy: "\r\n").filter { $0.hasPrefix("HTTP/") }
    }

    // MARK: -D

    func testDumpHeaderWritesEveryResponseOfEveryURLInTurn() throws {
        let result = try get(["-D", path("headers"), "-o", path("a"), "-o", path("b"),
                              server.url("/redirect/1"), server.url("/status/404")])
        XCTAssertEqual(result.status, 9, result.stderr)
        XCTAssertEqual(statusLines(text("headers")), ["HTTP/1.1 302 Found", "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found"])
        XCTAssertTrue(text("headers").contains("Location: /redirect/0\r\n"), text("headers"))
        XCTAssertTrue(text("headers").hasSuffix("\r\n\r\n"), text("headers"))
        // The bodies are untouched by it.
        XCTAssertEqual(text("a"), "landed\n")
        XCTAssertEqual(text("b"), "status 404\n")
    }

    func testDumpHeaderToStdoutComesBeforeEachBodyInURLOrder() throws {
        let result = try get(["-D", "-", server.url("/hello"), server.url("/redirect/0")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let blocks = result.text.components(separatedBy: "\r\n\r\n")
        XCTAssertEqual(blocks.count, 3, result.text)
        XCTAssertTrue(blocks[0].hasPrefix("HTTP/1.1 200 OK\r\n"), result.text)
        XCTAssertTrue(blocks[1].hasPrefix("hello\nHTTP/1.1 200 OK\r\n"), result.text)
        XCTAssertEqual(blocks[2], "landed\n")

        // Bodies to files, headers to stdout: in the order of the URLs, even when the first is the slower.
        let parallel = try get(["-D", "-", "--parallel", "2", "-o", path("slow"), "-o", path("fast"),
                                server.url("/sleep/300"), server.url("/hello")])
        XCTAssertEqual(parallel.status, 0, parallel.stderr)
        let lengths = parallel.text.components(separatedBy: "\r\n").filter { $0.hasPrefix("Content-Length:") }
        XCTAssertEqual(lengths, ["Content-Length: 10", "Content-Length: 6"], parallel.text)
        XCTAssertEqual(text("slow"), "slept 300\n")
    }

    func testARetriedAnswersHeadersAreNotDumped() throws {
        let result = try get(["-D", path("headers"), "--retry", "1", "--retry-delay", "10ms",
                              server.url("/flaky/dump?fails=1&after=0")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "finally\n")
        XCTAssertEqual(statusLines(text("headers")), ["HTTP/1.1 200 OK"])

        // A file complete already: the 416 is the result, and its headers are written.
        try server.serve(Data("whole\n".utf8), as: "whole.txt")
        try Data("whole\n".utf8).write(to: folder.appendingPathComponent("whole.txt"))
        let complete = try get(["-C", "-o", path("whole.txt"), "-D", path("headers"), server.url("/file/whole.txt")])
        XCTAssertEqual(complete.status, 0, complete.stderr)
        XCTAssertEqual(statusLines(text("headers")).map { $0.prefix(12) }, ["HTTP/1.1 416"])
        XCTAssertEqual(text("whole.txt"), "whole\n")
    }

    func testDumpHeaderFailsBeforeAnyRequest() throws {
        let before = try server.fetch("/connections")
        let unwritable = path("missing/headers")
        let result = try get(["-D", unwritable, server.url("/hello")])
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertEqual(result.stderr, "swnet: http-get: cannot create \(unwritable): no such file or directory\n")
        XCTAssertEqual(result.text, "")
        // Only the counter's own request since.
        XCTAssertEqual(Int(try server.fetch("/connections").dropLast()), Int(before.dropLast())! + 1)

        let json = try get(["--json", "-D", "-", server.url("/hello")])
        XCTAssertEqual(json.status, 2)
        XCTAssertEqual((try json.json()["error"] as? [String: Any])?["message"] as? String,
                       "http-get: -D - would mix the headers into the JSON on stdout: give -D FILE")
    }

    // MARK: --limit-rate

    func testLimitRateKeepsTheAverageDown() throws {
        // 1.5 MiB at 1 MiB/s: all but libcurl's last round of reads (at most 100 KiB at this rate) waits
        // its turn, so it takes at least 1.4 s. Load can only make it slower: there is no upper bound.
        let data = Self.randomBytes(1536 << 10)
        try server.serve(data, as: "rated.bin")
        let start = Date()
        let result = try get(["--limit-rate", "1M", "-o", path("rated.bin"), server.url("/file/rated.bin")])
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(contents("rated.bin"), data)
        XCTAssertGreaterThanOrEqual(elapsed, 1.2)

        let zero = try get(["--limit-rate", "0", server.url("/hello")])
        XCTAssertEqual(zero.status, 2)
        XCTAssertEqual(zero.stderr, "swnet: http-get: invalid value '0' for --limit-rate: expected a speed above 0 such as 500K (without the option there is no limit)\n")
        XCTAssertEqual(try get(["--limit-rate", "fast", server.url("/hello")]).status, 2)
    }

    // MARK: --netrc

    func testNetrcGivesTheLoginForTheHost() throws {
        let netrc = path("netrc")
        try "machine example.test login bob password nope\nmachine 127.0.0.1 login anna password secret\n"
            .write(toFile: netrc, atomically: true, encoding: .utf8)
        let url = server.url("/auth")
        let result = try get(["--netrc-file", netrc, url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "welcome anna\n")
        // A user without a password takes the password from the file.
        let userOnly = try get(["--netrc-file", netrc, "-u", "anna", url])
        XCTAssertEqual(userOnly.status, 0, userOnly.stderr)
        // -u with a password wins over the file.
        let given = try get(["--netrc-file", netrc, "-u", "anna:guess", url])
        XCTAssertEqual(given.status, 7, given.stderr)

        // --netrc reads ~/.netrc.
        let home = ProcessInfo.processInfo.environment["HOME"]
        defer { if let home { setenv("HOME", home, 1) } else { unsetenv("HOME") } }
        setenv("HOME", folder.path, 1)
        try FileManager.default.copyItem(atPath: netrc, toPath: path(".netrc"))
        let fromHome = try get(["--netrc", url])
        XCTAssertEqual(fromHome.status, 0, fromHome.stderr)
        XCTAssertEqual(fromHome.text, "welcome anna\n")
    }

    func testNetrcWithoutTheHostOrTheFile() throws {
        let netrc = path("netrc")
        try "machine example.test login anna password secret\n".write(toFile: netrc, atomically: true, encoding: .utf8)
        let other = try get(["--netrc-file", netrc, server.url("/auth")])
        XCTAssertEqual(other.status, 7, other.stderr)
        let missing = path("absent")
        let result = try get(["--netrc-file", missing, server.url("/auth")])
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertEqual(result.stderr, "swnet: http-get: \(missing): cannot read the .netrc file\n")
    }
}
