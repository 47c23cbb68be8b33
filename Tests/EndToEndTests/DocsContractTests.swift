import Foundation
import XCTest

/// What the README and the man page say the binary prints is what it prints.
final class DocsContractTests: XCTestCase {
    let readme = RecipeTests.readme
    /// The man page's source with its lines joined: roff wraps sentences anywhere.
    let manual = try! String(contentsOf: DocsTests.repository.appendingPathComponent("man/swnet.1"), encoding: .utf8)
        .split(separator: "\n").joined(separator: " ")

    /// The text between backquotes on the README line that contains `marker`.
    private func quoted(after marker: String) throws -> String {
        let start = try XCTUnwrap(readme.range(of: marker), "README lacks \(marker)")
        let rest = readme[start.upperBound...]
        let open = try XCTUnwrap(rest.firstIndex(of: "`"))
        let close = try XCTUnwrap(rest[rest.index(after: open)...].firstIndex(of: "`"))
        return String(rest[rest.index(after: open)..<close])
    }

    func testTheMisspeltOptionExampleIsWhatSwnetSays() throws {
        let example = try quoted(after: "A mistake names itself, suggests the nearest right word, and exits 2:")
        let result = try Harness.swnet(["connect", "--idle-tmeout", "1s", "127.0.0.1:1"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, example + "\n")
    }

    func testTheErrorExamplesAreWhatSwnetSays() throws {
        let port = Harness.freePort()
        let refused = try Harness.swnet(["connect", "127.0.0.1:\(port)"])
        XCTAssertTrue(readme.contains("swnet: connect: 127.0.0.1:7/tcp: connection refused\n"))
        XCTAssertEqual(refused.stderr, "swnet: connect: 127.0.0.1:\(port)/tcp: connection refused\n")
        let json = try Harness.swnet(["--json", "connect", "127.0.0.1:\(port)"])
        XCTAssertTrue(readme.contains(#"`{"error":{"code":4,"kind":"connect","message":"connect: 127.0.0.1:7/tcp: connection refused"}}`"#))
        XCTAssertEqual(json.text, #"{"error":{"code":4,"kind":"connect","message":"connect: 127.0.0.1:\#(port)/tcp: connection refused"}}"# + "\n")
    }

    func testTheManualSaysAScanIsOneDocument() throws {
        XCTAssertFalse(manual.contains("a scan\\(aqs"), "the man page calls a scan's JSON a stream")
        XCTAssertTrue(manual.contains("A scan is one document."))
        let result = try Harness.swnet(["--json", "connect", "-z", "127.0.0.1:\(Harness.freePort()),\(Harness.freePort())"])
        XCTAssertEqual(result.text.filter { $0 == "\n" }.count, 1, result.text)
        XCTAssertNotNil(try result.json()["ports"])
    }

    func testConnectHelpGivesNoDefaultThatHoldsForUDPOnly() throws {
        let help = try Harness.swnet(["connect", "--help"]).text
        let entry = help.components(separatedBy: "--idle-timeout DUR")[1].components(separatedBy: "\n  -")[0]
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        XCTAssertFalse(entry.contains("(default: 2s)"), entry)
        XCTAssertTrue(entry.contains("no limit unless given") && entry.contains("with --udp instead"), entry)
    }
}
