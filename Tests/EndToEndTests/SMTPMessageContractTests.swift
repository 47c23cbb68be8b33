import Foundation
import XCTest

/// smtp-send takes what is legitimate (an empty body, mechanism names in any
/// case) and writes messages a strict parser reads without a defect.
final class SMTPMessageContractTests: XCTestCase {
    func testAnEmptyBodyIsAValue() throws {
        let smtp = try SMTPTestServer()
        defer { smtp.stop() }
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com", "-t", "b@example.com",
                                        "--subject", "", "--body", ""])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try smtp.messages().count, 1)
    }

    func testMechanismNamesAreCaseInsensitive() throws {
        let smtp = try SMTPTestServer(.init(auth: "anna:secret"))
        defer { smtp.stop() }
        for mechanism in ["PLAIN", "Login", "plain"] {
            let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-u", "anna:secret", "--auth", mechanism,
                                            "-f", "anna@example.com", "-t", "b@example.com", "--body", "x"])
            XCTAssertEqual(result.status, 0, "\(mechanism): \(result.stderr)")
        }
        // Every choice of every command takes any case, not only --auth.
        XCTAssertEqual(try Harness.swnet(["connect", "--stdin-eof", "CLOSE", "--connect-timeout", "1s", "127.0.0.1:\(Harness.freePort())"]).status, 4)
    }

    func testANonASCIIAttachmentNameParsesUnderAStrictParser() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let attachment = folder.appendingPathComponent("Bericht März \"final\".pdf")
        try Data("%PDF-1.4\n".utf8).write(to: attachment)
        let message = try Harness.swnet(["smtp-send", "--dry-run", "-f", "a@example.com", "-t", "b@example.com", "--subject", "Grüße",
                                         "--body", "Hallo", "--attach", attachment.path])
        XCTAssertEqual(message.status, 0, message.stderr)
        let check = """
        import email, email.policy, sys
        message = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.strict)
        for part in message.walk():
            if part.defects: sys.exit("defects: %r" % part.defects)
            for name in part.keys(): part[name]   # strict raises on a malformed field
        names = [part.get_filename() for part in message.walk() if part.get_filename()]
        print(names[0])
        """
        let parsed = try Tool.run("/usr/bin/python3", ["-c", check], stdin: message.stdout)
        XCTAssertEqual(parsed.status, 0, parsed.stderr)
        XCTAssertEqual(parsed.text, "Bericht März \"final\".pdf\n")
    }
}

/// Where a command has --password-file, the hint for a missing password names it.
final class PasswordHintTests: XCTestCase {
    func testTheHintNamesPasswordFileWhereThereIsOne() throws {
        unsetenv("SWNET_PASSWORD")
        // setsid: no terminal to prompt on, as in a script run from cron.
        let cases: [([String], Bool)] = [
            (["ftp-list", "-u", "anna", "ftp://127.0.0.1:1/"], true),
            (["smtp-send", "-u", "anna", "-s", "127.0.0.1:1", "-t", "b@example.com", "--body", "x"], true),
            (["http-get", "-u", "anna", "http://127.0.0.1:1/"], false),
        ]
        for (arguments, offered) in cases {
            let result = try Tool.run("setsid", ["--wait", Harness.binary.path] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("no password for anna: give USER:PASS"), result.stderr)
            XCTAssertEqual(result.stderr.contains("--password-file FILE"), offered, result.stderr)
        }
    }
}
