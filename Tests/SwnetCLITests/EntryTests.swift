import Foundation
import XCTest
import SwnetCore
import SwnetCommands

final class EntryTests: XCTestCase {
    override func setUp() {
        super.setUp()
        // Entry decides colour from the process's fd 2, not from the sink: keep it plain.
        setenv("NO_COLOR", "1", 1)
    }

    private func run(_ arguments: [String]) -> (status: Int32, out: String, err: String) {
        let out = MemorySink(), err = MemorySink()
        let status = Entry.run(arguments, out: out, err: err)
        return (status, out.text, err.text)
    }

    func testVersion() {
        let result = run(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.out, "swnet 0.1.0\n")
        XCTAssertEqual(result.err, "")
        XCTAssertEqual(run(["-V"]).out, "swnet 0.1.0\n")
    }

    func testHelpConnectEqualsConnectHelp() {
        let a = run(["help", "connect"])
        let b = run(["connect", "--help"])
        let c = run(["connect", "-h", "--bogus"])
        XCTAssertEqual(a.status, 0)
        XCTAssertEqual(b.status, 0)
        XCTAssertEqual(a.out, b.out)
        XCTAssertEqual(a.out, c.out)
        XCTAssertTrue(a.out.hasPrefix("Usage: swnet connect"), a.out)
        XCTAssertTrue(a.out.contains("--idle-timeout"))
        XCTAssertEqual(a.err, "")
    }

    func testOverview() {
        let result = run(["help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.out.contains("connect"))
        XCTAssertTrue(result.out.contains("udp-send"))
        XCTAssertEqual(run(["--help"]).out, result.out)
    }

    func testUnknownOption() {
        let result = run(["connect", "--bogus", "127.0.0.1:1"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.err.hasPrefix("swnet: connect: unknown option --bogus"), result.err)
        XCTAssertTrue(result.err.contains("--bogus"))
        XCTAssertTrue(result.err.hasSuffix("\n"))
        XCTAssertEqual(result.out, "")
    }

    func testUnknownCommand() {
        let result = run(["conect", "127.0.0.1:1"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.err, "swnet: unknown command 'conect'; did you mean 'connect'?\n")
    }

    func testJSONUsageError() throws {
        let result = run(["--json", "connect", "--bogus"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.err, "")
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any], result.out)
        let error = try XCTUnwrap(document["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 2)
        XCTAssertEqual(error["kind"] as? String, "usage")
        let message = try XCTUnwrap(error["message"] as? String)
        XCTAssertTrue(message.contains("unknown option --bogus"), message)
    }

    func testJSONAfterCommand() throws {
        let result = run(["connect", "--concurrency", "0", "h:1", "--json"])
        XCTAssertEqual(result.status, 2)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any], result.out)
        let error = try XCTUnwrap(document["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 2)
        XCTAssertEqual(error["kind"] as? String, "usage")
        XCTAssertTrue((error["message"] as? String)?.contains("--concurrency") ?? false)
    }

    func testIPv4AndIPv6Exclude() {
        let result = run(["-4", "-6", "connect", "127.0.0.1:1"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.err.hasPrefix("swnet: connect: "), result.err)
        XCTAssertTrue(result.err.contains("--ipv4 and --ipv6 exclude each other"), result.err)
        XCTAssertEqual(result.out, "")
    }

    func testMissingArgument() {
        let result = run(["connect"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.err.hasPrefix("swnet: connect: missing HOST:PORT"), result.err)
    }
}
