import SwnetCore
import SwnetSocket
import XCTest

final class AccessControlTests: XCTestCase {
    private func address(_ text: String) -> SocketAddress { SocketAddress(numeric: text, port: 4000)! }

    func testBlocksParseAndPrintInCIDR() throws {
        let cases: [(String, String)] = [
            ("10.0.0.0/8", "10.0.0.0/8"), ("192.0.2.7", "192.0.2.7/32"), ("10.1.2.3/8", "10.0.0.0/8"), ("0.0.0.0/0", "0.0.0.0/0"),
            ("2001:db8::/32", "2001:db8::/32"), ("::1", "::1/128"), ("[::1]/128", "::1/128"), ("2001:db8:ffff::1/33", "2001:db8:8000::/33"),
            ("::/0", "::/0"), ("192.168.1.0/23", "192.168.0.0/23"),
        ]
        for (text, printed) in cases {
            XCTAssertEqual(try AddressBlock(parsing: text).description, printed, text)
        }
    }

    func testMalformedBlocksAreUsageErrorsNamingTheText() {
        for bad in ["", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0/8", "example.com", "10.0.0.0/8/8", "1.2.3.4/ 8", "fe80::1%lo/64", "/8"] {
            XCTAssertThrowsError(try AddressBlock(parsing: bad), bad) { error in
                let error = error as? SwnetError
                XCTAssertEqual(error?.code, .usage, bad)
                XCTAssertTrue(error?.reason.contains("'\(bad)'") == true, "\(bad): \(error?.reason ?? "")")
            }
        }
        XCTAssertThrowsError(try AddressBlock(parsing: "10.0.0.0/33")) { error in
            XCTAssertTrue((error as? SwnetError)?.reason.contains("expected 0-32") == true)
        }
        XCTAssertThrowsError(try AddressBlock(parsing: "::/200")) { error in
            XCTAssertTrue((error as? SwnetError)?.reason.contains("expected 0-128") == true)
        }
    }

    func testContainmentByPrefixAndFamily() throws {
        let block = try AddressBlock(parsing: "192.168.0.0/23")
        XCTAssertTrue(block.contains(address("192.168.0.1")))
        XCTAssertTrue(block.contains(address("192.168.1.255")))
        XCTAssertFalse(block.contains(address("192.168.2.0")))
        XCTAssertFalse(block.contains(address("::1")))
        XCTAssertTrue(block.contains(address("::ffff:192.168.1.3")), "an IPv4-mapped address counts as IPv4")
        let v6 = try AddressBlock(parsing: "2001:db8::/32")
        XCTAssertTrue(v6.contains(address("2001:db8:1::5")))
        XCTAssertFalse(v6.contains(address("2001:db9::5")))
        XCTAssertFalse(v6.contains(address("10.0.0.1")))
        XCTAssertTrue(try AddressBlock(parsing: "0.0.0.0/0").contains(address("203.0.113.9")))
        XCTAssertTrue(try AddressBlock(parsing: "::1").contains(address("::1")))
        XCTAssertFalse(try AddressBlock(parsing: "::1").contains(address("::2")))
    }

    func testDenyWinsAndAllowRestricts() throws {
        let open = AccessControl()
        XCTAssertTrue(open.admitsEveryone)
        XCTAssertNil(open.refusal(of: address("198.51.100.1")))

        let rules = try AccessControl(allow: ["127.0.0.0/8", "::1"], deny: ["127.0.0.9"])
        XCTAssertNil(rules.refusal(of: address("127.0.0.1")))
        XCTAssertNil(rules.refusal(of: address("::1")))
        XCTAssertEqual(rules.refusal(of: address("127.0.0.9")), "denied by --deny 127.0.0.9/32")
        XCTAssertEqual(rules.refusal(of: address("10.0.0.1")), "not in any --allow block")
        XCTAssertNotNil(rules.refusal(of: address("::2")))

        let denyOnly = try AccessControl(allow: [], deny: ["10.0.0.0/8", "fd00::/8"])
        XCTAssertTrue(denyOnly.admits(address("11.0.0.1")))
        XCTAssertFalse(denyOnly.admits(address("10.200.0.1")))
        XCTAssertFalse(denyOnly.admits(address("fd12::1")))
        XCTAssertTrue(denyOnly.admits(address("fe80::1")))
    }

    func testUnixPeersHaveNoAddressToAllow() throws {
        let unix = try SocketAddress(unixPath: "/tmp/x.sock")
        XCTAssertTrue(try AccessControl(allow: [], deny: ["0.0.0.0/0"]).admits(unix))
        XCTAssertFalse(try AccessControl(allow: ["0.0.0.0/0"], deny: []).admits(unix))
        XCTAssertFalse(try AccessControl(allow: ["0.0.0.0/0"], deny: []).admits(nil))
    }
}
