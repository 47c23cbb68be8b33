import SwnetCore
@testable import SwnetCommands
import XCTest

/// Reading response headers, checking request headers and URLs, the progress line.
final class HTTPResponseTests: XCTestCase {
    func read(_ lines: [String]) -> ResponseHeaders {
        var headers = ResponseHeaders()
        for line in lines { headers.add(Substring(line)) }
        return headers
    }

    func testTheLastResponseWins() {
        let headers = read(["HTTP/1.1 302 Found\r\n", "Location: /b\r\n", "X-Old: 1\r\n", "\r\n",
                            "HTTP/1.1 404 Not Found\r\n", "Content-Type: text/html\r\n", "\r\n"])
        XCTAssertEqual(headers.responses, 2)
        XCTAssertEqual(headers.status, 404)
        XCTAssertEqual(headers.version, "1.1")
        XCTAssertEqual(headers.statusText, "404 Not Found")
        XCTAssertNil(headers.value("x-old"))
        XCTAssertEqual(headers.value("Content-Type"), "text/html")
    }

    func testParsingRawBytes() {
        let headers = ResponseHeaders(parsing: Array("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nX-A: 1\r\n\r\n".utf8))
        XCTAssertEqual(headers.statusText, "503 Service Unavailable")
        XCTAssertEqual(headers.value("retry-after"), "5")
        XCTAssertEqual(headers.fields.count, 2)
    }

