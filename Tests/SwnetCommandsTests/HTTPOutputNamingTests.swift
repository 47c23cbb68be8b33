import SwnetCore
@testable import SwnetCommands
import XCTest

/// `-o`, `-O` and `--output-dir`: which URL's body goes where.
final class HTTPOutputNamingTests: XCTestCase {
    func name(_ url: String) throws -> String { try OutputNaming.remoteName(of: url) }

    func assertRefused(_ url: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try name(url), file: file, line: line) { error in
            let error = error as! SwnetError
            XCTAssertEqual(error.code, .usage, file: file, line: line)
            XCTAssertTrue(error.reason.contains(fragment), error.reason, file: file, line: line)
            XCTAssertTrue(error.reason.contains("-o FILE"), error.reason, file: file, line: line)
        }
    }

    func testRemoteNameIsTheLastPathSegment() throws {
        XCTAssertEqual(try name("http://example.com/a/b/file.tar.gz"), "file.tar.gz")
        XCTAssertEqual(try name("https://example.com/file.txt?version=2#top"), "file.txt")
        XCTAssertEqual(try name("example.com/dir/x.iso"), "x.iso")
        XCTAssertEqual(try name("http://example.com/a%20b%C3%A9.txt"), "a bé.txt")
        XCTAssertEqual(try name("http://example.com/100%25"), "100%")
        XCTAssertEqual(try name("http://example.com/odd%zz"), "odd%zz")
        XCTAssertEqual(try name("http://user:pw@example.com:8080/x?y=/z"), "x")
    }

    /// Found by the remote-name fuzz target: as Characters, a `/` or a
    /// leading `.` with a combining mark after it passed the checks.
    func testASlashOrDotWithACombiningMarkIsRefused() {
        assertRefused("0/\u{FFFD}-Ar/\u{031C}", "unsafe")
        assertRefused("http://e/.\u{0368}d", "unsafe")
        assertRefused("http://example.com/a%2F%CC%9Cb", "unsafe")
        assertRefused("http://example.com/%2E%CD%A8bashrc", "unsafe")
    }

    func testEmptyAndUnsafeNamesAreRefused() {
        assertRefused("http://example.com/", "no file name")
        assertRefused("http://example.com", "no file name")
        assertRefused("http://example.com/dir/?a=b", "no file name")
        assertRefused("http://example.com/..", "unsafe")
        assertRefused("http://example.com/.", "unsafe")
        assertRefused("http://example.com/.bashrc", "unsafe")
        assertRefused("http://example.com/%2e%2e", "unsafe")
        assertRefused("http://example.com/a%2Fb", "unsafe")
        assertRefused("http://example.com/..%2Fetc%2Fpasswd", "unsafe")
        assertRefused("http://example.com/a%5Cb", "unsafe")
        assertRefused("http://example.com/bell%07", "unsafe")
    }

    func testOutputsPairWithURLsInOrderAndTheRestGoToStdout() throws {
        let urls = ["http://h/1", "http://h/2", "http://h/3"]
        XCTAssertEqual(try OutputNaming.destinations(urls: urls, outputs: ["one", "-"], remoteName: false, directory: nil, json: false),
                       [.file("one"), .stdout, .stdout])
        XCTAssertEqual(try OutputNaming.destinations(urls: urls, outputs: [], remoteName: false, directory: nil, json: true),
                       [.nowhere, .nowhere, .nowhere])
        XCTAssertEqual(try OutputNaming.destinations(urls: urls, outputs: ["first"], remoteName: true, directory: nil, json: false),
                       [.file("first"), .file("2"), .file("3")])
    }

    func testOutputDirectoryPrefixesRelativeNamesOnly() throws {
        let urls = ["http://h/a.txt", "http://h/b.txt", "http://h/c.txt"]
        XCTAssertEqual(try OutputNaming.destinations(urls: urls, outputs: ["/abs/x", "rel/y"], remoteName: true, directory: "out/", json: false),
                       [.file("/abs/x"), .file("out/rel/y"), .file("out/c.txt")])
        XCTAssertEqual(OutputNaming.place("f", in: "d"), "d/f")
        XCTAssertEqual(OutputNaming.place("f", in: nil), "f")
    }

    func testMoreOutputsThanURLsAndSharedFilesAreUsageErrors() {
        XCTAssertThrowsError(try OutputNaming.destinations(urls: ["http://h/1"], outputs: ["a", "b"], remoteName: false, directory: nil, json: false)) {
            XCTAssertEqual(($0 as! SwnetError).code, .usage)
            XCTAssertTrue(($0 as! SwnetError).reason.contains("2 -o/--output for 1 URL"), "\($0)")
        }
        XCTAssertThrowsError(try OutputNaming.destinations(urls: ["http://h/x/f", "http://g/y/f"], outputs: [], remoteName: true, directory: nil, json: false)) {
            XCTAssertEqual(($0 as! SwnetError).code, .usage)
            XCTAssertTrue(($0 as! SwnetError).reason.contains("two URLs would write to f"), "\($0)")
        }
    }

    func testDevicesMayTakeSeveralBodies() throws {
        XCTAssertEqual(try OutputNaming.destinations(urls: ["http://h/1", "http://h/2"], outputs: ["/dev/null", "/dev/null"],
                                                     remoteName: false, directory: nil, json: false),
                       [.file("/dev/null"), .file("/dev/null")])
    }
}
