import Foundation
import XCTest
@testable import SwnetCore

final class ConsoleTests: XCTestCase {
    private let refused = SwnetError(.unreachable, "connection refused").adding("127.0.0.1:7/tcp")

    func testReportInTextMode() {
        let out = MemorySink(), err = MemorySink()
        Console(out: out, err: err).report(refused, command: "connect")
        XCTAssertEqual(err.text, "swnet: connect: 127.0.0.1:7/tcp: connection refused\n")
        XCTAssertEqual(out.text, "")
    }

    func testReportWithoutCommand() {
        let out = MemorySink(), err = MemorySink()
        Console(out: out, err: err).report(.usage("unknown option --x"), command: nil)
        XCTAssertEqual(err.text, "swnet: unknown option --x\n")
    }

    func testReportInColour() {
        let out = MemorySink(), err = MemorySink()
        Console(out: out, err: err, color: true).report(refused, command: "connect")
        XCTAssertTrue(err.text.hasPrefix("\u{1B}["), err.text)
        XCTAssertTrue(err.text.hasSuffix("connect: 127.0.0.1:7/tcp: connection refused\n"), err.text)
    }

    func testReportInJSONMode() throws {
        let out = MemorySink(), err = MemorySink()
        Console(out: out, err: err, json: true).report(refused, command: "connect")
        XCTAssertEqual(err.text, "", "with --json the error goes to stdout only")
        XCTAssertTrue(out.text.hasSuffix("\n"))
        XCTAssertEqual(out.text.filter { $0 == "\n" }.count, 1, "one line")
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.text.utf8)) as? [String: Any])
        XCTAssertEqual(Array(document.keys), ["error"])
        let error = try XCTUnwrap(document["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 4)
        XCTAssertEqual(error["kind"] as? String, "connect")
        XCTAssertEqual(error["message"] as? String, "connect: 127.0.0.1:7/tcp: connection refused")
    }

    func testReportInJSONModeEscapesMessage() throws {
        let out = MemorySink(), err = MemorySink()
        Console(out: out, err: err, json: true).report(.usage("unknown command 'a\"b\\c'"), command: nil)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.text.utf8)) as? [String: Any])
        let error = try XCTUnwrap(document["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 2)
        XCTAssertEqual(error["kind"] as? String, "usage")
        XCTAssertEqual(error["message"] as? String, "unknown command 'a\"b\\c'")
    }

    func testQuietSuppressesNotesButNotErrors() {
        let out = MemorySink(), err = MemorySink()
        let console = Console(out: out, err: err, verbosity: 2, quiet: true)
        console.note("a note")
        console.verbose("chatter")
        XCTAssertEqual(err.text, "")
        console.report(refused, command: "connect")
        XCTAssertEqual(err.text, "swnet: connect: 127.0.0.1:7/tcp: connection refused\n")
    }

    func testNoteAndVerbosity() {
        let out = MemorySink(), err = MemorySink()
        let console = Console(out: out, err: err, verbosity: 1)
        console.note("hello")
        console.verbose("level one")
        console.verbose("level two", level: 2)
        XCTAssertEqual(err.text, "swnet: hello\nswnet: level one\n")
        XCTAssertEqual(out.text, "")
    }

    func testLineAndEmitGoToStdout() {
        let out = MemorySink(), err = MemorySink()
        let console = Console(out: out, err: err, json: true)
        console.line("data")
        console.emit(.object([("event", .string("listening")), ("port", .int(7))]))
        XCTAssertEqual(out.text, "data\n{\"event\":\"listening\",\"port\":7}\n")
        XCTAssertEqual(err.text, "")
    }
}