    func testHTTP2HasNoReasonAndFieldsAreTrimmedLowerCasedAndJoined() {
        let headers = read(["HTTP/2 200 \r\n", "Content-Type:  text/plain \r\n", "Vary: a\r\n", "VARY: b\r\n",
                            "Set-Cookie: a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\r\n", "Set-Cookie: b=2\r\n",
                            "X-Folded: one\r\n", "\t two\r\n", "not a header line\r\n", "\r\n"])
        XCTAssertEqual(headers.status, 200)
        XCTAssertEqual(headers.version, "2")
        XCTAssertEqual(headers.statusText, "200")
        XCTAssertEqual(headers.value("vary"), "a, b")
        XCTAssertEqual(headers.value("set-cookie"), "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nb=2")
        XCTAssertEqual(headers.value("x-folded"), "one two")
        XCTAssertEqual(headers.json.rendered,
                       #"{"content-type":"text/plain","vary":"a, b","set-cookie":"a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nb=2","x-folded":"one two"}"#)
    }

    /// Found by the http-headers fuzz target: a folded line after an empty
    /// value gave a value that began with a space.
    func testAFoldedLineAfterAnEmptyValueIsTrimmed() {
        let found = Array("HTTs=Wed, 21 Oct 2026 07:28:00 GMT\u{0B}\0\0\0\0\0\0\0\0ookie: b=2\r\nX-Folded\r oen:\n\t two\r\nnot a header line\r\n\r\n".utf8)
        XCTAssertEqual(ResponseHeaders(parsing: found).value("x-folded\r oen"), "two")
        let headers = read(["X-Empty:\r\n", "\t continued \r\n", "X-Blank: a\r\n", " \r\n"])
        XCTAssertEqual(headers.value("x-empty"), "continued")
        XCTAssertEqual(headers.value("x-blank"), "a")
    }

    func testRequestHeadersMustBeOneNamedLine() throws {
        for good in ["X-A: 1", "Accept:", "X-Empty;", "Authorization: Bearer abc:def"] {
            XCTAssertEqual(try RequestSettings.checkedHeader(good), good)
        }
        for bad in ["no colon", ": value", " X: 1", "X Y: 1", "X: 1\r\nEvil: 2", "X: a\nb"] {
            XCTAssertThrowsError(try RequestSettings.checkedHeader(bad), bad) { XCTAssertEqual(($0 as! SwnetError).code, .usage) }
        }
    }

    func testOnlyHTTPSchemes() throws {
        XCTAssertEqual(try RequestSettings.checkedURL("https://x/"), "https://x/")
        XCTAssertEqual(try RequestSettings.checkedURL("HTTP://x/"), "HTTP://x/")
        XCTAssertEqual(try RequestSettings.checkedURL("example.com/x"), "example.com/x")
        XCTAssertThrowsError(try RequestSettings.checkedURL("ftp://x/")) {
            XCTAssertEqual(($0 as! SwnetError).code, .usage)
            XCTAssertTrue(($0 as! SwnetError).reason.contains("http:// and https:// URLs only"))
        }
    }

    func testURLParts() {
        let parts = URLParts("https://anna:pw@example.com:8443/a/b.txt?x=/y#z")
        XCTAssertEqual(parts.scheme, "https")
        XCTAssertEqual(parts.userInfo, "anna:pw")
        XCTAssertEqual(parts.host, "example.com")
        XCTAssertEqual(parts.port, "8443")
        XCTAssertEqual(parts.path, "/a/b.txt")
        let bare = URLParts("localhost:8080")
        XCTAssertNil(bare.scheme)
        XCTAssertEqual(bare.host, "localhost")
        XCTAssertEqual(bare.port, "8080")
        XCTAssertEqual(bare.path, "")
        XCTAssertEqual(URLParts("http://h?x=/y").path, "")
        XCTAssertEqual(URLParts("h/p").path, "/p")
        XCTAssertEqual(URLParts("http://[::1]/").host, "[::1]")
    }

    func testServerAndRedactedURL() {
        XCTAssertEqual(URLParts("http://127.0.0.1:1/x").server, "127.0.0.1:1")
        XCTAssertEqual(URLParts("HTTPS://example.com/x").server, "example.com:443")
        XCTAssertEqual(URLParts("http://u:p@[::1]:8080?q").server, "[::1]:8080")
        XCTAssertEqual(URLParts("example.com").server, "example.com:80")
        XCTAssertEqual(URLParts.redacted("http://anna:secret@h:1/p?u=a:b@c"), "http://anna:[redacted]@h:1/p?u=a:b@c")
        XCTAssertEqual(URLParts.redacted("anna:secret@h/p"), "anna:[redacted]@h/p")
        XCTAssertEqual(URLParts.redacted("http://anna@h/p"), "http://anna@h/p")
        XCTAssertEqual(URLParts.redacted("http://h/p?x=a:b@c"), "http://h/p?x=a:b@c")
    }

    func testProgressLine() {
        XCTAssertEqual(ProgressBar.size(512), "512 B")
        XCTAssertEqual(ProgressBar.size(1536), "1.5 KiB")
        XCTAssertEqual(ProgressBar.size(430 << 20), "430.0 MiB")
        XCTAssertEqual(ProgressBar.size(3 << 40), "3072.0 GiB")
        XCTAssertEqual(ProgressBar.clock(7), "7s")
        XCTAssertEqual(ProgressBar.clock(125), "2m05s")
        XCTAssertEqual(ProgressBar.clock(3780), "1h03m")
        XCTAssertEqual(ProgressBar.clock(0.42, tenths: true), "0.4s")

        let half = ProgressBar.line(label: "big.iso", done: 512 << 20, total: 1 << 30, bytesPerSecond: Double(64 << 20), elapsed: nil, width: 80)
        XCTAssertEqual(half, "big.iso      50% [======>      ]  512.0 MiB / 1.0 GiB    64.0 MiB/s  ETA 8s")
        let start = ProgressBar.line(label: "big.iso", done: 0, total: 1 << 30, bytesPerSecond: 0, elapsed: nil, width: 80)
        XCTAssertEqual(start, "big.iso       0% [>            ]        0 B / 1.0 GiB         0 B/s")
        XCTAssertEqual(start.firstIndex(of: "]"), half.firstIndex(of: "]"), "the bar keeps its length")
        let done = ProgressBar.line(label: "big.iso", done: 1 << 30, total: 1 << 30, bytesPerSecond: Double(64 << 20), elapsed: 16, width: 80)
        XCTAssertTrue(done.contains("100% [=============]"), done)
        XCTAssertEqual(done.firstIndex(of: "]"), half.firstIndex(of: "]"), "the bar keeps its length")
        XCTAssertTrue(done.hasSuffix("in 16s"), done)
        let unknown = ProgressBar.line(label: "stream", done: 2048, total: nil, bytesPerSecond: 1024, elapsed: nil, width: 80)
        XCTAssertEqual(unknown, "stream      2.0 KiB  1.0 KiB/s")
        for width in [20, 40, 60, 100, 200] {
            let line = ProgressBar.line(label: String(repeating: "n", count: 70), done: 5, total: 10, bytesPerSecond: 1, elapsed: nil, width: width)
            XCTAssertLessThan(line.count, width, line)
        }
    }
}
