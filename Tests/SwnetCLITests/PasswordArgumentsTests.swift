@testable import SwnetCommands
import XCTest

final class PasswordArgumentsTests: XCTestCase {
    func hidden(_ arguments: [String]) -> [String] {
        var result = arguments.map { Array($0.utf8) }
        for secret in PasswordArguments.secrets(in: arguments) {
            for offset in secret.offset..<(secret.offset + secret.length) { result[secret.index][offset] = UInt8(ascii: "*") }
        }
        return result.map { String(decoding: $0, as: UTF8.self) }
    }

    func testUserOptionPasswordsAreFound() {
        XCTAssertEqual(hidden(["swnet", "http-get", "-u", "anna:secret", "http://h/"]), ["swnet", "http-get", "-u", "anna:******", "http://h/"])
        XCTAssertEqual(hidden(["swnet", "http-get", "--user", "anna:s:x", "http://h/"])[3], "anna:***")
        XCTAssertEqual(hidden(["swnet", "ftp-list", "--user=anna:pw", "ftp://h/"])[2], "--user=anna:**")
        XCTAssertEqual(hidden(["swnet", "ftp-list", "-uanna:pw", "ftp://h/"])[2], "-uanna:**")
        XCTAssertEqual(hidden(["swnet", "smtp-send", "-u", "anna", "--to", "b@c"]), ["swnet", "smtp-send", "-u", "anna", "--to", "b@c"])
    }

    func testProxyPasswordsAreFound() {
        XCTAssertEqual(hidden(["swnet", "http-get", "--proxy-user", "anna:secret", "http://h/"])[3], "anna:******")
        XCTAssertEqual(hidden(["swnet", "http-get", "--proxy-user=anna:pw", "http://h/"])[2], "--proxy-user=anna:**")
        XCTAssertEqual(hidden(["swnet", "http-get", "-x", "http://anna:pw@proxy:3128", "http://h/"])[3], "http://anna:**@proxy:3128")
        XCTAssertEqual(hidden(["swnet", "http-get", "--proxy", "anna:pw@proxy:3128", "http://h/"])[3], "anna:**@proxy:3128")
        XCTAssertEqual(hidden(["swnet", "http-get", "--proxy=socks5h://anna:pw@proxy", "http://h/"])[2], "--proxy=socks5h://anna:**@proxy")
        XCTAssertEqual(hidden(["swnet", "http-get", "-xanna:pw@proxy", "http://h/"])[2], "-xanna:**@proxy")
        XCTAssertEqual(hidden(["swnet", "http-get", "--proxy-user", "anna", "-x", "proxy:3128", "http://h/"]),
                       ["swnet", "http-get", "--proxy-user", "anna", "-x", "proxy:3128", "http://h/"])
    }

    func testURLPasswordsAreFound() {
        XCTAssertEqual(hidden(["swnet", "ftp-list", "ftp://anna:pa@ss@h:21/dir/"])[2], "ftp://anna:*****@h:21/dir/")
        XCTAssertEqual(hidden(["swnet", "http-get", "http://h/a:b@c"])[2], "http://h/a:b@c")
        XCTAssertEqual(hidden(["swnet", "http-get", "http://anna@h/"])[2], "http://anna@h/")
    }
}
